//! The routed network: a namespace the agent owns, with the operator's uplink and a tap per VM.
//!
//! Routed /32 with proxy ARP, rather than a bridge with isolated ports:
//! - the namespace routes each VM's address to its tap, so a guest's traffic always passes
//!   the namespace's IP forwarding, where one nftables table sees both directions and pins each
//!   tap to its address (a bridge needs bridge-family rules for MAC and ARP as well, and on
//!   this kernel `bridge-nf-call-iptables` sends bridged frames through the IP hooks too);
//! - guests on one host never share a link layer, so ARP spoofing, floods and broadcasts stay
//!   on the guest's own tap;
//! - the same design serves both ways providers hand out addresses: a pool routed to the
//!   host (the upstream router sends the pool to `address`), and a pool on the uplink's link
//!   (proxy ARP on the uplink answers for the VMs' addresses).
//!
//! Guests are configured with `<their address>/<pool length>` and `guest_gateway`; proxy ARP on
//! the tap answers for the gateway and for every other address, and the namespace forwards.
//!
//! What the agent makes, and when it goes:
//! - at start ([`Routed::setup`]): the namespace, the uplink moved into it with its address and
//!   default route, forwarding and proxy ARP, the nftables table, the uplink's root qdisc;
//! - per VM, before each QEMU start ([`Routed::attach`], idempotent): the tap `cvm<id>`, the
//!   route to the VM's address, its element in the table, the download limit (a `tbf` on the
//!   tap) and the upload limit (an `htb` class of the uplink, matched by source address);
//! - when the VM goes ([`Routed::detach`]): all of that;
//! - on uninstall ([`Routed::remove`]): the namespace, and with it everything in it (a
//!   physical uplink goes back to the host's namespace; a veth end is destroyed).
//!
//! Taps are persistent: they, the routes and the rules survive QEMU's exit and the agent's
//! restart, as the VMs do.

use std::{net::Ipv4Addr, process::Stdio};

use tokio::{io::AsyncWriteExt, process::Command};

use super::{rules, Ipv4Cidr};

/// The routed mode's settings (see [`super::NetworkConfig`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
	/// The namespace the agent owns.
	pub namespace: String,
	/// The uplink interface.
	pub uplink: String,
	/// The namespace's address on the uplink.
	pub address: Ipv4Cidr,
	/// The uplink's next hop.
	pub gateway: Ipv4Addr,
	/// The pool's prefix.
	pub pool: Ipv4Cidr,
	/// The guests' default gateway.
	pub guest_gateway: Ipv4Addr,
	/// The guests' DNS servers.
	pub nameservers: Vec<Ipv4Addr>,
}

impl Settings {
	/// Whether a guest can have `ip`: an address of the pool's prefix that is neither its
	/// network nor its broadcast address, nor the guests' gateway, nor the uplink's addresses.
	pub fn usable(&self, ip: Ipv4Addr) -> bool {
		let broadcast = Ipv4Addr::from(u32::from(self.pool.network()) | !self.pool.mask());
		self.pool.contains(ip)
			&& ip != self.pool.network()
			&& ip != broadcast
			&& ![self.guest_gateway, self.gateway, self.address.address].contains(&ip)
	}
}

/// One VM's place on the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guest<'a> {
	/// Its tap.
	pub tap: &'a str,
	/// Its address from the chain.
	pub address: Ipv4Addr,
	/// The plan's bandwidth, Mbit/s, each way; 0: not limited.
	pub bandwidth_mbps: u32,
}

/// The routed network of this host.
#[derive(Debug, Clone)]
pub struct Routed {
	settings: Settings,
}

impl Routed {
	/// The routed network of `settings`; [`Routed::setup`] makes it.
	pub fn new(settings: Settings) -> Routed {
		Routed { settings }
	}

	/// Its settings.
	pub fn settings(&self) -> &Settings {
		&self.settings
	}

	/// Makes (or checks, after a restart) the namespace, the uplink and the table, with
	/// `guests` being the VMs already on this host.
	pub async fn setup(&self, guests: &[(String, Ipv4Addr)]) -> Result<(), String> {
		let s = &self.settings;
		let ns = s.namespace.as_str();
		if !std::path::Path::new("/run/netns").join(ns).exists() {
			run("ip", &["netns", "add", ns]).await?;
			tracing::info!("made network namespace {ns}");
		}
		self.ip(&["link", "set", "lo", "up"]).await?;
		if self.ip(&["link", "show", "dev", &s.uplink]).await.is_err() {
			run("ip", &["link", "set", "dev", &s.uplink, "netns", ns]).await.map_err(|e| {
				format!("uplink {}: neither in namespace {ns} nor movable into it: {e}", s.uplink)
			})?;
			tracing::info!("moved uplink {} into namespace {ns}", s.uplink);
		}
		self.ip(&["addr", "replace", &s.address.to_string(), "dev", &s.uplink]).await?;
		self.ip(&["link", "set", "dev", &s.uplink, "up"]).await?;
		self.ip(&["route", "replace", "default", "via", &s.gateway.to_string()]).await?;
		self.sysctl(&["net", "ipv4", "ip_forward"], "1").await?;
		// Each tap's reverse-path filter decides (the effective one is the larger of `all`
		// and the interface's, and a new namespace may start `all` at 2, loose).
		self.sysctl(&["net", "ipv4", "conf", "all", "rp_filter"], "0").await?;
		self.sysctl(&["net", "ipv4", "conf", &s.uplink, "proxy_arp"], "1").await?;
		self.nft(&rules::table(&s.uplink, guests)).await?;
		let qdiscs = self.tc(&["qdisc", "show", "dev", &s.uplink]).await?;
		if !qdiscs.contains("htb 1:") {
			// Unclassified traffic (`default 0`) is not shaped; it goes through htb's direct
			// queue, which gets a device queue's length (uplinks without one, VLANs and
			// macvlans, would leave it at 2 packets).
			self.tc(&[
				"qdisc",
				"replace",
				"dev",
				&s.uplink,
				"root",
				"handle",
				"1:",
				"htb",
				"default",
				"0",
				"direct_qlen",
				"1000",
			])
			.await?;
		}
		self.remove_leftovers(guests).await
	}

	/// Removes the taps, and the uplink's classes and filters, that no VM on this host has:
	/// left by a VM whose files went while the agent could not clean up after it. (The table
	/// was just made from the VMs on the host, and the routes go with their taps.)
	async fn remove_leftovers(&self, guests: &[(String, Ipv4Addr)]) -> Result<(), String> {
		let s = &self.settings;
		let links = self.ip(&["-o", "link", "show"]).await?;
		let mut kept = Vec::new();
		for (index, name) in links.lines().filter_map(link_of) {
			if !name.starts_with(rules::TAP_PREFIX) {
				continue;
			}
			if guests.iter().any(|(tap, _)| *tap == name) {
				kept.push(index);
				continue;
			}
			self.ip(&["link", "del", "dev", &name]).await?;
			tracing::info!("removed tap {name}, which no VM on this host has");
		}
		let classes = self.tc(&["class", "show", "dev", &s.uplink]).await?;
		for minor in classes.lines().filter_map(class_minor) {
			if kept.contains(&minor) {
				continue;
			}
			let prio = minor.to_string();
			let _ = self
				.tc(&["filter", "del", "dev", &s.uplink, "parent", "1:", "prio", &prio])
				.await;
			self.tc(&["class", "del", "dev", &s.uplink, "classid", &format!("1:{minor:x}")])
				.await?;
			tracing::info!("removed the uplink's class 1:{minor:x}, which no VM on this host has");
		}
		Ok(())
	}

	/// Makes everything VM `guest` needs on the network before its QEMU starts. Idempotent: a
	/// restart or a resize runs it again.
	pub async fn attach(&self, guest: Guest<'_>) -> Result<(), String> {
		let s = &self.settings;
		let tap = guest.tap;
		if self.ip(&["link", "show", "dev", tap]).await.is_err() {
			self.ip(&["tuntap", "add", "dev", tap, "mode", "tap"]).await?;
		}
		self.sysctl(&["net", "ipv4", "conf", tap, "proxy_arp"], "1").await?;
		// Strict reverse-path filtering: the namespace takes nothing, ARP included, from a tap
		// whose source address it would not route back to that tap (the effective value is the
		// larger of `all` and the tap's). nftables drops such IP packets anyway; this keeps a
		// guest from filling the neighbour table with ARP from made-up senders.
		self.sysctl(&["net", "ipv4", "conf", tap, "rp_filter"], "1").await?;
		// No IPv6 on taps (a host booted without IPv6 has no such setting, and needs none).
		match self.sysctl(&["net", "ipv6", "conf", tap, "disable_ipv6"], "1").await {
			Err(e) if e.contains("No such file") => {},
			other => other?,
		}
		self.ip(&["link", "set", "dev", tap, "up"]).await?;
		let host_route = format!("{}/32", guest.address);
		self.ip(&[
			"route",
			"replace",
			&host_route,
			"dev",
			tap,
			"src",
			&s.address.address.to_string(),
		])
		.await?;
		self.nft(&format!(
			"add element inet {} guests {{ {} }}\n",
			rules::TABLE,
			rules::element(tap, guest.address)
		))
		.await?;
		self.limit(guest).await
	}

	/// The plan's bandwidth: `tbf` on the tap (what the guest receives) and an `htb` class on
	/// the uplink for what the guest sends, keyed by the tap's interface index.
	async fn limit(&self, guest: Guest<'_>) -> Result<(), String> {
		let s = &self.settings;
		let class = self.class_of(guest.tap).await?;
		let _ = self
			.tc(&["filter", "del", "dev", &s.uplink, "parent", "1:", "prio", &class.prio])
			.await;
		if guest.bandwidth_mbps == 0 {
			let _ = self.tc(&["qdisc", "del", "dev", guest.tap, "root"]).await;
			let _ = self.tc(&["class", "del", "dev", &s.uplink, "classid", &class.id]).await;
			return Ok(());
		}
		let rate = format!("{}mbit", guest.bandwidth_mbps);
		let burst = format!("{}", burst_bytes(guest.bandwidth_mbps));
		self.tc(&[
			"qdisc", "replace", "dev", guest.tap, "root", "tbf", "rate", &rate, "burst", &burst,
			"latency", "50ms",
		])
		.await?;
		self.tc(&[
			"class", "replace", "dev", &s.uplink, "parent", "1:", "classid", &class.id, "htb",
			"rate", &rate, "ceil", &rate, "burst", &burst,
		])
		.await?;
		let source = format!("{}/32", guest.address);
		self.tc(&[
			"filter",
			"add",
			"dev",
			&s.uplink,
			"parent",
			"1:",
			"prio",
			&class.prio,
			"protocol",
			"ip",
			"u32",
			"match",
			"ip",
			"src",
			&source,
			"flowid",
			&class.id,
		])
		.await
		.map(drop)
	}

	/// Removes what [`Routed::attach`] made for a VM (what is already gone is not an error).
	pub async fn detach(&self, tap: &str, address: Ipv4Addr) -> Result<(), String> {
		let s = &self.settings;
		if self.ip(&["link", "show", "dev", tap]).await.is_ok() {
			let class = self.class_of(tap).await?;
			let _ = self
				.tc(&["filter", "del", "dev", &s.uplink, "parent", "1:", "prio", &class.prio])
				.await;
			let _ = self.tc(&["class", "del", "dev", &s.uplink, "classid", &class.id]).await;
			self.ip(&["link", "del", "dev", tap]).await?;
		}
		let element = rules::element(tap, address);
		let listed = self.nft_out(&["list", "set", "inet", rules::TABLE, "guests"]).await?;
		if listed.contains(&element) {
			self.nft(&format!("delete element inet {} guests {{ {element} }}\n", rules::TABLE))
				.await?;
		}
		Ok(())
	}

	/// Removes the namespace and everything in it (uninstalling).
	pub async fn remove(&self) -> Result<(), String> {
		let ns = &self.settings.namespace;
		if std::path::Path::new("/run/netns").join(ns).exists() {
			run("ip", &["netns", "del", ns]).await?;
		}
		Ok(())
	}

	/// The uplink `htb` class and filter priority of a tap: its interface index, unique in the
	/// namespace while the tap exists (classes and priorities are 16-bit).
	async fn class_of(&self, tap: &str) -> Result<Class, String> {
		let shown = self.ip(&["-o", "link", "show", "dev", tap]).await?;
		let index = shown.split(':').next().and_then(|n| n.trim().parse::<u16>().ok());
		let index = index
			.filter(|i| *i > 0)
			.ok_or_else(|| format!("tap {tap}: no usable index in {shown:?}"))?;
		Ok(Class { id: format!("1:{index:x}"), prio: index.to_string() })
	}

	async fn ip(&self, args: &[&str]) -> Result<String, String> {
		let mut all = vec!["-n", self.settings.namespace.as_str()];
		all.extend_from_slice(args);
		run("ip", &all).await
	}

	async fn tc(&self, args: &[&str]) -> Result<String, String> {
		let mut all = vec!["-n", self.settings.namespace.as_str()];
		all.extend_from_slice(args);
		run("tc", &all).await
	}

	/// Sets the namespace's sysctl whose path is `parts` (an interface name may hold dots, so
	/// the path is never made from a dotted key).
	async fn sysctl(&self, parts: &[&str], value: &str) -> Result<(), String> {
		let path = format!("/proc/sys/{}", parts.join("/"));
		let script = format!("echo {value} > {path}");
		run("ip", &["netns", "exec", &self.settings.namespace, "sh", "-c", &script])
			.await
			.map(drop)
	}

	/// Runs an `nft -f -` script in the namespace.
	async fn nft(&self, script: &str) -> Result<(), String> {
		let mut child = Command::new("ip")
			.args(["netns", "exec", &self.settings.namespace, "nft", "-f", "-"])
			.stdin(Stdio::piped())
			.stdout(Stdio::null())
			.stderr(Stdio::piped())
			.spawn()
			.map_err(|e| format!("nft: {e}"))?;
		if let Some(mut stdin) = child.stdin.take() {
			stdin.write_all(script.as_bytes()).await.map_err(|e| format!("nft: {e}"))?;
		}
		let out = child.wait_with_output().await.map_err(|e| format!("nft: {e}"))?;
		if !out.status.success() {
			return Err(format!("nft: {}", String::from_utf8_lossy(&out.stderr).trim()));
		}
		Ok(())
	}

	async fn nft_out(&self, args: &[&str]) -> Result<String, String> {
		let mut all = vec!["netns", "exec", self.settings.namespace.as_str(), "nft"];
		all.extend_from_slice(args);
		run("ip", &all).await
	}
}

/// An uplink class and its filter's priority.
struct Class {
	id: String,
	prio: String,
}

/// The index and name of an interface in a line of `ip -o link show`
/// (`7: cvm3: <BROADCAST,…` or `2: uplink0@if5: <…`).
fn link_of(line: &str) -> Option<(u16, String)> {
	let mut fields = line.split(": ");
	let index = fields.next()?.trim().parse().ok()?;
	let name = fields.next()?.split('@').next()?.trim().to_string();
	Some((index, name))
}

/// The minor number of an htb class in a line of `tc class show` (`class htb 1:1a root …`).
fn class_minor(line: &str) -> Option<u16> {
	let id = line.strip_prefix("class htb ")?.split_whitespace().next()?;
	u16::from_str_radix(id.strip_prefix("1:")?, 16).ok()
}

/// The token bucket's size for a rate: 10 ms of traffic, at least 32 KiB, so short bursts
/// pass at line rate and the average holds the plan.
fn burst_bytes(mbps: u32) -> u64 {
	(u64::from(mbps) * 1_000_000 / 8 / 100).max(32 * 1024)
}

/// Runs a command; its standard output, or an error naming it and what it printed.
async fn run(program: &str, args: &[&str]) -> Result<String, String> {
	let out = Command::new(program)
		.args(args)
		.stdin(Stdio::null())
		.output()
		.await
		.map_err(|e| format!("{program}: {e}"))?;
	if out.status.success() {
		Ok(String::from_utf8_lossy(&out.stdout).into_owned())
	} else {
		Err(format!(
			"{program} {}: {}",
			args.join(" "),
			String::from_utf8_lossy(&out.stderr).trim()
		))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn guests_get_only_host_addresses_of_the_pool() {
		let settings = Settings {
			namespace: "vms".into(),
			uplink: "uplink0".into(),
			address: "192.0.2.2/24".parse().expect("cidr"),
			gateway: Ipv4Addr::new(192, 0, 2, 254),
			pool: "192.0.2.0/24".parse().expect("cidr"),
			guest_gateway: Ipv4Addr::new(192, 0, 2, 1),
			nameservers: vec![],
		};
		assert!(settings.usable(Ipv4Addr::new(192, 0, 2, 10)));
		for ip in [
			[192, 0, 2, 0],
			[192, 0, 2, 255],
			[192, 0, 2, 1],
			[192, 0, 2, 2],
			[192, 0, 2, 254],
			[192, 0, 3, 10],
		] {
			assert!(!settings.usable(Ipv4Addr::from(ip)), "{ip:?}");
		}
	}

	#[test]
	fn leftovers_are_read_from_ip_and_tc() {
		assert_eq!(
			link_of("7: cvm3: <BROADCAST,MULTICAST,UP> mtu 1500 qdisc tbf state DOWN"),
			Some((7, "cvm3".to_string()))
		);
		assert_eq!(
			link_of("2: uplink0@if5: <BROADCAST,UP,LOWER_UP> mtu 1500"),
			Some((2, "uplink0".to_string()))
		);
		assert_eq!(
			class_minor("class htb 1:1a root prio 0 rate 4Mbit ceil 4Mbit burst 32Kb"),
			Some(0x1a)
		);
		assert_eq!(class_minor("class tbf 8001:1 parent 8001:"), None);
	}

	#[test]
	fn bursts_hold_ten_milliseconds_of_the_rate() {
		assert_eq!(burst_bytes(4), 32 * 1024, "the floor");
		assert_eq!(burst_bytes(1000), 1_250_000);
	}
}
