/**
 * Requests a page at a time: the market's, newest first, all or those in one status; or those
 * of one owner or one node, in the chain's storage order.
 */
import { useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { requestsPage } from "../chain/market";
import { Card, Loading, Pager, StatusBadge } from "../components/ui";
import { formatCount, formatIp, shorten } from "../lib/format";
import { formatNodeId, parseNodeId } from "../lib/nodeId";
import { countOf, parseStatus, STATUSES, statusLabel, totalOf } from "../lib/status";

const PAGE = 25;

/** A page's rows by id, newest first (owners' and nodes' lists come in storage order). */
const newestFirst = <T extends { id: bigint }>(rows: T[]) => [...rows].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

/** A row of the list: what the table shows. */
interface Row {
  id: bigint;
  status: string;
  owner: string;
  node?: string;
  ip?: { type: "V4" | "V6"; value: string };
}

export function Requests(props: { query: URLSearchParams }) {
  const { conn } = useSession();
  const owner = props.query.get("owner") ?? "";
  const node = props.query.get("node") ?? "";
  const status = parseStatus(props.query.get("status"));
  // The pages walked so far, by their cursors: the `before` of the market's list, or the
  // `start_after` of an owner's or a node's (in storage order). Another filter starts again.
  const filterKey = `${owner}|${node}|${status ?? ""}`;
  const [paging, setPaging] = useState<{ filter?: string; cursors: (bigint | undefined)[] }>({ cursors: [undefined] });
  const cursors = paging.filter === filterKey ? paging.cursors : [undefined];
  const setCursors = (next: (bigint | undefined)[]) => setPaging({ filter: filterKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  /** Whether a page in storage order is the last: all `total` items were shown by it. */
  const lastOf = (shown: number, total: number) => (cursors.length - 1) * PAGE + shown >= total;
  const counts = useAtFinalized((at) => conn.api.apis.ComputeApi.request_counts({ at }), []);
  const { data, error } = useAtFinalized(async (at) => {
    if (owner) {
      const page = await conn.api.apis.ComputeApi.user_requests(owner, cursor, PAGE, { at });
      const rows: Row[] = page.items.map((r) => ({ id: r.request_id, status: r.status.type, owner: r.owner, node: r.miner_id && formatNodeId(r.miner_id) }));
      const next = page.items[page.items.length - 1]?.request_id;
      return { rows: newestFirst(rows), end: lastOf(rows.length, page.total) || next === undefined, next, total: page.total };
    }
    if (node) {
      const parsed = parseNodeId(node);
      if ("error" in parsed) throw new Error(parsed.error);
      const page = await conn.api.apis.ComputeApi.miner_requests(parsed.bytes, cursor, PAGE, { at });
      const rows: Row[] = page.items.map((m) => ({ id: m.request.request_id, status: m.request.fulfilled ? "Fulfilled" : "Claimed", owner: "", node, ip: m.request.ip_assigned }));
      const next = page.items[page.items.length - 1]?.request.request_id;
      return { rows: newestFirst(rows), end: lastOf(rows.length, page.total) || next === undefined, next, total: page.total };
    }
    const page = await requestsPage(conn.api, status, cursor, PAGE, at);
    const rows: Row[] = page.rows.map(({ id, request, record }) => ({
      id,
      status: request.status.type,
      owner: request.owner,
      node: record?.host && formatNodeId(record.host.node_id),
      ip: record?.ip,
    }));
    return { rows, end: page.next === undefined, next: page.next, total: page.total };
  }, [owner, node, status, cursor]);
  if (!data) return <Loading error={error} />;
  const filter = owner
    ? `of ${shorten(owner)}`
    : node
      ? `on node ${shorten(node, 10)}`
      : status
        ? `${statusLabel(status)}, newest first`
        : "newest first";
  const all = counts.data && totalOf(counts.data);
  return (
    <div className="page">
      <Card title={`Requests, ${filter} (${formatCount(data.total)})`} aside={owner || node ? <a href="#/requests">All requests</a> : undefined}>
        <form
          className="form-row"
          onSubmit={(e) => {
            e.preventDefault();
            const value = new FormData(e.currentTarget).get("owner")?.toString().trim();
            window.location.hash = value ? `#/requests?owner=${encodeURIComponent(value)}` : "#/requests";
          }}
        >
          <input name="owner" placeholder="Owner address (SS58)" defaultValue={owner} />
          <button type="submit">Filter by owner</button>
        </form>
        {!owner && !node && (
          <nav className="filters" data-testid="status-filter" aria-label="Filter by status">
            <a href="#/requests" aria-current={!status ? "page" : undefined}>
              All{all !== undefined && ` (${formatCount(all)})`}
            </a>
            {STATUSES.map((s) => {
              const n = counts.data && countOf(counts.data, s);
              return (
                <a key={s} href={`#/requests?status=${s}`} aria-current={status === s ? "page" : undefined}>
                  {statusLabel(s)}
                  {n !== undefined && ` (${formatCount(n)})`}
                </a>
              );
            })}
          </nav>
        )}
        <table data-testid="requests">
          <thead>
            <tr>
              <th>Request</th>
              <th>Status</th>
              <th>Owner</th>
              <th>Node</th>
              <th>Address</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((r) => (
              <tr key={String(r.id)}>
                <td>
                  <a href={`#/requests/${r.id}`}>vm-{String(r.id)}</a>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td title={r.owner}>{r.owner ? <a href={`#/requests?owner=${r.owner}`}>{shorten(r.owner)}</a> : "—"}</td>
                <td title={r.node}>{r.node ? shorten(r.node, 8) : "—"}</td>
                <td>{formatIp(r.ip)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data.rows.length === 0 && <p className="muted">No requests here.</p>}
        <Pager
          page={cursors.length - 1}
          onPrev={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined}
          onNext={!data.end ? () => setCursors([...cursors, data.next]) : undefined}
        />
      </Card>
    </div>
  );
}
