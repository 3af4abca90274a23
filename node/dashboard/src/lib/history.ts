/**
 * Samples of the last hour, kept in the page while it is open: the data of the live charts.
 * The chain keeps only the current state (a full node prunes old states after a few minutes, a
 * light client never has them), so a chart starts when the page does.
 */

/** How far back a chart goes, seconds. */
export const WINDOW_S = 3600;

/** A time series of `T` samples, each at a time in seconds, with at most an hour kept. */
export class History<T> {
  private samples: { t: number; value: T }[] = [];

  /**
   * Adds `value` at time `t` (seconds) and drops what is older than the window. A sample equal
   * to the last one by `same` only moves the series on in time (it is not kept twice).
   */
  push(t: number, value: T, same?: (a: T, b: T) => boolean) {
    const last = this.samples[this.samples.length - 1];
    if (last && same?.(last.value, value)) {
      last.t = Math.max(last.t, t);
    } else {
      this.samples.push({ t, value });
    }
    while (this.samples.length && this.samples[0].t < t - WINDOW_S) this.samples.shift();
  }

  /** The series `pick` reads from each sample, as `[time, value]` pairs. */
  series(pick: (value: T) => number): [number, number][] {
    return this.samples.map((s) => [s.t, pick(s.value)]);
  }

  /** How many samples are kept. */
  get length() {
    return this.samples.length;
  }
}

/**
 * The top of a chart's scale for a highest value of `max`: the least of 1, 2 or 5 times a power
 * of ten above it (1 when nothing is above 0), so the scale's label is a round number.
 */
export function scaleTop(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power > max) ?? 10;
  return step * power;
}
