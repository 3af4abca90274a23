//! The dashboard in a real browser: Playwright drives Debian's Chromium through
//! `node/dashboard/browser-tests/` against the built dashboard, a dev chain and a real
//! `compute-miner` with the test guest.
//!
//! This test makes the chain and the miner, a plan that is on sale (the tiny one the miner
//! serves) and one that is retired (for the wrong-input check), then runs
//! `npx playwright test` and fails with its output when a browser test fails. The screenshots
//! of each screen are kept in `$CARGO_TARGET_DIR/dashboard-screens/` (see
//! node/dashboard/README.md).

use std::time::Duration;

use compute_e2e_tests::{
	connect, create_plan, plan_price, plan_spec, run_browser_tests, screenshots_dir, sudo_compute,
	tiny_plan, until, within, Client, GuestServer, Miner, MinerSetup, Node, TestDir, Value,
};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a transaction is final.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has registered its node.
const AGENT: Duration = Duration::from_secs(180);
/// The whole test; Playwright's own timeouts end it earlier.
const WHOLE_TEST: Duration = Duration::from_secs(1500);
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [13; 32];

#[tokio::test(flavor = "multi_thread")]
async fn a_renter_uses_the_dashboard_in_a_browser() {
	within(WHOLE_TEST, "the dashboard scenario", run()).await;
}

async fn run() {
	let dir = TestDir::new("dashboard");
	let guests = GuestServer::start(dir.path());
	let mut node = Node::start("dashboard-chain", &["--dev"]);
	node.wait_ready(READY).await;
	let client = connect(&node).await;
	let tiny = tiny_plan(&node).await;
	let retired = retired_plan(&client, plan_price(&node, tiny).await).await;

	let setup =
		MinerSetup::write(dir.path(), &node.ws_url(), NODE_SEED, guests.server.port, &[tiny]);
	let miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	until(AGENT, "the node registered", || async {
		miner.log_text().contains("node registered").then_some(())
	})
	.await;

	let shots = screenshots_dir("dashboard-screens", dir.path());
	let (rpc, tiny, retired) = (node.ws_url(), tiny.to_string(), retired.to_string());
	let env = [
		("DASHBOARD_RPC", rpc.as_str()),
		("DASHBOARD_IMAGE", guests.image_url.as_str()),
		("DASHBOARD_SSH_KEY", guests.renter.public.as_str()),
		("DASHBOARD_PLAN", tiny.as_str()),
		("DASHBOARD_RETIRED_PLAN", retired.as_str()),
	];
	let run = run_browser_tests("", &env, &shots);
	// Playwright's report is printed above.
	assert!(
		run.passed,
		"the browser tests failed\n{}\n--- compute-miner log:\n{}",
		run.stderr,
		miner.log_text()
	);
}

/// A plan made by root and retired at once: no new request may take it.
async fn retired_plan(client: &Client, price: u128) -> u32 {
	let plan = create_plan(client, plan_spec(1, 256, 2, 10, 0), price, TX).await;
	let fields = vec![("plan_id", Value::u128(plan.into())), ("active", Value::bool(false))];
	sudo_compute(client, "set_plan_active", fields, TX).await;
	plan
}
