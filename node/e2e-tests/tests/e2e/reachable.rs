//! A VM its renter can reach: `compute-miner` in routed mode puts each VM on the wire at the
//! address the chain gave it, and the renter logs in over SSH from the internet.
//!
//! The lab ([`Internet`]): an "internet" namespace (198.51.100.1) whose veth peer is the
//! miner's uplink; the agent moves it into the VM namespace it makes, routes the pool's /32s to
//! one tap per VM and applies its nftables rules. Two renters rent a VM each, on a plan of
//! [`PLAN_MBPS`] Mbit/s made for the test, with the renter's key in the user data. The test:
//! - logs in to the first VM from the internet at its chain address and checks its hostname and
//!   address (and times create → reachable);
//! - reaches a server on the internet from the guest, which sees the guest's own address;
//! - finds that the guest cannot reach the other VM, the VM namespace's own addresses (a server
//!   listening there on every address stands for the host's management plane) or a private
//!   network behind the uplink, and that a packet sent from another address never arrives;
//! - measures the guest's download and upload against the plan's rate;
//! - reads the QEMU's control group: the plan's memory plus QEMU's overhead;
//! - restarts the agent (`kill -9`): the VMs and their network carry on;
//! - deletes the VMs: their taps and rules go; `--uninstall` removes the namespace.

use std::time::{Duration, Instant};

use compute_e2e_tests::{
	compute_call, connect, create_plan, create_request, dev, miner_request, plan_price, plan_spec,
	settled, tiny_plan, until, within, Accepted, Client, GuestServer, Internet, Miner, MinerSetup,
	Node, Serve, Server, TestDir, Value,
};
use compute_miner::{
	cgroup::OVERHEAD_MB,
	network::rules::{tap_name, TABLE},
};
use serde_json::json;
use subxt_signer::sr25519::Keypair;

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// Until the agent has carried out what the chain asks.
const AGENT: Duration = Duration::from_secs(180);
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(900);
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [11; 32];
/// The test plan's bandwidth, Mbit/s each way.
const PLAN_MBPS: u32 = 4;
/// The test plan's memory, MiB.
const PLAN_MEMORY_MB: u32 = 256;
/// Bytes moved each way to measure the rate: 6 s at the plan's rate.
const TRANSFER: usize = 3 * 1024 * 1024;
/// How far a measured rate may be from the plan's.
const RATE_TOLERANCE: f64 = 0.15;
/// An address in the pool's prefix that no VM can have (the chain's pool starts at .10), for
/// the spoofing check.
const SPOOFED: &str = "192.0.2.5";

#[tokio::test(flavor = "multi_thread")]
async fn a_renter_reaches_their_vm_at_its_chain_address() {
	within(WHOLE_TEST, "the reachable VM scenario", run()).await;
}

async fn run() {
	let dir = TestDir::new("reachable");
	let guests = GuestServer::start(dir.path());
	let mut chain_node = Node::start("reachable-chain", &["--dev"]);
	chain_node.wait_ready(READY).await;
	let node = &chain_node;
	let client = connect(node).await;

	// A plan of a few Mbit/s, made by root.
	let price = plan_price(node, tiny_plan(node).await).await;
	let spec = plan_spec(1, PLAN_MEMORY_MB, 2, PLAN_MBPS, 0);
	let plan = create_plan(&client, spec, price, TX).await;

	let internet = Internet::new();
	let setup =
		MinerSetup::write(dir.path(), &node.ws_url(), NODE_SEED, guests.server.port, &[plan]);
	setup.append(&internet.network_config());
	let mut miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);
	let node_id = setup.node_id.as_str();
	let log = &miner;
	until(AGENT, "the node registered", || async move {
		log.log_text().contains("node registered").then_some(())
	})
	.await;
	assert!(miner.log_text().contains("network mode \"routed\""), "{}", miner.log_text());

	// Two renters rent a VM each, their key in the user data.
	let started = Instant::now();
	let user_data = Some(guests.user_data_url.as_str());
	let (charlie, dave) = (dev::charlie(), dev::dave());
	let ((id, _), (id2, _)) = tokio::join!(
		create_request(&client, &charlie, plan, &guests.image_url, user_data, TX),
		create_request(&client, &dave, plan, &guests.image_url, user_data, TX),
	);
	let key = &guests.renter;
	let ip = until(AGENT, "the first VM's address", || async {
		miner_request(node, node_id, id).await?["ipAssigned"]
			.as_str()
			.map(str::to_string)
	})
	.await;
	let whoami = until(AGENT, "an SSH login to the first VM from the internet", || async {
		internet.ssh(key, &ip, "hostname; ip -4 -o addr show dev eth0").ok()
	})
	.await;
	let reachable = started.elapsed();
	settled(node, node_id, id, "Running", AGENT).await;
	let running = started.elapsed();
	eprintln!("e2e: request {id} reachable over SSH at {ip} after {reachable:?}, Running after {running:?}");
	assert!(whoami.starts_with(&format!("vm-{id}\n")), "{whoami}");
	assert!(whoami.contains(&format!("inet {ip}/24")), "{whoami}");
	let hosted2 = settled(node, node_id, id2, "Running", AGENT).await;
	let ip2 = hosted2["ipAssigned"].as_str().expect("an address").to_string();
	let guest = |command: &str| {
		internet
			.ssh(key, &ip, command)
			.unwrap_or_else(|e| panic!("ssh {ip} {command:?}: {e}"))
	};

	// Outbound: the internet sees the guest's own address (no translation).
	let hello = Server::start(internet.namespace(), Internet::ADDRESS, 7001, Serve::Hello);
	let answer = guest(&format!("nc -w 5 {} 7001", Internet::ADDRESS));
	assert_eq!(answer.trim(), format!("hello {ip}"), "the guest reaches the internet");

	// What a guest must not reach.
	let private = Server::start(internet.namespace(), Internet::PRIVATE, 7002, Serve::Hello);
	let management =
		Server::start(internet.vm_namespace(), "0.0.0.0".parse().expect("ip"), 7003, Serve::Hello);
	assert!(internet.connects("198.51.100.2", 7003), "the stand-in management server is up");
	assert!(internet.connects(&ip2, 22), "the second VM answers the internet");
	for (target, port, what) in [
		(Internet::PRIVATE.to_string(), 7002, "a private network behind the uplink"),
		("198.51.100.2".to_string(), 7003, "the VM namespace's uplink address"),
		(ip2.clone(), 22, "the other renter's VM"),
	] {
		let reply = guest(&format!("nc -w 3 {target} {port} </dev/null; echo done"));
		assert_eq!(reply.trim(), "done", "the guest reached {what} ({target}:{port}): {reply}");
	}
	let from_guests: Vec<Accepted> = [private.accepted(), management.accepted()]
		.concat()
		.into_iter()
		.filter(|a| a.peer.to_string() == ip)
		.collect();
	assert!(from_guests.is_empty(), "the guest got through: {from_guests:?}");

	// A packet sent from an address that is not the guest's never leaves the namespace: the
	// internet counts what it receives from that address.
	let lab_nft = format!(
		"add table inet lab\nadd counter inet lab spoofed\nadd chain inet lab input {{ type filter hook input priority 0; }}\nadd rule inet lab input ip saddr {SPOOFED} counter name spoofed\n"
	);
	nft(internet.namespace(), &lab_nft);
	let pings = guest(&format!(
		"ip addr add {SPOOFED}/32 dev eth0; ping -c 3 -W 2 -I {SPOOFED} {0} 2>&1; ip addr del {SPOOFED}/32 dev eth0; ping -c 3 -W 2 {0} 2>&1",
		Internet::ADDRESS
	));
	assert!(
		pings.contains("3 packets transmitted, 3 packets received"),
		"the real address works: {pings}"
	);
	let counted = nft_out(internet.namespace(), &["list", "counter", "inet", "lab", "spoofed"]);
	assert!(counted.contains("packets 0 bytes 0"), "spoofed packets arrived: {counted}");

	// The plan's bandwidth, each way.
	let source =
		Server::start(internet.namespace(), Internet::ADDRESS, 7004, Serve::Source(TRANSFER));
	let timed = guest(&format!(
		"a=$(cut -d' ' -f1 /proc/uptime); n=$(nc -w 30 {} 7004 </dev/null | wc -c); b=$(cut -d' ' -f1 /proc/uptime); echo $n $a $b",
		Internet::ADDRESS
	));
	let fields: Vec<f64> = timed.split_whitespace().filter_map(|f| f.parse().ok()).collect();
	assert_eq!(fields.len(), 3, "{timed}");
	assert_eq!(fields[0] as usize, TRANSFER, "the whole download arrived: {timed}");
	let download = fields[0] * 8.0 / (fields[2] - fields[1]) / 1e6;
	let sink = Server::start(internet.namespace(), Internet::ADDRESS, 7005, Serve::Sink(TRANSFER));
	guest(&format!(
		"dd if=/dev/zero bs=1024 count={} 2>/dev/null | nc -w 30 {} 7005",
		TRANSFER / 1024,
		Internet::ADDRESS
	));
	let upload = until(Duration::from_secs(60), "the upload received", || async {
		sink.accepted().into_iter().find(|a| a.bytes >= TRANSFER)
	})
	.await;
	let upload = upload_rate(&upload);
	eprintln!(
		"e2e: plan {PLAN_MBPS} Mbit/s: download {download:.2} Mbit/s, upload {upload:.2} Mbit/s ({} bytes each way)",
		TRANSFER
	);
	for (rate, way) in [(download, "download"), (upload, "upload")] {
		let off = (rate / f64::from(PLAN_MBPS) - 1.0).abs();
		assert!(
			off <= RATE_TOLERANCE,
			"{way} {rate:.2} Mbit/s is {:.0}% off the plan",
			off * 100.0
		);
	}
	drop((hello, source, sink, private, management));

	// The plan's memory, on the host.
	let pid = miner.qemu_pid(id).expect("QEMU runs");
	let (limit, peak) = memory_of(pid, id);
	assert_eq!(limit, (u64::from(PLAN_MEMORY_MB) + OVERHEAD_MB) * 1024 * 1024);
	eprintln!(
		"e2e: VM {id}'s QEMU: cgroup limit {} MiB, peak use {} MiB",
		limit / 1024 / 1024,
		peak / 1024 / 1024
	);

	// The agent dies and comes back: the VMs and their network carry on.
	miner.kill();
	assert_eq!(guest("hostname").trim(), format!("vm-{id}"), "reachable while the agent is down");
	miner.spawn();
	until(AGENT, "the agent back with both VMs on taps", || async {
		miner.log_text().matches("2 VMs on taps").next().map(drop)
	})
	.await;
	assert_eq!(miner.qemu_pid(id), Some(pid), "the same QEMU");
	assert_eq!(guest("hostname").trim(), format!("vm-{id}"));

	// Deleting a VM removes its tap, route, rules and limits.
	let ns = internet.vm_namespace();
	let tap2 = tap_name(id2).expect("a tap name");
	assert!(ip_ok(ns, &["link", "show", "dev", &tap2]), "the second VM has its tap");
	let upload_classes = || {
		let out = Internet::exec_in(ns, "tc", &["class", "show", "dev", internet.uplink()]);
		String::from_utf8_lossy(&out.stdout).matches("class htb").count()
	};
	assert_eq!(upload_classes(), 2, "an upload limit per VM");
	delete(&client, node, node_id, &dave, id2).await;
	assert!(!ip_ok(ns, &["link", "show", "dev", &tap2]), "its tap is gone");
	assert_eq!(upload_classes(), 1, "its upload limit is gone");
	let guests_set = nft_out(ns, &["list", "set", "inet", TABLE, "guests"]);
	assert!(!guests_set.contains(&format!("\"{tap2}\"")), "its rule is gone: {guests_set}");
	assert!(
		guests_set.contains(&format!("\"{}\" . {ip}", tap_name(id).expect("a tap name"))),
		"{guests_set}"
	);
	assert_eq!(guest("hostname").trim(), format!("vm-{id}"), "the first VM is unaffected");

	delete(&client, node, node_id, &charlie, id).await;
	assert!(miner.terminate(Duration::from_secs(40)), "the agent stops on SIGTERM");
	let uninstall = std::process::Command::new(compute_e2e_tests::miner_bin())
		.arg("--config")
		.arg(&setup.config)
		.arg("--uninstall")
		.output()
		.expect("compute-miner --uninstall");
	assert!(uninstall.status.success(), "{}", String::from_utf8_lossy(&uninstall.stderr));
	assert!(!std::path::Path::new("/run/netns").join(ns).exists(), "the VM namespace is gone");
	let pool = node.rpc("compute_getIpPool", json!([])).await;
	assert!(pool["freeCount"].as_u64().is_some());
}

/// `who` deletes request `id`, and the agent of node `node_id` removes its VM.
async fn delete(client: &Client, node: &Node, node_id: &str, who: &Keypair, id: u64) {
	compute_call(client, who, "request_compute_delete", vec![Value::u128(id.into())], TX).await;
	until(AGENT, &format!("request {id} deleted"), || async {
		miner_request(node, node_id, id).await.is_none().then_some(())
	})
	.await;
}

/// The guest's upload rate, Mbit/s, from what the sink received after the first read (which
/// holds what was sent before any shaping could act).
fn upload_rate(accepted: &Accepted) -> f64 {
	(accepted.bytes - accepted.first) as f64 * 8.0 / accepted.span.as_secs_f64() / 1e6
}

/// The memory limit and peak use (bytes) of the control group QEMU `pid` runs in, which is
/// VM `id`'s.
fn memory_of(pid: u32, id: u64) -> (u64, u64) {
	let groups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("cgroups of QEMU");
	let read = |path: String| -> u64 {
		std::fs::read_to_string(&path)
			.unwrap_or_else(|e| panic!("{path}: {e}"))
			.trim()
			.parse()
			.unwrap_or_else(|e| panic!("{path}: {e}"))
	};
	// cgroup v1: `N:memory:/path`; v2: `0::/path`.
	if let Some(path) = groups
		.lines()
		.find_map(|l| l.split_once(":memory:").map(|(_, p)| p.to_string()))
	{
		assert!(path.ends_with(&format!("/vm-{id}")), "QEMU is in its VM's group: {path}");
		let group = format!("/sys/fs/cgroup/memory{path}");
		return (
			read(format!("{group}/memory.limit_in_bytes")),
			read(format!("{group}/memory.max_usage_in_bytes")),
		);
	}
	let path = groups
		.lines()
		.find_map(|l| l.strip_prefix("0::"))
		.expect("a cgroup")
		.to_string();
	assert!(path.ends_with(&format!("/vm-{id}")), "QEMU is in its VM's group: {path}");
	let group = format!("/sys/fs/cgroup{path}");
	(read(format!("{group}/memory.max")), read(format!("{group}/memory.peak")))
}

/// Whether `ip -n ns args…` succeeds.
fn ip_ok(ns: &str, args: &[&str]) -> bool {
	std::process::Command::new("ip")
		.args(["-n", ns])
		.args(args)
		.output()
		.is_ok_and(|out| out.status.success())
}

/// Runs an `nft -f -` script in namespace `ns`.
fn nft(ns: &str, script: &str) {
	use std::io::Write;
	let mut child = std::process::Command::new("ip")
		.args(["netns", "exec", ns, "nft", "-f", "-"])
		.stdin(std::process::Stdio::piped())
		.spawn()
		.expect("nft");
	child.stdin.take().expect("stdin").write_all(script.as_bytes()).expect("script");
	assert!(child.wait().expect("nft").success(), "nft -f: {script}");
}

/// The output of `nft args…` in namespace `ns`.
fn nft_out(ns: &str, args: &[&str]) -> String {
	let out = Internet::exec_in(ns, "nft", args);
	assert!(out.status.success(), "nft {args:?}: {}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8_lossy(&out.stdout).into_owned()
}
