//! A real cloud image with Debian's own cloud-init comes up on the network the chain gave it, and
//! its renter logs in.
//!
//! The image (scripts/build-debian-guest.sh) is a Debian 12 disk with its own bootloader,
//! cloud-init 22.4 reading NoCloud, openssh-server and ifupdown, as Debian's cloud images have:
//! cloud-init renders the seed's network configuration as ENI. A renter rents the tiny plan
//! with the image and user data that authorize their key; `compute-miner` boots it under TCG.
//! Through the host forward the renter logs in as `debian`, the image's default user, and finds
//! the hostname `vm-<id>`, the chain's address on `eth0` (the NIC was matched by the VM's own MAC
//! and renamed), `networking.service` up and cloud-init done without errors. In the guest, the
//! same cloud-init renders the seed's network configuration with its netplan and networkd
//! renderers too, and each output matches the NIC by that MAC and gives it that address.

use std::time::{Duration, Instant};

use compute_e2e_tests::{
	connect, create_request, debian_guest, settled, tiny_plan, within, FileServer, Miner,
	MinerSetup, Node, RenterKey, TestDir,
};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// Until the VM is `Running`: a Debian boot under TCG takes about a minute alone, and more
/// beside other scenarios.
const AGENT: Duration = Duration::from_secs(600);
/// How long the agent waits for the guest's boot.
const BOOT_TIMEOUT_SECS: u64 = 480;
/// The whole test; every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(1200);
/// The miner node's key seed.
const NODE_SEED: [u8; 32] = [13; 32];
/// The image's default user, whom cloud-init gives the user data's keys.
const USER: &str = "debian";

#[tokio::test(flavor = "multi_thread")]
async fn a_debian_cloud_image_comes_up_at_its_chain_address() {
	within(WHOLE_TEST, "the cloud image scenario", run()).await;
}

async fn run() {
	let dir = TestDir::new("cloud-image");
	let files = dir.path().join("files");
	std::fs::create_dir_all(&files).expect("files dir");
	let image = debian_guest();
	let served = files.join("debian-12.qcow2");
	if std::fs::hard_link(&image, &served).is_err() {
		std::fs::copy(&image, &served).expect("copy the image");
	}
	let renter = RenterKey::generate(dir.path());
	let user_data = format!("#cloud-config\nssh_authorized_keys:\n  - {}\n", renter.public);
	std::fs::write(files.join("user-data"), user_data).expect("user data");
	let server = FileServer::start(&files);

	let mut chain_node = Node::start("cloud-image-chain", &["--dev"]);
	chain_node.wait_ready(READY).await;
	let node = &chain_node;
	let client = connect(node).await;
	let tiny = tiny_plan(node).await;
	let setup = MinerSetup::write(dir.path(), &node.ws_url(), NODE_SEED, server.port, &[tiny]);
	setup.set_boot_timeout(BOOT_TIMEOUT_SECS);
	let miner = Miner::start(&setup.config, &setup.work_dir, &setup.log);

	let started = Instant::now();
	let (id, _) = create_request(
		&client,
		&compute_e2e_tests::dev::charlie(),
		tiny,
		&server.url("debian-12.qcow2"),
		Some(&server.url("user-data")),
		TX,
	)
	.await;
	let hosted = settled(node, &setup.node_id, id, "Running", AGENT).await;
	let running = started.elapsed();
	let ip = hosted["ipAssigned"].as_str().expect("an address").to_string();
	let mac = mac_of(&ip);

	// The renter logs in as the image's default user and looks around.
	let forward = miner.forward_port(id);
	let look = "hostname; cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0; \
	            sudo systemctl is-active networking.service; cloud-init status; \
	            cat /etc/network/interfaces.d/50-cloud-init";
	let seen = renter
		.ssh_as(USER, forward, look)
		.unwrap_or_else(|e| panic!("the renter logs in as {USER}: {e}\n{}", miner.console(id)));
	println!(
		"e2e: Debian VM {id} Running {running:.1?} after its create was sent; it says:\n{seen}"
	);
	let lines: Vec<&str> = seen.lines().collect();
	assert_eq!(lines.first(), Some(&format!("vm-{id}").as_str()), "{seen}");
	assert_eq!(lines.get(1), Some(&mac.as_str()), "eth0 is the NIC with the VM's MAC: {seen}");
	assert!(seen.contains(&format!("inet {ip}/24")), "the chain's address on eth0: {seen}");
	assert!(lines.contains(&"active"), "networking.service is up: {seen}");
	assert!(lines.contains(&"status: done"), "cloud-init finished without errors: {seen}");
	assert!(seen.contains("auto eth0\niface eth0 inet static"), "ENI brings eth0 up: {seen}");

	// The same seed through cloud-init's netplan and networkd renderers.
	let render = "sudo mount -o ro LABEL=cidata /mnt && for kind in netplan networkd; do \
	              sudo cloud-init devel net-convert --network-data /mnt/network-config \
	              --kind yaml --distro debian --directory /tmp/$kind --output-kind $kind \
	              >/dev/null; done; sudo umount /mnt; \
	              echo '== netplan'; sudo cat /tmp/netplan/etc/netplan/*.yaml; \
	              echo '== networkd'; sudo cat /tmp/networkd/etc/systemd/network/*";
	let rendered = renter.ssh_as(USER, forward, render).expect("net-convert in the guest");
	println!("e2e: the seed rendered by the guest's cloud-init:\n{rendered}");
	let (netplan, networkd) = rendered.split_once("== networkd").expect("both renderers' output");
	assert!(netplan.contains(&format!("macaddress: {mac}")), "netplan matches the MAC: {netplan}");
	assert!(netplan.contains("set-name: eth0"), "{netplan}");
	assert!(netplan.contains(&format!("- {ip}/24")), "{netplan}");
	assert!(
		networkd.contains(&format!("MACAddress={mac}")),
		"networkd matches the MAC: {networkd}"
	);
	assert!(networkd.contains(&format!("Address={ip}/24")), "{networkd}");
	drop(miner);
}

/// The MAC of the VM at address `ip`, as the agent makes it: `52:54`, then the address's bytes.
fn mac_of(ip: &str) -> String {
	let ip: std::net::Ipv4Addr = ip.parse().expect("an IPv4 address");
	let [a, b, c, d] = ip.octets();
	format!("52:54:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
}
