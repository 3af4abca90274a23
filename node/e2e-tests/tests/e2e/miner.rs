//! The miner agent with real QEMU VMs on a dev chain: a user rents a VM over RPC and drives it
//! through its life while `compute-miner` runs it, is killed and restarted, and cleans up.
//!
//! The test guest (scripts/build-test-guest.sh) is a Debian cloud kernel with a busybox
//! initramfs that reads its NoCloud seed, prints what it sees on its console, serves SSH on port
//! 22 to the keys of its user data and prints cloud-init's final message when it is up. The test
//! serves it (as a boot manifest) and the user data, which authorizes the renter's key, from its
//! own loopback HTTP server.

use std::{
	io::Read,
	net::TcpStream,
	time::{Duration, Instant},
};

use compute_e2e_tests::{
	compute_call, compute_request, connect, create_request, dev, finalized_at_least, miner_request,
	plan_price, rent_paid, tiny_plan, until, within, Client, GuestServer, Miner, MinerSetup, Node,
	TestDir, Value,
};
use serde_json::{json, Value as Json};
use subxt_signer::sr25519::Keypair;

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has carried out what the chain asks (claims, boots under TCG, fulfils).
const AGENT: Duration = Duration::from_secs(180);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(1200);
/// The dev preset's small plan (1 vCPU, 1 GiB); the tiny one is found with [`tiny_plan`].
const SMALL: u32 = 0;
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [9; 32];

/// Creates a request of `plan` for `image_url` with user data at `user_data`; returns its id and
/// the block that holds it.
async fn create(
	client: &Client,
	who: &Keypair,
	plan: u32,
	image_url: &str,
	user_data: Option<&str>,
) -> (u64, u64) {
	create_request(client, who, plan, image_url, user_data, TX).await
}

/// Waits until request `id` has `status` and nothing queued on it.
async fn settled(node: &Node, node_id: &str, id: u64, status: &str) -> Json {
	compute_e2e_tests::settled(node, node_id, id, status, AGENT).await
}

/// The number `text` starts with.
fn leading_number(text: &str) -> Option<u64> {
	let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
	digits.parse().ok()
}

/// How many times the console shows a finished boot.
fn boots(console: &str) -> usize {
	console
		.lines()
		.filter(|l| l.contains("Cloud-init v. ") && l.contains(" finished at "))
		.count()
}

/// The first bytes a TCP server on 127.0.0.1:`port` sends.
fn banner(port: u16, len: usize) -> String {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
	stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
	let mut buf = vec![0u8; len];
	let mut read = 0;
	while read < len {
		match stream.read(&mut buf[read..]) {
			Ok(0) | Err(_) => break,
			Ok(n) => read += n,
		}
	}
	String::from_utf8_lossy(&buf[..read]).into_owned()
}

/// The host's memory, MiB, from /proc/meminfo.
fn host_memory_mb() -> f64 {
	let meminfo = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
	let kb = meminfo
		.lines()
		.find_map(|l| l.strip_prefix("MemTotal:"))
		.and_then(|rest| leading_number(rest.trim()))
		.expect("MemTotal");
	kb as f64 / 1024.0
}

#[tokio::test(flavor = "multi_thread")]
async fn miner_runs_real_vms_through_their_life() {
	within(WHOLE_TEST, "the miner scenario", run()).await;
}

async fn run() {
	let dir = TestDir::new("miner");
	let guests = GuestServer::start(dir.path());
	let server = &guests.server;

	let mut chain_node = Node::start("miner-chain", &["--dev"]);
	chain_node.wait_ready(READY).await;
	let node = &chain_node;
	let client = connect(node).await;
	let tiny = tiny_plan(node).await;

	let setup =
		MinerSetup::write(dir.path(), &chain_node.ws_url(), NODE_SEED, server.port, &[tiny, SMALL]);
	let mut miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();
	let log = &miner;
	until(AGENT, "the node registered", || async move {
		log.log_text().contains("node registered").then_some(())
	})
	.await;

	// Two users rent a tiny VM each at once: the agent claims both, boots both and fulfils them.
	let user = dev::charlie();
	let other = dev::dave();
	let pool_before = node.rpc("compute_getIpPool", json!([])).await["freeCount"]
		.as_u64()
		.expect("free");
	let started = Instant::now();
	let image_url = &guests.image_url;
	let user_data = &guests.user_data_url;
	let ((id, _), (id2, created2)) = tokio::join!(
		create(&client, &user, tiny, image_url, Some(user_data)),
		create(&client, &other, tiny, image_url, None),
	);
	let hosted = settled(node, node_id, id, "Running").await;
	let hosted2 = settled(node, node_id, id2, "Running").await;
	eprintln!(
		"e2e: requests {id} and {id2} Running {:?} after they were created",
		started.elapsed()
	);
	let ip = hosted["ipAssigned"].as_str().expect("an address").to_string();
	assert_eq!(hosted["jobId"], format!("vm-{id}"));
	let vnc = hosted["vncPort"].as_u64().expect("a VNC port") as u16;
	assert!(banner(vnc, 12).starts_with("RFB 003."), "VNC answers the RFB handshake");
	let console = miner.console(id);
	assert!(console.contains(&format!("hostname=vm-{id} address={ip}/24 vcpus=1")), "{console}");
	assert!(
		console.contains("hello: from the e2e test"),
		"the guest read the user data: {console}"
	);
	let memory_kb: u64 = console
		.split("memory_kb=")
		.nth(1)
		.and_then(leading_number)
		.expect("the guest's memory");
	assert!((200_000..=262_144).contains(&memory_kb), "256 MiB of guest memory: {memory_kb} kB");
	let forward = miner.forward_port(id);
	// The renter logs in with the key of their user data, through the host forward, and finds
	// their VM's name and the chain's address on its NIC.
	let login = "hostname; ip -4 -o addr show dev eth0";
	let seen = guests.renter.ssh(forward, login).expect("the renter logs in");
	assert!(seen.starts_with(&format!("vm-{id}\n")), "{seen}");
	assert!(seen.contains(&format!("inet {ip}/24")), "{seen}");
	assert!(miner.console(id).contains("compute-guest: 1 SSH keys authorized"));
	let ip2 = hosted2["ipAssigned"].as_str().expect("a second address").to_string();
	assert_ne!(ip, ip2, "each VM has its own address");
	assert_ne!(hosted2["vncPort"], hosted["vncPort"], "each VM has its own display");
	assert!(miner.console(id2).contains(&format!("hostname=vm-{id2} address={ip2}/24")));
	// The second request brought no key: nobody logs in to it.
	let refused = guests
		.renter
		.ssh(miner.forward_port(id2), "true")
		.expect_err("no key authorized");
	assert!(refused.contains("Permission denied"), "{refused}");
	let pid2 = miner.qemu_pid(id2).expect("the second QEMU runs");
	assert_ne!(miner.qemu_pid(id), Some(pid2), "one QEMU per VM");
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	assert_eq!(pool["freeCount"].as_u64(), Some(pool_before - 2));

	// The agent reported this host's metrics when it started.
	let metrics = node.rpc("compute_getNodeMetrics", json!([node_id])).await;
	let nproc = std::thread::available_parallelism().expect("cores").get() as u64;
	assert_eq!(metrics["cpuCores"].as_u64(), Some(nproc), "cores = nproc: {metrics}");
	let host_mb = host_memory_mb();
	let reported_mb = metrics["memoryTotalMb"].as_u64().expect("memory total") as f64;
	assert!(
		(reported_mb - host_mb).abs() <= host_mb / 100.0,
		"memory total {reported_mb} MiB within 1% of the host's {host_mb} MiB"
	);

	// The second VM is deleted: QEMU and its files are gone, its address is back, and the
	// miner was paid the plan's price for each block from the fulfilment to the deletion.
	let deleted =
		compute_call(&client, &other, "request_compute_delete", vec![Value::u128(id2.into())], TX)
			.await;
	until(AGENT, "the second VM deleted", || async {
		miner_request(node, node_id, id2).await.is_none().then_some(())
	})
	.await;
	assert!(!std::path::Path::new(&format!("/proc/{pid2}")).exists(), "its QEMU is gone");
	assert!(!miner.vm_dir(id2).exists(), "no disk or seed left");
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	assert_eq!(pool["freeCount"].as_u64(), Some(pool_before - 1), "its address is back");
	// The RPC answers from the best block: read the events once that block is finalized, or
	// the deletion's settlement may not be among them yet.
	let best = node.best_number().await;
	let head = finalized_at_least(&client, best, AGENT).await.block_number();
	let price = plan_price(node, tiny).await;
	let (running_from, paid) = rent_paid(&client, id2, created2, head).await;
	let rent_blocks = u128::from(deleted.block_number - running_from);
	assert!(rent_blocks > 0);
	assert_eq!(paid, price * rent_blocks, "{rent_blocks} blocks of rent at {price}");

	// Reboot: the console shows a second boot.
	compute_call(&client, &user, "request_compute_reboot", vec![Value::u128(id.into())], TX).await;
	settled(node, node_id, id, "Running").await;
	assert_eq!(boots(&miner.console(id)), 2, "rebooted once");

	// Stop and boot.
	compute_call(&client, &user, "request_compute_stop", vec![Value::u128(id.into())], TX).await;
	settled(node, node_id, id, "Stopped").await;
	assert_eq!(miner.qemu_pid(id), None, "QEMU is gone after the stop");
	compute_call(&client, &user, "request_compute_boot", vec![Value::u128(id.into())], TX).await;
	settled(node, node_id, id, "Running").await;
	assert_eq!(boots(&miner.console(id)), 3, "booted again");

	// Resize to the small plan: the guest sees 1 GiB.
	compute_call(
		&client,
		&user,
		"request_compute_resize",
		vec![Value::u128(id.into()), Value::u128(SMALL.into())],
		TX,
	)
	.await;
	settled(node, node_id, id, "Running").await;
	let last_boot = miner
		.console(id)
		.rsplit("compute-guest: hostname=")
		.next()
		.unwrap_or_default()
		.to_string();
	let memory_kb: u64 = last_boot
		.split("memory_kb=")
		.nth(1)
		.and_then(leading_number)
		.expect("memory after the resize");
	assert!(memory_kb > 900_000, "1 GiB after the resize: {memory_kb} kB");

	// kill -9 of the agent: the VM keeps running; a deletion queued meanwhile is carried out by
	// the restarted agent, which adopts the VM rather than restarting it.
	let pid = miner.qemu_pid(id).expect("QEMU runs");
	miner.kill();
	compute_call(&client, &user, "request_compute_delete", vec![Value::u128(id.into())], TX).await;
	assert_eq!(miner.qemu_pid(id), Some(pid), "the VM outlived the agent");
	let boots_before = boots(&miner.console(id));
	miner.spawn();
	until(AGENT, "the deletion carried out", || async {
		miner_request(node, node_id, id).await.is_none().then_some(())
	})
	.await;
	assert_eq!(boots(&miner.console(id)), 0, "the VM's files are gone");
	assert!(boots_before >= 3);
	assert!(!miner.vm_dir(id).exists(), "no disk or seed left");
	assert!(compute_request(node, id).await.is_null(), "the request is removed");
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	assert_eq!(pool["freeCount"].as_u64(), Some(pool_before), "the address is back in the pool");

	// An image that cannot be fetched: the request fails with the reason, and holds nothing.
	let (broken, _) = create(&client, &user, tiny, &server.url("missing.json"), None).await;
	until(AGENT, "the broken request failed", || async move {
		(compute_request(node, broken).await["status"] == "Failed").then_some(())
	})
	.await;
	assert!(miner.log_text().contains("cannot fetch"), "the agent logged why");
	assert!(!miner.vm_dir(broken).exists());
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	assert_eq!(
		pool["freeCount"].as_u64(),
		Some(pool_before),
		"no address held by the failed request"
	);

	// SIGTERM stops the agent promptly.
	assert!(miner.terminate(Duration::from_secs(40)), "compute-miner exits on SIGTERM");
}
