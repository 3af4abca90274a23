//! A forkless runtime upgrade of a live chain, as an operator runs it. A dev chain starts from
//! the previous release's runtime (`fixtures/runtime-105.json`, made by
//! `scripts/runtime-fixture.sh`), with a miner node and requests pending, running and stopped.
//! Root authorizes the hash of the runtime built from this tree (`sudo(system.authorize_upgrade)`)
//! and any account applies it (`system.apply_authorized_upgrade`). The pallet's storage migration
//! runs in the next block: then the spec and storage versions are the new ones, every request
//! reads as before, the node counts the upgrade as its heartbeat, and the new rules' calls work.

use std::{path::PathBuf, time::Duration};

use compute_e2e_tests::{
	compute_call, compute_request, connect, dev, finalized_at_least, image, ipv4, node_bin, none,
	plan_spec, some, storage, submit_finalized, until, within, At, Client, Node, NodeKey, Value,
};
use serde_json::{json, Value as Json};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(900);
/// The previous release's chain: the dev preset's genesis, with that release's runtime.
const FIXTURE: &str = "fixtures/runtime-105.json";
/// The fixture's `spec_version`, and the one of this tree's runtime.
const OLD_SPEC: u64 = 105;
const NEW_SPEC: u64 = 106;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [5; 32];
/// The dev preset's small plan.
const SMALL: u32 = 0;

/// The runtime this tree's node was built with, compressed, as its build script wrote it beside
/// the node binary.
fn new_runtime() -> Vec<u8> {
	let release = node_bin().parent().expect("the node's directory").to_path_buf();
	let path = release.join("wbuild/compute-runtime/compute_runtime.compact.compressed.wasm");
	std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn spec_version(node: &Node) -> u64 {
	let version = node.rpc("state_getRuntimeVersion", json!([])).await;
	version["specVersion"].as_u64().expect("specVersion")
}

/// The Compute pallet's on-chain storage version.
async fn storage_version(node: &Node) -> u16 {
	let key = [
		sp_crypto_hashing::twox_128(b"Compute"),
		sp_crypto_hashing::twox_128(b":__STORAGE_VERSION__:"),
	]
	.concat();
	let raw = node.rpc("state_getStorage", json!([compute_e2e_tests::hex(&key)])).await;
	let bytes = compute_e2e_tests::hex_bytes(raw.as_str().expect("a storage version"));
	u16::from_le_bytes(bytes.try_into().expect("two bytes"))
}

/// Creates a small request of `who`; returns its id.
async fn create(client: &Client, who: &subxt_signer::sr25519::Keypair) -> u64 {
	let image = image("test", "https://example.invalid/test.img");
	let fields = vec![Value::u128(SMALL.into()), image, none(), none()];
	let tx = compute_call(client, who, "create_compute_request", fields, TX).await;
	let created = tx.expect_event("Compute", "ComputeRequestCreated");
	let id = created.fields.at("request_id").and_then(Value::as_u128).expect("an id");
	u64::try_from(id).expect("a u64 id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_chain_upgrades_to_this_runtime() {
	let fixture: PathBuf = [env!("CARGO_MANIFEST_DIR"), FIXTURE].iter().collect();
	let chain = fixture.to_str().expect("a UTF-8 path");
	// A validator of a chain that is not `--dev` needs a network key of its own.
	let node_key = "000000000000000000000000000000000000000000000000000000000000000b";
	let args =
		["--chain", chain, "--alice", "--validator", "--force-authoring", "--node-key", node_key];
	let mut node = Node::start("upgrade", &args);
	within(WHOLE_TEST, "the upgrade test", upgrade(&mut node)).await;
}

async fn upgrade(node: &mut Node) {
	node.wait_ready(READY).await;
	let client = connect(node).await;
	assert_eq!(spec_version(node).await, OLD_SPEC);
	assert_eq!(storage_version(node).await, 3);

	// Before: a miner node, and requests pending, running and stopped.
	let miner = dev::bob();
	let key = NodeKey::from_seed(NODE_SEED);
	let node_id = key.node_id();
	let proof = key.registration_proof(client.genesis_hash().0, miner.public_key().0);
	let capacity = plan_spec(16, 65_536, 2_000, 10_000, 2);
	let register =
		vec![Value::from_bytes(&node_id), capacity, ipv4([10, 0, 0, 1]), Value::from_bytes(proof)];
	let (charlie, dave, eve) = (dev::charlie(), dev::dave(), dev::eve());
	let (_, pending, running, stopped) = tokio::join!(
		compute_call(&client, &miner, "register_miner_node", register, TX),
		create(&client, &charlie),
		create(&client, &dave),
		create(&client, &eve),
	);
	for (id, owner) in [(running, &dave), (stopped, &eve)] {
		let claim = vec![
			Value::from_bytes(&node_id),
			Value::u128(SMALL.into()),
			Value::u128(id.into()),
			Value::from_bytes(owner.public_key().0),
		];
		compute_call(&client, &miner, "submit_compute_request_assignment", claim, TX).await;
		let fulfil = vec![
			Value::from_bytes(&node_id),
			Value::u128(id.into()),
			some(Value::from_bytes(format!("vm-{id}"))),
			some(ipv4([10, 0, 0, 1])),
			some(Value::u128(5900 + u128::from(id))),
		];
		compute_call(&client, &miner, "fulfill_compute_request", fulfil, TX).await;
	}
	compute_call(&client, &eve, "request_compute_stop", vec![Value::u128(stopped.into())], TX)
		.await;
	let fulfil_stop = vec![Value::from_bytes(&node_id), Value::u128(stopped.into())];
	compute_call(&client, &miner, "fulfill_stop_request", fulfil_stop, TX).await;
	let ids = [pending, running, stopped];
	let mut before = Vec::new();
	for id in ids {
		before.push(compute_request(node, id).await);
	}
	let statuses: Vec<&Json> = before.iter().map(|r| &r["status"]).collect();
	assert_eq!(statuses, [&json!("Pending"), &json!("Running"), &json!("Stopped")]);
	let pool_before = node.rpc("compute_getIpPool", json!([])).await;

	// The upgrade: root authorizes the new runtime's hash, then anyone applies it.
	let code = new_runtime();
	let hash = sp_crypto_hashing::blake2_256(&code);
	let authorize =
		Value::named_variant("authorize_upgrade", [("code_hash", Value::from_bytes(hash))]);
	let sudo = vec![Value::unnamed_variant("System", [authorize])];
	submit_finalized(&client, &dev::alice(), "Sudo", "sudo", sudo, TX)
		.await
		.unwrap_or_else(|e| panic!("sudo(system.authorize_upgrade): {e}"));
	let apply = vec![Value::from_bytes(&code)];
	let applied = submit_finalized(&client, &dave, "System", "apply_authorized_upgrade", apply, TX)
		.await
		.unwrap_or_else(|e| panic!("system.apply_authorized_upgrade: {e}"));
	applied.expect_event("System", "CodeUpdated");
	eprintln!("e2e: runtime of {} bytes applied in block {}", code.len(), applied.block_number);

	// After: the new versions, in the block after the one that set the code.
	until(TX, "the new runtime", || async { (spec_version(node).await == NEW_SPEC).then_some(()) })
		.await;
	until(TX, "storage version 4", || async { (storage_version(node).await == 4).then_some(()) })
		.await;
	// Every request reads as before, and the pool holds the same addresses.
	for (id, old) in ids.iter().zip(&before) {
		assert_eq!(&compute_request(node, *id).await, old, "request {id}");
	}
	assert_eq!(node.rpc("compute_getIpPool", json!([])).await, pool_before);

	// The node sent a heartbeat at the upgrade: it is live, and its clock reads that block. (The
	// block that set the code still holds the old layout: its migration runs in the next one.)
	let client = connect(node).await;
	finalized_at_least(&client, applied.block_number + 1, TX).await;
	let entry = storage(&client, None, "Compute", "MinerNodes", vec![Value::from_bytes(&node_id)])
		.await
		.expect("read the node")
		.expect("the node");
	let heartbeat = entry.at("last_heartbeat").and_then(Value::as_u128).expect("a heartbeat");
	// Migrations run first thing in the next block, while the chain's block number is still
	// that of the block that set the code.
	assert_eq!(heartbeat, u128::from(applied.block_number));

	// The new rules' calls work on the migrated requests: the miner gives notice on the running
	// VM, and the rent it earned across the upgrade is paid.
	let notice = vec![Value::from_bytes(&node_id), Value::u128(running.into())];
	let tx = compute_call(&client, &miner, "give_eviction_notice", notice, TX).await;
	tx.expect_event("Compute", "ComputeEvictionNoticeGiven");
	let claim = vec![Value::from_bytes(&node_id), Value::u128(running.into())];
	let tx = compute_call(&client, &miner, "claim_compute_payment", claim, TX).await;
	let paid = tx.expect_event("Compute", "ComputePaymentSettled");
	assert!(paid.fields.at("amount").and_then(Value::as_u128).is_some_and(|a| a > 0));
}
