//! `compute-miner` acts on finalized state only. On a `--chain local` network of three of its
//! four validators, one more stops, so finality stalls while Alice and Bob still author blocks.
//! Root then assigns a request to the miner's node: in the best block the request is
//! `InProgress` on the node, in the finalized block it is `Pending` and on no node. The agent
//! leaves it alone while that block is not final; once Charlie is back and the block is final,
//! it provisions it (the image cannot be fetched, so provisioning ends in a failure report,
//! without booting a VM).

use std::time::{Duration, Instant};

use compute_e2e_tests::{
	compute_call, compute_request, connect, dev, hex_bytes, image, none, submit_in_best_block,
	tiny_plan, until, within, At, FileServer, LocalNetwork, Miner, MinerSetup, Node, TestDir,
	Value,
};
use serde_json::{json, Value as Json};

/// Until a started node answers JSON-RPC.
const READY: Duration = Duration::from_secs(120);
/// Until a fresh network (or a healed one) finalizes.
const FINALITY: Duration = Duration::from_secs(120);
/// Until a submitted transaction is in a block.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has carried out what the chain asks.
const AGENT: Duration = Duration::from_secs(180);
/// Best blocks the agent is watched for while finality stalls.
const STALLED_BLOCKS: u64 = 2;
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(900);
/// The presets' small plan, which the miner's policy does not serve (it serves the tiny one), so
/// only an assignment brings a small request to its node.
const SMALL: u32 = 0;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [11; 32];
/// What the agent logs when a request it provisions cannot be served.
const PROVISION_FAILED: &str = "provisioning failed";

#[tokio::test(flavor = "multi_thread")]
async fn miner_acts_on_finalized_state_only() {
	let mut net = LocalNetwork::start_only("finality", &["alice", "bob", "charlie"]);
	within(WHOLE_TEST, "the finality scenario", run(&mut net)).await;
}

async fn run(net: &mut LocalNetwork) {
	let dir = TestDir::new("finality-miner");
	net.wait_ready(READY).await;
	net.wait_finalized(2, FINALITY).await;
	let client = connect(net.node("alice")).await;
	let files = dir.path().join("files");
	std::fs::create_dir_all(&files).expect("files dir");
	let server = FileServer::start(&files);
	let tiny = tiny_plan(net.node("alice")).await;
	let setup =
		MinerSetup::write(dir.path(), &net.node("alice").ws_url(), NODE_SEED, server.port, &[tiny]);
	let miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();
	until(AGENT, "the node registered", || async {
		miner.log_text().contains("node registered").then_some(())
	})
	.await;

	// A small request the agent does not claim; its image is not there.
	let dave = dev::dave();
	let fields = vec![
		Value::u128(SMALL.into()),
		image("missing", &server.url("missing.json")),
		none(),
		none(),
	];
	let tx = compute_call(&client, &dave, "create_compute_request", fields, TX).await;
	let created = tx.expect_event("Compute", "ComputeRequestCreated");
	let id = created.fields.at("request_id").and_then(Value::as_u128).expect("a request id");
	let id = u64::try_from(id).expect("a u64 id");

	// Finality stalls: Alice and Bob author blocks, two of four GRANDPA votes finalize none.
	net.node_mut("charlie").kill();
	let stalled = stalled_finality(net.node("alice")).await;

	// In a best block only: root assigns the request to the miner's node.
	let assignment = Value::named_variant(
		"submit_compute_request_assignment",
		[
			("miner_node_id", Value::from_bytes(hex_bytes(node_id))),
			("plan_id", Value::u128(SMALL.into())),
			("request_id", Value::u128(id.into())),
			("owner", Value::from_bytes(dave.public_key().0)),
		],
	);
	let sudo = vec![Value::unnamed_variant("Compute", [assignment])];
	let included = submit_in_best_block(&client, &dev::alice(), "Sudo", "sudo", sudo, TX)
		.await
		.unwrap_or_else(|e| panic!("{e}"));

	// The best block and the finalized one disagree about the request.
	let alice = net.node("alice");
	let best = alice.rpc("chain_getBlockHash", json!([])).await;
	let at_best = hosted(alice, node_id, &best).await;
	assert_eq!(at_best.len(), 1, "hosted at the best block: {at_best:?}");
	assert_eq!(at_best[0]["requestId"], id);
	assert_eq!(at_best[0]["status"], "InProgress");
	let finalized = json!(alice.finalized_hash().await);
	assert!(hosted(alice, node_id, &finalized).await.is_empty(), "nothing hosted when final");
	let at_final = alice.rpc("compute_getComputeRequest", json!([id, finalized])).await;
	assert_eq!(at_final["status"], "Pending");

	// The agent does nothing while that block is not final.
	until(AGENT, "more best blocks", || async {
		(alice.best_number().await >= included + STALLED_BLOCKS).then_some(())
	})
	.await;
	assert_eq!(alice.finalized_number().await, stalled, "finality stayed stalled");
	// Had the agent acted on the best block, its failure report would be in one by now.
	assert_eq!(compute_request(alice, id).await["status"], "InProgress", "the agent left it alone");
	let log = miner.log_text();
	assert!(!log.contains(PROVISION_FAILED), "the agent left it alone:\n{log}");

	// Charlie is back, the block becomes final, and the agent acts on it.
	let charlie = net.node_mut("charlie");
	charlie.spawn();
	charlie.wait_ready(READY).await;
	net.wait_finalized(included, FINALITY).await;
	let alice = net.node("alice");
	until(AGENT, "the agent's failure report", || async {
		(compute_request(alice, id).await["status"] == "Failed").then_some(())
	})
	.await;
	assert!(miner.log_text().contains(PROVISION_FAILED), "the agent provisioned it");
	println!("e2e: finality stalled at #{stalled}; the agent acted once #{included} was final");
}

/// The requests hosted by `node_id` at block `at`.
async fn hosted(node: &Node, node_id: &str, at: &Json) -> Vec<Json> {
	let page = node.rpc("compute_getHostedRequests", json!([node_id, null, null, at])).await;
	page.as_array().cloned().unwrap_or_default()
}

/// Waits until `node`'s finalized head stays put while its best head moves on by two blocks;
/// that finalized number.
async fn stalled_finality(node: &Node) -> u64 {
	let started = Instant::now();
	loop {
		let (finalized, best) = (node.finalized_number().await, node.best_number().await);
		until(FINALITY, "two more best blocks", || async {
			(node.best_number().await >= best + 2).then_some(())
		})
		.await;
		if node.finalized_number().await == finalized {
			return finalized;
		}
		assert!(started.elapsed() < FINALITY, "finality did not stall");
	}
}
