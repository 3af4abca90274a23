import { describe, expect, it } from "vitest";
import { History, scaleTop, WINDOW_S } from "./history";

describe("History", () => {
  it("keeps the last hour of samples", () => {
    const h = new History<number>();
    h.push(0, 1);
    h.push(60, 2);
    h.push(WINDOW_S + 30, 3);
    expect(h.series((v) => v)).toEqual([
      [60, 2],
      [WINDOW_S + 30, 3],
    ]);
  });
  it("keeps a repeated report once", () => {
    const h = new History<{ at: number; vms: number }>();
    const same = (a: { at: number }, b: { at: number }) => a.at === b.at;
    h.push(10, { at: 5, vms: 1 }, same);
    h.push(16, { at: 5, vms: 1 }, same);
    h.push(22, { at: 9, vms: 2 }, same);
    expect(h.length).toBe(2);
    expect(h.series((v) => v.vms)).toEqual([
      [16, 1],
      [22, 2],
    ]);
  });
});

describe("scaleTop", () => {
  it("is a round number above the highest value", () => {
    expect([0, 0.5, 1, 3, 241, 1000, 2300, 9000].map(scaleTop)).toEqual([1, 1, 2, 5, 500, 2000, 5000, 10000]);
  });
});
