//! Resilience of a 4-validator `--chain local` network (fixed node keys, base paths in a temp dir),
//! once all four finalize:
//!
//! (a) a validator killed with SIGKILL: the other three keep finalizing (3 of 4 GRANDPA votes);
//! (b) restarted on the same base path, it catches up to within 2 blocks;
//! (c) a compute request finalized, then every node SIGKILLed and restarted: the finalized blocks
//!     are unchanged and the request is still in storage;
//! (d) a validator restarted with a broken keystore never panics, and tells its operator what is
//!     wrong: with garbage key files it runs as a full node and warns that it will not author or
//!     vote; with the keystore path taken by a file it refuses to start, naming the path; with
//!     the keystore folder gone it recreates it and validates with its `--dave` key.

use std::{
	path::Path,
	process::Command,
	time::{Duration, Instant},
};

use compute_e2e_tests::{
	compute_call, connect, dev, hex, image, node_bin, storage, within, At, LocalNetwork, Node,
	Value,
};
use serde_json::json;

/// Id of the chain `--chain local` (its keystore is `<base>/chains/local_testnet/keystore`).
const LOCAL_CHAIN_ID: &str = "local_testnet";
/// Plan 0 of the presets (the small plan).
const PLAN_ID: u32 = 0;

/// Until a started node answers JSON-RPC.
const READY: Duration = Duration::from_secs(120);
/// Until a fresh network finalizes its first blocks.
const FIRST_FINALITY: Duration = Duration::from_secs(120);
/// Until the finalized head moves on by a few blocks.
const PROGRESS: Duration = Duration::from_secs(75);
/// Until a restarted node catches up with the others.
const CATCH_UP: Duration = Duration::from_secs(90);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// How long a node with a broken keystore is watched once it serves RPC.
const OBSERVE: Duration = Duration::from_secs(8);
/// How long a line the node logged may take to reach its log file (stderr is buffered).
const LOG_DELAY: Duration = Duration::from_secs(30);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(420);

/// Time given to the nodes' database writers before every node is killed.
const DB_FLUSH: Duration = Duration::from_secs(1);

/// How close (in blocks) a restarted node must get to the others.
const CATCH_UP_MARGIN: u64 = 2;

/// What marks a Rust panic in a node's output.
const PANIC_MARKERS: [&str; 2] = ["panicked at", "Thread 'main' panicked"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_network_survives_crashes_restarts_and_broken_keystores() {
	let mut net = LocalNetwork::start("resilience");
	within(WHOLE_TEST, "the resilience test", resilience(&mut net)).await;
}

async fn resilience(net: &mut LocalNetwork) {
	let clock = Clock::new();
	net.wait_ready(READY).await;
	assert_eq!(net.node("alice").rpc("system_chain", json!([])).await, json!("Local Testnet"));
	net.wait_finalized(3, FIRST_FINALITY).await;
	clock.step("4 validators up and finalizing");

	let killed_at = kill_one_validator(net).await;
	clock.step("(a) finality goes on without dave");

	restart_and_catch_up(net, killed_at).await;
	clock.step("(b) dave restarted and caught up");

	state_survives_killing_every_node(net).await;
	clock.step("(c) finalized blocks and the compute request survive kill -9 of every node");

	broken_keystores_never_panic(net).await;
	clock.step("(d) broken keystores: no panic");
}

/// (a) SIGKILL Dave; the others finalize 3 more blocks. Returns Dave's finalized number before.
async fn kill_one_validator(net: &mut LocalNetwork) -> u64 {
	let dave_finalized = net.node("dave").finalized_number().await;
	net.node_mut("dave").kill();
	let finalized = net.node("alice").finalized_number().await;
	net.wait_finalized(finalized + 3, PROGRESS).await;
	dave_finalized
}

/// (b) Restart Dave on the same base path; he finalizes past where he stopped and gets within
/// [`CATCH_UP_MARGIN`] blocks of Alice.
async fn restart_and_catch_up(net: &mut LocalNetwork, killed_at: u64) {
	let dave = net.node_mut("dave");
	dave.spawn();
	dave.wait_ready(READY).await;
	// The database writes commits from a background queue, so a SIGKILL may cost the last one:
	// a restarted node may resume a block behind; it must then sync, which is checked next.
	let resumed_from = dave.finalized_number().await;
	println!("e2e: dave killed at finalized #{killed_at}, restarted at #{resumed_from}");
	wait_caught_up(net, "dave", killed_at + 1).await;
}

/// Waits until `who` has finalized at least `min` and is within [`CATCH_UP_MARGIN`] blocks of
/// Alice, for both the best and the finalized head.
async fn wait_caught_up(net: &mut LocalNetwork, who: &str, min: u64) {
	let deadline = Instant::now() + CATCH_UP;
	loop {
		let (alice, node) = (net.node("alice"), net.node(who));
		let (a_best, a_fin) = (alice.best_number().await, alice.finalized_number().await);
		let (n_best, n_fin) = (node.best_number().await, node.finalized_number().await);
		if n_fin >= min && n_fin + CATCH_UP_MARGIN >= a_fin && n_best + CATCH_UP_MARGIN >= a_best {
			return;
		}
		assert!(
			Instant::now() < deadline,
			"{who} did not catch up within {CATCH_UP:?}: best #{n_best} finalized #{n_fin}, \
			 alice best #{a_best} finalized #{a_fin}\n--- log tail:\n{}",
			node.log_tail(40)
		);
		assert!(net.node_mut(who).is_running(), "{who} exited:\n{}", net.node(who).log_tail(40));
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// (c) A compute request from Alice, finalized; then SIGKILL all four and restart them on the
/// same base paths.
async fn state_survives_killing_every_node(net: &mut LocalNetwork) {
	let client = connect(net.node("alice")).await;
	let alice = dev::alice();
	let image = image("ubuntu-24.04", "ipfs://bafybeie2etestimage");
	let tx = compute_call(
		&client,
		&alice,
		"create_compute_request",
		(PLAN_ID, image, None::<Vec<u8>>, None::<Vec<u8>>),
		TX,
	)
	.await;
	let created = tx.expect_event("Compute", "ComputeRequestCreated");
	let request_id = created
		.fields
		.at("request_id")
		.and_then(Value::as_u128)
		.expect("request_id field");
	let request_key = vec![Value::from_bytes(alice.public_key().0), Value::u128(request_id)];
	let stored =
		storage(&client, Some(tx.block_hash), "Compute", "ComputeRequests", request_key.clone())
			.await
			.expect("read ComputeRequests")
			.expect("the request is in ComputeRequests");
	assert_eq!(stored.at("plan_id").and_then(Value::as_u128), Some(PLAN_ID.into()));
	drop(client);

	net.wait_finalized(tx.block_number, PROGRESS).await;
	let tx_block_hash = format!("{:#x}", tx.block_hash);
	let old_height = net.node("alice").finalized_number().await;
	let old_hash = net.node("alice").block_hash(old_height).await.expect("finalized hash");
	// A SIGKILL may cost a node its latest commit (see restart_and_catch_up): the checked block
	// must be older than that, so the network finalizes one more, and the background writers
	// get a moment to flush.
	net.wait_finalized(old_height + 1, PROGRESS).await;
	tokio::time::sleep(DB_FLUSH).await;

	for node in net.nodes.iter_mut() {
		node.kill();
	}
	for node in net.nodes.iter_mut() {
		node.spawn();
	}
	net.wait_ready(READY).await;
	for node in &net.nodes {
		println!(
			"e2e: {} restarted with finalized head #{} (network had #{old_height})",
			node.name(),
			node.finalized_number().await
		);
	}
	net.wait_finalized(old_height, PROGRESS).await;
	for node in &net.nodes {
		assert_eq!(
			node.block_hash(old_height).await.as_deref(),
			Some(old_hash.as_str()),
			"{}: finalized block #{old_height} changed across the restart",
			node.name()
		);
		assert_eq!(
			node.block_hash(tx.block_number).await.as_deref(),
			Some(tx_block_hash.as_str()),
			"{}: the request's block #{} changed across the restart",
			node.name(),
			tx.block_number
		);
	}
	net.wait_finalized(old_height + 2, PROGRESS).await;

	let client = connect(net.node("bob")).await;
	let after = storage(&client, None, "Compute", "ComputeRequests", request_key)
		.await
		.expect("read ComputeRequests after the restart")
		.expect("the request is still in ComputeRequests after the restart");
	assert_eq!(after, stored, "the request changed across the restart");
}

/// (d) Dave restarted three times with a broken keystore; the other three keep finalizing.
async fn broken_keystores_never_panic(net: &mut LocalNetwork) {
	let dave_index = LocalNetwork::index("dave");
	let normal_args = net.validator_args(dave_index);
	let base = net.base_path("dave");
	let keystore = net.node("dave").keystore_dir(LOCAL_CHAIN_ID);
	let dave_aura = hex(&dev::dave().public_key().0);

	// 1. Dave's real keys inserted on disk (as an operator does), then overwritten with garbage,
	//    plus a stray garbage file; started as a validator without `--dave`, so the disk is the
	//    only source of keys.
	net.node_mut("dave").kill();
	insert_key(&base, "aura", "sr25519", "//Dave");
	insert_key(&base, "gran", "ed25519", "//Dave");
	let key_files: Vec<_> = std::fs::read_dir(&keystore)
		.expect("read keystore")
		.map(|e| e.expect("keystore entry").path())
		.collect();
	assert_eq!(key_files.len(), 2, "key insert wrote {key_files:?}");
	for file in &key_files {
		std::fs::write(file, b"\x00\xffthis is not a key\n").expect("corrupt key file");
	}
	std::fs::write(keystore.join("garbage"), [0xde, 0xad, 0xbe, 0xef]).expect("write garbage");
	let mut without_dev_key: Vec<String> =
		normal_args.iter().filter(|a| *a != "--dave").cloned().collect();
	without_dev_key.extend(["--name".to_string(), "Dave".to_string()]);
	let dave = net.node_mut("dave");
	dave.set_args(&without_dev_key);
	dave.spawn();
	// A validator whose keys are unreadable still follows the chain (it is a full node), and
	// tells its operator that it will neither author nor vote.
	dave.wait_ready(READY).await;
	let has_aura = dave.rpc("author_hasKey", json!([dave_aura, "aura"])).await;
	println!("e2e: (d1) garbage key files: runs; author_hasKey(dave, aura) = {has_aura}");
	let min = net.node("alice").finalized_number().await;
	wait_caught_up(net, "dave", min).await;
	tokio::time::sleep(OBSERVE).await;
	assert!(net.node_mut("dave").is_running(), "dave stopped:\n{}", net.node("dave").log_tail(40));
	let warned = |log: &str| {
		log.contains("will not author blocks") && log.contains("will not vote on finality")
	};
	let log = net.node("dave").wait_for_log(LOG_DELAY, warned).await;
	assert!(warned(&log), "no warning about the unusable keys:\n{}", net.node("dave").log_tail(40));
	report_keystore_lines("d1", net.node("dave"));
	assert_no_panic("garbage key files", net.node("dave"));

	// 2. The keystore path taken by a regular file: the keystore cannot be opened.
	net.node_mut("dave").kill();
	std::fs::remove_dir_all(&keystore).expect("remove keystore");
	std::fs::write(&keystore, b"not a directory").expect("put a file at the keystore path");
	let dave = net.node_mut("dave");
	dave.set_args(&normal_args);
	dave.spawn();
	// The node cannot keep keys there: it refuses to start, and names the path and the fix.
	let status = dave.wait_exit(READY).await;
	assert!(
		status.is_some_and(|s| !s.success()),
		"a keystore path taken by a file must stop the node: {status:?}\n{}",
		dave.log_tail(20)
	);
	let expected =
		format!("Error: Invalid input: the keystore path {} is not a folder", keystore.display());
	assert!(dave.last_start_log().contains(&expected), "no `{expected}`:\n{}", dave.log_tail(20));
	println!("e2e: (d2) keystore path is a file: refused, {status:?}");
	assert_no_panic("keystore path is a file", net.node("dave"));

	// 3. The keystore folder gone: the node recreates it and runs as usual with `--dave`.
	net.node_mut("dave").kill();
	std::fs::remove_file(&keystore).expect("remove the file at the keystore path");
	let dave = net.node_mut("dave");
	dave.spawn();
	dave.wait_ready(READY).await;
	let has_aura = dave.rpc("author_hasKey", json!([dave_aura, "aura"])).await;
	println!("e2e: (d3) keystore folder missing: runs; author_hasKey(dave, aura) = {has_aura}");
	assert!(keystore.is_dir(), "the keystore folder was not recreated");
	let keys_found = |log: &str| {
		log.contains("Aura key of this validator") && log.contains("GRANDPA key of this validator")
	};
	let log = net.node("dave").wait_for_log(LOG_DELAY, keys_found).await;
	assert!(
		keys_found(&log) && !log.contains("will not"),
		"dave's --dave key was not found usable:\n{}",
		net.node("dave").log_tail(40)
	);
	let min = net.node("alice").finalized_number().await;
	wait_caught_up(net, "dave", min).await;
	assert_no_panic("keystore folder missing", net.node("dave"));

	let finalized = net.node("alice").finalized_number().await;
	net.wait_finalized(finalized + 1, PROGRESS).await;
}

/// `compute-node key insert` into the keystore of `base` for `--chain local`.
fn insert_key(base: &Path, key_type: &str, scheme: &str, suri: &str) {
	let out = Command::new(node_bin())
		.args(["key", "insert", "--chain", "local", "--base-path"])
		.arg(base)
		.args(["--key-type", key_type, "--scheme", scheme, "--suri", suri])
		.output()
		.expect("run compute-node key insert");
	assert!(
		out.status.success(),
		"key insert {key_type}: {}",
		String::from_utf8_lossy(&out.stderr)
	);
}

/// Fails if the node's latest start printed a Rust panic.
fn assert_no_panic(case: &str, node: &Node) {
	let log = node.last_start_log();
	for marker in PANIC_MARKERS {
		assert!(!log.contains(marker), "{case}: {} panicked:\n{log}", node.name());
	}
}

/// Prints the lines of the latest start that mention the keystore or keys, for the record.
fn report_keystore_lines(case: &str, node: &Node) {
	for line in node.last_start_log().lines() {
		let lower = line.to_lowercase();
		if lower.contains("keystore") || lower.contains("key ") || lower.contains("error") {
			println!("e2e: ({case}) {}: {line}", node.name());
		}
	}
}

/// Prints the time of each step (visible with `--nocapture`).
struct Clock {
	start: Instant,
}

impl Clock {
	fn new() -> Clock {
		Clock { start: Instant::now() }
	}

	fn step(&self, what: &str) {
		println!("e2e: +{:>5.1}s {what}", self.start.elapsed().as_secs_f64());
	}
}
