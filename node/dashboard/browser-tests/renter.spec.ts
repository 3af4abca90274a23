/**
 * A renter in a real browser: looks at the market, rents a VM from the form, sees it Running
 * with its address, tops it up, stops, boots and deletes it, finds it in the market's lists by
 * status, and reads its timeline and balance; wrong input gives a clear message and sends
 * nothing. Screenshots of each screen go to `DASHBOARD_SHOTS`.
 */
import { expect, test, type Page } from "@playwright/test";

const RPC = process.env.DASHBOARD_RPC ?? "ws://127.0.0.1:9944";
const IMAGE = process.env.DASHBOARD_IMAGE ?? "";
const SSH_KEY = process.env.DASHBOARD_SSH_KEY ?? "";
const RETIRED = process.env.DASHBOARD_RETIRED_PLAN;
/** A plan the miner serves; else the first one. */
const PLAN = process.env.DASHBOARD_PLAN;
const SHOTS = process.env.DASHBOARD_SHOTS ?? "test-results/screens";
/** From the create to Running: a claim, a boot and a fulfilment, each a block or two. */
const VM_UP = 180_000;
/** From an owner operation to its fulfilment, final. */
const OPERATION = 150_000;

const url = (hash: string) => `/?rpc=${encodeURIComponent(RPC)}&image=${encodeURIComponent(IMAGE)}#/${hash}`;

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** The number in a balance text such as `1,000,000.5 UNIT`. */
function amount(text: string): number {
  return Number(text.replace(/[^\d.]/g, ""));
}

test("the market's pages show the chain", async ({ page }) => {
  await page.goto(url("overview"));
  await expect(page.getByTestId("finalized")).toHaveText(/#\d+/);
  await expect(page.getByTestId("nodes")).toContainText("1 / 1");
  await shot(page, "01-overview");

  await page.getByRole("link", { name: "Plans" }).click();
  await expect(page.getByTestId("plans").locator("tbody tr").first()).toBeVisible();
  await expect(page.getByTestId("hold")).toContainText("Held in all");
  await page.getByTestId("calculator").locator("input").fill("1");
  await expect(page.getByTestId("lasts")).toContainText("keeps this plan running for");
  await shot(page, "02-plans");

  await page.getByRole("link", { name: "Miners" }).click();
  await expect(page.getByTestId("miners")).toContainText("vCPUs");
  await shot(page, "03-miners");

  await page.getByRole("link", { name: "IP pool" }).click();
  await expect(page.getByTestId("pool-free")).toBeVisible();
  await shot(page, "04-pool");
});

test("a renter rents a VM, stops, boots and deletes it", async ({ page }) => {
  await page.goto(url("my"));
  // Dave: the dev accounts in order are Alice, Bob (the miner), Charlie, Dave.
  await page.getByTestId("account").selectOption({ index: 4 });
  await expect(page.getByTestId("balance-free")).toHaveText(/^[\d,.]+ \w+$/);
  const heldBefore = amount((await page.getByTestId("balance-held").textContent()) ?? "");
  const vmsBefore = await page.locator("[data-testid^='vm-']").count();

  // Wrong input: a clear message in the page, and nothing sent.
  await page.getByTestId("image").fill("ftp://example.org/disk.img");
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("ftp:");
  if (RETIRED !== undefined) {
    await page.getByTestId("image").fill(IMAGE);
    await page.getByTestId("plan").selectOption(RETIRED);
    await page.getByTestId("create-submit").click();
    await expect(page.getByTestId("form-error")).toContainText("retired");
  }
  await page.getByTestId("image").fill(IMAGE);
  await page.getByTestId("plan").selectOption(PLAN ?? { index: 0 });
  await page.getByTestId("user-data").fill("ssh-ed25519 not*a*key");
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("form-error")).toContainText("base64");
  await shot(page, "05-wrong-input");
  await expect(page.getByTestId("tx-state")).toHaveCount(0);
  await expect(page.locator("[data-testid^='vm-']")).toHaveCount(vmsBefore);

  // The rental.
  await page.getByTestId("user-data").fill(SSH_KEY);
  const created = Date.now();
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("create").getByTestId("tx-state")).toContainText("Final in block", { timeout: 60_000 });
  const vm = page.locator("[data-testid^='vm-']").first();
  await expect(vm).toBeVisible();
  const id = ((await vm.getAttribute("data-testid")) ?? "").replace("vm-", "");
  await expect(vm.getByTestId("status")).toHaveText("Running", { timeout: VM_UP });
  console.log(`dashboard: vm-${id} Running in the page ${((Date.now() - created) / 1000).toFixed(1)} s after "Rent"`);
  await expect(vm.getByTestId("vm-address")).toHaveText(/^\d+\.\d+\.\d+\.\d+$/);
  await expect(vm.getByTestId("ssh")).toContainText("ssh ");
  await expect(vm.getByTestId("time-left")).not.toBeEmpty();
  const heldRunning = amount((await page.getByTestId("balance-held").textContent()) ?? "");
  expect(heldRunning).toBeGreaterThan(heldBefore);
  await shot(page, "06-running");

  // A top-up above the balance is refused in the page.
  await vm.getByTestId("top-up-amount").fill("1000000000");
  await vm.getByTestId("action-topUp").click();
  await expect(vm.getByTestId("tx-state")).toContainText("more than");
  // A resize its node has no room for (the test miner offers 2 vCPUs; the large plan needs 8)
  // is refused in the page too.
  const large = await vm.getByTestId("resize-plan").locator("option", { hasText: ": 8 vCPU" }).getAttribute("value");
  await vm.getByTestId("resize-plan").selectOption(large ?? "");
  await vm.getByTestId("action-resize").click();
  await expect(vm.getByTestId("tx-state")).toContainText("no room for that plan");
  // One within it adds to what the rental holds.
  await vm.getByTestId("top-up-amount").fill("1");
  await vm.getByTestId("action-topUp").click();
  await expect(vm.getByTestId("tx-state")).toContainText("Final in block", { timeout: 60_000 });
  await expect
    .poll(async () => amount((await page.getByTestId("balance-held").textContent()) ?? ""), { timeout: 30_000 })
    .toBeGreaterThan(heldRunning + 0.9);

  // Stop, boot; each button only where the rules allow it.
  await expect(vm.getByTestId("action-boot")).toBeDisabled();
  await vm.getByTestId("action-stop").click();
  await expect(vm.getByTestId("status")).toHaveText("Stopped", { timeout: OPERATION });
  await expect(vm.getByTestId("action-stop")).toBeDisabled();
  await shot(page, "07-stopped");
  await vm.getByTestId("action-boot").click();
  await expect(vm.getByTestId("status")).toHaveText("Running", { timeout: OPERATION });

  // The VM's page: its record and its timeline, read from the chain.
  await page.goto(url(`requests/${id}`));
  await expect(page.getByTestId("address")).toHaveText(/^\d+\.\d+\.\d+\.\d+$/);
  const timeline = page.getByTestId("timeline");
  for (const event of ["RequestCreated", "RequestSubmitted", "RequestFulfilled", "StopRequested", "BootRequestRemoved"]) {
    await expect(timeline).toContainText(event);
  }
  await shot(page, "08-request");

  // The market's lists count it as running and list it under Running, not under Pending.
  await page.goto(url("overview"));
  await expect(page.getByTestId("count-Running")).not.toHaveText("0");
  await page.goto(url("requests?status=Running"));
  await expect(page.getByTestId("requests")).toContainText(`vm-${id}`);
  await expect(page.getByTestId("status-filter").getByRole("link", { name: /^Running/ })).toHaveAttribute("aria-current", "page");
  await shot(page, "09-running-list");
  await page.goto(url("requests?status=Pending"));
  await expect(page.getByTestId("requests")).not.toContainText(`vm-${id}`);
  // Its miner's reports, charted from the first one the page reads.
  await page.goto(url("miners"));
  await expect(page.getByTestId("node-charts")).toBeVisible();
  await shot(page, "10-miner-charts");

  // Deleted: the VM leaves the list, its holds go back.
  await page.goto(url("my"));
  await page.locator(`[data-testid='vm-${id}']`).getByTestId("action-delete").click();
  await expect(page.locator(`[data-testid='vm-${id}']`)).toHaveCount(0, { timeout: OPERATION });
  await expect
    .poll(async () => amount((await page.getByTestId("balance-held").textContent()) ?? ""), { timeout: 30_000 })
    .toBeLessThan(heldRunning);
  await shot(page, "11-deleted");
  await page.goto(url(`requests/${id}`));
  await expect(page.getByTestId("timeline")).toContainText("DeletionRequestRemoved");
});
