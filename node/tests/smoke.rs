//! Smoke tests of the real `compute-node` binary: a dev chain finalizes and serves JSON-RPC; a
//! 4-validator local network finalizes.

mod common;

use std::time::Duration;

use common::{hex_bytes, Node};
use serde_json::json;

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

#[test]
fn dev_chain_finalizes_and_serves_rpc() {
	let node = Node::start("dev", &["--dev"]);
	node.wait_ready(Duration::from_secs(60));

	assert_eq!(node.rpc("system_chain", json!([])), json!("Development"));
	let methods = node.rpc("rpc_methods", json!([]));
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

	let metadata = hex_bytes(node.rpc("state_getMetadata", json!([])).as_str().expect("metadata"));
	for pallet in PALLETS {
		let needle = scale_str(pallet);
		assert!(
			metadata.windows(needle.len()).any(|w| w == needle.as_slice()),
			"metadata lacks pallet {pallet}"
		);
	}

	node.wait_finalized(3, Duration::from_secs(120));
	let properties = node.rpc("system_properties", json!([]));
	assert_eq!(properties["tokenDecimals"], json!(12));
}

/// A fixed libp2p secret for validator `index`; validators of a non-dev chain need one.
fn node_key(index: u8) -> String {
	format!("{:064x}", u32::from(index) + 1)
}

#[test]
fn local_network_of_four_validators_finalizes() {
	let key = node_key(0);
	let alice =
		Node::start("alice", &["--chain", "local", "--alice", "--validator", "--node-key", &key]);
	alice.wait_ready(Duration::from_secs(60));
	let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, alice.peer_id());
	let others: Vec<Node> = ["bob", "charlie", "dave"]
		.iter()
		.zip(1..)
		.map(|(who, index)| {
			let (flag, key) = (format!("--{who}"), node_key(index));
			Node::start(
				who,
				&[
					"--chain",
					"local",
					&flag,
					"--validator",
					"--node-key",
					&key,
					"--bootnodes",
					&bootnode,
				],
			)
		})
		.collect();
	for node in &others {
		node.wait_ready(Duration::from_secs(60));
	}
	assert_eq!(alice.rpc("system_chain", json!([])), json!("Local Testnet"));
	alice.wait_finalized(3, Duration::from_secs(180));
	for node in &others {
		node.wait_finalized(3, Duration::from_secs(60));
	}
}
