/** React hooks over the connection: the chain's heads, and data reloaded at each finalized block. */
import { createContext, useContext, useEffect, useRef, useState } from "react";
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

/**
 * What `load` gives at the session's finalized block, loaded again at each new one. A result is
 * shown only for the `deps` it was loaded with (after a change, the page says it is loading
 * rather than show the old key's data), and a slow load is not thrown away when a newer block
 * arrives: the newest result that came back is shown.
 */
export function useAtFinalized<T>(load: (at: string) => Promise<T>, deps: unknown[]) {
  const { finalized } = useSession();
  const key = JSON.stringify(deps, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  const [state, setState] = useState<{ key?: string; data?: T; error?: string; at?: number }>({});
  const applied = useRef<{ key?: string; at: number }>({ at: -1 });
  const current = useRef(key);
  current.current = key;
  useEffect(() => {
    if (!finalized) return;
    let live = true;
    const at = finalized.number;
    load(finalized.hash).then(
      (data) => {
        const last = applied.current;
        // Another key's load, or older than what is shown: dropped.
        if (current.current !== key || (last.key === key && last.at >= at && !live)) return;
        if (last.key === key && last.at > at) return;
        applied.current = { key, at };
        setState({ key, data, at });
      },
      (e: unknown) =>
        current.current === key &&
        setState((s) => ({
          key,
          data: s.key === key ? s.data : undefined,
          at: s.key === key ? s.at : undefined,
          error: e instanceof Error ? e.message : String(e),
        })),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finalized?.hash, key]);
  return state.key === key ? state : {};
}
