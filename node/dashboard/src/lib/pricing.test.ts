import { describe, expect, it } from "vitest";
import {
  blocksPaid,
  bootFloor,
  createHold,
  liveClock,
  planPrices,
  prepaymentLeft,
  secondsPaid,
  timeLeft,
  unspentAt,
  type Billing,
} from "./pricing";

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
  const rate = MILLI + MILLI / 10n;
  // A VM running since block 100 on a node live all along, its record written at block 100.
  const running = {
    held: rate * 600n,
    price_per_block: MILLI,
    rent_per_block: MILLI,
    address_per_block: MILLI / 10n,
    rent_owed: 0n,
    address_owed: 0n,
    accrued_to: 100,
    rent_clock: 100,
    rent_stop: 100 + 540,
  };

  it("counts what accrued since the record was written, as the chain does", () => {
    expect(unspentAt(running, 100, 100)).toBe(rate * 600n);
    expect(unspentAt(running, 110, 110)).toBe(rate * 590n);
    // A silent node's clock stands still: only the address is charged.
    expect(unspentAt(running, 110, 100)).toBe(rate * 600n - (MILLI / 10n) * 10n);
  });

  it("counts to the low-funds stop, not to zero", () => {
    const left = timeLeft(running, billing, 100, 100);
    // 600 blocks paid, the last 60 are the margin: the stop comes after 540 blocks.
    expect(left.seconds).toBe(540 * 6);
    expect(left.then).toBe("stop");
    expect(left.low).toBe(false);
    expect(timeLeft(running, billing, 500, 500).seconds).toBe(140 * 6);
    expect(timeLeft(running, billing, 500, 500).low).toBe(false);
    expect(timeLeft(running, billing, 530, 530).low).toBe(true);
  });

  it("stops at rent_stop when the clock gets there first", () => {
    expect(timeLeft({ ...running, rent_stop: 150 }, billing, 100, 100).seconds).toBe(50 * 6);
  });

  it("counts a stopped VM's address rent to the close, with no margin", () => {
    const stopped = { ...running, held: (MILLI / 10n) * 100n, rent_per_block: 0n };
    const left = timeLeft(stopped, billing, 100, 100);
    expect(left.then).toBe("close");
    expect(left.seconds).toBe(100 * 6);
    expect(left.low).toBe(true);
  });

  it("subtracts what is owed, and never ends when nothing is charged", () => {
    expect(prepaymentLeft({ held: 100n, rent_owed: 30n, address_owed: 0n })).toBe(70n);
    expect(prepaymentLeft({ held: 10n, rent_owed: 30n, address_owed: 0n })).toBe(0n);
    const idle = timeLeft({ ...running, rent_per_block: 0n, address_per_block: 0n }, billing, 100, 100);
    expect(idle.seconds).toBe(Infinity);
    expect(idle.then).toBe("nothing");
    expect(idle.low).toBe(false);
  });

  it("reads the host's live clock as the pallet does", () => {
    const node = { live_clock: 1000, last_heartbeat: 90 };
    expect(liveClock(node, 100, 100)).toBe(1010);
    expect(liveClock(node, 1000, 100)).toBe(1101);
    expect(liveClock(undefined, 100, 100)).toBe(100);
  });

  it("asks more than the margin to boot", () => {
    expect(bootFloor(MILLI, billing)).toBe(rate * 60n);
  });
});
