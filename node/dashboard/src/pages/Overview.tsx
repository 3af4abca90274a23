/** The market at a glance: heads, nodes, VMs, capacity and the pool, with the last hour's trend. */
import { useEffect, useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { ipPool, miners, nextRequestId, plans } from "../chain/market";
import { Bar, Card, Loading, Stat } from "../components/ui";
import { Sparkline, type Sample } from "../components/Sparkline";
import { formatCount, formatMemory } from "../lib/format";
import { History } from "../lib/history";
import { countOf, STATUSES, statusLabel } from "../lib/status";

/** The overview's figures at one block. */
async function figures(api: ReturnType<typeof useSession>["conn"]["api"], at: string, heartbeatTimeout: number, now: number) {
  const [nodes, pool, created, planList, counts] = await Promise.all([
    miners(api, at),
    ipPool(api, undefined, 0, at),
    nextRequestId(api, at),
    plans(api, at),
    api.apis.ComputeApi.request_counts({ at }),
  ]);

  const sum = (pick: (n: (typeof nodes)[number]) => number) => nodes.reduce((s, n) => s + pick(n), 0);
  return {
    nodesTotal: nodes.length,
    nodesLive: nodes.filter((n) => n.node.status.type === "Active" && now - n.node.last_heartbeat <= heartbeatTimeout).length,
    hosted: sum((n) => n.node.hosted),
    byStatus: STATUSES.map((status) => ({ status, count: countOf(counts, status) })),
    running: counts.running,
    created: Number(created),
    activePlans: planList.filter((p) => p.active).length,
    vcpus: { used: sum((n) => n.node.used.vcpus), total: sum((n) => n.node.capacity.vcpus) },
    memory: { used: sum((n) => n.node.used.memory_mb), total: sum((n) => n.node.capacity.memory_mb) },
    disk: { used: sum((n) => n.node.used.storage_gb), total: sum((n) => n.node.capacity.storage_gb) },
    poolFree: pool.free_count,
    poolHeld: pool.assigned_count,
  };
}
type Figures = Awaited<ReturnType<typeof figures>>;

/** The figures of the last hour, kept while the app is open (also across its tabs). */
const history = new History<Figures>();

export function Overview() {
  const { conn, finalized, best } = useSession();
  const { data, error } = useAtFinalized(
    (at) => figures(conn.api, at, conn.facts.heartbeatTimeout, finalized?.number ?? 0),
    [],
  );
  const [, redraw] = useState(0);
  useEffect(() => {
    if (!data) return;
    history.push(Date.now() / 1000, data);
    redraw((n) => n + 1);
  }, [data]);
  if (!data) return <Loading error={error} />;
  const series = (pick: (f: Figures) => number): Sample[] => history.series(pick);
  return (
    <div className="page">
      <div className="stats" data-testid="overview-stats">
        <Stat label="best block" value={`#${best ?? "…"}`} />
        <Stat label="finalized block" value={`#${finalized?.number ?? "…"}`} />
        <Stat label="nodes live / registered" value={`${formatCount(data.nodesLive)} / ${formatCount(data.nodesTotal)}`} testId="nodes" />
        <Stat label="VMs on miners" value={formatCount(data.hosted)} hint="In progress, running and stopped" testId="hosted" />
        <Stat label="requests created" value={formatCount(data.created)} />
        <Stat label="plans on sale" value={data.activePlans} />
        <Stat label="addresses free / held" value={`${formatCount(data.poolFree)} / ${formatCount(data.poolHeld)}`} testId="pool" />
      </div>
      <div className="grid">
        <Card title="VMs by status" testId="by-status">
          <table>
            <tbody>
              {data.byStatus.map(({ status, count }) => (
                <tr key={status}>
                  <td>
                    <a href={`#/requests?status=${status}`}>{statusLabel(status)}</a>
                  </td>
                  <td className="num" data-testid={`count-${status}`}>
                    {formatCount(count)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">Requests stored on chain, by status; each links to its list.</p>
        </Card>
        <Card title="Capacity offered and used">
          <Bar label="vCPUs" used={data.vcpus.used} total={data.vcpus.total} />
          <Bar label="Memory (MiB)" used={data.memory.used} total={data.memory.total} />
          <Bar label="Disk (GB)" used={data.disk.used} total={data.disk.total} />
          <p className="muted">
            {formatMemory(data.memory.total - data.memory.used)} of memory free across {data.nodesTotal} nodes.
          </p>
        </Card>
        <Card title="Last hour">
          <div className="charts">
            <figure>
              <Sparkline samples={series((f) => f.hosted)} label="VMs on miners" />
              <figcaption>VMs on miners</figcaption>
            </figure>
            <figure>
              <Sparkline samples={series((f) => f.running)} label="VMs running" color="#6366f1" />
              <figcaption>VMs running</figcaption>
            </figure>
            <figure>
              <Sparkline samples={series((f) => f.nodesLive)} label="nodes live" color="#10b981" />
              <figcaption>nodes live</figcaption>
            </figure>
            <figure>
              <Sparkline samples={series((f) => f.poolFree)} label="free addresses" color="#f59e0b" />
              <figcaption>free addresses</figcaption>
            </figure>
          </div>
          <p className="muted">Sampled at each finalized block since this page was opened.</p>
        </Card>
      </div>
    </div>
  );
}
