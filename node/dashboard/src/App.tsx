/** The dashboard: the connection, the account picker, the navigation and the pages. */
import { useEffect, useMemo, useState } from "react";
import { devAccounts, extensionAccounts, hasExtension, type Account } from "./chain/accounts";
import { connect, describe, endpoint, type Connection } from "./chain/connection";
import { SessionContext, useHeads } from "./chain/hooks";
import { watchTimelines } from "./chain/timeline";
import { shorten } from "./lib/format";
import { Miners } from "./pages/Miners";
import { MyVms } from "./pages/MyVms";
import { Overview } from "./pages/Overview";
import { Plans } from "./pages/Plans";
import { Pool } from "./pages/Pool";
import { RequestPage } from "./pages/RequestPage";
import { Requests } from "./pages/Requests";

const TABS = [
  ["overview", "Overview"],
  ["plans", "Plans"],
  ["miners", "Miners"],
  ["pool", "IP pool"],
  ["requests", "Requests"],
  ["my", "My VMs"],
] as const;

/** The page's route from its hash: `#/requests/7?x=y` is `["requests", "7"]` and its query. */
function useRoute() {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(query) };
}

export function App() {
  const at = useMemo(() => endpoint(), []);
  const url = describe(at);
  const [conn, setConn] = useState<Connection>();
  const [failure, setFailure] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [linkUp, setLinkUp] = useState(true);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [address, setAddress] = useState<string>(() => localStorage.getItem("account") ?? "");
  const { finalized, best } = useHeads(conn);
  const route = useRoute();

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => !cancelled && setFailure(`No answer from ${url} yet.`), 8000);
    let made: Connection | undefined;
    connect(at, setLinkUp).then(
      (c) => {
        made = c;
        if (cancelled) return c.client.destroy();
        clearTimeout(timer);
        setFailure(undefined);
        setConn(c);
        if (c.facts.isDev) setAccounts(devAccounts(c.facts.ss58));
      },
      (e: unknown) => !cancelled && setFailure(String(e)),
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
      made?.client.destroy();
    };
  }, [at, url]);
  useEffect(() => (conn ? watchTimelines(conn) : undefined), [conn]);

  const account = accounts.find((a) => a.address === address);
  const choose = (value: string) => {
    setAddress(value);
    localStorage.setItem("account", value);
  };
  const [page = "overview", id] = route.parts;

  return (
    <div className="app">
      <header className="top">
        <a className="brand" href="#/overview">
          Compute market
        </a>
        <span className="chain" data-testid="chain">
          {conn ? conn.facts.name : "connecting…"} · <span title={url}>{url}</span>
          {finalized && (
            <>
              {" "}
              · best <b data-testid="best">#{best}</b> · finalized <b data-testid="finalized">#{finalized.number}</b>
            </>
          )}
        </span>
        <span className="account">
          {conn && !conn.facts.isDev && accounts.length === 0 && (
            <button disabled={!hasExtension()} title={hasExtension() ? undefined : "Install a polkadot.js-compatible extension"} onClick={() =>
                extensionAccounts().then(
                  (found) => (found.length ? setAccounts(found) : setNotice("The wallet extension offers no accounts to this page.")),
                  (e: unknown) => setNotice(`The wallet extension refused: ${e instanceof Error ? e.message : String(e)}`),
                )
              }>
              Connect wallet
            </button>
          )}
          {accounts.length > 0 && (
            <select value={address} onChange={(e) => choose(e.target.value)} data-testid="account" aria-label="account">
              <option value="">Choose an account</option>
              {accounts.map((a) => (
                <option key={a.address} value={a.address}>
                  {a.name} ({shorten(a.address)})
                </option>
              ))}
            </select>
          )}
        </span>
      </header>
      <nav className="tabs">
        {TABS.map(([key, label]) => (
          <a key={key} href={`#/${key}`} className={page === key ? "active" : ""}>
            {label}
          </a>
        ))}
      </nav>
      <main>
        {conn && !linkUp && (
          <p className="error" role="alert" data-testid="link-down">
            The connection to {url} is down; reconnecting. What you see is as of block #{finalized?.number}.
          </p>
        )}
        {notice && (
          <p className="error" role="alert">
            {notice}
          </p>
        )}
        {!conn ? (
          <p className={failure ? "error" : "muted"}>
            {failure ?? `Connecting to ${url}…`}{" "}
            {failure && "Start a node (scripts/dev.sh), or name one with ?rpc=ws://host:port."}
          </p>
        ) : (
          <SessionContext.Provider value={{ conn, account, finalized, best }}>
            {page === "overview" && <Overview />}
            {page === "plans" && <Plans />}
            {page === "miners" && <Miners />}
            {page === "pool" && <Pool />}
            {page === "requests" && id === undefined && <Requests query={route.query} />}
            {page === "requests" && id !== undefined && /^\d+$/.test(id) && <RequestPage id={BigInt(id)} />}
            {page === "my" && <MyVms />}
          </SessionContext.Provider>
        )}
      </main>
    </div>
  );
}
