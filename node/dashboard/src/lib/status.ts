/** Request statuses: the names the chain gives them and the labels the pages show. */

/** A request's status, as the chain names it. */
export type Status = "Pending" | "InProgress" | "Running" | "Stopped" | "Failed" | "Cancelled";

/** Every status, in lifecycle order (the pallet's `ComputeRequestStatus::ALL`). */
export const STATUSES: readonly Status[] = ["Pending", "InProgress", "Running", "Stopped", "Failed", "Cancelled"];

/** The status named `name`, if it is one. */
export function parseStatus(name: string | null | undefined): Status | undefined {
  return STATUSES.find((s) => s === name);
}

/** A status as people read it: the chain's name, with its words apart. */
export function statusLabel(status: string): string {
  return status.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/ ([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`);
}

/** The runtime's `RequestCounts`: how many stored requests are in each status. */
export interface RequestCounts {
  pending: number;
  in_progress: number;
  running: number;
  stopped: number;
  failed: number;
  cancelled: number;
}

/** The field of `RequestCounts` that counts `status`. */
const COUNT_FIELD: Record<Status, keyof RequestCounts> = {
  Pending: "pending",
  InProgress: "in_progress",
  Running: "running",
  Stopped: "stopped",
  Failed: "failed",
  Cancelled: "cancelled",
};

/** The requests in `status`. */
export function countOf(counts: RequestCounts, status: Status): number {
  return counts[COUNT_FIELD[status]];
}

/** Every stored request. */
export function totalOf(counts: RequestCounts): number {
  return STATUSES.reduce((sum, status) => sum + countOf(counts, status), 0);
}
