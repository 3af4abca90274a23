/**
 * The market's prices, as the pallet computes them (`pallets/compute/src/billing.rs`):
 * what creating a request holds, what a running VM costs per block, and how long a
 * prepayment lasts.
 */

/** The chain's billing constants (`Compute` pallet constants) and its block time. */
export interface Billing {
  /** Blocks of rent held up front when a request is created (`RentalPrepayBlocks`). */
  prepayBlocks: number;
  /** Burned per block while a request holds an address (`AddressPricePerBlock`). */
  addressPricePerBlock: bigint;
  /** Held for the record while it exists, returned when it goes (`RequestDeposit`). */
  requestDeposit: bigint;
  /** The low-funds margin is `prepayBlocks / lowFundsDivisor` blocks (`LowFundsDivisor`). */
  lowFundsDivisor: number;
  /** Milliseconds per block (Aura's slot duration). */
  blockMs: number;
}

/** What a plan costs over time, at its price per block. */
export interface PlanPrices {
  perBlock: bigint;
  perHour: bigint;
  perDay: bigint;
  perMonth: bigint;
}

/** Blocks in `ms` milliseconds at the chain's block time (whole blocks). */
export function blocksIn(ms: number, billing: Billing): bigint {
  return BigInt(Math.floor(ms / billing.blockMs));
}

/** A plan's price per block, hour, day and 30-day month. */
export function planPrices(pricePerBlock: bigint, billing: Billing): PlanPrices {
  const hour = 3_600_000;
  return {
    perBlock: pricePerBlock,
    perHour: pricePerBlock * blocksIn(hour, billing),
    perDay: pricePerBlock * blocksIn(24 * hour, billing),
    perMonth: pricePerBlock * blocksIn(30 * 24 * hour, billing),
  };
}

/** What a running VM costs per block: the plan's rent plus its address. */
export function runningRate(pricePerBlock: bigint, billing: Billing): bigint {
  return pricePerBlock + billing.addressPricePerBlock;
}

/** What creating a request on a plan puts on hold, besides the transaction fee. */
export interface CreateHold {
  /** The rent prepayment: `(price + address price) × prepayBlocks`. */
  prepayment: bigint;
  /** The request deposit. */
  deposit: bigint;
  /** Both together. */
  total: bigint;
}

/** What `create_compute_request` holds for a plan of `pricePerBlock`. */
export function createHold(pricePerBlock: bigint, billing: Billing): CreateHold {
  const prepayment = runningRate(pricePerBlock, billing) * BigInt(billing.prepayBlocks);
  return { prepayment, deposit: billing.requestDeposit, total: prepayment + billing.requestDeposit };
}

/** Whole blocks of a running VM that `amount` pays for (rent and address). */
export function blocksPaid(amount: bigint, pricePerBlock: bigint, billing: Billing): bigint {
  const rate = runningRate(pricePerBlock, billing);
  return rate > 0n && amount > 0n ? amount / rate : 0n;
}

/** Seconds of a running VM that `amount` pays for. */
export function secondsPaid(amount: bigint, pricePerBlock: bigint, billing: Billing): number {
  return (Number(blocksPaid(amount, pricePerBlock, billing)) * billing.blockMs) / 1000;
}

/** A live request's billing, as `RequestRecords` holds it (the fields read here). */
export interface RequestBilling {
  held: bigint;
  price_per_block: bigint;
  rent_per_block: bigint;
  address_per_block: bigint;
  rent_owed: bigint;
  address_owed: bigint;
  accrued_to: number;
  rent_clock: number;
  rent_stop: number;
}

/** The prepayment not yet owed, as last written to the record. */
export function prepaymentLeft(billing: Pick<RequestBilling, "held" | "rent_owed" | "address_owed">): bigint {
  const left = billing.held - billing.rent_owed - billing.address_owed;
  return left > 0n ? left : 0n;
}

/** A hosting node's clock fields (`MinerNodes`), if the request is on one. */
export interface NodeClock {
  live_clock: number;
  last_heartbeat: number;
}

/**
 * The host's live clock at block `now` (`Pallet::live_clock`): it runs while the node is live,
 * at most `heartbeatTimeout + 1` blocks past its last heartbeat. Without a host, the block.
 */
export function liveClock(node: NodeClock | undefined, now: number, heartbeatTimeout: number): number {
  if (!node) return now;
  return node.live_clock + Math.min(Math.max(0, now - node.last_heartbeat), heartbeatTimeout + 1);
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const pos = (n: number) => BigInt(Math.max(0, n));

/**
 * The prepayment unspent at block `now`, with what accrued since the record was last written
 * (`Pallet::unspent_at`): rent for the live clock's ticks up to `rent_stop`, address rent for
 * the blocks since `accrued_to`, rent first, capped by what is left.
 */
export function unspentAt(billing: RequestBilling, now: number, clock: number): bigint {
  const unspent = prepaymentLeft(billing);
  const rent = min(billing.rent_per_block * pos(Math.min(clock, billing.rent_stop) - billing.rent_clock), unspent);
  const address = min(billing.address_per_block * pos(now - billing.accrued_to), unspent - rent);
  return unspent - rent - address;
}

/** Where a request's prepayment stands now, and what happens when it runs out. */
export interface TimeLeft {
  /** The prepayment unspent now. */
  left: bigint;
  /** What it costs per block now (zero when nothing is charged). */
  ratePerBlock: bigint;
  /** Seconds until the chain acts (`Infinity` when nothing is charged). */
  seconds: number;
  /**
   * What the chain does then: while rent runs, it queues a stop once only the low-funds margin
   * is left; while only the address is paid for (stopped, or a stop or deletion queued), it
   * closes the request when that runs out.
   */
  then: "stop" | "close" | "nothing";
  /** Less than twice the low-funds margin left: time to top up. */
  low: boolean;
}

/**
 * How long a request's prepayment lasts at its current rates (`Pallet::next_due`): with rent
 * running, until the host's clock reaches `rent_stop` or the unspent prepayment falls to the
 * low-funds margin, whichever is first; with only the address charged, until the address can
 * no longer be paid for.
 */
export function timeLeft(record: RequestBilling, billing: Billing, now: number, clock: number): TimeLeft {
  const left = unspentAt(record, now, clock);
  const ratePerBlock = record.rent_per_block + record.address_per_block;
  const margin = BigInt(Math.floor(billing.prepayBlocks / billing.lowFundsDivisor));
  const secondsOf = (blocks: bigint) => (Number(blocks) * billing.blockMs) / 1000;
  if (record.rent_per_block > 0n) {
    const toMargin = left / ratePerBlock - margin;
    const toStop = BigInt(Math.max(0, record.rent_stop - clock));
    const blocks = min(toMargin > 0n ? toMargin : 0n, toStop);
    return { left, ratePerBlock, seconds: secondsOf(blocks), then: "stop", low: blocks < margin * 2n };
  }
  if (record.address_per_block > 0n) {
    const blocks = left / record.address_per_block;
    return { left, ratePerBlock, seconds: secondsOf(blocks), then: "close", low: blocks < margin * 2n };
  }
  return { left, ratePerBlock, seconds: Infinity, then: "nothing", low: false };
}

/** The least prepayment a stopped VM needs to boot: above the low-funds margin at its rates. */
export function bootFloor(pricePerBlock: bigint, billing: Billing): bigint {
  return runningRate(pricePerBlock, billing) * BigInt(Math.floor(billing.prepayBlocks / billing.lowFundsDivisor));
}
