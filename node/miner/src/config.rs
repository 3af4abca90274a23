//! The agent's configuration: a TOML file (`--config`), each value overridable by a flag.
//!
//! Every field of [`Config`] has a flag of the same name in kebab case (`work_dir` →
//! `--work-dir`); capacity fields are flags of their own (`--vcpus`, `--memory-mb`, ...).
//! A flag wins over the file, the file over the default.

use std::{
	net::{IpAddr, Ipv4Addr},
	ops::RangeInclusive,
	path::{Path, PathBuf},
	str::FromStr,
};

use serde::Deserialize;

use crate::network::{Ipv4Cidr, NetworkConfig};

/// The agent's command line.
#[derive(Debug, clap::Parser)]
#[command(
	name = "compute-miner",
	version,
	about = "Runs the VMs a compute chain asks this host for."
)]
pub struct Cli {
	/// TOML configuration file; flags override its values.
	#[arg(long, value_name = "FILE")]
	pub config: Option<PathBuf>,
	/// Removes what the agent made on this host outside its work directory (the VM network
	/// namespace and the control groups), then exits. Refused while VMs are left in the work
	/// directory.
	#[arg(long)]
	pub uninstall: bool,
	#[command(flatten)]
	pub overrides: Overrides,
}

/// Flags that override the configuration file, one per value.
#[derive(Debug, Default, clap::Args)]
pub struct Overrides {
	/// WebSocket JSON-RPC endpoint of a chain node.
	#[arg(long, value_name = "URL")]
	pub chain: Option<String>,
	/// The miner account, as a secret URI (`//Bob`, a mnemonic, a 0x seed).
	#[arg(long, value_name = "URI")]
	pub account: Option<String>,
	/// A file holding the miner account's secret URI (preferred over `--account`).
	#[arg(long, value_name = "FILE")]
	pub account_file: Option<PathBuf>,
	/// The node key file, as `compute-node key generate-node-key --file` writes it.
	#[arg(long, value_name = "FILE")]
	pub node_key_file: Option<PathBuf>,
	/// The hypervisor's address, recorded on chain for the node and its VMs.
	#[arg(long, value_name = "IP")]
	pub hypervisor_ip: Option<IpAddr>,
	/// Where VM disks, seeds, sockets and the image cache live.
	#[arg(long, value_name = "DIR")]
	pub work_dir: Option<PathBuf>,
	/// `auto` (probe KVM with a real boot, else TCG), `kvm` or `tcg`.
	#[arg(long, value_name = "ACCEL")]
	pub accelerator: Option<Accelerator>,
	/// vCPUs offered (default: the host's cores).
	#[arg(long)]
	pub vcpus: Option<u32>,
	/// Memory offered, MiB (default: the host's memory less what the agent keeps back).
	#[arg(long)]
	pub memory_mb: Option<u32>,
	/// Disk offered, GiB (default: the free space of the work directory).
	#[arg(long)]
	pub storage_gb: Option<u32>,
	/// Bandwidth offered, Mbit/s.
	#[arg(long)]
	pub bandwidth_mbps: Option<u32>,
	/// GPUs offered.
	#[arg(long)]
	pub gpus: Option<u32>,
	/// Gateway base URL for `ipfs://` images and user data (`<gateway>/ipfs/<cid>`).
	#[arg(long, value_name = "URL")]
	pub ipfs_gateway: Option<String>,
	/// Content cache of fetched images (default: `<work-dir>/cache`).
	#[arg(long, value_name = "DIR")]
	pub cache_dir: Option<PathBuf>,
	/// Hosts renters' images and user data may be fetched from although they are not public
	/// addresses (comma separated `host` or `host:port`; the IPFS gateway always may).
	#[arg(long, value_name = "HOSTS", value_delimiter = ',')]
	pub fetch_allow: Option<Vec<String>>,
	/// Ports for VNC displays, `FIRST-LAST` (on 127.0.0.1).
	#[arg(long, value_name = "RANGE")]
	pub vnc_ports: Option<PortRange>,
	/// Ports for host forwards to the guests' SSH, `FIRST-LAST` (on 127.0.0.1).
	#[arg(long, value_name = "RANGE")]
	pub forward_ports: Option<PortRange>,
	/// Plans this node claims (comma separated ids; default: every plan).
	#[arg(long, value_name = "IDS", value_delimiter = ',')]
	pub plans: Option<Vec<u32>>,
	/// Most VMs this node runs at once.
	#[arg(long)]
	pub max_vms: Option<u32>,
	/// Port of the Prometheus endpoint (on 127.0.0.1; 0 disables it).
	#[arg(long)]
	pub prometheus_port: Option<u16>,
	/// Longest wait for a guest to finish booting, seconds.
	#[arg(long)]
	pub boot_timeout_secs: Option<u64>,
	/// With `--accelerator auto`: longest wait for the probing boot under KVM, seconds.
	#[arg(long)]
	pub kvm_probe_secs: Option<u64>,
	/// Blocks between payment claims (`claim_compute_payments`).
	#[arg(long)]
	pub payment_interval_blocks: Option<u64>,
	/// Blocks between metric reports (one is also sent at start).
	#[arg(long)]
	pub metrics_interval_blocks: Option<u64>,
	/// How guests reach the network: `user` (not reachable by renters) or `routed`.
	#[arg(long, value_name = "MODE")]
	pub network_mode: Option<crate::network::Mode>,
	/// The network namespace the agent owns for its VMs (routed).
	#[arg(long, value_name = "NAME")]
	pub network_namespace: Option<String>,
	/// The uplink interface, moved into the namespace (routed).
	#[arg(long, value_name = "INTERFACE")]
	pub network_uplink: Option<String>,
	/// The namespace's address on the uplink, `a.b.c.d/len` (routed).
	#[arg(long, value_name = "CIDR")]
	pub network_address: Option<Ipv4Cidr>,
	/// The uplink's next hop (routed).
	#[arg(long, value_name = "IP")]
	pub network_gateway: Option<Ipv4Addr>,
	/// The chain pool's prefix, `a.b.c.d/len` (routed).
	#[arg(long, value_name = "CIDR")]
	pub network_pool: Option<Ipv4Cidr>,
	/// The guests' default gateway (routed; default: the pool's first address).
	#[arg(long, value_name = "IP")]
	pub network_guest_gateway: Option<Ipv4Addr>,
	/// DNS servers for the guests (comma separated).
	#[arg(long, value_name = "IPS", value_delimiter = ',')]
	pub network_nameservers: Option<Vec<Ipv4Addr>>,
}

/// The TCP port of VNC display 0: a display `n` listens on this + `n`.
pub const VNC_BASE_PORT: u16 = 5900;

/// Which accelerator QEMU uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Accelerator {
	/// Boot a probe guest under KVM with a timeout; use TCG if it does not come up.
	Auto,
	/// Hardware virtualization.
	Kvm,
	/// Software emulation.
	Tcg,
}

/// An inclusive range of TCP ports, written `FIRST-LAST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRange(pub RangeInclusive<u16>);

impl FromStr for PortRange {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let (first, last) =
			s.split_once('-').ok_or_else(|| format!("{s:?}: expected FIRST-LAST"))?;
		let parse = |p: &str| p.trim().parse::<u16>().map_err(|e| format!("{s:?}: {e}"));
		let (first, last) = (parse(first)?, parse(last)?);
		if first == 0 || first > last {
			return Err(format!("{s:?}: expected 0 < FIRST <= LAST"));
		}
		Ok(PortRange(first..=last))
	}
}

impl<'de> Deserialize<'de> for PortRange {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
	}
}

/// Resources a node offers, as `register_miner_node` records them. Unset values are detected
/// from the host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityConfig {
	pub vcpus: Option<u32>,
	pub memory_mb: Option<u32>,
	pub storage_gb: Option<u32>,
	pub bandwidth_mbps: Option<u32>,
	pub gpus: Option<u32>,
}

/// The configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
	/// WebSocket JSON-RPC endpoint of a chain node.
	pub chain: String,
	/// The miner account's secret URI. Prefer `account_file`.
	pub account: Option<String>,
	/// A file holding the miner account's secret URI.
	pub account_file: Option<PathBuf>,
	/// The node key file.
	pub node_key_file: PathBuf,
	/// The hypervisor's address.
	pub hypervisor_ip: IpAddr,
	/// Where VM disks, seeds, sockets and the image cache live.
	pub work_dir: PathBuf,
	/// Which accelerator QEMU uses.
	pub accelerator: Accelerator,
	/// Resources offered; unset ones are detected.
	pub capacity: CapacityConfig,
	/// Gateway base URL for `ipfs://` sources.
	pub ipfs_gateway: String,
	/// Content cache of fetched images (default: `<work_dir>/cache`).
	pub cache_dir: Option<PathBuf>,
	/// Hosts (`host` for any port, or `host:port`) renters' images and user data may be fetched
	/// from although they are not public addresses, besides the IPFS gateway: a local image
	/// server, in development. Everything else is fetched from public addresses only.
	pub fetch_allow: Vec<String>,
	/// Ports for VNC displays.
	pub vnc_ports: PortRange,
	/// Ports for host forwards to the guests' SSH.
	pub forward_ports: PortRange,
	/// Plans this node claims (empty: every plan).
	pub plans: Vec<u32>,
	/// Most VMs this node runs at once.
	pub max_vms: u32,
	/// Port of the Prometheus endpoint on 127.0.0.1 (0 disables it).
	pub prometheus_port: u16,
	/// Longest wait for a guest to finish booting (cloud-init's final message on the
	/// console), seconds.
	pub boot_timeout_secs: u64,
	/// With `accelerator = "auto"`: longest wait for the first boot under KVM before falling
	/// back to TCG, seconds. The outcome is kept in `<work_dir>/accelerator` (delete it to probe
	/// again).
	pub kvm_probe_secs: u64,
	/// Blocks between payment claims: one `claim_compute_payments` settles the rent of every
	/// hosted VM (at 6-second blocks, 100 is every 10 minutes).
	pub payment_interval_blocks: u64,
	/// Blocks between signed metric reports; one is also sent at the first block after start.
	/// Each report is the node's heartbeat: the chain pays no rent for its VMs once the latest
	/// is older than its `HeartbeatTimeout` (100 blocks on the dev runtime), so this should be
	/// well inside it (at 6-second blocks, 20 is every 2 minutes, five reports per timeout).
	pub metrics_interval_blocks: u64,
	/// How guests reach the network (see [`crate::network`]).
	pub network: NetworkConfig,
}

impl Default for Config {
	fn default() -> Self {
		Config {
			chain: "ws://127.0.0.1:9944".into(),
			account: None,
			account_file: None,
			node_key_file: PathBuf::from("node-key"),
			hypervisor_ip: IpAddr::from([127, 0, 0, 1]),
			work_dir: PathBuf::from("compute-miner"),
			accelerator: Accelerator::Auto,
			capacity: CapacityConfig::default(),
			ipfs_gateway: "http://127.0.0.1:8080".into(),
			cache_dir: None,
			fetch_allow: Vec::new(),
			vnc_ports: PortRange(5900..=5999),
			forward_ports: PortRange(22000..=22999),
			plans: Vec::new(),
			max_vms: 4,
			prometheus_port: 9617,
			boot_timeout_secs: 300,
			kvm_probe_secs: 60,
			payment_interval_blocks: 100,
			metrics_interval_blocks: 20,
			network: NetworkConfig::default(),
		}
	}
}

impl Config {
	/// The configuration of `cli`: its file (if any) with its flags applied.
	pub fn load(cli: &Cli) -> Result<Config, String> {
		let mut config = match &cli.config {
			Some(path) => Self::from_file(path)?,
			None => Config::default(),
		};
		config.apply(&cli.overrides);
		config.validate()?;
		Ok(config)
	}

	/// Parses a TOML configuration file.
	pub fn from_file(path: &Path) -> Result<Config, String> {
		let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
		toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
	}

	/// Applies the flags that are set.
	pub fn apply(&mut self, o: &Overrides) {
		fn set<T: Clone>(field: &mut T, value: &Option<T>) {
			if let Some(value) = value {
				*field = value.clone();
			}
		}
		fn set_some<T: Clone>(field: &mut Option<T>, value: &Option<T>) {
			if value.is_some() {
				*field = value.clone();
			}
		}
		set(&mut self.chain, &o.chain);
		set_some(&mut self.account, &o.account);
		set_some(&mut self.account_file, &o.account_file);
		set(&mut self.node_key_file, &o.node_key_file);
		set(&mut self.hypervisor_ip, &o.hypervisor_ip);
		set(&mut self.work_dir, &o.work_dir);
		set(&mut self.accelerator, &o.accelerator);
		set_some(&mut self.capacity.vcpus, &o.vcpus);
		set_some(&mut self.capacity.memory_mb, &o.memory_mb);
		set_some(&mut self.capacity.storage_gb, &o.storage_gb);
		set_some(&mut self.capacity.bandwidth_mbps, &o.bandwidth_mbps);
		set_some(&mut self.capacity.gpus, &o.gpus);
		set(&mut self.ipfs_gateway, &o.ipfs_gateway);
		set_some(&mut self.cache_dir, &o.cache_dir);
		set(&mut self.vnc_ports, &o.vnc_ports);
		set(&mut self.forward_ports, &o.forward_ports);
		set(&mut self.plans, &o.plans);
		set(&mut self.fetch_allow, &o.fetch_allow);
		set(&mut self.max_vms, &o.max_vms);
		set(&mut self.prometheus_port, &o.prometheus_port);
		set(&mut self.boot_timeout_secs, &o.boot_timeout_secs);
		set(&mut self.kvm_probe_secs, &o.kvm_probe_secs);
		set(&mut self.payment_interval_blocks, &o.payment_interval_blocks);
		set(&mut self.metrics_interval_blocks, &o.metrics_interval_blocks);
		let network = &mut self.network;
		set(&mut network.mode, &o.network_mode);
		set(&mut network.namespace, &o.network_namespace);
		set_some(&mut network.uplink, &o.network_uplink);
		set_some(&mut network.address, &o.network_address);
		set_some(&mut network.gateway, &o.network_gateway);
		set_some(&mut network.pool, &o.network_pool);
		set_some(&mut network.guest_gateway, &o.network_guest_gateway);
		set(&mut network.nameservers, &o.network_nameservers);
	}

	/// Refuses configurations the agent cannot run with.
	pub fn validate(&self) -> Result<(), String> {
		if self.account.is_none() && self.account_file.is_none() {
			return Err("no miner account: set `account_file` (or `account`)".into());
		}
		if !(self.chain.starts_with("ws://") || self.chain.starts_with("wss://")) {
			return Err(format!("chain {:?}: expected a ws:// or wss:// URL", self.chain));
		}
		if !(self.ipfs_gateway.starts_with("http://") || self.ipfs_gateway.starts_with("https://"))
		{
			return Err(format!(
				"ipfs_gateway {:?}: expected an http(s):// URL",
				self.ipfs_gateway
			));
		}
		crate::source_guard::Exempt::new(&self.ipfs_gateway, &self.fetch_allow)?;
		let overlap = self.vnc_ports.0.start() <= self.forward_ports.0.end()
			&& self.forward_ports.0.start() <= self.vnc_ports.0.end();
		if overlap {
			return Err("vnc_ports and forward_ports overlap".into());
		}
		if *self.vnc_ports.0.start() < VNC_BASE_PORT {
			return Err(format!("vnc_ports start below {VNC_BASE_PORT}, VNC display 0"));
		}
		if self.max_vms == 0 {
			return Err("max_vms is 0: the node could run nothing".into());
		}
		if self.payment_interval_blocks == 0 || self.metrics_interval_blocks == 0 {
			return Err(
				"payment_interval_blocks and metrics_interval_blocks must be at least 1".into()
			);
		}
		self.network.routed()?;
		Ok(())
	}

	/// The image cache directory.
	pub fn cache_dir(&self) -> PathBuf {
		self.cache_dir.clone().unwrap_or_else(|| self.work_dir.join("cache"))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use clap::Parser;

	fn write(text: &str) -> PathBuf {
		let path = std::env::temp_dir().join(format!(
			"compute-miner-config-{}-{:?}.toml",
			std::process::id(),
			std::thread::current().id()
		));
		std::fs::write(&path, text).expect("write config");
		path
	}

	#[test]
	fn flags_override_the_file() {
		let file = write(
			"chain = \"ws://10.0.0.1:9944\"\naccount = \"//Bob\"\nmax_vms = 7\nvnc_ports = \"6000-6009\"\n[capacity]\nvcpus = 4\n",
		);
		let cli = Cli::parse_from([
			"compute-miner",
			"--config",
			file.to_str().expect("path"),
			"--max-vms",
			"2",
			"--memory-mb",
			"512",
		]);
		let config = Config::load(&cli).expect("valid");
		assert_eq!(config.chain, "ws://10.0.0.1:9944");
		assert_eq!(config.max_vms, 2, "the flag wins");
		assert_eq!(config.vnc_ports, PortRange(6000..=6009));
		assert_eq!(config.capacity.vcpus, Some(4));
		assert_eq!(config.capacity.memory_mb, Some(512));
		assert_eq!(config.capacity.storage_gb, None, "detected later");
		std::fs::remove_file(file).ok();
	}

	#[test]
	fn bad_configurations_are_refused() {
		let unknown = write("account = \"//Bob\"\nmax_vm = 3\n");
		let err = Config::from_file(&unknown).expect_err("unknown key");
		assert!(err.contains("max_vm"), "{err}");
		for (args, why) in [
			(vec!["--chain", "http://x"], "ws://"),
			(vec!["--vnc-ports", "5900-5999", "--forward-ports", "5950-6000"], "overlap"),
			(vec!["--max-vms", "0"], "max_vms"),
			(vec!["--metrics-interval-blocks", "0"], "metrics_interval_blocks"),
			(vec!["--fetch-allow", "127.0.0.1,images:http"], "fetch_allow \"images:http\""),
			(vec!["--network-mode", "routed", "--network-uplink", "eth1"], "needs `address`"),
		] {
			let mut argv = vec!["compute-miner", "--account", "//Bob"];
			argv.extend(args);
			let err = Config::load(&Cli::parse_from(argv)).expect_err(why);
			assert!(err.contains(why), "{err}");
		}
		let err = Config::load(&Cli::parse_from(["compute-miner"])).expect_err("no account");
		assert!(err.contains("account"), "{err}");
		assert!("7-3".parse::<PortRange>().is_err());
		assert!("0-3".parse::<PortRange>().is_err());
		std::fs::remove_file(unknown).ok();
	}
}
