import { describe, expect, it } from "vitest";
import { checkSource, checkSshKey, cloudConfigFor, dataUri, userDataSource } from "./userData";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDcjcIkl2OCBp4Ehp9cX6x7K2FJzPe1m3i9jU3L0vU1b renter@laptop";
const RSA = `ssh-rsa ${"A".repeat(540)}== renter`;

describe("user data from an SSH key", () => {
  it("is a #cloud-config with the key, inline as a data: URI", () => {
    const made = userDataSource({ sshKey: ED25519 }, 256);
    expect("source" in made && made.source).toBeTruthy();
    const source = (made as { source: string }).source;
    expect(source.startsWith("data:text/cloud-config;base64,")).toBe(true);
    expect(source.length).toBeLessThanOrEqual(256);
    const decoded = atob(source.split(",")[1]);
    expect(decoded).toBe(cloudConfigFor(ED25519));
    expect(decoded).toBe(`#cloud-config\nssh_authorized_keys:\n  - ${ED25519}\n`);
  });

  it("refuses what is not a public key, and a key too long for a request", () => {
    expect(checkSshKey("hello")).toHaveProperty("error");
    expect(checkSshKey("ssh-foo AAAA")).toHaveProperty("error");
    expect(checkSshKey("ssh-ed25519 not*base64")).toHaveProperty("error");
    expect(userDataSource({ sshKey: RSA }, 256)).toHaveProperty("error");
    expect(userDataSource({ sshKey: "   " }, 256)).toEqual({ source: undefined });
  });

  it("keeps only a plain comment, so the YAML stays one line", () => {
    const key = checkSshKey("ssh-ed25519 AAAA me: {x}");
    expect(key).toEqual({ key: "ssh-ed25519 AAAA mex" });
  });

  it("encodes UTF-8 text", () => {
    expect(atob(dataUri("é").split(",")[1])).toBe("\u00c3\u00a9");
  });
});

describe("user data of the renter's own", () => {
  it("goes inline when it is user data itself, and must fit the request", () => {
    const made = userDataSource({ source: "#cloud-config\npackages: [htop]" }, 256);
    const source = (made as { source: string }).source;
    expect(atob(source.split(",")[1])).toBe("#cloud-config\npackages: [htop]\n");
    expect(userDataSource({ source: `#!/bin/sh\n${"echo hi\n".repeat(40)}` }, 256)).toHaveProperty("error");
  });
  it("is fetched by the miner when it is a URL or a CID", () => {
    expect(userDataSource({ source: "https://example.org/user-data" }, 256)).toEqual({ source: "https://example.org/user-data" });
    expect(userDataSource({ source: "ftp://example.org/user-data" }, 256)).toHaveProperty("error");
  });
});

describe("sources", () => {
  it("takes URLs and CIDs, and says why not otherwise", () => {
    expect(checkSource("https://example.org/disk.qcow2", "image")).toBeUndefined();
    expect(checkSource("ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "image")).toBeUndefined();
    expect(checkSource("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "image")).toBeUndefined();
    expect(checkSource("ftp://example.org/x", "image")).toMatch(/ftp/);
    expect(checkSource("not a url", "image")).toMatch(/https/);
    expect(checkSource("data:,x", "image")).toBeDefined();
    expect(checkSource("data:,x", "user data")).toBeUndefined();
    expect(userDataSource({ source: "https://x.org/" + "a".repeat(300) }, 256)).toHaveProperty("error");
  });
});
