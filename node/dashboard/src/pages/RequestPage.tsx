/** One VM: its record, its address and SSH command, its prepayment, and its timeline of events. */
import { useEffect, useState } from "react";
import { useAtFinalized, useSession } from "../chain/hooks";
import { request } from "../chain/market";
import { backfill, onTimeline, timelineOf } from "../chain/timeline";
import { Balance, Card, Loading, StatusBadge } from "../components/ui";
import { formatBalance, formatDuration, formatIp, formatMemory, shorten, text, type Token } from "../lib/format";
import { liveClock, timeLeft, type TimeLeft } from "../lib/pricing";
import { formatNodeId } from "../lib/nodeId";

/** The command that logs in to a VM at `ip` as `user`. */
export function sshCommand(ip: string, user = "root"): string {
  return `ssh ${user}@${ip}`;
}

/** A VM's address and, once it has one, how to log in: two rows of a facts list. */
export function AddressFacts(props: { ip: string | undefined; testId: string }) {
  return (
    <>
      <dt>Address</dt>
      <dd data-testid={props.testId}>{props.ip ?? "—"}</dd>
      {props.ip && (
        <>
          <dt>Log in</dt>
          <dd>
            <SshHint ip={props.ip} />
          </dd>
        </>
      )}
    </>
  );
}

/** What to type to log in to a VM at `ip`, and whom as. */
export function SshHint(props: { ip: string }) {
  return (
    <>
      <code data-testid="ssh">{sshCommand(props.ip)}</code>
      <div className="muted small">or the image's default user instead of root: debian, ubuntu, …</div>
    </>
  );
}

/** What a request's time left means, in words. */
export function TimeLeftText(props: { left: TimeLeft }) {
  const { left } = props;
  if (left.then === "nothing") return <>nothing is charged now</>;
  const when = formatDuration(left.seconds);
  return left.then === "stop" ? (
    <>
      {when}, then the chain stops the VM for low funds{left.low && ": top up soon"}
    </>
  ) : (
    <>
      {when} of address rent, then the chain closes the request{left.low && ": top up soon"}
    </>
  );
}

/** A request's events as they happened. */
export function Timeline(props: { id: bigint; createdAt?: number }) {
  const { conn } = useSession();
  const [, redraw] = useState(0);
  useEffect(() => onTimeline(() => redraw((n) => n + 1)), []);
  useEffect(() => {
    void backfill(conn, props.createdAt ?? 0);
  }, [conn, props.createdAt]);
  const entries = timelineOf(props.id);
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((e, i) => (
        <li key={i}>
          <span className="block">#{e.block}</span> <strong>{e.name.replace(/^Compute/, "")}</strong>{" "}
          <span className="muted">{describe(e.fields, conn.facts.token)}</span>
        </li>
      ))}
      {entries.length === 0 && <li className="muted">No events read yet.</li>}
    </ol>
  );
}

/** An event's interesting fields in a few words: node ids as peer ids, amounts in the token. */
export function describe(fields: Record<string, unknown>, token: Token): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(fields)) {
    if (k === "request_id" || k === "owner") continue;
    const name = k.replace(/_/g, " ");
    if (v instanceof Uint8Array) parts.push(`${name} ${k.endsWith("node_id") ? shorten(formatNodeId(v), 10) : text(v)}`);
    else if (typeof v === "bigint") parts.push(`${name} ${formatBalance(v, token)}`);
    else if (typeof v === "object" && v && "type" in v && typeof (v as { value?: unknown }).value === "string")
      parts.push(`${name} ${formatIp(v as { type: "V4"; value: string })}`);
    else if (typeof v === "object" && v && "type" in v) parts.push(`${name} ${(v as { type: string }).type}`);
    else if (typeof v === "string" && v.length > 20) parts.push(`${name} ${shorten(v)}`);
    else parts.push(`${name} ${String(v)}`);
  }
  return parts.join(", ");
}

export function RequestPage(props: { id: bigint }) {
  const { conn } = useSession();
  const { data, error, at } = useAtFinalized((h) => request(conn.api, props.id, h), [props.id]);
  if (error) return <Loading error={error} />;
  if (at === undefined) return <Loading />;
  if (!data)
    return (
      <div className="page">
        <Card title={`vm-${props.id}`}>
          <p>This request is not on the chain (never created, or deleted).</p>
          <Timeline id={props.id} />
        </Card>
      </div>
    );
  const { record, detail } = data;
  const ip = record.ip ? formatIp(record.ip) : undefined;
  const now = at;
  const left = timeLeft(record.billing, conn.facts.billing, now, liveClock(data.node, now, conn.facts.heartbeatTimeout));
  return (
    <div className="page grid">
      <Card title={`vm-${props.id}`} aside={<StatusBadge status={record.status.type} />} testId="request">
        <dl className="facts">
          <dt>Owner</dt>
          <dd className="wrap">{record.owner}</dd>
          <dt>Plan</dt>
          <dd>
            #{detail.plan_id}: {detail.plan_technical_description.vcpus} vCPU, {formatMemory(detail.plan_technical_description.memory_mb)},{" "}
            {detail.plan_technical_description.storage_gb} GB
          </dd>
          <dt>Image</dt>
          <dd className="wrap">{text(detail.selected_image.image_url)}</dd>
          <dt>Created in block</dt>
          <dd>#{detail.created_at}</dd>
          <dt>Node</dt>
          <dd className="wrap">{record.host ? formatNodeId(record.host.node_id) : "—"}</dd>
          <AddressFacts ip={ip} testId="address" />
        </dl>
      </Card>
      <Card title="Prepayment">
        <dl className="facts">
          <dt>Held</dt>
          <dd><Balance planck={record.billing.held} /></dd>
          <dt>Left</dt>
          <dd><Balance planck={left.left} /></dd>
          <dt>Costs now</dt>
          <dd><Balance planck={left.ratePerBlock} digits={6} /> per block</dd>
          <dt>Time left</dt>
          <dd className={left.low ? "warning" : ""}>
            <TimeLeftText left={left} />
          </dd>
          {record.evict_at !== undefined && (
            <>
              <dt>Eviction</dt>
              <dd className="warning">the miner gave notice: the VM ends at block #{record.evict_at}</dd>
            </>
          )}
          <dt>Deposit</dt>
          <dd><Balance planck={record.billing.deposit} /></dd>
        </dl>
      </Card>
      <Card title="Timeline">
        <Timeline id={props.id} createdAt={detail.created_at} />
      </Card>
    </div>
  );
}
