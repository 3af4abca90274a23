/**
 * The events of each request, read from the chain: every finalized block's `Compute` events
 * that name a request, kept per request id while the dashboard is open, and the blocks before
 * that read on demand, back to the request's creation (at most `MAX_BACKFILL` blocks).
 */
import type { ComputeApi, Connection } from "./connection";

/** One event of a request. */
export interface TimelineEntry {
  block: number;
  /** The event's name, e.g. `ComputeRequestFulfilled`. */
  name: string;
  /** Its fields, for the details column. */
  fields: Record<string, unknown>;
}

/** Blocks a request page reads back at most, to fill in what happened before the page was open. */
export const MAX_BACKFILL = 1200;

const byRequest = new Map<bigint, TimelineEntry[]>();
const listeners = new Set<() => void>();
const seen = new Set<number>();
let firstWatched: number | undefined;

/** Adds the `Compute` events of block `number` (at `hash`) to their requests' timelines. */
async function readBlock(api: ComputeApi, number: number, hash: string) {
  if (seen.has(number)) return;
  seen.add(number);
  const events = await api.query.System.Events.getValue({ at: hash });
  for (const { event } of events) {
    if (event.type !== "Compute") continue;
    const inner = event.value as { type: string; value: Record<string, unknown> };
    const id = inner.value?.request_id;
    if (typeof id !== "bigint") continue;
    const list = byRequest.get(id) ?? [];
    list.push({ block: number, name: inner.type, fields: inner.value });
    list.sort((a, b) => a.block - b.block);
    byRequest.set(id, list);
  }
}

/** Starts keeping the events of every finalized block; returns the unsubscription. */
export function watchTimelines(conn: Connection): () => void {
  const sub = conn.client.finalizedBlock$.subscribe((block) => {
    firstWatched ??= block.number;
    readBlock(conn.api, block.number, block.hash).then(() => listeners.forEach((l) => l()));
  });
  return () => sub.unsubscribe();
}

/** Request `id`'s events seen so far, oldest first. */
export function timelineOf(id: bigint): TimelineEntry[] {
  return byRequest.get(id) ?? [];
}

/** Calls `listener` whenever new events were read; returns the unsubscription. */
export function onTimeline(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Reads the blocks from `from` (a request's creation; 0 when unknown) up to the first block
 * watched, at most `MAX_BACKFILL` of the latest of them, by number through the node's
 * `chain_getBlockHash`, twenty at a time.
 */
export async function backfill(conn: Connection, from: number): Promise<void> {
  const head = firstWatched ?? (await conn.client.getFinalizedBlock()).number;
  const start = Math.max(from, head - MAX_BACKFILL);
  const numbers = [];
  for (let n = start; n <= head; n++) if (!seen.has(n)) numbers.push(n);
  for (let i = 0; i < numbers.length; i += 20) {
    await Promise.all(
      numbers.slice(i, i + 20).map(async (n) => {
        const hash = await conn.client._request<string | null>("chain_getBlockHash", [n]);
        if (hash) await readBlock(conn.api, n, hash);
      }),
    );
  }
  listeners.forEach((l) => l());
}
