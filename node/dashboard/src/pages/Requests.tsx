/** Requests, newest first a page at a time, or those of one owner or one node. */
import { useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { requestsPage } from "../chain/market";
import { Card, Loading, Pager, StatusBadge } from "../components/ui";
import { formatIp, shorten } from "../lib/format";
import { formatNodeId, parseNodeId } from "../lib/nodeId";

const PAGE = 25;

/** Rows by id, newest first (the runtime pages these lists in its storage order). */
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
  const [cursors, setCursors] = useState<(bigint | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const { data, error } = useAtFinalized(async (at) => {
    if (owner) {
      const page = await conn.api.apis.ComputeApi.user_requests(owner, undefined, 100, { at });
      const rows: Row[] = page.items.map((r) => ({ id: r.request_id, status: r.status.type, owner: r.owner, node: r.miner_id && formatNodeId(r.miner_id) }));
      return { rows: newestFirst(rows), end: true, next: 0n, total: page.total };
    }
    if (node) {
      const parsed = parseNodeId(node);
      if ("error" in parsed) throw new Error(parsed.error);
      const page = await conn.api.apis.ComputeApi.miner_requests(parsed.bytes, undefined, 100, { at });
      const rows: Row[] = page.items.map((m) => ({ id: m.request.request_id, status: m.request.fulfilled ? "Fulfilled" : "Claimed", owner: "", node, ip: m.request.ip_assigned }));
      return { rows: newestFirst(rows), end: true, next: 0n, total: page.total };
    }
    const page = await requestsPage(conn.api, before, PAGE, at);
    const rows: Row[] = page.rows.map(({ id, record }) => ({
      id,
      status: record.status.type,
      owner: record.owner,
      node: record.host && formatNodeId(record.host.node_id),
      ip: record.ip,
    }));
    return { rows, end: page.end, next: page.next, total: undefined };
  }, [owner, node, before]);
  if (!data) return <Loading error={error} />;
  const filter = owner ? `of ${shorten(owner)}` : node ? `on node ${shorten(node, 10)}` : "newest first";
  return (
    <div className="page">
      <Card title={`Requests, ${filter}`} aside={owner || node ? <a href="#/requests">All requests</a> : undefined}>
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
        {!owner && !node && (
          <Pager
            page={cursors.length - 1}
            onPrev={cursors.length > 1 ? () => setCursors(cursors.slice(0, -1)) : undefined}
            onNext={!data.end ? () => setCursors([...cursors, data.next]) : undefined}
          />
        )}
      </Card>
    </div>
  );
}
