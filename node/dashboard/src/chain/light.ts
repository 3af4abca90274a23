/**
 * The light-client connection: smoldot, in a web worker, syncs the chain from its chain spec
 * and the spec's boot nodes, and verifies everything it serves against the finalized headers,
 * so the page trusts no RPC server. Loaded only when the page asks for it (`?light=`): smoldot
 * is 3 MB of the bundle that a WebSocket user never downloads.
 */
import type { JsonRpcProvider } from "polkadot-api";
import { getSmProvider } from "polkadot-api/sm-provider";
import { startFromWorker } from "polkadot-api/smoldot/from-worker";
import SmoldotWorker from "polkadot-api/smoldot/worker?worker";

/**
 * A provider over smoldot for the raw chain spec at `specUrl` (relative to the page, or any URL
 * that allows the page's origin). Its `bootNodes` must include WebSocket addresses
 * (`/ip4/…/tcp/…/ws/p2p/…`): a browser cannot open plain TCP connections.
 */
export async function lightProvider(specUrl: string): Promise<JsonRpcProvider> {
  const response = await fetch(specUrl);
  if (!response.ok) throw new Error(`the chain spec at ${specUrl}: HTTP ${response.status}`);
  const chainSpec = await response.text();
  const bootNodes = (JSON.parse(chainSpec) as { bootNodes?: string[] }).bootNodes ?? [];
  if (!bootNodes.some((address) => /\/(ws|wss)\//.test(address)))
    throw new Error(`the chain spec at ${specUrl} names no WebSocket boot node (/tcp/<port>/ws/p2p/<peer id>)`);
  const smoldot = startFromWorker(new SmoldotWorker(), { maxLogLevel: 3 });
  return getSmProvider(() => smoldot.addChain({ chainSpec }));
}
