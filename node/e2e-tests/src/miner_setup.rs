//! What a scenario with a real `compute-miner` sets up: the test guest served over loopback HTTP
//! as a boot manifest, and the agent's configuration.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::{free_port, hex, test_guest, FileServer, NodeKey};

/// How many ports the VNC and the forward ranges hold after their first.
const RANGE: u16 = 20;

/// The test guest and user data, served from `<dir>/files` on loopback.
pub struct GuestServer {
	/// The server.
	pub server: FileServer,
	/// The boot manifest's URL: a request's image.
	pub image_url: String,
	/// A `#cloud-config` file's URL: a request's user data (the guest prints
	/// `hello: from the e2e test` from it).
	pub user_data_url: String,
}

impl GuestServer {
	/// Copies the test guest into `<dir>/files` and serves it.
	pub fn start(dir: &Path) -> GuestServer {
		let guest = test_guest();
		let files = dir.join("files");
		std::fs::create_dir_all(&files).expect("files dir");
		std::fs::copy(guest.join("vmlinuz"), files.join("vmlinuz")).expect("kernel");
		std::fs::copy(guest.join("initrd.img"), files.join("initrd.img")).expect("initrd");
		let server = FileServer::start(&files);
		let manifest = json!({
			"kernel": server.url("vmlinuz"),
			"initrd": server.url("initrd.img"),
			"cmdline": "console=ttyS0 quiet",
		});
		std::fs::write(files.join("guest.json"), manifest.to_string()).expect("manifest");
		std::fs::write(files.join("user-data"), "#cloud-config\nhello: from the e2e test\n")
			.expect("user data");
		GuestServer {
			image_url: server.url("guest.json"),
			user_data_url: server.url("user-data"),
			server,
		}
	}
}

/// A miner's files in a test folder: its configuration, work directory, node key and log.
pub struct MinerSetup {
	/// The configuration file.
	pub config: PathBuf,
	/// The work directory (VMs, caches).
	pub work_dir: PathBuf,
	/// The agent's log.
	pub log: PathBuf,
	/// The node id, `0x`-hex.
	pub node_id: String,
	/// The loopback port of the agent's Prometheus endpoint.
	pub prometheus_port: u16,
}

impl MinerSetup {
	/// Writes the configuration of an agent for the chain at `chain_ws` as `//Bob`, with node
	/// key `seed`, serving `plans` (every plan if empty) from images on `gateway_port`, at most
	/// two VMs on a host of 2 vCPUs, 2 GiB and 60 GiB, with every folder under `dir`.
	pub fn write(
		dir: &Path,
		chain_ws: &str,
		seed: [u8; 32],
		gateway_port: u16,
		plans: &[u32],
	) -> MinerSetup {
		let work_dir = dir.join("work");
		let key_file = dir.join("node-key");
		std::fs::write(&key_file, hex(&seed).trim_start_matches("0x")).expect("node key");
		let config = dir.join("miner.toml");
		// Two ranges of `RANGE + 1` ports, apart from each other and from the Prometheus port
		// (the agent refuses overlapping ranges).
		let vnc = free_port().max(5901);
		let apart = |port: u16, from: u16| port.abs_diff(from) > RANGE;
		let forward = std::iter::repeat_with(free_port).find(|p| apart(*p, vnc)).expect("a port");
		let prometheus_port = std::iter::repeat_with(free_port)
			.find(|p| {
				(!(vnc..=vnc + RANGE).contains(p)) && !(forward..=forward + RANGE).contains(p)
			})
			.expect("a port");
		let plans = plans.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
		std::fs::write(
			&config,
			format!(
				r#"chain = "{chain_ws}"
account = "//Bob"
node_key_file = "{key}"
hypervisor_ip = "127.0.0.1"
work_dir = "{work}"
accelerator = "auto"
ipfs_gateway = "http://127.0.0.1:{gateway_port}"
vnc_ports = "{vnc}-{vnc_last}"
forward_ports = "{forward}-{forward_last}"
plans = [{plans}]
max_vms = 2
prometheus_port = {prometheus_port}
boot_timeout_secs = 120
kvm_probe_secs = 15
payment_interval_blocks = 5

[capacity]
vcpus = 2
memory_mb = 2048
storage_gb = 60
bandwidth_mbps = 1000
gpus = 0
"#,
				key = key_file.display(),
				work = work_dir.display(),
				vnc_last = vnc + RANGE,
				forward_last = forward + RANGE,
			),
		)
		.expect("config");
		MinerSetup {
			config,
			work_dir,
			log: dir.join("miner.log"),
			node_id: hex(&NodeKey::from_seed(seed).node_id()),
			prometheus_port,
		}
	}
}
