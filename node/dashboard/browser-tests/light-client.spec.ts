/**
 * The dashboard as a light client: smoldot in the page syncs the local 4-validator network from
 * its chain spec's WebSocket boot nodes, with no RPC server. The end-to-end test
 * `light_client.rs` starts the network and runs this with `DASHBOARD_CHAIN_SPEC`, the raw spec
 * file with the validators' WebSocket addresses as boot nodes; skipped otherwise.
 */
import { expect, test } from "@playwright/test";

const CHAIN_SPEC = process.env.DASHBOARD_CHAIN_SPEC;
const SHOTS = process.env.DASHBOARD_SHOTS ?? "test-results/screens";
/** smoldot syncs from genesis (a warp sync of a young chain) and follows finality. */
const SYNCED = 120_000;

test("the light client reads the chain and sends a transaction", async ({ page }) => {
  test.skip(!CHAIN_SPEC, "needs a network: DASHBOARD_CHAIN_SPEC (see light_client.rs)");
  // The page fetches the spec from its own origin, as a host would serve it beside the app.
  await page.route("**/chain-spec.json", (route) => route.fulfill({ path: CHAIN_SPEC, contentType: "application/json" }));
  await page.goto("/?light=chain-spec.json#/overview");
  await expect(page.getByTestId("chain")).toContainText("light client");
  await expect(page.getByTestId("finalized")).toHaveText(/#[1-9]\d*/, { timeout: SYNCED });
  await expect(page.getByTestId("by-status")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/light-01-overview.png`, fullPage: true });

  await page.getByRole("link", { name: "Plans" }).click();
  await expect(page.getByTestId("plans").locator("tbody tr").first()).toBeVisible();

  // Dave rents a VM (no miner serves this network: it stays Pending), signed in the page and
  // sent through the light client.
  await page.getByRole("link", { name: "My VMs" }).click();
  await page.getByTestId("account").selectOption({ index: 4 });
  await page.getByTestId("image").fill("https://images.example.org/guest.qcow2");
  await page.getByTestId("create-submit").click();
  await expect(page.getByTestId("create").getByTestId("tx-state")).toContainText("Final in block", { timeout: SYNCED });
  const vm = page.locator("[data-testid^='vm-']").first();
  await expect(vm.getByTestId("status")).toHaveText("Pending");
  const id = ((await vm.getAttribute("data-testid")) ?? "").replace("vm-", "");

  // The market's list by status finds it, read through the light client too.
  await page.goto(`/?light=chain-spec.json#/requests?status=Pending`);
  await expect(page.getByTestId("requests")).toContainText(`vm-${id}`, { timeout: SYNCED });
  await page.screenshot({ path: `${SHOTS}/light-02-pending.png`, fullPage: true });
});
