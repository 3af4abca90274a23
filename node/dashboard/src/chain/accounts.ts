/**
 * Who signs: the dev accounts on a development or local chain (their keys are public, derived
 * from the well-known dev phrase), otherwise the accounts of a polkadot.js-compatible browser
 * extension. The dashboard never asks for a secret phrase.
 */
import { sr25519CreateDerive } from "@polkadot-labs/hdkd";
import { DEV_PHRASE, entropyToMiniSecret, mnemonicToEntropy, ss58Address } from "@polkadot-labs/hdkd-helpers";
import type { PolkadotSigner, SS58String } from "polkadot-api";
import { connectInjectedExtension, getInjectedExtensions } from "polkadot-api/pjs-signer";
import { getPolkadotSigner } from "polkadot-api/signer";

/** An account the dashboard can sign with. */
export interface Account {
  name: string;
  address: SS58String;
  signer: PolkadotSigner;
}

/** The dev accounts' names. */
export const DEV_NAMES = ["Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"] as const;

/** The dev accounts, as `//Alice` … `//Ferdie` of the dev phrase. */
export function devAccounts(ss58: number): Account[] {
  const derive = sr25519CreateDerive(entropyToMiniSecret(mnemonicToEntropy(DEV_PHRASE)));
  return DEV_NAMES.map((name) => {
    const pair = derive(`//${name}`);
    return {
      name,
      address: ss58Address(pair.publicKey, ss58),
      signer: getPolkadotSigner(pair.publicKey, "Sr25519", pair.sign),
    };
  });
}

/** Whether a browser extension offers accounts. */
export function hasExtension(): boolean {
  return getInjectedExtensions().length > 0;
}

/** The accounts of the first injected extension (it asks its user the first time). */
export async function extensionAccounts(): Promise<Account[]> {
  const names = getInjectedExtensions();
  if (names.length === 0) return [];
  const extension = await connectInjectedExtension(names[0], "Compute dashboard");
  return extension.getAccounts().map((a) => ({
    name: a.name ?? a.address,
    address: a.address,
    signer: a.polkadotSigner,
  }));
}
