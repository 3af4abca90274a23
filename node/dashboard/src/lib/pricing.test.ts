import { describe, expect, it } from "vitest";
import { blocksPaid, createHold, planPrices, prepaymentLeft, secondsPaid, timeLeft, type Billing } from "./pricing";

// The runtime's values: 6 s blocks, an hour of prepayment, 0.0001 UNIT per block of address,
// a 0.1 UNIT deposit, a tenth of the prepayment as the low-funds margin.
const MILLI = 1_000_000_000n;
const billing: Billing = {
  prepayBlocks: 600,
  addressPricePerBlock: MILLI / 10n,
  requestDeposit: 100n * MILLI,
  lowFundsDivisor: 10,
  blockMs: 6000,
};

describe("the price calculator", () => {
  it("prices a plan per block, hour, day and month", () => {
    expect(planPrices(MILLI, billing)).toEqual({
      perBlock: MILLI,
      perHour: 600n * MILLI,
      perDay: 14_400n * MILLI,
      perMonth: 432_000n * MILLI,
    });
  });

  it("holds the prepayment with the address and the deposit on create", () => {
    const hold = createHold(MILLI, billing);
    expect(hold.prepayment).toBe(600n * (MILLI + MILLI / 10n));
    expect(hold.deposit).toBe(100n * MILLI);
    expect(hold.total).toBe(hold.prepayment + hold.deposit);
  });

  it("says how long an amount lasts at rent plus address", () => {
    const rate = MILLI + MILLI / 10n;
    expect(blocksPaid(rate * 10n, MILLI, billing)).toBe(10n);
    expect(blocksPaid(rate * 10n - 1n, MILLI, billing)).toBe(9n);
    expect(secondsPaid(rate * 600n, MILLI, billing)).toBe(3600);
    expect(blocksPaid(0n, MILLI, billing)).toBe(0n);
  });
});

describe("the time-left rule", () => {
  const record = (held: bigint, rent: bigint, address: bigint, owed = 0n) => ({
    held,
    rent_per_block: rent,
    address_per_block: address,
    rent_owed: owed,
    address_owed: 0n,
  });

  it("counts to the low-funds stop, not to zero", () => {
    const rate = MILLI + MILLI / 10n;
    const left = timeLeft(record(rate * 600n, MILLI, MILLI / 10n), billing);
    // 600 blocks paid, the last 60 are the margin: the stop comes after 540 blocks.
    expect(left.secondsToStop).toBe(540 * 6);
    expect(left.low).toBe(false);
  });

  it("warns when less than twice the margin is left", () => {
    const rate = MILLI + MILLI / 10n;
    expect(timeLeft(record(rate * 179n, MILLI, MILLI / 10n), billing).low).toBe(true);
    expect(timeLeft(record(rate * 181n, MILLI, MILLI / 10n), billing).low).toBe(false);
  });

  it("subtracts what is owed, and never ends when nothing is charged", () => {
    expect(prepaymentLeft(record(100n, 1n, 0n, 30n))).toBe(70n);
    expect(prepaymentLeft(record(10n, 1n, 0n, 30n))).toBe(0n);
    const stopped = timeLeft(record(5n * MILLI, 0n, 0n), billing);
    expect(stopped.secondsToStop).toBe(Infinity);
    expect(stopped.low).toBe(false);
  });
});
