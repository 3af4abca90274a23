import { describe, expect, it } from "vitest";
import { countOf, parseStatus, STATUSES, statusLabel, totalOf } from "./status";

describe("statuses", () => {
  it("reads as people write them", () => {
    expect(STATUSES.map(statusLabel)).toEqual(["Pending", "In progress", "Running", "Stopped", "Failed", "Cancelled"]);
  });
  it("parses only the chain's names", () => {
    expect(parseStatus("Running")).toBe("Running");
    expect(parseStatus("running")).toBeUndefined();
    expect(parseStatus(null)).toBeUndefined();
  });
  it("reads the runtime's counts by status", () => {
    const counts = { pending: 1, in_progress: 2, running: 3, stopped: 4, failed: 5, cancelled: 6 };
    expect(STATUSES.map((s) => countOf(counts, s))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(totalOf(counts)).toBe(21);
  });
});
