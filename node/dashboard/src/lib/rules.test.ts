import { describe, expect, it } from "vitest";
import { actionsFor, QUEUED, resizeFits, type RuleInput } from "./rules";

const base: RuleInput = {
  status: "Running",
  queued: 0,
  now: 1000,
  claimedAt: 900,
  lastHeartbeat: 995,
  unspent: 500n,
  bootFloor: 60n,
  provisionTimeout: 300,
  operationTimeout: 100,
  heartbeatTimeout: 100,
};

describe("owner operations", () => {
  it("allow on a Running VM what the pallet allows", () => {
    const a = actionsFor(base);
    expect(a.stop.allowed && a.reboot.allowed && a.resize.allowed && a.delete.allowed && a.topUp.allowed).toBe(true);
    expect(a.boot.allowed || a.cancel.allowed || a.close.allowed).toBe(false);
  });

  it("say why not", () => {
    const a = actionsFor({ ...base, queued: QUEUED.stop });
    expect(a.stop).toEqual({ allowed: false, why: "A stop is already queued." });
    const stopped = actionsFor({ ...base, status: "Stopped", unspent: 60n });
    expect(stopped.boot).toEqual({ allowed: false, why: "The prepayment left is below the low-funds margin: top up first." });
    expect(actionsFor({ ...base, status: "Stopped" }).boot.allowed).toBe(true);
    expect(actionsFor({ ...base, status: "Stopped", unspent: 61n }).boot.allowed).toBe(true);
  });

  it("cancel Pending at once, InProgress only after the provision timeout", () => {
    expect(actionsFor({ ...base, status: "Pending" }).cancel.allowed).toBe(true);
    expect(actionsFor({ ...base, status: "InProgress", claimedAt: 800 }).cancel.allowed).toBe(false);
    expect(actionsFor({ ...base, status: "InProgress", claimedAt: 699 }).cancel.allowed).toBe(true);
  });

  it("close after an overdue deletion or a silent host only", () => {
    expect(actionsFor(base).close.allowed).toBe(false);
    const deleting = { ...base, queued: QUEUED.delete, deletionAskedAt: 950 };
    expect(actionsFor(deleting).close.allowed).toBe(false);
    expect(actionsFor(deleting).delete.allowed).toBe(false);
    expect(actionsFor({ ...deleting, deletionAskedAt: 899 }).close.allowed).toBe(true);
    expect(actionsFor({ ...base, lastHeartbeat: 899 }).close.allowed).toBe(true);
  });

  it("take no funds on a terminal request", () => {
    expect(actionsFor({ ...base, status: "Failed" }).topUp.allowed).toBe(false);
    expect(actionsFor({ ...base, status: "Cancelled" }).delete.allowed).toBe(true);
  });
});

describe("resizeFits", () => {
  const spec = (vcpus: number, memory_mb: number) => ({ vcpus, memory_mb, storage_gb: 10, bandwidth_mbps: 10, gpus: 0 });
  const node = { capacity: spec(4, 4096), used: spec(3, 3072) };
  it("lets a VM grow into the room its node has", () => {
    expect(resizeFits(node, spec(1, 1024), spec(2, 2048)).allowed).toBe(true);
  });
  it("names the resource that does not fit", () => {
    expect(resizeFits(node, spec(1, 1024), spec(1, 4096))).toEqual({
      allowed: false,
      why: "Its node has no room for that plan: it would use 6144 of its 4096 memory (MiB).",
    });
  });
  it("always lets a VM shrink: the node keeps the larger until the miner resizes", () => {
    expect(resizeFits(node, spec(2, 2048), spec(1, 256)).allowed).toBe(true);
  });
});
