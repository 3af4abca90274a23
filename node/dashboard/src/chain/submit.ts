/**
 * Sending a transaction and following it to finality, with what a person should read at each
 * step; a failure says the chain's own error (`Compute.PlanNotActive`).
 */
import type { PolkadotSigner, Transaction, TxEvent } from "polkadot-api";

/** Why the pool (or the signer) refused a transaction, in words. */
export function refusal(e: unknown): string {
  const invalid = (e as { error?: { type?: string; value?: { type?: string } } }).error;
  if (invalid?.type) {
    const reason = invalid.value?.type ? `${invalid.type}.${invalid.value.type}` : invalid.type;
    const words: Record<string, string> = {
      "Invalid.Payment": "this account cannot pay the fee",
      "Invalid.Stale": "its nonce was used already (another transaction of this account came first)",
      "Invalid.Future": "an earlier transaction of this account is still waiting",
      "Invalid.BadProof": "the signature does not verify",
    };
    return `the node refused it: ${words[reason] ?? reason}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Where a sent transaction is. */
export type TxState =
  | { step: "signing" }
  | { step: "pool" }
  | { step: "inBlock"; block: number }
  | { step: "final"; block: number }
  | { step: "failed"; error: string };

/** The chain's dispatch error as `Pallet.Error`. */
export function dispatchErrorText(error: { type: string; value: unknown }): string {
  const inner = error.value as { type?: string; value?: { type?: string } } | undefined;
  if (error.type === "Module" && inner?.type) return `${inner.type}.${inner.value?.type ?? "?"}`;
  return inner?.type ? `${error.type}.${inner.type}` : error.type;
}

/** Signs `tx` with `signer`, submits it and reports each step to `onState`; resolves when final or failed. */
export function send(
  tx: Transaction,
  signer: PolkadotSigner,
  onState: (state: TxState) => void,
): Promise<TxState> {
  return new Promise((resolve) => {
    const done = (state: TxState) => {
      onState(state);
      resolve(state);
    };
    onState({ step: "signing" });
    tx.signSubmitAndWatch(signer).subscribe({
      next: (event: TxEvent) => {
        if (event.type === "broadcasted") onState({ step: "pool" });
        if (event.type === "txBestBlocksState" && event.found) {
          if (!event.ok) done({ step: "failed", error: dispatchErrorText(event.dispatchError) });
          else onState({ step: "inBlock", block: event.block.number });
        }
        if (event.type === "finalized") {
          done(
            event.ok
              ? { step: "final", block: event.block.number }
              : { step: "failed", error: dispatchErrorText(event.dispatchError) },
          );
        }
      },
      error: (e: unknown) => done({ step: "failed", error: refusal(e) }),
    });
  });
}

/** A transaction's state in words. */
export function describeTx(state: TxState): string {
  switch (state.step) {
    case "signing":
      return "Signing…";
    case "pool":
      return "Sent; waiting for a block…";
    case "inBlock":
      return `In block #${state.block}; waiting for finality…`;
    case "final":
      return `Final in block #${state.block}.`;
    case "failed":
      return `Failed: ${state.error}`;
  }
}
