import { describe, expect, it } from "vitest";
import { base58, formatNodeId, fromBase58, parseNodeId } from "./nodeId";

// The peer id of the key the e2e tests' finality scenario uses, as the miner logs it.
const PEER = "12D3KooWGjSE7eCu5f1Pa8pGxscmoEcdQ5BRMGqbyMvL2dhrPCS5";

describe("node ids", () => {
  it("read a peer id in base58 both ways", () => {
    const parsed = parseNodeId(PEER);
    expect("bytes" in parsed).toBe(true);
    const bytes = (parsed as { bytes: Uint8Array }).bytes;
    expect(bytes.length).toBe(38);
    expect(Array.from(bytes.slice(0, 6))).toEqual([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);
    expect(formatNodeId(bytes)).toBe(PEER);
  });

  it("keep leading zeros in base58", () => {
    expect(base58(new Uint8Array([0, 0, 1]))).toBe("112");
    expect(Array.from(fromBase58("112")!)).toEqual([0, 0, 1]);
  });

  it("take a bare key in hex, and refuse the rest", () => {
    const key = "0x" + "ab".repeat(32);
    const parsed = parseNodeId(key) as { bytes: Uint8Array };
    expect(parsed.bytes.length).toBe(32);
    expect(formatNodeId(parsed.bytes)).toBe(key);
    expect(parseNodeId("0xabcd")).toHaveProperty("error");
    expect(parseNodeId("hello")).toHaveProperty("error");
    expect(parseNodeId("12D3KooW0")).toHaveProperty("error");
  });
});
