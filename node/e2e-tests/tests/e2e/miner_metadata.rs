//! `compute-miner`'s typed interface is generated from `node/miner/metadata/compute-runtime.scale`
//! (subxt codegen at build time). This test checks that file against the metadata of the runtime
//! just built, so the agent never speaks an older runtime's calls.
//!
//! To refresh the file after a runtime change: build the node, run `scripts/miner-metadata.sh`,
//! then rebuild `compute-miner`.

use std::{path::Path, time::Duration};

use compute_e2e_tests::{hex, hex_bytes, Node};
use serde_json::json;

/// The metadata version the agent's interface is generated from.
const VERSION: u32 = 15;
/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn miner_metadata_matches_the_built_runtime() {
	let mut node = Node::start("metadata", &["--dev"]);
	node.wait_ready(READY).await;
	let answer = node
		.rpc("state_call", json!(["Metadata_metadata_at_version", hex(&VERSION.to_le_bytes())]))
		.await;
	let bytes = hex_bytes(answer.as_str().expect("hex"));
	// `Option<OpaqueMetadata>`: `Some`, a compact length, then the metadata.
	assert_eq!(bytes.first(), Some(&1), "the runtime has metadata version {VERSION}");
	let mut rest = &bytes[1..];
	let len = <subxt::ext::codec::Compact<u32> as subxt::ext::codec::Decode>::decode(&mut rest)
		.expect("length")
		.0 as usize;
	assert_eq!(rest.len(), len, "one metadata blob");
	let path =
		Path::new(env!("CARGO_MANIFEST_DIR")).join("../miner/metadata/compute-runtime.scale");
	let committed = std::fs::read(&path).expect("the committed metadata");
	assert!(
		committed == rest,
		"{} is not the built runtime's metadata: run scripts/miner-metadata.sh and rebuild \
		 compute-miner",
		path.display()
	);
}
