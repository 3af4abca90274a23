/**
 * The dashboard's browser tests: Debian's Chromium (installed by scripts/setup.sh; Playwright
 * never downloads a browser) against the built dashboard, served by `vite preview`, and a real
 * chain and miner. The end-to-end test `dashboard.rs` starts those and runs this with:
 *
 * - `DASHBOARD_PORT`: a free port for the dashboard;
 * - `DASHBOARD_RPC`: the node's WebSocket URL;
 * - `DASHBOARD_IMAGE`, `DASHBOARD_SSH_KEY`: the test guest's image and the renter's public key;
 * - `DASHBOARD_PLAN`: the plan the miner serves (else the first);
 * - `DASHBOARD_RETIRED_PLAN`: a plan that is not on sale;
 * - `DASHBOARD_SHOTS`: where the screenshots of each screen go.
 */
import { defineConfig } from "@playwright/test";

const port = Number(process.env.DASHBOARD_PORT ?? 4173);

export default defineConfig({
  testDir: "browser-tests",
  timeout: 10 * 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [["list"], ["./browser-tests/summary-reporter.ts"]],
  outputDir: process.env.DASHBOARD_SHOTS ? `${process.env.DASHBOARD_SHOTS}/results` : "test-results",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1366, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    },
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
