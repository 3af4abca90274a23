/**
 * Miner node ids as people write them. On chain a node id is bytes: an Ed25519 public key,
 * bare (32 bytes) or as a libp2p peer id (its multihash, 38 bytes). A peer id reads as base58
 * (`12D3KooW…`, as the miner's log and libp2p print it); a bare key as 0x-hex.
 */

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** `bytes` in base58 (Bitcoin's alphabet). */
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = "";
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return "1".repeat(zeros) + out;
}

/** The bytes of base58 `text`; `undefined` when it is not base58. */
export function fromBase58(text: string): Uint8Array | undefined {
  let n = 0n;
  for (const c of text) {
    const digit = ALPHABET.indexOf(c);
    if (digit < 0) return undefined;
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n % 256n));
    n /= 256n;
  }
  let zeros = 0;
  while (text[zeros] === "1") zeros++;
  return new Uint8Array([...new Array(zeros).fill(0), ...bytes]);
}

const hex = (bytes: Uint8Array) => "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** A node id as people write it: a peer id in base58, a bare key (or anything else) in hex. */
export function formatNodeId(bytes: Uint8Array): string {
  // A peer id of an Ed25519 key: identity multihash (0x00, 0x24) of its protobuf (0x08 0x01 0x12 0x20 + key).
  const peerId = bytes.length === 38 && bytes[0] === 0x00 && bytes[1] === 0x24;
  return peerId ? base58(bytes) : hex(bytes);
}

/** The bytes of a node id typed as a base58 peer id or as 0x-hex; why not, otherwise. */
export function parseNodeId(text: string): { bytes: Uint8Array } | { error: string } {
  const t = text.trim();
  if (/^0x([0-9a-fA-F]{2})+$/.test(t)) {
    const bytes = new Uint8Array(t.slice(2).match(/../g)!.map((h) => parseInt(h, 16)));
    return bytes.length === 32 ? { bytes } : { error: "A node id in hex is a 32-byte Ed25519 key." };
  }
  const bytes = fromBase58(t);
  if (!bytes || bytes.length !== 38 || bytes[0] !== 0x00 || bytes[1] !== 0x24)
    return { error: "A node id is a libp2p peer id (12D3KooW…) or a 0x-hex Ed25519 key." };
  return { bytes };
}
