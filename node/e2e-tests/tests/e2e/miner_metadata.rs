//! `compute-miner`'s typed interface is generated from `node/miner/metadata/compute-runtime.scale`
//! (subxt codegen at build time). This test checks that file against the metadata of the runtime
//! just built, so the agent never speaks an older runtime's calls.
//!
//! To refresh the file after a runtime change: build the node, run `scripts/miner-metadata.sh`,
//! then rebuild `compute-miner`.

use std::{path::Path, time::Duration};

use compute_e2e_tests::{runtime_metadata, Node};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn miner_metadata_matches_the_built_runtime() {
	let mut node = Node::start("metadata", &["--dev"]);
	node.wait_ready(READY).await;
	let built = runtime_metadata(&node).await;
	let path =
		Path::new(env!("CARGO_MANIFEST_DIR")).join("../miner/metadata/compute-runtime.scale");
	let committed = std::fs::read(&path).expect("the committed metadata");
	assert!(
		committed == built,
		"{} is not the built runtime's metadata: run scripts/miner-metadata.sh and rebuild \
		 compute-miner",
		path.display()
	);
}
