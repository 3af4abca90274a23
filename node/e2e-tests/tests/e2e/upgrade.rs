//! A forkless runtime upgrade of a live chain, as an operator runs it, with `compute-miner`
//! hosting VMs across it. A dev chain starts from the previous release's runtime
//! (`fixtures/runtime-105.json`, made by `scripts/runtime-fixture.sh`). The agent, built from
//! this tree, registers its node there and runs real QEMU VMs: one request is running, one
//! stopped, and one pending (for a plan the agent does not serve). Root authorizes the hash of
//! the runtime built from this tree (`sudo(system.authorize_upgrade)`) and any account applies
//! it (`system.apply_authorized_upgrade`). The pallet's storage migration runs in the next block.
//!
//! Then: the spec and storage versions are the new ones; the runtime API's
//! `check_invariants` passes; every request reads as before; the running VM never stopped;
//! the agent checked its interface against the new runtime, skipped the block whose storage
//! had not migrated yet, and kept working: it boots the stopped VM, deletes the running one
//! (whose rent, paid across both runtimes, is the plan's price for every block it ran), and
//! claims and boots a new request under the new rules (with a claim bond).

use std::{path::PathBuf, time::Duration};

use compute_e2e_tests::{
	compute_call, compute_request, connect, create_request, dev, finalized_at_least, miner_metric,
	miner_request, node_bin, plan_price, rent_paid, runtime_metadata, settled, storage,
	submit_finalized, tiny_plan, until, within, At, GuestServer, Miner, MinerSetup, Node, NodeKey,
	TestDir, Value,
};
use serde_json::{json, Value as Json};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has carried out what the chain asks (claims, boots under TCG, fulfils).
const AGENT: Duration = Duration::from_secs(180);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(1200);
/// The previous release's chain: the dev preset's genesis, with that release's runtime.
const FIXTURE: &str = "fixtures/runtime-105.json";
/// The previous release's metadata, which `compute-miner`'s interface check is tested with.
const FIXTURE_METADATA: &str = "../miner/metadata/compute-runtime-105.scale";
/// The fixture's `spec_version`, and the one of this tree's runtime.
const OLD_SPEC: u64 = 105;
const NEW_SPEC: u64 = 107;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [5; 32];
/// The dev preset's small plan, which the agent does not serve here: a request for it stays
/// pending.
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

/// `ComputeApi::check_invariants` at the best block: `Ok(())` is SCALE `0x00`, an error `0x01`
/// and its text.
async fn invariants(node: &Node) -> Result<(), String> {
	let answer = node.rpc("state_call", json!(["ComputeApi_check_invariants", "0x"])).await;
	let bytes = compute_e2e_tests::hex_bytes(answer.as_str().expect("hex"));
	match bytes.split_first() {
		Some((0, [])) => Ok(()),
		Some((1, text)) => Err(String::from_utf8_lossy(text).into_owned()),
		_ => panic!("not a Result<(), String>: {answer}"),
	}
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
	let committed: PathBuf = [env!("CARGO_MANIFEST_DIR"), FIXTURE_METADATA].iter().collect();
	assert!(
		std::fs::read(&committed).expect("the previous release's metadata")
			== runtime_metadata(node).await,
		"{} is not the fixture runtime's metadata: run scripts/runtime-fixture.sh",
		committed.display()
	);

	// Before: the agent's node, with requests running, stopped and pending.
	let dir = TestDir::new("upgrade");
	let guests = GuestServer::start(dir.path());
	let tiny = tiny_plan(node).await;
	let setup =
		MinerSetup::write(dir.path(), &node.ws_url(), NODE_SEED, guests.server.port, &[tiny]);
	let mut miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();
	let metric = |name: &str| miner_metric(setup.prometheus_port, name);
	let log = &miner;
	until(AGENT, "the node registered", || async move {
		log.log_text().contains("node registered").then_some(())
	})
	.await;
	assert!(miner.log_text().contains(&format!("runtime spec {OLD_SPEC}: every call")));
	let (charlie, dave, eve) = (dev::charlie(), dev::dave(), dev::eve());
	let image_url = guests.image_url.as_str();
	let ((pending, _), (running, created), (stopped, _)) = tokio::join!(
		create_request(&client, &charlie, SMALL, image_url, None, TX),
		create_request(&client, &dave, tiny, image_url, None, TX),
		create_request(&client, &eve, tiny, image_url, None, TX),
	);
	settled(node, node_id, running, "Running", AGENT).await;
	settled(node, node_id, stopped, "Running", AGENT).await;
	compute_call(&client, &eve, "request_compute_stop", vec![Value::u128(stopped.into())], TX)
		.await;
	settled(node, node_id, stopped, "Stopped", AGENT).await;
	let ids = [pending, running, stopped];
	let mut before = Vec::new();
	for id in ids {
		before.push(compute_request(node, id).await);
	}
	let statuses: Vec<&Json> = before.iter().map(|r| &r["status"]).collect();
	assert_eq!(statuses, [&json!("Pending"), &json!("Running"), &json!("Stopped")]);
	let pool_before = node.rpc("compute_getIpPool", json!([])).await;
	let qemu = miner.qemu_pid(running).expect("the running VM's QEMU");

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

	// After: the new versions, in the block after the one that set the code, and the
	// invariants hold.
	until(TX, "the new runtime", || async { (spec_version(node).await == NEW_SPEC).then_some(()) })
		.await;
	until(TX, "storage version 5", || async { (storage_version(node).await == 5).then_some(()) })
		.await;
	assert_eq!(invariants(node).await, Ok(()));
	// Every request reads as before, the pool holds the same addresses, and the running VM
	// never stopped.
	for (id, old) in ids.iter().zip(&before) {
		assert_eq!(&compute_request(node, *id).await, old, "request {id}");
	}
	assert_eq!(node.rpc("compute_getIpPool", json!([])).await, pool_before);
	assert_eq!(miner.qemu_pid(running), Some(qemu), "the VM ran on across the upgrade");

	// The node's heartbeat is the migration's block or a later report: it is live.
	let client = connect(node).await;
	finalized_at_least(&client, applied.block_number + 1, TX).await;
	let key = vec![Value::from_bytes(NodeKey::from_seed(NODE_SEED).node_id())];
	let entry = storage(&client, None, "Compute", "MinerNodes", key)
		.await
		.expect("read the node")
		.expect("the node");
	let heartbeat = entry.at("last_heartbeat").and_then(Value::as_u128).expect("a heartbeat");
	// Migrations run first thing in the next block, while the chain's block number is still
	// that of the block that set the code.
	assert!(heartbeat >= u128::from(applied.block_number), "heartbeat at {heartbeat}");

	// The agent noticed the new runtime, found its interface compatible, and read nothing at
	// the block whose storage had not migrated yet.
	let new_spec = format!("runtime spec {NEW_SPEC}: every call, read and constant");
	until(AGENT, "the agent checked the new runtime", || async {
		miner.log_text().contains(&new_spec).then_some(())
	})
	.await;
	let said = miner.log_text();
	assert!(said.contains("this block set the runtime's code"), "{said}");
	assert!(!said.contains("this agent cannot"), "{said}");
	assert_eq!(metric("compute_miner_runtime_spec_version"), Some(NEW_SPEC as f64));
	for role in ["host", "claim", "register"] {
		let compatible = format!("compute_miner_runtime_compatible{{role=\"{role}\"}}");
		assert_eq!(metric(&compatible), Some(1.0), "{compatible}");
	}

	// The agent keeps working: it boots the stopped VM and deletes the running one...
	compute_call(&client, &eve, "request_compute_boot", vec![Value::u128(stopped.into())], TX)
		.await;
	settled(node, node_id, stopped, "Running", AGENT).await;
	let deleted = compute_call(
		&client,
		&dave,
		"request_compute_delete",
		vec![Value::u128(running.into())],
		TX,
	)
	.await;
	until(AGENT, "the running VM deleted", || async {
		miner_request(node, node_id, running).await.is_none().then_some(())
	})
	.await;
	assert!(!miner.vm_dir(running).exists(), "no disk or seed left");
	// ...whose rent, across both runtimes and the migration, was the plan's price for each
	// block from its fulfilment to its deletion: its node was live throughout.
	let best = node.best_number().await;
	let head = finalized_at_least(&client, best, AGENT).await.block_number();
	let price = plan_price(node, tiny).await;
	let (running_from, paid) = rent_paid(&client, running, created, head).await;
	let rent_blocks = u128::from(deleted.block_number - running_from);
	assert_eq!(paid, price * rent_blocks, "{rent_blocks} blocks of rent at {price}");

	// A new request is claimed, with a bond under the new rules, and booted.
	let ferdie = dev::ferdie();
	let (new, created) = create_request(&client, &ferdie, tiny, image_url, None, TX).await;
	settled(node, node_id, new, "Running", AGENT).await;
	let best = node.best_number().await;
	let head = finalized_at_least(&client, best, AGENT).await.block_number();
	let events = compute_e2e_tests::events_between(&client, created, head).await.expect("events");
	let bonded = events.iter().any(|(_, e)| {
		e.name == "ClaimBondHeld"
			&& e.fields.at("request_id").and_then(Value::as_u128) == Some(new.into())
	});
	assert!(bonded, "the claim of request {new} held a bond");
	assert_eq!(invariants(node).await, Ok(()));
	assert!(miner.terminate(Duration::from_secs(40)), "compute-miner exits on SIGTERM");
}
