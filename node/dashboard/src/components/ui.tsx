/** Small building blocks shared by the pages. */
import type { ReactNode } from "react";
import { formatBalance, formatCount } from "../lib/format";
import { statusLabel } from "../lib/status";
import { useSession } from "../chain/hooks";

/** A titled section of a page. */
export function Card(props: { title: ReactNode; children: ReactNode; testId?: string; aside?: ReactNode }) {
  return (
    <section className="card" data-testid={props.testId}>
      <header>
        <h2>{props.title}</h2>
        {props.aside}
      </header>
      {props.children}
    </section>
  );
}

/** One figure with its label. */
export function Stat(props: { label: string; value: ReactNode; hint?: string; testId?: string }) {
  return (
    <div className="stat" data-testid={props.testId} title={props.hint}>
      <div className="stat-value">{props.value}</div>
      <div className="stat-label">{props.label}</div>
    </div>
  );
}

/** `used` of `total` as a bar with its numbers. */
export function Bar(props: { label: string; used: number; total: number; unit?: string }) {
  const share = props.total > 0 ? Math.min(1, props.used / props.total) : 0;
  return (
    <div className="bar" title={`${Math.round(share * 100)} %`}>
      <div className="bar-label">
        {props.label}
        <span>
          {formatCount(props.used)} / {formatCount(props.total)}
          {props.unit ? ` ${props.unit}` : ""}
        </span>
      </div>
      <div className="bar-track">
        <div className={`bar-fill ${share > 0.9 ? "full" : ""}`} style={{ width: `${share * 100}%` }} />
      </div>
    </div>
  );
}

/** A balance in the chain's token. */
export function Balance(props: { planck: bigint; digits?: number }) {
  const { conn } = useSession();
  return <span className="balance">{formatBalance(props.planck, conn.facts.token, props.digits)}</span>;
}

/** A request's status as a coloured badge. */
export function StatusBadge(props: { status: string }) {
  return (
    <span className={`badge badge-${props.status.toLowerCase()}`} data-testid="status">
      {statusLabel(props.status)}
    </span>
  );
}

/** A load that has not answered yet, or failed. */
export function Loading(props: { error?: string }) {
  return props.error ? <p className="error">Could not read the chain: {props.error}</p> : <p className="muted">Loading…</p>;
}

/** Previous / next page buttons. */
export function Pager(props: { page: number; onPrev?: () => void; onNext?: () => void }) {
  return (
    <div className="pager">
      <button onClick={props.onPrev} disabled={!props.onPrev}>
        ← Newer
      </button>
      <span>Page {props.page + 1}</span>
      <button onClick={props.onNext} disabled={!props.onNext}>
        Older →
      </button>
    </div>
  );
}
