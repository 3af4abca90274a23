//! `compute-miner` starts a VM at the best block and undoes it when that block is not finalized.
//!
//! Four validators of `--chain local` and one more full node run on five lab hosts; the agent
//! follows Alice. The lab parts Alice and the full node from Bob, Charlie and Dave: the three
//! finalize their fork, and Alice authors one of her own (in her slots only, so it is shorter)
//! that nothing finalizes. On Alice's fork, Dave rents a VM; on the others' fork, Dave's same
//! nonce pays for a remark instead, so the request can never be on the finalized chain. The
//! agent claims the request on Alice's fork, boots its VM and sends its fulfilment there.
//! Joined again, Alice takes the finalized fork: the agent removes the VM and its files, the
//! address is free, and none of the agent's transactions from Alice's fork lands on the
//! finalized chain (the pool puts them back after a reorg; their mortal era, born on Alice's
//! fork, makes them invalid there). Dave's next request, which has the same id and plan as the
//! undone one, is served as usual, by a VM of its own.

use std::time::Instant;

use compute_e2e_tests::{
	compute_request, connect, dev, hex, image, none, some, submit_finalized, submit_in_best_block,
	tiny_plan, until, within, At, GuestServer, Lab, LocalNetwork, Miner, MinerSetup, Node, Value,
};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;
use subxt_signer::sr25519::Keypair;

/// Until a started node answers JSON-RPC.
const READY: Duration = Duration::from_secs(120);
/// Until a fresh network (or a joined one) finalizes.
const FINALITY: Duration = Duration::from_secs(180);
/// Until a submitted transaction is in a block; Alice alone authors one slot in four.
const TX: Duration = Duration::from_secs(120);
/// Until the agent has carried out what the chain asks, on Alice's slow fork too.
const AGENT: Duration = Duration::from_secs(240);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(1200);
/// The lab's hosts: the four validators, then the full node that keeps Alice online.
const HOSTS: usize = 5;
const FULL_NODE: usize = 4;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [11; 32];

#[tokio::test(flavor = "multi_thread")]
async fn miner_undoes_a_vm_whose_block_is_not_finalized() {
	within(WHOLE_TEST, "the reorg scenario", run()).await;
}

async fn run() {
	// Declared first, dropped last: the nodes die before their namespaces go.
	let mut lab = Lab::new("reorg", HOSTS).unwrap_or_else(|e| panic!("the lab: {e}"));
	let mut net = LocalNetwork::start_in("reorg", &mut lab);
	let mut full_node = net.full_node_in("ferdie", &lab, FULL_NODE);
	net.wait_ready(READY).await;
	net.wait_finalized(2, FINALITY).await;
	let guests = GuestServer::start(net.dir.path());
	let alice = net.node("alice");
	let tiny = tiny_plan(alice).await;
	let setup =
		MinerSetup::write(net.dir.path(), &alice.ws_url(), NODE_SEED, guests.server.port, &[tiny]);
	let miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();
	until(AGENT, "the node registered", || async {
		miner.log_text().contains("node registered").then_some(())
	})
	.await;
	// The registration is final on both sides of the partition to come.
	let registered = alice.best_number().await;
	net.wait_finalized(registered, FINALITY).await;
	let alice = net.node("alice");
	let free_before = free_addresses(alice).await;

	// Alice and the full node on one side, the three other validators on the other.
	let alice_index = LocalNetwork::index("alice");
	lab.partition(&[alice_index, FULL_NODE]);
	let stalled = stalled_finality(alice).await;

	// Dave rents a VM on Alice's fork, and spends the same nonce on the others' fork.
	let dave = dev::dave();
	let fields = vec![
		Value::u128(tiny.into()),
		image("test-guest", &guests.image_url),
		some(Value::from_bytes(&guests.user_data_url)),
		none(),
	];
	let on_alice = connect(alice).await;
	let on_bob = connect(net.node("bob")).await;
	let started = Instant::now();
	let created =
		submit_in_best_block(&on_alice, &dave, "Compute", "create_compute_request", fields, TX)
			.await
			.unwrap_or_else(|e| panic!("{e}"));
	let remark = vec![Value::from_bytes(b"the same nonce on the finalized fork")];
	submit_in_best_block(&on_bob, &dave, "System", "remark", remark, TX)
		.await
		.unwrap_or_else(|e| panic!("{e}"));
	let owner = dave.public_key().to_account_id().to_string();
	let requests = alice.rpc("compute_getUserRequests", json!([owner])).await;
	let id = requests
		.as_array()
		.and_then(|list| list.iter().filter_map(|r| r["requestId"].as_u64()).max())
		.unwrap_or_else(|| panic!("Dave's request on Alice's fork: {requests}"));
	println!("e2e: request {id} created in Alice's best block #{created}");

	// The agent acts on Alice's best blocks: it claims, boots and fulfils.
	until(AGENT, "the VM Running in Alice's best block", || async {
		(compute_request(alice, id).await["status"] == "Running").then_some(())
	})
	.await;
	let running = started.elapsed();
	let pid = miner.qemu_pid(id).expect("the VM's QEMU runs");
	assert!(miner.vm_dir(id).exists());
	assert_eq!(alice.finalized_number().await, stalled, "none of it is final");
	println!("e2e: VM {id} Running on Alice's fork {running:.1?} after the create was sent");
	// The agent signs as `//Bob` (see `MinerSetup`).
	let agent_account = hex(&dev::bob().public_key().0);
	let on_fork = signed_by(alice, &agent_account, stalled + 1, alice.best_number().await).await;
	assert!(!on_fork.is_empty(), "the agent's claim and fulfilment are in Alice's fork");

	// Joined, Alice takes the finalized fork, where the request never was.
	lab.join();
	let joined = net.node("bob").best_number().await;
	net.wait_finalized(joined, FINALITY).await;
	let alice = net.node("alice");
	assert_eq!(compute_request(alice, id).await, json!(null), "no request {id} on the chain");
	until(AGENT, "the VM removed", || async {
		let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists();
		(gone && !miner.vm_dir(id).exists()).then_some(())
	})
	.await;
	let log = miner.log_text();
	assert!(
		log.contains(&format!("request={id}"))
			&& log.contains("the node no longer hosts this request: removing its VM"),
		"the agent says why the VM went:\n{log}"
	);
	assert_eq!(free_addresses(alice).await, free_before, "no address held");

	// The agent serves the next request as usual.
	let next = create_after_reorg(alice, &dave, tiny, &guests.image_url).await;
	compute_e2e_tests::settled(alice, node_id, next, "Running", AGENT).await;
	assert!(miner.qemu_pid(next).is_some(), "the next VM runs");
	let finalized = alice.finalized_number().await;
	let landed = signed_by(alice, &agent_account, stalled + 1, finalized).await;
	assert!(
		on_fork.is_disjoint(&landed),
		"a transaction the agent made on Alice's fork landed on the finalized chain"
	);
	println!("e2e: after the reorg, request {next} Running; VM {id} was removed");
	full_node.kill();
}

/// Dave's next request, made through `node`, which just went through the reorg; its id.
///
/// A node may stop a client's chainHead subscription while it settles after a reorg, and the
/// client then loses the watch of a transaction it sent. So a create whose watch ends that way
/// is looked up on chain (Dave has no other request there) before it is sent again.
async fn create_after_reorg(node: &Node, dave: &Keypair, plan: u32, image_url: &str) -> u64 {
	let owner = dave.public_key().to_account_id().to_string();
	let on_chain = || async {
		let list = node.rpc("compute_getUserRequests", json!([owner])).await;
		list.as_array()
			.and_then(|l| l.iter().filter_map(|r| r["requestId"].as_u64()).max())
	};
	for attempt in 1..=3 {
		let client = connect(node).await;
		let fields = vec![Value::u128(plan.into()), image("test-guest", image_url), none(), none()];
		match submit_finalized(&client, dave, "Compute", "create_compute_request", fields, FINALITY)
			.await
		{
			Ok(tx) => {
				let created = tx.expect_event("Compute", "ComputeRequestCreated");
				let id = created.fields.at("request_id").and_then(Value::as_u128);
				return id.and_then(|id| u64::try_from(id).ok()).expect("a request id");
			},
			Err(error) => {
				println!("e2e: create {attempt}: {error:?}; looking for it on chain");
				let deadline = Instant::now() + Duration::from_secs(30);
				while Instant::now() < deadline {
					if let Some(id) = on_chain().await {
						return id;
					}
					tokio::time::sleep(Duration::from_secs(2)).await;
				}
			},
		}
	}
	panic!("Dave's next request could not be made");
}

/// The extrinsics (hex) of `node`'s canonical blocks `from..=to` that `account` (hex public key)
/// signed: a signed extrinsic carries its signer's public key.
async fn signed_by(node: &Node, account: &str, from: u64, to: u64) -> BTreeSet<String> {
	let key = account.trim_start_matches("0x");
	let mut out = BTreeSet::new();
	for number in from..=to {
		let hash = node.block_hash(number).await.unwrap_or_else(|| panic!("block {number}"));
		let block = node.rpc("chain_getBlock", json!([hash])).await;
		let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
		out.extend(
			extrinsics
				.iter()
				.filter_map(|x| x.as_str())
				.filter(|x| x.contains(key))
				.map(str::to_string),
		);
	}
	out
}

/// The pool's free addresses at `node`'s best block.
async fn free_addresses(node: &Node) -> u64 {
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	pool["freeCount"].as_u64().unwrap_or_else(|| panic!("the pool: {pool}"))
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
