//! Smoke test of the built `compute-node`: a dev chain finalizes and serves JSON-RPC (its
//! methods, every pallet of the runtime in its metadata, the token's decimals). That a
//! 4-validator local network finalizes is the first step of `resilience.rs`.

use std::time::Duration;

use compute_e2e_tests::{hex_bytes, within, Node};
use serde_json::json;

/// Until a node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until the dev chain finalizes block #3.
const DEV_FINALITY: Duration = Duration::from_secs(120);
/// The test as a whole; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(600);

/// Pallets the runtime must expose, as named in its metadata.
const PALLETS: [&str; 8] =
	["System", "Timestamp", "Aura", "Grandpa", "Balances", "TransactionPayment", "Sudo", "Compute"];

/// SCALE encoding of a short string: compact length, then the bytes.
fn scale_str(s: &str) -> Vec<u8> {
	assert!(s.len() < 64, "single-byte compact length only");
	let mut out = vec![(s.len() as u8) << 2];
	out.extend_from_slice(s.as_bytes());
	out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_chain_finalizes_and_serves_rpc() {
	let mut node = Node::start("smoke-dev", &["--dev"]);
	within(WHOLE_TEST, "the dev-chain smoke test", dev_chain(&mut node)).await;
}

async fn dev_chain(node: &mut Node) {
	node.wait_ready(READY).await;

	assert_eq!(node.rpc("system_chain", json!([])).await, json!("Development"));
	let methods = node.rpc("rpc_methods", json!([])).await;
	let methods: Vec<&str> = methods["methods"]
		.as_array()
		.expect("methods")
		.iter()
		.filter_map(|m| m.as_str())
		.collect();
	for expected in [
		"system_chain",
		"chain_getFinalizedHead",
		"author_submitExtrinsic",
		"system_accountNextIndex",
		"payment_queryInfo",
	] {
		assert!(methods.contains(&expected), "rpc_methods lacks {expected}");
	}

	let metadata = node.rpc("state_getMetadata", json!([])).await;
	let metadata = hex_bytes(metadata.as_str().expect("metadata"));
	for pallet in PALLETS {
		let needle = scale_str(pallet);
		assert!(
			metadata.windows(needle.len()).any(|w| w == needle.as_slice()),
			"metadata lacks pallet {pallet}"
		);
	}

	node.wait_finalized(3, DEV_FINALITY).await;
	let properties = node.rpc("system_properties", json!([])).await;
	assert_eq!(properties["tokenDecimals"], json!(12));
}
