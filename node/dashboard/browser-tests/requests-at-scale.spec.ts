/**
 * A benchmark, not a check: how soon the Requests page shows its first page, of all requests and
 * of the `Running` ones, on a chain with many requests (`compute-load fill --count 10000`). Run by hand against such a chain, with
 * `DASHBOARD_BENCH=1` (see node/dashboard/README.md, "Measured"); skipped otherwise.
 */
import { expect, test } from "@playwright/test";
import { statusLabel } from "../src/lib/status";

const RPC = process.env.DASHBOARD_RPC ?? "ws://127.0.0.1:9944";
/** The status whose first page is timed too (`DASHBOARD_BENCH_STATUS`, else `Running`). */
const STATUS = process.env.DASHBOARD_BENCH_STATUS ?? "Running";

test("the first page of requests on a large chain", async ({ page }) => {
  test.skip(!process.env.DASHBOARD_BENCH, "a benchmark: DASHBOARD_BENCH=1");
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(`/?rpc=${encodeURIComponent(RPC)}#/overview`);
    await expect(page.getByTestId("finalized")).toHaveText(/#\d+/, { timeout: 30_000 });
    const started = Date.now();
    await page.getByRole("link", { name: "Requests" }).click();
    await expect(page.getByTestId("requests").locator("tbody tr")).toHaveCount(25, { timeout: 30_000 });
    times.push(Date.now() - started);
  }
  const created = await page.getByTestId("requests").locator("tbody tr").first().textContent();
  // The first page of one status, found by scanning ids downwards (several calls when it is
  // rare among the newest requests; `fill` makes its running requests last, the newest).
  const filtered: number[] = [];
  for (let run = 0; run < 5; run++) {
    await page.goto(`/?rpc=${encodeURIComponent(RPC)}#/requests`);
    await expect(page.getByTestId("requests").locator("tbody tr")).toHaveCount(25, { timeout: 30_000 });
    const started = Date.now();
    await page.getByTestId("status-filter").getByRole("link", { name: new RegExp(`^${statusLabel(STATUS)} \\(`) }).click();
    await expect(page.getByTestId("requests").getByTestId("status").first()).toHaveText(statusLabel(STATUS), { timeout: 30_000 });
    await expect(page.getByTestId("requests").locator("tbody tr")).toHaveCount(25, { timeout: 30_000 });
    filtered.push(Date.now() - started);
  }
  filtered.sort((a, b) => a - b);
  const shots = process.env.DASHBOARD_SHOTS ?? "test-results/screens";
  await page.screenshot({ path: `${shots}/scale-requests.png`, fullPage: true });
  await page.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByTestId("nodes")).toContainText("/");
  await page.screenshot({ path: `${shots}/scale-overview.png`, fullPage: true });
  times.sort((a, b) => a - b);
  console.log(`dashboard: first page of requests (newest: ${created}) in ${times.join(", ")} ms; median ${times[2]} ms`);
  console.log(`dashboard: first page of ${STATUS} requests in ${filtered.join(", ")} ms; median ${filtered[2]} ms`);
});
