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
  rent_per_block: bigint;
  address_per_block: bigint;
  rent_owed: bigint;
  address_owed: bigint;
}

/** The prepayment not yet owed to the miner or burned for the address. */
export function prepaymentLeft(billing: RequestBilling): bigint {
  const left = billing.held - billing.rent_owed - billing.address_owed;
  return left > 0n ? left : 0n;
}

/** Where a request's prepayment stands at its current rate. */
export interface TimeLeft {
  /** The prepayment left. */
  left: bigint;
  /** What it costs per block now (zero when nothing is charged, e.g. stopped with no address). */
  ratePerBlock: bigint;
  /** Seconds until the chain queues a stop for low funds (`Infinity` when nothing is charged). */
  secondsToStop: number;
  /** Whether that is within the low-funds margin's double: time to top up. */
  low: boolean;
}

/**
 * How long a request's prepayment lasts at its current rate: the chain queues a stop once only
 * the low-funds margin (`prepayBlocks / lowFundsDivisor` blocks) is left, so that is the time
 * shown, and it counts as low when less than twice the margin is left.
 */
export function timeLeft(record: RequestBilling, billing: Billing): TimeLeft {
  const left = prepaymentLeft(record);
  const ratePerBlock = record.rent_per_block + record.address_per_block;
  if (ratePerBlock === 0n) return { left, ratePerBlock, secondsToStop: Infinity, low: false };
  const blocks = left / ratePerBlock;
  const margin = BigInt(Math.floor(billing.prepayBlocks / billing.lowFundsDivisor));
  const toStop = blocks > margin ? blocks - margin : 0n;
  return {
    left,
    ratePerBlock,
    secondsToStop: (Number(toStop) * billing.blockMs) / 1000,
    low: toStop < margin * 2n,
  };
}
