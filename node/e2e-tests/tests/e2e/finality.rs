//! `compute-miner` acts on finalized state only: on a `--chain local` network of three of its
//! four validators, whose finality stalls when one more stops (Alice and Bob author blocks that
//! two of four GRANDPA votes cannot finalize), a stop queued on a running VM and a request
//! assigned to the miner's node exist in the best block and not in the finalized one. The agent
//! leaves both alone; once Charlie is back and those blocks are final, it stops the one VM and
//! boots the other.

use std::time::{Duration, Instant};

use compute_e2e_tests::{
	compute_call, compute_request, connect, dev, hex_bytes, image, none, submit_in_best_block,
	tiny_plan, until, within, At, Client, GuestServer, LocalNetwork, Miner, MinerSetup, Node,
	TestDir, Value,
};
use serde_json::{json, Value as Json};
use subxt_signer::sr25519::Keypair;

/// Until a started node answers JSON-RPC.
const READY: Duration = Duration::from_secs(120);
/// Until a fresh network (or a healed one) finalizes.
const FINALITY: Duration = Duration::from_secs(120);
/// Until a submitted transaction is in a block.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has carried out what the chain asks (claims, boots under TCG, fulfils).
const AGENT: Duration = Duration::from_secs(240);
/// Best blocks the agent is watched for while finality stalls.
const STALLED_BLOCKS: u64 = 3;
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(900);
/// The presets' small plan, which the miner's policy does not serve (it serves the tiny one),
/// so only an assignment brings a small request to its node.
const SMALL: u32 = 0;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [11; 32];

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
	let guests = GuestServer::start(dir.path());
	let tiny = tiny_plan(net.node("alice")).await;
	let setup = MinerSetup::write(
		dir.path(),
		&net.node("alice").ws_url(),
		NODE_SEED,
		guests.server.port,
		&[tiny],
	);
	let miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();

	// A tiny VM the agent claims and runs, and a small request it does not serve.
	let (charlie, dave) = (dev::charlie(), dev::dave());
	let running = create(&client, &charlie, tiny, &guests.image_url).await;
	let assigned = create(&client, &dave, SMALL, &guests.image_url).await;
	until(AGENT, "the tiny VM Running", || async {
		(status(net.node("alice"), running).await == "Running").then_some(())
	})
	.await;
	let pid = miner.qemu_pid(running).expect("the VM's QEMU runs");

	// Finality stalls: Alice and Bob author blocks, two of four GRANDPA votes finalize none.
	net.node_mut("charlie").kill();
	let stalled = stalled_finality(net.node("alice")).await;

	// In best blocks only: the owner stops the running VM, root assigns the small request to
	// the miner's node.
	let stop = vec![Value::u128(running.into())];
	submit_in_best_block(&client, &charlie, "Compute", "request_compute_stop", stop, TX)
		.await
		.unwrap_or_else(|e| panic!("{e}"));
	let assignment = Value::named_variant(
		"submit_compute_request_assignment",
		[
			("miner_node_id", Value::from_bytes(hex_bytes(node_id))),
			("plan_id", Value::u128(SMALL.into())),
			("request_id", Value::u128(assigned.into())),
			("owner", Value::from_bytes(dave.public_key().0)),
		],
	);
	let sudo = vec![Value::unnamed_variant("Compute", [assignment])];
	let included = submit_in_best_block(&client, &dev::alice(), "Sudo", "sudo", sudo, TX)
		.await
		.unwrap_or_else(|e| panic!("{e}"));

	// The best block and the finalized one disagree about both requests.
	let alice = net.node("alice");
	let best = alice.rpc("chain_getBlockHash", json!([])).await;
	let at_best = hosted(alice, node_id, &best).await;
	let at_final = hosted(alice, node_id, &json!(alice.finalized_hash().await)).await;
	assert_eq!(at_best[&running.to_string()]["pending"]["stop"], true, "{at_best:?}");
	assert_eq!(at_best[&assigned.to_string()]["status"], "InProgress", "{at_best:?}");
	assert_eq!(at_final[&running.to_string()]["pending"]["stop"], false, "{at_final:?}");
	assert!(at_final.get(&assigned.to_string()).is_none(), "not hosted when final: {at_final:?}");

	// The agent does nothing while those blocks are not final.
	until(AGENT, "more best blocks", || async {
		(alice.best_number().await >= included + STALLED_BLOCKS).then_some(())
	})
	.await;
	assert_eq!(alice.finalized_number().await, stalled, "finality stayed stalled");
	assert_eq!(miner.qemu_pid(running), Some(pid), "the VM runs: its stop is not final");
	assert!(!miner.vm_dir(assigned).exists(), "no VM for a request not assigned when final");
	let log = miner.log_text();
	assert!(!log.contains(&format!("request={assigned}")), "the agent left it alone:\n{log}");

	// Charlie is back, those blocks become final, and the agent acts on them.
	let charlie_node = net.node_mut("charlie");
	charlie_node.spawn();
	charlie_node.wait_ready(READY).await;
	net.wait_finalized(included, FINALITY).await;
	let alice = net.node("alice");
	until(AGENT, "the stop fulfilled and the assigned VM Running", || async {
		let stopped = status(alice, running).await == "Stopped";
		(stopped && status(alice, assigned).await == "Running").then_some(())
	})
	.await;
	assert_eq!(miner.qemu_pid(running), None, "the stopped VM's QEMU is gone");
	assert!(miner.qemu_pid(assigned).is_some(), "the assigned VM runs");
	println!("e2e: finality stalled at #{stalled}; the agent acted once #{included} was final");
}

/// Creates a request of `who` on `plan` booting `image_url`; its id.
async fn create(client: &Client, who: &Keypair, plan: u32, image_url: &str) -> u64 {
	let image = image("test-guest", image_url);
	let fields = vec![Value::u128(plan.into()), image, none(), none()];
	let tx = compute_call(client, who, "create_compute_request", fields, TX).await;
	let created = tx.expect_event("Compute", "ComputeRequestCreated");
	let id = created.fields.at("request_id").and_then(Value::as_u128).expect("a request id");
	u64::try_from(id).expect("a u64 id")
}

/// The status of request `id` at the best block.
async fn status(node: &Node, id: u64) -> String {
	compute_request(node, id).await["status"]
		.as_str()
		.unwrap_or_default()
		.to_string()
}

/// The requests hosted by `node_id` at block `at`, by request id.
async fn hosted(node: &Node, node_id: &str, at: &Json) -> serde_json::Map<String, Json> {
	let page = node.rpc("compute_getHostedRequests", json!([node_id, null, null, at])).await;
	page.as_array()
		.into_iter()
		.flatten()
		.map(|h| (h["requestId"].to_string(), h.clone()))
		.collect()
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
