/**
 * The miner nodes: capacity and usage, status, latest metrics and the age of the last report,
 * with each node's reports over time.
 */
import { useEffect, useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { miners, type Miner } from "../chain/market";
import { Sparkline } from "../components/Sparkline";
import { Bar, Card, Loading } from "../components/ui";
import { formatAge, formatIp, formatMemory, shorten, text } from "../lib/format";
import { History } from "../lib/history";
import { formatNodeId } from "../lib/nodeId";

/** A node's reported metrics. */
type Metrics = NonNullable<Miner["metrics"]>;

/** Each node's reports of the last hour, by node id, kept while the app is open. */
const reports = new Map<string, History<Metrics>>();

/** Keeps each node's latest report in its history (a report read again is kept once). */
function record(nodes: Miner[]) {
  const t = Date.now() / 1000;
  for (const { id, metrics } of nodes) {
    if (!metrics) continue;
    const key = formatNodeId(id);
    const history = reports.get(key) ?? new History<Metrics>();
    reports.set(key, history);
    history.push(t, metrics, (a, b) => a.last_updated === b.last_updated);
  }
}

export function Miners() {
  const { conn, finalized } = useSession();
  const { data, error } = useAtFinalized((at) => miners(conn.api, at), []);
  const [, redraw] = useState(0);
  useEffect(() => {
    if (!data) return;
    record(data);
    redraw((n) => n + 1);
  }, [data]);
  if (!data) return <Loading error={error} />;
  const now = finalized?.number ?? 0;
  if (data.length === 0) return <p className="muted">No miner node is registered yet.</p>;
  return (
    <div className="page grid" data-testid="miners">
      {data.map(({ id, node, metrics }) => {
        const silent = now - node.last_heartbeat > conn.facts.heartbeatTimeout;
        const live = node.status.type === "Active" && !silent;
        return (
          <Card
            key={formatNodeId(id)}
            title={<span title={formatNodeId(id)}>{shorten(formatNodeId(id), 10)}</span>}
            aside={<span className={`badge ${live ? "badge-running" : "badge-failed"}`}>{live ? "live" : silent ? "silent" : node.status.type}</span>}
          >
            <Bar label="vCPUs" used={node.used.vcpus} total={node.capacity.vcpus} />
            <Bar label="Memory" used={node.used.memory_mb} total={node.capacity.memory_mb} unit="MiB" />
            <Bar label="Disk" used={node.used.storage_gb} total={node.capacity.storage_gb} unit="GB" />
            <dl className="facts">
              <dt>VMs</dt>
              <dd>{node.hosted}</dd>
              <dt>Owner</dt>
              <dd title={node.owner}>{shorten(node.owner)}</dd>
              <dt>Hypervisor</dt>
              <dd>{formatIp(node.hypervisor_ip)}</dd>
              <dt>Last report</dt>
              <dd>{formatAge(node.last_heartbeat, now, conn.facts.billing.blockMs)}</dd>
              {metrics && (
                <>
                  <dt>CPU</dt>
                  <dd>
                    {metrics.cpu_cores} × {text(metrics.cpu_model) || "?"}
                  </dd>
                  <dt>Memory free</dt>
                  <dd>
                    {formatMemory(metrics.memory_free_mb)} of {formatMemory(metrics.memory_total_mb)}
                  </dd>
                  <dt>Disk free</dt>
                  <dd>
                    {String(metrics.storage_free_gb)} of {String(metrics.storage_total_gb)} GB
                  </dd>
                  <dt>Uptime</dt>
                  <dd>{String(metrics.uptime_minutes)} min</dd>
                  <dt>VM operations</dt>
                  <dd>
                    {String(metrics.successful_vm_operations)} ok, {String(metrics.failed_vm_operations)} failed
                  </dd>
                </>
              )}
            </dl>
            <NodeCharts history={reports.get(formatNodeId(id))} />
            <a href={`#/requests?node=${encodeURIComponent(formatNodeId(id))}`}>Its VMs →</a>
          </Card>
        );
      })}
    </div>
  );
}

/** A node's reports over the last hour: its VMs and the memory its host has in use. */
function NodeCharts(props: { history?: History<Metrics> }) {
  const { history } = props;
  if (!history || history.length === 0) return null;
  return (
    <div className="charts" data-testid="node-charts">
      <figure>
        <Sparkline samples={history.series((m) => m.vm_count)} label="VMs running" color="#6366f1" />
        <figcaption>VMs running</figcaption>
      </figure>
      <figure>
        <Sparkline
          samples={history.series((m) => Number(m.memory_total_mb - m.memory_free_mb))}
          label="host memory used (MiB)"
          color="#f59e0b"
        />
        <figcaption>host memory used (MiB)</figcaption>
      </figure>
    </div>
  );
}
