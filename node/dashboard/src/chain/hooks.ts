/** React hooks over the connection: the chain's heads, and data reloaded at each finalized block. */
import { createContext, useContext, useEffect, useState } from "react";
import type { BlockInfo } from "polkadot-api";
import type { Account } from "./accounts";
import type { Connection } from "./connection";

/** The connection and the selected account, for every page. */
export interface Session {
  conn: Connection;
  account: Account | undefined;
  /** The latest finalized block: pages read at it. */
  finalized: BlockInfo | undefined;
  /** The best block's number. */
  best: number | undefined;
}

export const SessionContext = createContext<Session | undefined>(undefined);

/** The session; only inside the connected app. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the connected app");
  return session;
}

/** The finalized and best heads of `conn`, live. */
export function useHeads(conn: Connection | undefined) {
  const [finalized, setFinalized] = useState<BlockInfo>();
  const [best, setBest] = useState<number>();
  useEffect(() => {
    if (!conn) return;
    const a = conn.client.finalizedBlock$.subscribe(setFinalized);
    const b = conn.client.bestBlocks$.subscribe((blocks) => setBest(blocks[0]?.number));
    return () => {
      a.unsubscribe();
      b.unsubscribe();
    };
  }, [conn]);
  return { finalized, best };
}

/** What `load` gives at the session's finalized block, loaded again at each new one. */
export function useAtFinalized<T>(load: (at: string) => Promise<T>, deps: unknown[]) {
  const { finalized } = useSession();
  const [state, setState] = useState<{ data?: T; error?: string; at?: number }>({});
  useEffect(() => {
    if (!finalized) return;
    let live = true;
    load(finalized.hash).then(
      (data) => live && setState({ data, at: finalized.number }),
      (e: unknown) => live && setState((s) => ({ ...s, error: String(e) })),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finalized?.hash, ...deps]);
  return state;
}
