//! The dashboard as a light client: smoldot, in Chromium, joins the local 4-validator network
//! from its chain spec, with the validators' WebSocket addresses as boot nodes, and reads and
//! writes the market with no RPC server (`node/dashboard/browser-tests/light-client.spec.ts`).
//!
//! The validators listen for peers over TCP, as always, and over WebSocket on loopback
//! (`--listen-addr /ip4/127.0.0.1/tcp/<port>/ws`): a browser cannot open plain TCP
//! connections. The raw chain spec (`build-spec --chain local --raw`) names those WebSocket
//! addresses, with each validator's peer id, as its `bootNodes`.

use std::time::Duration;

use compute_e2e_tests::{run_browser_tests, screenshots_dir, within, LocalNetwork};

/// Until every validator answers JSON-RPC.
const READY: Duration = Duration::from_secs(90);
/// Until the network finalizes its first blocks.
const FINALIZED: Duration = Duration::from_secs(120);
/// The whole test; Playwright's own timeouts end it earlier.
const WHOLE_TEST: Duration = Duration::from_secs(900);

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_runs_as_a_light_client_of_the_local_network() {
	within(WHOLE_TEST, "the light-client scenario", run()).await;
}

async fn run() {
	let mut network = LocalNetwork::start_with_websockets("light-client");
	network.wait_ready(READY).await;
	network.wait_finalized(2, FINALIZED).await;
	let spec = network.dir.path().join("chain-spec.json");
	network.chain_spec_for_light_clients(&spec);

	let shots = screenshots_dir("light-client-screens", network.dir.path());
	let spec = spec.to_string_lossy().into_owned();
	let run = run_browser_tests("light-client", &[("DASHBOARD_CHAIN_SPEC", spec.as_str())], &shots);
	// Playwright's report is printed above.
	assert!(run.passed, "the light-client browser test failed\n{}", run.stderr);
	assert!(run.stdout.contains("1 passed"), "the light-client test did not run:\n{}", run.stdout);
}
