/**
 * A renter's user data: an SSH public key turned into a `#cloud-config` document, or the renter's
 * own user data, carried in the request as a `data:` URI (the miner decodes it; see
 * node/miner/README.md); or a source of the renter's own (an `https://` URL or an IPFS CID).
 */

/** Key types OpenSSH and cloud-init accept in `ssh_authorized_keys`. */
const KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];

/** An SSH public key line checked, or why it is not one. */
export function checkSshKey(line: string): { key: string } | { error: string } {
  if (line.includes("PRIVATE KEY")) return { error: "That is a private key: paste the .pub file." };
  const parts = line.trim().split(/\s+/);
  if (parts.length < 2 || parts[0] === "") return { error: "An SSH public key is `<type> <base64> [comment]`." };
  const [type, body, ...comment] = parts;
  if (!KEY_TYPES.includes(type)) return { error: `Unknown SSH key type ${type}: use one such as ssh-ed25519.` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return { error: "The key's body is not base64." };
  // A comment may hold only characters cloud-init's YAML takes plainly.
  const safeComment = comment.join(" ").replace(/[^A-Za-z0-9@._+-]/g, "");
  return { key: [type, body, safeComment].filter(Boolean).join(" ") };
}

/** The `#cloud-config` that authorizes `key` for the image's default user. */
export function cloudConfigFor(key: string): string {
  return `#cloud-config\nssh_authorized_keys:\n  - ${key}\n`;
}

/** `text` as a `data:` URI (base64 of its UTF-8 bytes). */
export function dataUri(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:text/cloud-config;base64,${btoa(binary)}`;
}

/**
 * The user data source for a request, from either an SSH key or a source the renter gives;
 * an error when it does not fit the chain's `maxLen` bytes or is not one the miner fetches.
 */
export function userDataSource(
  input: { sshKey: string } | { source: string },
  maxLen: number,
): { source: string | undefined } | { error: string } {
  let source: string;
  if ("sshKey" in input) {
    if (input.sshKey.trim() === "") return { source: undefined };
    const checked = checkSshKey(input.sshKey);
    if ("error" in checked) return checked;
    source = dataUri(cloudConfigFor(checked.key));
    if (source.length > maxLen)
      return {
        error: `This key makes user data of ${source.length} bytes; a request holds at most ${maxLen}. Use an Ed25519 key with a short comment (or none), or host the user data and give its URL.`,
      };
    return { source };
  }
  source = input.source.trim();
  if (source === "") return { source: undefined };
  // User data itself (`#cloud-config`, a `#!` script, any of cloud-init's `#` formats) goes in
  // the request inline, as a key does.
  if (source.startsWith("#")) {
    const inline = dataUri(`${source}\n`);
    if (inline.length > maxLen)
      return {
        error: `This user data makes ${inline.length} bytes inline; a request holds at most ${maxLen}. Host it and give its URL.`,
      };
    return { source: inline };
  }
  const problem = checkSource(source, "user data");
  if (problem) return { error: problem };
  if (new TextEncoder().encode(source).length > maxLen) return { error: `The user data source is longer than ${maxLen} bytes.` };
  return { source };
}

/** A base58btc (`Qm…`) or base32 (`bafy…`) CID, as the miner takes it bare. */
const CID = /^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,})(\/.*)?$/;

/** Why `source` is not something a miner fetches (an image or user data), if it is not. */
export function checkSource(source: string, what: string): string | undefined {
  if (source.startsWith("ipfs://") || CID.test(source)) return undefined;
  if (source.startsWith("data:") && what === "user data") return undefined;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return `The ${what} must be an https:// or http:// URL, or an IPFS CID (ipfs://<cid>).`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `The ${what} must be an https:// or http:// URL, or an IPFS CID; ${url.protocol} is not fetched.`;
  if (!url.hostname) return `The ${what} URL has no host.`;
  return undefined;
}
