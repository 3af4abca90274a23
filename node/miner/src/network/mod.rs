//! How guests reach the network.
//!
//! Two modes (`[network] mode` in the configuration):
//! - **`routed`**: each VM is on the wire at the address the chain gave it. The agent owns a
//!   network namespace holding the operator's uplink and one tap per VM; the namespace routes
//!   each VM's address (a /32) to its tap, answers ARP on the VM's behalf (proxy ARP), and its
//!   nftables table keeps guests apart (see [`rules`]). QEMU itself runs in the host's
//!   namespace, so its VNC and QMP stay on the host: only the tap is in the VM namespace
//!   ([`tap`]). The plan's bandwidth is enforced on the tap (the guest's download) and on the
//!   uplink (its upload). Everything is in [`routed`].
//! - **`user`**: QEMU's user-mode network (`-netdev user,restrict=on`). The guest has its chain
//!   address inside a private network of its own QEMU, no route anywhere, and one way in: a
//!   host forward from the miner host's 127.0.0.1 to its port 22. **Renters cannot reach such a
//!   VM.** It is for development hosts, and hosts whose operator wants no uplink.

pub mod routed;
pub mod rules;
pub mod tap;

use std::{fmt, net::Ipv4Addr, str::FromStr};

use serde::Deserialize;

/// How guests reach the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
	/// QEMU's user-mode network: not reachable by renters.
	#[default]
	User,
	/// A tap per VM in the agent's namespace, routed at the VM's chain address.
	Routed,
}

/// An IPv4 address with a prefix length, written `a.b.c.d/len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
	/// The address.
	pub address: Ipv4Addr,
	/// The prefix length, 0 to 32.
	pub len: u8,
}

impl Ipv4Cidr {
	/// The network's first address (the address with its host bits cleared).
	pub fn network(&self) -> Ipv4Addr {
		Ipv4Addr::from(u32::from(self.address) & self.mask())
	}

	/// Whether `ip` is in this network.
	pub fn contains(&self, ip: Ipv4Addr) -> bool {
		u32::from(ip) & self.mask() == u32::from(self.network())
	}

	/// The network's mask.
	pub fn mask(&self) -> u32 {
		u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0)
	}
}

impl fmt::Display for Ipv4Cidr {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{}/{}", self.address, self.len)
	}
}

impl FromStr for Ipv4Cidr {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let (address, len) =
			s.split_once('/').ok_or_else(|| format!("{s:?}: expected ADDRESS/LENGTH"))?;
		let address = address.parse().map_err(|e| format!("{s:?}: {e}"))?;
		let len = len.parse::<u8>().ok().filter(|len| *len <= 32);
		let len = len.ok_or_else(|| format!("{s:?}: the length is 0 to 32"))?;
		Ok(Ipv4Cidr { address, len })
	}
}

impl<'de> Deserialize<'de> for Ipv4Cidr {
	fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
		String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
	}
}

/// The `[network]` table of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
	/// `user` (the default; not reachable by renters) or `routed`.
	pub mode: Mode,
	/// The network namespace the agent makes and owns for its VMs (routed).
	pub namespace: String,
	/// The interface that connects the VMs to the internet (routed). The agent moves it into
	/// its namespace at start; it stays there until the namespace is removed.
	pub uplink: Option<String>,
	/// The namespace's own address on the uplink, with its prefix (routed).
	pub address: Option<Ipv4Cidr>,
	/// The next hop on the uplink: the namespace's default route (routed).
	pub gateway: Option<Ipv4Addr>,
	/// The chain pool's prefix (routed): guests are configured with `<address>/<length>`.
	pub pool: Option<Ipv4Cidr>,
	/// The default gateway guests are configured with (routed); the namespace answers ARP for
	/// it on every tap. Default: the first address of `pool`. It must not be a pool address
	/// the chain hands out.
	pub guest_gateway: Option<Ipv4Addr>,
	/// DNS servers written into the guests' network configuration.
	pub nameservers: Vec<Ipv4Addr>,
}

impl Default for NetworkConfig {
	fn default() -> Self {
		NetworkConfig {
			mode: Mode::User,
			namespace: "compute-vms".into(),
			uplink: None,
			address: None,
			gateway: None,
			pool: None,
			guest_gateway: None,
			nameservers: vec![Ipv4Addr::new(9, 9, 9, 9), Ipv4Addr::new(1, 1, 1, 1)],
		}
	}
}

impl NetworkConfig {
	/// The routed mode's settings, checked; `None` in user mode.
	pub fn routed(&self) -> Result<Option<routed::Settings>, String> {
		if self.mode == Mode::User {
			return Ok(None);
		}
		let missing = |what: &str| format!("network: mode \"routed\" needs `{what}`");
		let uplink = self.uplink.clone().ok_or_else(|| missing("uplink"))?;
		let address = self.address.ok_or_else(|| missing("address"))?;
		let gateway = self.gateway.ok_or_else(|| missing("gateway"))?;
		let pool = self.pool.ok_or_else(|| missing("pool"))?;
		if !valid_ifname(&self.namespace) {
			return Err(format!(
				"network: namespace {:?}: 1 to 15 of [A-Za-z0-9_.-]",
				self.namespace
			));
		}
		if !valid_ifname(&uplink) || uplink.starts_with(rules::TAP_PREFIX) {
			return Err(format!(
				"network: uplink {uplink:?}: an interface name (1 to 15 of [A-Za-z0-9_.-], not starting with {:?})",
				rules::TAP_PREFIX
			));
		}
		if !address.contains(gateway) {
			return Err(format!(
				"network: gateway {gateway} is not in the uplink's network {address}"
			));
		}
		let first = Ipv4Addr::from(u32::from(pool.network()).saturating_add(1));
		let guest_gateway = self.guest_gateway.unwrap_or(first);
		if !pool.contains(guest_gateway) {
			return Err(format!(
				"network: guest_gateway {guest_gateway} is not in the pool {pool}"
			));
		}
		Ok(Some(routed::Settings {
			namespace: self.namespace.clone(),
			uplink,
			address,
			gateway,
			pool,
			guest_gateway,
			nameservers: self.nameservers.clone(),
		}))
	}
}

/// Whether `name` can name an interface or a namespace: 1 to 15 bytes (the kernel's
/// `IFNAMSIZ` less its terminator) of letters, digits, `_`, `.` and `-`.
pub fn valid_ifname(name: &str) -> bool {
	(1..=15).contains(&name.len())
		&& name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

#[cfg(test)]
mod tests {
	use super::*;

	fn routed() -> NetworkConfig {
		NetworkConfig {
			mode: Mode::Routed,
			uplink: Some("eth1".into()),
			address: Some("198.51.100.2/24".parse().expect("cidr")),
			gateway: Some(Ipv4Addr::new(198, 51, 100, 1)),
			pool: Some("192.0.2.0/24".parse().expect("cidr")),
			..NetworkConfig::default()
		}
	}

	#[test]
	fn cidrs_parse_and_contain() {
		let pool: Ipv4Cidr = "192.0.2.77/24".parse().expect("cidr");
		assert_eq!(pool.network(), Ipv4Addr::new(192, 0, 2, 0));
		assert!(pool.contains(Ipv4Addr::new(192, 0, 2, 255)));
		assert!(!pool.contains(Ipv4Addr::new(192, 0, 3, 0)));
		let all: Ipv4Cidr = "0.0.0.0/0".parse().expect("cidr");
		assert!(all.contains(Ipv4Addr::new(203, 0, 113, 9)));
		for bad in ["192.0.2.0", "192.0.2.0/33", "192.0.2/24", "x/8"] {
			assert!(bad.parse::<Ipv4Cidr>().is_err(), "{bad}");
		}
	}

	#[test]
	fn the_routed_mode_needs_its_settings() {
		assert_eq!(NetworkConfig::default().routed(), Ok(None));
		let settings = routed().routed().expect("valid").expect("routed");
		assert_eq!(settings.guest_gateway, Ipv4Addr::new(192, 0, 2, 1), "the pool's first address");
		for (change, why) in [
			(NetworkConfig { uplink: None, ..routed() }, "`uplink`"),
			(NetworkConfig { pool: None, ..routed() }, "`pool`"),
			(
				NetworkConfig { gateway: Some(Ipv4Addr::new(10, 0, 0, 1)), ..routed() },
				"not in the uplink's",
			),
			(
				NetworkConfig { guest_gateway: Some(Ipv4Addr::new(10, 0, 0, 1)), ..routed() },
				"not in the pool",
			),
			(NetworkConfig { uplink: Some("cvm7".into()), ..routed() }, "not starting with"),
			(NetworkConfig { namespace: "a namespace".into(), ..routed() }, "namespace"),
		] {
			let err = change.routed().expect_err(why);
			assert!(err.contains(why), "{err}");
		}
	}
}
