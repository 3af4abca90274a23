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

/**
 * Requests whose events are kept at most: those with the latest events (a long-open page on a
 * busy chain would otherwise keep every request's). A request dropped from them shows only its
 * later events until the page is loaded again.
 */
export const MAX_KEPT_REQUESTS = 2000;
/** Block hashes remembered as read at most, the newest. */
const MAX_SEEN_BLOCKS = 4 * MAX_BACKFILL;

/** Each request's events, the request with the latest event last. */
const byRequest = new Map<bigint, TimelineEntry[]>();
const listeners = new Set<() => void>();
/** Hashes of the blocks read, or being read, in the order they were first read. */
const seen = new Set<string>();

/** Drops the oldest of `items` (in insertion order) beyond `max`. */
function trim<K>(items: { size: number; keys(): IterableIterator<K>; delete(key: K): boolean }, max: number) {
  for (const key of items.keys()) {
    if (items.size <= max) return;
    items.delete(key);
  }
}
let firstWatched: number | undefined;

/**
 * Adds the `Compute` events of block `number` (at `hash`) to their requests' timelines; false
 * when the block could not be read (it may be read again later).
 */
async function readBlock(api: ComputeApi, number: number, hash: string): Promise<boolean> {
  if (seen.has(hash)) return true;
  seen.add(hash);
  let events;
  try {
    events = await api.query.System.Events.getValue({ at: hash });
  } catch {
    seen.delete(hash);
    return false;
  }
  for (const { event } of events) {
    if (event.type !== "Compute") continue;
    const inner = event.value as { type: string; value: Record<string, unknown> };
    const id = inner.value?.request_id;
    if (typeof id !== "bigint") continue;
    const list = byRequest.get(id) ?? [];
    const entry = { block: number, name: inner.type, fields: inner.value };
    const at = list.findIndex((e) => e.block > number);
    list.splice(at < 0 ? list.length : at, 0, entry);
    // Moved last: the requests with the oldest events are the first dropped.
    byRequest.delete(id);
    byRequest.set(id, list);
  }
  trim(byRequest, MAX_KEPT_REQUESTS);
  trim(seen, MAX_SEEN_BLOCKS);
  return true;
}

/** Starts keeping the events of every finalized block; returns the unsubscription. */
export function watchTimelines(conn: Connection): () => void {
  // A new connection may be to another chain (a restarted dev chain reuses request ids).
  byRequest.clear();
  seen.clear();
  firstWatched = undefined;
  const sub = conn.client.finalizedBlock$.subscribe((block) => {
    firstWatched ??= block.number;
    void readBlock(conn.api, block.number, block.hash).then(() => listeners.forEach((l) => l()));
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
 * Reads the blocks before the first one watched, newest first, back to `from` (a request's
 * creation; 0 when unknown) and at most `MAX_BACKFILL` of them, by number through the node's
 * `chain_getBlockHash`, ten at a time. It stops at the first block whose state the node no
 * longer has: a pruning node keeps the state of its last 256 blocks only (`--state-pruning`).
 */
export async function backfill(conn: Connection, from: number): Promise<void> {
  try {
    const head = firstWatched ?? (await conn.client.getFinalizedBlock()).number;
    const start = Math.max(from, head - MAX_BACKFILL);
    for (let top = head; top >= start; top -= 10) {
      const numbers = [];
      for (let n = top; n > top - 10 && n >= start; n--) numbers.push(n);
      const read = await Promise.all(
        numbers.map(async (n) => {
          const hash = await conn.client._request<string | null>("chain_getBlockHash", [n]);
          return hash ? readBlock(conn.api, n, hash) : false;
        }),
      );
      listeners.forEach((l) => l());
      if (read.includes(false)) return;
    }
  } catch {
    // The node went away: what was read stays.
  }
}
