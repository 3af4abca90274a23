//! The built `compute-node`'s offline subcommands, as an operator runs them before starting a
//! node. Being an integration test of this package, it also makes the one build of
//! `scripts/test.sh` compile the binary that the end-to-end tests start.

use std::process::{Command, Output};

use serde_json::Value;

fn compute_node(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_compute-node"))
		.args(args)
		.output()
		.expect("run compute-node")
}

#[test]
fn version_names_the_node() {
	let out = compute_node(&["--version"]);
	assert!(out.status.success());
	assert!(String::from_utf8_lossy(&out.stdout).starts_with("compute-node "));
}

#[test]
fn dev_and_local_chain_specs_name_the_chain_and_its_token() {
	for (chain, id) in [("dev", "dev"), ("local", "local_testnet")] {
		let out = compute_node(&["export-chain-spec", "--chain", chain]);
		assert!(out.status.success(), "{chain}: {}", String::from_utf8_lossy(&out.stderr));
		let spec: Value = serde_json::from_slice(&out.stdout).expect("a JSON chain spec");
		assert_eq!(spec["id"], id);
		assert_eq!(spec["properties"]["tokenSymbol"], "CMP", "{chain}");
		assert_eq!(spec["properties"]["tokenDecimals"], 12, "{chain}");
		assert!(spec["genesis"]["runtimeGenesis"]["code"].is_string(), "{chain}: the runtime");
	}
}

#[test]
fn an_unknown_chain_is_refused_by_name() {
	let out = compute_node(&["export-chain-spec", "--chain", "no-such-chain"]);
	assert!(!out.status.success());
	let stderr = String::from_utf8_lossy(&out.stderr);
	assert!(stderr.contains("no-such-chain"), "{stderr}");
}
