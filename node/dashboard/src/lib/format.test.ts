import { describe, expect, it } from "vitest";
import { formatAge, formatBalance, formatCount, formatDuration, formatIp, formatMemory, parseBalance } from "./format";

const UNIT = { symbol: "UNIT", decimals: 12 };

describe("balances", () => {
  it("show units with trimmed decimals and grouped thousands", () => {
    expect(formatBalance(1_500_000_000_000n, UNIT)).toBe("1.5 UNIT");
    expect(formatBalance(1_234_567_000_000_000_000n, UNIT)).toBe("1,234,567 UNIT");
    expect(formatBalance(0n, UNIT)).toBe("0 UNIT");
    expect(formatBalance(100_000_000n, UNIT)).toBe("0.0001 UNIT");
    expect(formatBalance(1n, UNIT)).toBe("<0.0001 UNIT");
    expect(formatBalance(-2_000_000_000_000n, UNIT)).toBe("-2 UNIT");
  });

  it("parse what a person types, exactly, and refuse the rest", () => {
    expect(parseBalance("1.5", UNIT)).toBe(1_500_000_000_000n);
    expect(parseBalance(" 2 ", UNIT)).toBe(2_000_000_000_000n);
    expect(parseBalance("0.000000000001", UNIT)).toBe(1n);
    expect(parseBalance("1,000", UNIT)).toBe(1_000_000_000_000_000n);
    expect(parseBalance("0.0000000000001", UNIT)).toBeUndefined();
    expect(parseBalance("-1", UNIT)).toBeUndefined();
    expect(parseBalance("abc", UNIT)).toBeUndefined();
    expect(parseBalance("", UNIT)).toBeUndefined();
  });
});

describe("times", () => {
  it("show the two largest units", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(310)).toBe("5 min 10 s");
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 59)).toBe("3 d 4 h");
    expect(formatDuration(3_600)).toBe("1 h");
    expect(formatDuration(Infinity)).toBe("no end");
  });

  it("count block ages at the block time", () => {
    expect(formatAge(90, 100, 6000)).toBe("1 min ago");
    expect(formatAge(100, 100, 6000)).toBe("0 s ago");
  });
});

describe("addresses and sizes", () => {
  it("print IPv4 and IPv6 in their usual form", () => {
    expect(formatIp({ type: "V4", value: "0xc000020a" })).toBe("192.0.2.10");
    expect(formatIp({ type: "V6", value: "0x20010db8000000000000000000000001" })).toBe("2001:db8::1");
    expect(formatIp(undefined)).toBe("—");
  });

  it("print memory in MiB or GiB", () => {
    expect(formatMemory(256)).toBe("256 MiB");
    expect(formatMemory(2048)).toBe("2 GiB");
    expect(formatMemory(1536)).toBe("1.5 GiB");
  });

  it("separate the thousands of a count", () => {
    expect(formatCount(10000)).toBe("10,000");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234567n)).toBe("1,234,567");
  });
});
