/**
 * Reads of the market, each at one block (`at`: the finalized block the page shows), through the
 * runtime API (`ComputeApi`) and storage: the same calls work over a light client.
 */
import type { SS58String } from "polkadot-api";
import { formatNodeId } from "../lib/nodeId";
import type { Status } from "../lib/status";
import type { ComputeApi } from "./connection";

/** Read options at block `at` (a hash), or at the finalized block. */
const atBlock = (at?: string) => (at ? { at } : undefined);

/**
 * Every item of a paged `ComputeApi` list: `page(after)` reads the page after cursor `after`,
 * `cursor` names an item's cursor.
 */
async function allPages<T, C>(
  page: (after: C | undefined) => Promise<{ total: number; items: T[] }>,
  cursor: (item: T) => C,
): Promise<T[]> {
  const out: T[] = [];
  let after: C | undefined;
  for (;;) {
    const { total, items } = await page(after);
    out.push(...items);
    if (items.length === 0 || out.length >= total) return out;
    after = cursor(items[items.length - 1]);
  }
}

/** The plans, all of them (`MaxPlans` is small), in id order. */
export async function plans(api: ComputeApi, at?: string) {
  return allPages(
    (after: number | undefined) => api.apis.ComputeApi.plans(after, undefined, atBlock(at)),
    (plan) => plan.plan_id,
  );
}
export type Plan = Awaited<ReturnType<typeof plans>>[number];

/** Every registered miner node with its latest metrics. */
export async function miners(api: ComputeApi, at?: string) {
  const [nodes, metrics] = await Promise.all([
    api.query.Compute.MinerNodes.getEntries(atBlock(at)),
    api.query.Compute.NodeMetrics.getEntries(atBlock(at)),
  ]);
  const key = (id: Uint8Array) => Array.from(id).join(",");
  const byNode = new Map(metrics.map((m) => [key(m.keyArgs[0]), m.value]));
  return nodes.map(({ keyArgs: [id], value }) => ({ id, node: value, metrics: byNode.get(key(id)) }));
}
export type Miner = Awaited<ReturnType<typeof miners>>[number];

/** The IP pool's counts and one page of free and assigned addresses. */
export async function ipPool(
  api: ComputeApi,
  startAfter: { type: "V4"; value: string } | { type: "V6"; value: string } | undefined,
  limit: number,
  at?: string,
) {
  return api.apis.ComputeApi.ip_pool(startAfter as never, limit, atBlock(at));
}

/** The id the next request will get: requests `0..next` were created. */
export async function nextRequestId(api: ComputeApi, at?: string) {
  return api.query.Compute.NextRequestId.getValue(atBlock(at));
}

/** One request with its billing record, by id; `undefined` once it is gone. */
export async function request(api: ComputeApi, id: bigint, at?: string) {
  const record = await api.query.Compute.RequestRecords.getValue(id, atBlock(at));
  if (!record) return undefined;
  const [detail, node] = await Promise.all([
    api.query.Compute.ComputeRequests.getValue(record.owner, id, atBlock(at)),
    record.host ? api.query.Compute.MinerNodes.getValue(record.host.node_id, atBlock(at)) : undefined,
  ]);
  return detail ? { id, record, detail, node } : undefined;
}
export type Request = NonNullable<Awaited<ReturnType<typeof request>>>;

/**
 * Most `ComputeApi.requests` calls one page makes: each reads at most `MaxRequestScan` ids, so a
 * page filtered by a rare status stops after this many and offers the rest on the next page.
 */
const MAX_SCANS_PER_PAGE = 10;

/**
 * A page of the market's requests, newest first, all or those in `status`: ids below `before`
 * (from the newest when `undefined`), `limit` of them, each with its record (host, address).
 * The runtime scans a bounded number of ids per call; a sparse status takes several calls.
 * `next` is the `before` of the following page, `undefined` at the end.
 */
export async function requestsPage(
  api: ComputeApi,
  status: Status | undefined,
  before: bigint | undefined,
  limit: number,
  at?: string,
) {
  const filter = status ? { type: status, value: undefined } : undefined;
  const found: { request_id: bigint; owner: SS58String; status: { type: string } }[] = [];
  let next = before;
  let total = 0;
  for (let scans = 0; scans < MAX_SCANS_PER_PAGE; scans++) {
    const scan = await api.apis.ComputeApi.requests(filter as never, next, limit - found.length, atBlock(at));
    total = scan.total;
    found.push(...scan.items);
    next = scan.next;
    if (next === undefined || found.length >= limit) break;
  }
  const records = await api.query.Compute.RequestRecords.getValues(
    found.map((r) => [r.request_id] as [bigint]),
    atBlock(at),
  );
  const rows = found.map((request, i) => ({ id: request.request_id, request, record: records[i] }));
  return { rows, next, total };
}

/**
 * The requests of `owner`, with their records, and what the owner rules need about each: the
 * block its queued deletion was asked in, and its host's record. Each kind is one batched read.
 */
export async function myRequests(api: ComputeApi, owner: SS58String, at?: string) {
  const items = await allPages(
    (after: bigint | undefined) => api.apis.ComputeApi.user_requests(owner, after, undefined, atBlock(at)),
    (request) => request.request_id,
  );
  const records = await api.query.Compute.RequestRecords.getValues(
    items.map((r) => [r.request_id] as [bigint]),
    atBlock(at),
  );
  const hosted = items.flatMap((detail, i) => {
    const host = records[i]?.host;
    return host ? [[host.node_id, detail.request_id] as [Uint8Array, bigint]] : [];
  });
  const nodeIds = [...new Map(hosted.map(([id]) => [formatNodeId(id), id])).values()];
  const [deletions, nodes] = await Promise.all([
    api.query.Compute.MinerComputeDeletionRequests.getValues(hosted, atBlock(at)),
    api.query.Compute.MinerNodes.getValues(
      nodeIds.map((id) => [id] as [Uint8Array]),
      atBlock(at),
    ),
  ]);
  const node = new Map(nodeIds.map((id, i) => [formatNodeId(id), nodes[i]]));
  const deletion = new Map(hosted.map(([, request], i) => [request, deletions[i]]));
  return items.map((detail, i) => {
    const host = records[i]?.host;
    return {
      id: detail.request_id,
      detail,
      record: records[i],
      deletionAskedAt: deletion.get(detail.request_id),
      node: host ? node.get(formatNodeId(host.node_id)) : undefined,
    };
  });
}
export type MyRequest = Awaited<ReturnType<typeof myRequests>>[number];

/** An account's free and held balance. */
export async function balance(api: ComputeApi, who: SS58String, at?: string) {
  const account = await api.query.System.Account.getValue(who, atBlock(at));
  return { free: account.data.free, reserved: account.data.reserved };
}
