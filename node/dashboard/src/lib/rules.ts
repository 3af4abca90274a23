/**
 * Which owner operations the chain takes on a request now, and the rule that says no when it
 * does not: the same checks the pallet makes (`pallets/compute/src/lib.rs`), so that a button
 * is enabled only where the call would succeed, and a disabled one says why.
 */

import type { Status } from "./status";

/** The bits of `RequestRecords.queued`, in `Operation::ALL` order. */
export const QUEUED = { stop: 1, boot: 2, reboot: 4, resize: 8, delete: 16 } as const;

/** The owner operations of the dashboard. */
export type Action = "stop" | "boot" | "reboot" | "resize" | "delete" | "topUp" | "cancel" | "close";

/** Whether an operation is allowed, and why not. */
export type Verdict = { allowed: true } | { allowed: false; why: string };

/** What the rules need to know of a request and the chain now. */
export interface RuleInput {
  status: Status;
  /** `RequestRecords.queued`. */
  queued: number;
  /** The current block. */
  now: number;
  /** Block of the claim, once claimed. */
  claimedAt?: number;
  /** Block the queued deletion was asked in, if one is queued. */
  deletionAskedAt?: number;
  /** The hosting node's last heartbeat block, if hosted. */
  lastHeartbeat?: number;
  /** The prepayment unspent now. */
  unspent: bigint;
  /** What booting needs unspent: more than the low-funds margin at the VM's rates. */
  bootFloor: bigint;
  /** The chain's timeouts and margin, in blocks. */
  provisionTimeout: number;
  operationTimeout: number;
  heartbeatTimeout: number;
}

const yes: Verdict = { allowed: true };
const no = (why: string): Verdict => ({ allowed: false, why });

/** The verdict on each owner operation for request `r`. */
export function actionsFor(r: RuleInput): Record<Action, Verdict> {
  const queued = (bit: number) => (r.queued & bit) !== 0;
  const deleting = queued(QUEUED.delete);
  const hosted = r.status === "InProgress" || r.status === "Running" || r.status === "Stopped";
  const silent = r.lastHeartbeat !== undefined && r.now - r.lastHeartbeat > r.heartbeatTimeout;
  const deletionOverdue =
    deleting && r.deletionAskedAt !== undefined && r.now - r.deletionAskedAt > r.operationTimeout;
  const provisionOverdue =
    r.status === "InProgress" && r.claimedAt !== undefined && r.now - r.claimedAt > r.provisionTimeout;

  const stop =
    r.status !== "Running" ? no("Only a Running VM can be stopped.")
    : queued(QUEUED.stop) ? no("A stop is already queued.")
    : deleting ? no("The VM is being deleted.")
    : yes;
  const boot =
    r.status !== "Stopped" ? no("Only a Stopped VM can be booted.")
    : queued(QUEUED.boot) ? no("A boot is already queued.")
    : deleting ? no("The VM is being deleted.")
    : r.unspent <= r.bootFloor ? no("The prepayment left is below the low-funds margin: top up first.")
    : yes;
  const reboot =
    r.status !== "Running" ? no("Only a Running VM can be rebooted.")
    : queued(QUEUED.reboot) ? no("A reboot is already queued.")
    : deleting ? no("The VM is being deleted.")
    : yes;
  const resize =
    r.status !== "Running" && r.status !== "Stopped" ? no("Only a Running or Stopped VM can be resized.")
    : queued(QUEUED.resize) ? no("A resize is already queued.")
    : deleting ? no("The VM is being deleted.")
    : yes;
  const del = deleting ? no("A deletion is already queued.") : yes;
  const topUp =
    r.status === "Failed" || r.status === "Cancelled" ? no(`A ${r.status} request takes no more funds.`) : yes;
  const cancel =
    r.status === "Pending" ? yes
    : r.status !== "InProgress" ? no("Only a Pending request, or one its miner left unfulfilled too long, can be cancelled.")
    : provisionOverdue ? yes
    : no(`Its miner has ${r.provisionTimeout} blocks from the claim to bring it up; cancel after that.`);
  const close =
    !hosted ? no("Only a request on a miner can be closed.")
    : silent ? yes
    : deletionOverdue ? yes
    : deleting ? no(`Its miner has ${r.operationTimeout} blocks to carry out the deletion; close after that.`)
    : no("Close is for a silent miner or an overdue deletion: delete the VM instead.");
  return { stop, boot, reboot, resize, delete: del, topUp, cancel, close };
}

/** The resources of a plan, or those a node offers, uses or holds for a VM. */
export interface Spec {
  vcpus: number;
  memory_mb: number;
  storage_gb: number;
  bandwidth_mbps: number;
  gpus: number;
}

/** Each resource of a `Spec`, as people name it. */
const RESOURCES: [keyof Spec, string][] = [
  ["vcpus", "vCPUs"],
  ["memory_mb", "memory (MiB)"],
  ["storage_gb", "disk (GB)"],
  ["bandwidth_mbps", "bandwidth (Mbit/s)"],
  ["gpus", "GPUs"],
];

/**
 * Whether a VM's node has room to resize it to `target`, as the pallet checks: the node's use
 * with what it holds for the VM (`reserved`) replaced by the larger of that and `target` must
 * fit its capacity. Names the first resource that does not fit.
 */
export function resizeFits(node: { capacity: Spec; used: Spec }, reserved: Spec, target: Spec): Verdict {
  for (const [key, name] of RESOURCES) {
    const after = node.used[key] - reserved[key] + Math.max(reserved[key], target[key]);
    if (after > node.capacity[key])
      return no(`Its node has no room for that plan: it would use ${after} of its ${node.capacity[key]} ${name}.`);
  }
  return yes;
}
