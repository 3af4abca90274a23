/** The miner nodes: capacity and usage, status, latest metrics and the age of the last report. */
import { useAtFinalized, useSession } from "../chain/hooks";
import { miners } from "../chain/market";
import { Bar, Card, Loading } from "../components/ui";
import { formatAge, formatIp, formatMemory, shorten, text } from "../lib/format";
import { formatNodeId } from "../lib/nodeId";

export function Miners() {
  const { conn, finalized } = useSession();
  const { data, error } = useAtFinalized((at) => miners(conn.api, at), []);
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
            <a href={`#/requests?node=${encodeURIComponent(formatNodeId(id))}`}>Its VMs →</a>
          </Card>
        );
      })}
    </div>
  );
}
