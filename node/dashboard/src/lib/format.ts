/** Formatting of the chain's values for people: balances, durations, addresses, bytes. */

/** The token's display facts, from the chain spec's properties. */
export interface Token {
  /** Ticker, e.g. `UNIT`. */
  symbol: string;
  /** Decimal places of one unit. */
  decimals: number;
}

/**
 * `planck` (the chain's smallest unit) as units with at most `digits` decimals, trailing zeros
 * dropped, and the symbol: `1_500_000_000_000n` at 12 decimals is `1.5 UNIT`. Exact: no float.
 */
export function formatBalance(planck: bigint, token: Token, digits = 4): string {
  const negative = planck < 0n;
  const value = negative ? -planck : planck;
  const base = 10n ** BigInt(token.decimals);
  const whole = value / base;
  let fraction = (value % base).toString().padStart(token.decimals, "0").slice(0, digits);
  fraction = fraction.replace(/0+$/, "");
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const tiny = whole === 0n && fraction === "" && value > 0n;
  const text = tiny ? `<0.${"0".repeat(Math.max(digits - 1, 0))}1` : fraction ? `${wholeText}.${fraction}` : wholeText;
  return `${negative ? "-" : ""}${text} ${token.symbol}`;
}

/**
 * Units typed by a person (`1.5`, `2`, `0.001`) as planck; `undefined` for anything that is not
 * a non-negative decimal number with at most `token.decimals` decimals.
 */
export function parseBalance(text: string, token: Token): bigint | undefined {
  const trimmed = text.trim().replace(/,/g, "");
  const match = /^(\d+)(?:\.(\d*))?$/.exec(trimmed);
  if (!match) return undefined;
  const [, whole, fraction = ""] = match;
  if (fraction.length > token.decimals) return undefined;
  return BigInt(whole) * 10n ** BigInt(token.decimals) + BigInt(fraction.padEnd(token.decimals, "0") || "0");
}

/** A duration in seconds as its two largest units: `3 d 4 h`, `5 min 10 s`, `42 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "no end";
  const s = Math.max(0, Math.floor(seconds));
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["min", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0 || (parts.length === 0 && size === 1)) parts.push(`${count} ${name}`);
    rest -= count * size;
    if (parts.length === 2) break;
  }
  return parts.join(" ");
}

/** How long ago block `at` was, seen from block `now`, with `blockMs` per block. */
export function formatAge(at: number, now: number, blockMs: number): string {
  const blocks = Math.max(0, now - at);
  return `${formatDuration((blocks * blockMs) / 1000)} ago`;
}

/** An address as the chain holds it (`V4` or `V6`, hex) in its usual text form. */
export function formatIp(ip: { type: "V4" | "V6"; value: string } | undefined): string {
  if (!ip) return "—";
  const hex = ip.value.replace(/^0x/, "");
  if (ip.type === "V4") return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(".");
  const groups = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** UTF-8 bytes as text (node ids are peer ids in text, image URLs, reasons). */
export function text(bytes: Uint8Array | undefined): string {
  return bytes ? new TextDecoder().decode(bytes) : "";
}

/** A long id or address shortened to its ends: `5Grwva…utQY`. */
export function shorten(value: string, keep = 6): string {
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}

/** Mebibytes as MiB or GiB. */
export function formatMemory(mb: number | bigint): string {
  const n = Number(mb);
  return n >= 1024 ? `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} GiB` : `${n} MiB`;
}

/** A count with thousands separated: `10,000`. */
export function formatCount(n: number | bigint): string {
  return n.toLocaleString("en-US");
}
