/**
 * The selected account's VMs: the form that rents one, and each VM with its address, the SSH
 * command, its prepayment and time left, and the owner operations the rules allow now.
 */
import { useState } from "react";
import { Binary } from "polkadot-api";
import { useAtFinalized, useSession } from "../chain/hooks";
import { balance, myRequests, plans, type MyRequest, type Plan } from "../chain/market";
import { describeTx, send, type TxState } from "../chain/submit";
import { Balance, Card, Loading, StatusBadge } from "../components/ui";
import { formatBalance, formatIp, formatMemory, parseBalance, text } from "../lib/format";
import { bootFloor, createHold, liveClock, timeLeft } from "../lib/pricing";
import { actionsFor, resizeFits, type Action } from "../lib/rules";
import type { Status } from "../lib/status";
import { checkSource, userDataSource } from "../lib/userData";
import { Hold } from "./Plans";
import { AddressFacts, TimeLeftText, Timeline } from "./RequestPage";
import { parseNodeId } from "../lib/nodeId";

/** The transaction of the last action, shown under the form or the VM. */
function TxLine(props: { state?: TxState }) {
  if (!props.state) return null;
  return (
    <p className={props.state.step === "failed" ? "error" : "muted"} data-testid="tx-state" role="status">
      {describeTx(props.state)}
    </p>
  );
}

export function MyVms() {
  const { conn, account } = useSession();
  const data = useAtFinalized(
    async (at) => {
      if (!account) return undefined;
      const [mine, planList, funds] = await Promise.all([
        myRequests(conn.api, account.address, at),
        plans(conn.api, at),
        balance(conn.api, account.address, at),
      ]);
      return { mine, planList, funds };
    },
    [account?.address],
  );
  if (!account) return <p className="muted">Choose an account at the top right to see and rent VMs.</p>;
  if (!data.data) return <Loading error={data.error} />;
  const { mine, planList, funds } = data.data;
  return (
    <div className="page">
      <div className="grid">
        <CreateForm plans={planList} free={funds.free} />
        <Card title="Balance" testId="balance">
          <dl className="facts">
            <dt>Free</dt>
            <dd data-testid="balance-free"><Balance planck={funds.free} /></dd>
            <dt>Held</dt>
            <dd data-testid="balance-held"><Balance planck={funds.reserved} /></dd>
          </dl>
        </Card>
      </div>
      <h2 className="section">My VMs</h2>
      {mine.length === 0 && <p className="muted">No VMs yet: rent one above.</p>}
      <div className="grid">
        {[...mine].sort((a, b) => (a.id < b.id ? 1 : -1)).map((r) => (
          <VmCard key={String(r.id)} request={r} plans={planList} now={data.at ?? 0} free={funds.free} />
        ))}
      </div>
    </div>
  );
}

/** The form that rents a VM; checks everything it can before anything is sent. */
function CreateForm(props: { plans: Plan[]; free: bigint }) {
  const { conn, account } = useSession();
  const onSale = props.plans.filter((p) => p.active);
  const [planId, setPlanId] = useState<number | undefined>(onSale[0]?.plan_id);
  // `?image=<url>` on the page's URL suggests an image (a host of the dashboard may link one).
  const [image, setImage] = useState(() => new URLSearchParams(window.location.search).get("image") ?? "");
  const [mode, setMode] = useState<"key" | "source">("key");
  const [userData, setUserData] = useState("");
  const [miner, setMiner] = useState("");
  const [problem, setProblem] = useState<string>();
  const [tx, setTx] = useState<TxState>();
  const plan = props.plans.find((p) => p.plan_id === planId);
  const sending = tx !== undefined && tx.step !== "final" && tx.step !== "failed";

  const submit = async () => {
    setProblem(undefined);
    setTx(undefined);
    if (!account) return setProblem("Choose an account first.");
    if (!plan) return setProblem("Choose a plan.");
    if (!plan.active) return setProblem(`Plan #${plan.plan_id} is retired: it takes no new requests.`);
    const badImage = checkSource(image.trim(), "image");
    if (badImage) return setProblem(badImage);
    if (new TextEncoder().encode(image.trim()).length > conn.facts.maxStringLen)
      return setProblem(`The image URL is longer than ${conn.facts.maxStringLen} bytes.`);
    const made = userDataSource(mode === "key" ? { sshKey: userData } : { source: userData }, conn.facts.maxStringLen);
    if ("error" in made) return setProblem(made.error);
    const node = miner.trim() ? parseNodeId(miner) : undefined;
    if (node && "error" in node) return setProblem(node.error);
    const hold = createHold(plan.price_per_block, conn.facts.billing);
    const spendable = props.free - conn.facts.existentialDeposit;
    if (hold.total >= spendable)
      return setProblem(
        `Renting on plan #${plan.plan_id} holds ${formatBalance(hold.total, conn.facts.token)} and the fee; this account can spend ${formatBalance(spendable > 0n ? spendable : 0n, conn.facts.token)} (its free balance less the existential deposit).`,
      );
    const call = conn.api.tx.Compute.create_compute_request({
      plan_id: plan.plan_id,
      image: { name: Binary.fromText(imageName(image.trim())), image_url: Binary.fromText(image.trim()) },
      cloud_init_cid: made.source ? Binary.fromText(made.source) : undefined,
      miner_id: node?.bytes,
    });
    await send(call, account.signer, setTx);
  };

  return (
    <Card title="Rent a VM" testId="create">
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Plan
          <select value={planId ?? ""} onChange={(e) => setPlanId(Number(e.target.value))} data-testid="plan">
            {props.plans.map((p) => (
              <option key={p.plan_id} value={p.plan_id}>
                #{p.plan_id}: {p.spec.vcpus} vCPU, {formatMemory(p.spec.memory_mb)}, {p.spec.storage_gb} GB
                {p.active ? "" : " (retired)"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Image URL
          <input
            value={image}
            onChange={(e) => setImage(e.target.value)}
            placeholder="https://…/disk.qcow2 or ipfs://<cid>"
            data-testid="image"
          />
        </label>
        <fieldset>
          <legend>Access</legend>
          <label className="inline">
            <input type="radio" checked={mode === "key"} onChange={() => setMode("key")} /> My SSH public key
          </label>
          <label className="inline">
            <input type="radio" checked={mode === "source"} onChange={() => setMode("source")} /> My user data
          </label>
          <textarea
            value={userData}
            onChange={(e) => setUserData(e.target.value)}
            placeholder={mode === "key" ? "ssh-ed25519 AAAA… you@laptop" : "#cloud-config …, or https://…/user-data, or ipfs://<cid>"}
            rows={2}
            data-testid="user-data"
          />
          <small className="muted">
            {mode === "key"
              ? "Becomes a #cloud-config inside the request: public on chain, like every request."
              : "cloud-init user data: the text itself (inside the request, public on chain), or a URL or CID the miner fetches when it creates the VM."}
          </small>
        </fieldset>
        <label>
          Preferred miner node (optional)
          <input value={miner} onChange={(e) => setMiner(e.target.value)} placeholder="12D3KooW…" />
        </label>
        {plan && <Hold pricePerBlock={plan.price_per_block} />}
        <button type="submit" className="primary" data-testid="create-submit" disabled={sending}>
          Rent
        </button>
        {problem && (
          <p className="error" role="alert" data-testid="form-error">
            {problem}
          </p>
        )}
        <TxLine state={tx} />
      </form>
    </Card>
  );
}

/** A short image name from its URL: its last path segment. */
function imageName(url: string): string {
  const last = url.split(/[/#?]/).filter(Boolean).pop() ?? "image";
  return last.slice(0, 64);
}

const LABELS: Record<Action, string> = {
  stop: "Stop",
  boot: "Boot",
  reboot: "Reboot",
  resize: "Resize",
  delete: "Delete",
  topUp: "Top up",
  cancel: "Cancel",
  close: "Close",
};

/** One of the account's VMs, with its operations. */
function VmCard(props: { request: MyRequest; plans: Plan[]; now: number; free: bigint }) {
  const { conn, account } = useSession();
  const { request: r } = props;
  const [tx, setTx] = useState<TxState>();
  const [amount, setAmount] = useState("1");
  const [newPlan, setNewPlan] = useState<number>();
  const [showTimeline, setShowTimeline] = useState(false);
  // One transaction at a time per VM: the page reads the finalized block, a few blocks behind.
  const busy = tx !== undefined && tx.step !== "final" && tx.step !== "failed";
  const status = r.detail.status.type as Status;
  const record = r.record;
  const clock = liveClock(r.node, props.now, conn.facts.heartbeatTimeout);
  const left = record ? timeLeft(record.billing, conn.facts.billing, props.now, clock) : undefined;
  const verdicts = actionsFor({
    status,
    queued: record?.queued ?? 0,
    now: props.now,
    claimedAt: record?.claimed_at,
    deletionAskedAt: r.deletionAskedAt,
    lastHeartbeat: r.node?.last_heartbeat,
    unspent: left?.left ?? 0n,
    bootFloor: record ? bootFloor(record.billing.price_per_block, conn.facts.billing) : 0n,
    provisionTimeout: conn.facts.provisionTimeout,
    operationTimeout: conn.facts.operationTimeout,
    heartbeatTimeout: conn.facts.heartbeatTimeout,
  });
  const ip = record?.ip ? formatIp(record.ip) : undefined;
  const c = conn.api.tx.Compute;
  const id = r.id;
  const run = (action: Action) => {
    if (!account) return;
    let call;
    switch (action) {
      case "stop":
        call = c.request_compute_stop({ request_id: id });
        break;
      case "boot":
        call = c.request_compute_boot({ request_id: id });
        break;
      case "reboot":
        call = c.request_compute_reboot({ request_id: id });
        break;
      case "delete":
        call = c.request_compute_delete({ request_id: id });
        break;
      case "cancel":
        call = c.cancel_compute_request({ request_id: id });
        break;
      case "close":
        call = c.close_compute_request({ request_id: id });
        break;
      case "resize": {
        const target = props.plans.find((p) => p.plan_id === newPlan);
        if (!target || target.plan_id === r.detail.plan_id || !target.active)
          return setTx({ step: "failed", error: "Choose another plan that is on sale." });
        const host = record?.host;
        const room = host && r.node ? resizeFits(r.node, host.reserved, target.spec) : undefined;
        if (room && !room.allowed) return setTx({ step: "failed", error: room.why });
        call = c.request_compute_resize({ request_id: id, new_plan_id: target.plan_id });
        break;
      }
      case "topUp": {
        const planck = parseBalance(amount, conn.facts.token);
        if (!planck) return setTx({ step: "failed", error: `Not an amount of ${conn.facts.token.symbol}.` });
        const spendable = props.free - conn.facts.existentialDeposit;
        if (planck >= spendable)
          return setTx({
            step: "failed",
            error: `${formatBalance(planck, conn.facts.token)} and the fee are more than this account can spend, ${formatBalance(spendable > 0n ? spendable : 0n, conn.facts.token)} (its free balance less the existential deposit).`,
          });
        call = c.top_up_compute_request({ request_id: id, amount: planck });
        break;
      }
    }
    void send(call, account.signer, setTx);
  };
  return (
    <Card
      title={<a href={`#/requests/${id}`}>vm-{String(id)}</a>}
      aside={<StatusBadge status={status} />}
      testId={`vm-${id}`}
    >
      <dl className="facts">
        <dt>Plan</dt>
        <dd>#{r.detail.plan_id}</dd>
        <dt>Image</dt>
        <dd className="wrap">{text(r.detail.selected_image.image_url)}</dd>
        <AddressFacts ip={ip} testId="vm-address" />
        {left && (
          <>
            <dt>Prepayment left</dt>
            <dd><Balance planck={left.left} /></dd>
            <dt>Time left</dt>
            <dd className={left.low ? "warning" : ""} data-testid="time-left">
              <TimeLeftText left={left} />
            </dd>
          </>
        )}
      </dl>
      <div className="actions">
        {(["stop", "boot", "reboot", "delete", "cancel", "close"] as Action[]).map((a) => {
          const v = verdicts[a];
          return (
            <button key={a} disabled={!v.allowed || busy} title={v.allowed ? undefined : v.why} onClick={() => run(a)} data-testid={`action-${a}`}>
              {LABELS[a]}
            </button>
          );
        })}
      </div>
      <div className="actions">
        <input value={amount} onChange={(e) => setAmount(e.target.value)} size={6} aria-label="top-up amount" data-testid="top-up-amount" />
        <button disabled={!verdicts.topUp.allowed || busy} title={verdicts.topUp.allowed ? undefined : verdicts.topUp.why} onClick={() => run("topUp")} data-testid="action-topUp">
          Top up
        </button>
        <select value={newPlan ?? ""} onChange={(e) => setNewPlan(e.target.value === "" ? undefined : Number(e.target.value))} aria-label="new plan" data-testid="resize-plan">
          <option value="">Resize to…</option>
          {props.plans
            .filter((p) => p.active && p.plan_id !== r.detail.plan_id)
            .map((p) => (
              <option key={p.plan_id} value={p.plan_id}>
                #{p.plan_id}: {p.spec.vcpus} vCPU, {formatMemory(p.spec.memory_mb)}
              </option>
            ))}
        </select>
        <button disabled={!verdicts.resize.allowed || busy} title={verdicts.resize.allowed ? undefined : verdicts.resize.why} onClick={() => run("resize")} data-testid="action-resize">
          Resize
        </button>
      </div>
      <ul className="rules">
        {(Object.keys(verdicts) as Action[])
          .filter((a) => !verdicts[a].allowed)
          .map((a) => {
            const v = verdicts[a];
            return <li key={a}>{LABELS[a]}: {"why" in v ? v.why : ""}</li>;
          })}
      </ul>
      <TxLine state={tx} />
      <details onToggle={(e) => setShowTimeline(e.currentTarget.open)}>
        <summary>Timeline</summary>
        {showTimeline && <Timeline id={id} createdAt={r.detail.created_at} />}
      </details>
    </Card>
  );
}
