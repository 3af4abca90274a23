/**
 * The connection to the chain: where (a node named by the page's `rpc` URL parameter, else the
 * local dev node; or a light client, `light`), the typed API generated from the runtime's
 * metadata, and the chain's facts the pages need (token, block time, billing constants), read
 * once.
 */
import { compute } from "@polkadot-api/descriptors";
import { createClient, type PolkadotClient, type TypedApi } from "polkadot-api";
import { getWsProvider } from "polkadot-api/ws";
import type { Token } from "../lib/format";
import type { Billing } from "../lib/pricing";

/** The typed API of the compute runtime. */
export type ComputeApi = TypedApi<typeof compute>;

/** The node the dashboard talks to when the page names none. */
export const DEFAULT_RPC = "ws://127.0.0.1:9944";

/**
 * Where the chain is read from: a node's WebSocket JSON-RPC, or a light client in the page that
 * syncs from a chain spec's boot nodes and trusts no server.
 */
export type Endpoint = { kind: "rpc"; url: string } | { kind: "light"; chainSpec: string };

/**
 * The page's endpoint: `?light=<chain spec URL>` for the light client, else `?rpc=<ws URL>`, else
 * the local dev node.
 */
export function endpoint(search: string = window.location.search): Endpoint {
  const params = new URLSearchParams(search);
  const chainSpec = params.get("light");
  if (chainSpec) return { kind: "light", chainSpec };
  return { kind: "rpc", url: params.get("rpc") || DEFAULT_RPC };
}

/** How the page names an endpoint to people. */
export function describe(at: Endpoint): string {
  return at.kind === "rpc" ? at.url : `light client (${at.chainSpec})`;
}

/** What the pages need to know about the chain, read once at connection. */
export interface ChainFacts {
  /** The chain spec's name, e.g. `Development`. */
  name: string;
  /** A development or local chain: the dev accounts (Alice … Ferdie) may sign. */
  isDev: boolean;
  token: Token;
  billing: Billing;
  /** Bytes a source (image URL, user data) may have (`MaxStringLen`). */
  maxStringLen: number;
  provisionTimeout: number;
  operationTimeout: number;
  heartbeatTimeout: number;
  /** Blocks of the low-funds margin. */
  lowFundsMargin: number;
  /** The SS58 prefix addresses are shown with. */
  ss58: number;
  /** The least balance an account keeps (`Balances.ExistentialDeposit`). */
  existentialDeposit: bigint;
}

/** A live connection. */
export interface Connection {
  endpoint: Endpoint;
  client: PolkadotClient;
  api: ComputeApi;
  facts: ChainFacts;
}

/**
 * Connects to `at` and reads the chain's facts; `onLink` hears whether a node's WebSocket is up
 * (the client reconnects by itself when it drops).
 */
export async function connect(at: Endpoint, onLink?: (up: boolean) => void): Promise<Connection> {
  const provider =
    at.kind === "rpc"
      ? getWsProvider(at.url, { onStatusChanged: (status) => onLink?.(String(status.type) === "CONNECTED") })
      : await (await import("./light")).lightProvider(at.chainSpec);
  const client = createClient(provider);
  const api = client.getTypedApi(compute);
  const [spec, chainType] = await Promise.all([
    client.getChainSpecData(),
    client._request<unknown>("system_chainType", []).catch(() => undefined),
  ]);
  const c = api.constants.Compute;
  const [prepay, addressPrice, deposit, divisor, maxString, provision, operation, heartbeat, slotMs, ss58, ed] =
    await Promise.all([
      c.RentalPrepayBlocks(),
      c.AddressPricePerBlock(),
      c.RequestDeposit(),
      c.LowFundsDivisor(),
      c.MaxStringLen(),
      c.ProvisionTimeout(),
      c.OperationTimeout(),
      c.HeartbeatTimeout(),
      api.apis.AuraApi.slot_duration(),
      api.constants.System.SS58Prefix(),
      api.constants.Balances.ExistentialDeposit(),
    ]);
  const props = (spec.properties ?? {}) as { tokenSymbol?: string; tokenDecimals?: number };
  const isDev =
    chainType === "Development" || chainType === "Local" || ["Development", "Local Testnet"].includes(spec.name);
  const facts: ChainFacts = {
    name: spec.name,
    isDev,
    token: { symbol: props.tokenSymbol ?? "UNIT", decimals: props.tokenDecimals ?? 12 },
    billing: {
      prepayBlocks: prepay,
      addressPricePerBlock: addressPrice,
      requestDeposit: deposit,
      lowFundsDivisor: divisor,
      blockMs: Number(slotMs),
    },
    maxStringLen: maxString,
    provisionTimeout: provision,
    operationTimeout: operation,
    heartbeatTimeout: heartbeat,
    lowFundsMargin: Math.floor(prepay / divisor),
    ss58,
    existentialDeposit: ed,
  };
  return { endpoint: at, client, api, facts };
}
