//! What a scenario with a real `compute-miner` sets up: the test guest served over loopback HTTP
//! as a boot manifest, and the agent's configuration.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

use serde_json::json;

use crate::{free_port, hex, test_guest, FileServer, NodeKey};

/// How many ports the VNC and the forward ranges hold after their first.
const RANGE: u16 = 20;
/// How long guests have to boot (the test guest takes a few seconds under TCG).
const BOOT_TIMEOUT_SECS: u64 = 120;

/// The test guest and user data, served from `<dir>/files` on loopback.
pub struct GuestServer {
	/// The server.
	pub server: FileServer,
	/// The boot manifest's URL: a request's image.
	pub image_url: String,
	/// A `#cloud-config` file's URL: a request's user data. The guest prints
	/// `hello: from the e2e test` from it, and authorizes [`GuestServer::renter`]'s key.
	pub user_data_url: String,
	/// The renter's SSH key, which the user data authorizes.
	pub renter: RenterKey,
}

/// A renter's SSH key pair, made with `ssh-keygen` in a test folder.
pub struct RenterKey {
	/// The private key file.
	pub private: PathBuf,
	/// The public key, one OpenSSH line.
	pub public: String,
}

impl RenterKey {
	/// Makes an Ed25519 key pair without passphrase in `dir`.
	pub fn generate(dir: &Path) -> RenterKey {
		let private = dir.join("renter_ed25519");
		let made = Command::new("ssh-keygen")
			.args(["-q", "-t", "ed25519", "-N", "", "-C", "renter@e2e", "-f"])
			.arg(&private)
			.status()
			.expect("ssh-keygen (openssh-client, installed by scripts/setup.sh)");
		assert!(made.success(), "ssh-keygen failed");
		let public = std::fs::read_to_string(private.with_extension("pub")).expect("public key");
		RenterKey { private, public: public.trim().to_string() }
	}

	/// Runs `command` as root over SSH on 127.0.0.1:`port` with this key, as a renter would
	/// (no password, no host key prompt, 10 s to connect); its standard output, or why not.
	pub fn ssh(&self, port: u16, command: &str) -> Result<String, String> {
		self.ssh_as("root", port, command)
	}

	/// [`RenterKey::ssh`] as `user`.
	pub fn ssh_as(&self, user: &str, port: u16, command: &str) -> Result<String, String> {
		let out = Command::new("ssh")
			.arg("-i")
			.arg(&self.private)
			.args(["-p", &port.to_string()])
			.args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"])
			.args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
			.args(["-o", "LogLevel=ERROR", &format!("{user}@127.0.0.1"), command])
			.stdin(std::process::Stdio::null())
			.output()
			.map_err(|e| format!("ssh: {e}"))?;
		match out.status.success() {
			true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
			false => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
		}
	}
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
		let renter = RenterKey::generate(dir);
		let user_data = format!(
			"#cloud-config\nhello: from the e2e test\nssh_authorized_keys:\n  - {}\n",
			renter.public
		);
		std::fs::write(files.join("user-data"), user_data).expect("user data");
		GuestServer {
			image_url: server.url("guest.json"),
			user_data_url: server.url("user-data"),
			server,
			renter,
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
	/// Appends `toml` to the configuration (a table after the ones [`MinerSetup::write`] writes).
	pub fn append(&self, toml: &str) {
		use std::io::Write;
		let mut file = std::fs::OpenOptions::new()
			.append(true)
			.open(&self.config)
			.expect("miner config");
		file.write_all(toml.as_bytes()).expect("miner config");
	}

	/// Gives guests `secs` to boot, instead of the 120 s [`MinerSetup::write`] sets.
	pub fn set_boot_timeout(&self, secs: u64) {
		let text = std::fs::read_to_string(&self.config).expect("miner config");
		let text = text.replace(
			&format!("boot_timeout_secs = {BOOT_TIMEOUT_SECS}\n"),
			&format!("boot_timeout_secs = {secs}\n"),
		);
		std::fs::write(&self.config, text).expect("miner config");
	}

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
boot_timeout_secs = {BOOT_TIMEOUT_SECS}
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
