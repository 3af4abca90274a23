//! Where the agent may fetch a renter's image or user data from.
//!
//! A request names its sources, so a renter could point the agent at the miner's own network:
//! the node's RPC, a router, a cloud's metadata service at 169.254.169.254. The agent fetches a
//! source only from a public address. It checks the address a name resolves to (and connects to
//! exactly that address, so the name cannot resolve again to another), an address written in the
//! URL, and every redirect again. Refused are the special-purpose ranges of the IANA registries
//! (loopback, private, link-local, CGNAT, multicast, unspecified, documentation, benchmarking,
//! reserved; IPv4 inside IPv6 is checked as IPv4) and every address of this host's interfaces.
//!
//! Exempt are the operator's IPFS gateway and the hosts of the `fetch_allow` list (a local image
//! server in development): the operator chose them.

use std::{
	future::Future,
	io,
	net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
	pin::Pin,
	task::{Context, Poll},
};

use hyper_util::client::legacy::connect::dns::Name;

/// What the chain learns of a refused source: the same words whether its name resolved to a
/// private address, to none, or the URL named one, so a renter cannot map the miner's network
/// through failure reasons. The agent's log has the details.
pub const REFUSED: &str = "refused: not a name or address on the public internet";

/// IPv4 ranges never fetched from, with what they are.
const REFUSED_V4: [(Ipv4Addr, u8, &str); 14] = [
	(Ipv4Addr::new(0, 0, 0, 0), 8, "unspecified"),
	(Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
	(Ipv4Addr::new(100, 64, 0, 0), 10, "CGNAT"),
	(Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
	(Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
	(Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
	(Ipv4Addr::new(192, 0, 0, 0), 24, "protocol assignments"),
	(Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
	(Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
	(Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
	(Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
	(Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
	(Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
	(Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 ranges never fetched from, with what they are (IPv4 inside IPv6 is checked apart).
const REFUSED_V6: [(Ipv6Addr, u8, &str); 10] = [
	(Ipv6Addr::UNSPECIFIED, 128, "unspecified"),
	(Ipv6Addr::LOCALHOST, 128, "loopback"),
	(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local NAT64"),
	(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard"),
	(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "protocol assignments"),
	(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation"),
	(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "private"),
	(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
	(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local"),
	(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// What kind of non-public address `ip` is, or `None` for a public one. This host's own
/// addresses are checked apart ([`refusal`]).
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
	match ip {
		IpAddr::V4(v4) => REFUSED_V4
			.iter()
			.find(|(net, bits, _)| prefix_v4(v4, *bits) == prefix_v4(*net, *bits))
			.map(|(_, _, kind)| *kind),
		IpAddr::V6(v6) => {
			if let Some(v4) = embedded_v4(v6) {
				return special_range(IpAddr::V4(v4));
			}
			REFUSED_V6
				.iter()
				.find(|(net, bits, _)| prefix_v6(v6, *bits) == prefix_v6(*net, *bits))
				.map(|(_, _, kind)| *kind)
		},
	}
}

fn prefix_v4(ip: Ipv4Addr, bits: u8) -> u32 {
	u32::from(ip).checked_shr(32 - u32::from(bits)).unwrap_or(0)
}

fn prefix_v6(ip: Ipv6Addr, bits: u8) -> u128 {
	u128::from(ip).checked_shr(128 - u32::from(bits)).unwrap_or(0)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`), IPv4-compatible (`::/96`),
/// NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
	let s = ip.segments();
	let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
	match s {
		[0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
		[0, 0, 0, 0, 0, 0, _, _] if u32::from(low) > 1 => Some(low),
		[0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
		[0x2002, high, next, ..] => {
			Some(Ipv4Addr::new((high >> 8) as u8, high as u8, (next >> 8) as u8, next as u8))
		},
		_ => None,
	}
}

/// The addresses of this host's interfaces.
fn own_addresses() -> Vec<IpAddr> {
	let Ok(interfaces) = nix::ifaddrs::getifaddrs() else { return Vec::new() };
	interfaces
		.filter_map(|interface| {
			let address = interface.address?;
			if let Some(v4) = address.as_sockaddr_in() {
				return Some(IpAddr::V4(v4.ip()));
			}
			address.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
		})
		.collect()
}

/// Why the agent does not fetch from `ip`, if it does not.
pub fn refusal(ip: IpAddr) -> Option<String> {
	if let Some(kind) = special_range(ip) {
		return Some(format!("{ip} is a {kind} address"));
	}
	own_addresses()
		.contains(&ip)
		.then(|| format!("{ip} is an address of the miner's host"))
}

/// The hosts exempt from the check: the IPFS gateway and the operator's allow-list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exempt {
	/// Host (lowercase, IPv6 without brackets) and port; no port means any.
	hosts: Vec<(String, Option<u16>)>,
}

impl Exempt {
	/// The gateway's host and port, and each `host` or `host:port` of `allow` (an IPv6 address
	/// in brackets).
	pub fn new(gateway: &str, allow: &[String]) -> Result<Exempt, String> {
		let gateway: hyper::Uri =
			gateway.parse().map_err(|e| format!("ipfs_gateway {gateway:?}: {e}"))?;
		let host = gateway.host().ok_or("ipfs_gateway: no host")?;
		let mut hosts = vec![(normal_host(host), Some(port_of(&gateway)))];
		for entry in allow {
			let uri: hyper::Uri = format!("http://{entry}/")
				.parse()
				.map_err(|_| format!("fetch_allow {entry:?}: expected host or host:port"))?;
			let host = uri.host().filter(|h| !h.is_empty());
			let host = host.ok_or_else(|| format!("fetch_allow {entry:?}: no host"))?;
			// A port, if any, follows the last colon outside an IPv6 address's brackets.
			let port = match entry.rsplit_once(':') {
				Some((_, port)) if !port.contains(']') => Some(
					port.parse::<u16>()
						.map_err(|_| format!("fetch_allow {entry:?}: {port:?} is not a port"))?,
				),
				_ => None,
			};
			hosts.push((normal_host(host), port));
		}
		Ok(Exempt { hosts })
	}

	/// Whether `uri` is on an exempt host.
	pub fn covers(&self, uri: &hyper::Uri) -> bool {
		let Some(host) = uri.host() else { return false };
		let (host, port) = (normal_host(host), port_of(uri));
		self.hosts.iter().any(|(h, p)| *h == host && p.is_none_or(|p| p == port))
	}
}

fn normal_host(host: &str) -> String {
	host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

/// The port of `uri`, its scheme's default if it names none.
fn port_of(uri: &hyper::Uri) -> u16 {
	uri.port_u16().unwrap_or(match uri.scheme_str() {
		Some("https") => 443,
		_ => 80,
	})
}

/// Checks the host of `uri` when it is an address: a name is checked when it resolves
/// ([`SourceResolver`]).
pub fn check_literal(uri: &hyper::Uri) -> Result<(), String> {
	let Some(host) = uri.host() else { return Err("no host".into()) };
	let Ok(ip) = normal_host(host).parse::<IpAddr>() else { return Ok(()) };
	match refusal(ip) {
		Some(why) => {
			tracing::info!("source {uri} refused: {why}");
			Err(REFUSED.into())
		},
		None => Ok(()),
	}
}

/// Resolves the names of sources: with `public_only`, to their public addresses only, and a name
/// with none fails to resolve; without (an exempt host), to all of them.
#[derive(Debug, Clone, Copy)]
pub struct SourceResolver {
	/// Whether addresses [`refusal`] refuses are dropped.
	pub public_only: bool,
}

impl tower_service::Service<Name> for SourceResolver {
	type Response = std::vec::IntoIter<SocketAddr>;
	type Error = io::Error;
	type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

	fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
		Poll::Ready(Ok(()))
	}

	fn call(&mut self, name: Name) -> Self::Future {
		let public_only = self.public_only;
		Box::pin(async move {
			let refused = |why: String| {
				tracing::info!("source host {name} refused: {why}");
				io::Error::new(io::ErrorKind::PermissionDenied, REFUSED)
			};
			let resolved: Vec<SocketAddr> = match tokio::net::lookup_host((name.as_str(), 0)).await
			{
				Ok(resolved) => resolved.collect(),
				Err(error) if public_only => return Err(refused(error.to_string())),
				Err(error) => return Err(error),
			};
			if !public_only {
				return Ok(resolved.into_iter());
			}
			let mut why = String::from("no address");
			let public: Vec<SocketAddr> = resolved
				.into_iter()
				.filter(|addr| match refusal(addr.ip()) {
					Some(refusal) => {
						why = refusal;
						false
					},
					None => true,
				})
				.collect();
			match public.is_empty() {
				true => Err(refused(why)),
				false => Ok(public.into_iter()),
			}
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_special_range_is_refused() {
		let refused = [
			("0.0.0.0", "unspecified"),
			("10.1.2.3", "private"),
			("100.64.0.1", "CGNAT"),
			("100.127.255.254", "CGNAT"),
			("127.0.0.1", "loopback"),
			("127.255.0.9", "loopback"),
			("169.254.169.254", "link-local"),
			("172.16.0.1", "private"),
			("172.31.255.255", "private"),
			("192.0.0.8", "protocol assignments"),
			("192.0.2.10", "documentation"),
			("192.168.1.1", "private"),
			("198.18.0.1", "benchmarking"),
			("198.51.100.7", "documentation"),
			("203.0.113.9", "documentation"),
			("224.0.0.251", "multicast"),
			("239.255.255.250", "multicast"),
			("255.255.255.255", "reserved"),
			("::", "unspecified"),
			("::1", "loopback"),
			("100::1", "discard"),
			("2001:db8::1", "documentation"),
			("fd00::1", "private"),
			("fe80::1", "link-local"),
			("fec0::1", "site-local"),
			("64:ff9b:1::a00:1", "local NAT64"),
			("ff02::1", "multicast"),
			("::ffff:127.0.0.1", "loopback"),
			("::ffff:169.254.169.254", "link-local"),
			("64:ff9b::a00:1", "private"),
			("2002:c0a8:101::1", "private"),
		];
		for (ip, kind) in refused {
			let ip: IpAddr = ip.parse().expect(ip);
			assert_eq!(special_range(ip), Some(kind), "{ip}");
			assert!(refusal(ip).is_some_and(|why| why.contains(kind)), "{ip}");
		}
	}

	#[test]
	fn public_addresses_pass() {
		for ip in ["1.1.1.1", "8.8.8.8", "100.63.255.255", "172.32.0.1", "2606:4700::1111"] {
			let ip: IpAddr = ip.parse().expect(ip);
			assert_eq!(special_range(ip), None, "{ip}");
		}
	}

	#[test]
	fn the_hosts_own_addresses_are_refused() {
		let own = own_addresses();
		assert!(!own.is_empty(), "this host has addresses");
		for ip in own {
			assert!(refusal(ip).is_some(), "{ip}");
		}
	}

	#[test]
	fn the_gateway_and_the_allow_list_are_exempt() {
		let allow = ["127.0.0.1".to_string(), "images.lan:8443".to_string(), "[::1]:80".into()];
		let exempt = Exempt::new("http://10.0.0.5:8080", &allow).expect("valid");
		let covers = |url: &str| exempt.covers(&url.parse().expect(url));
		assert!(covers("http://10.0.0.5:8080/ipfs/x"));
		assert!(!covers("http://10.0.0.5:8081/"), "another port of the gateway's host");
		assert!(!covers("https://10.0.0.5/"));
		assert!(covers("http://127.0.0.1:9999/guest.json"), "any port of a bare host");
		assert!(covers("https://IMAGES.lan:8443/a.img"));
		assert!(!covers("https://images.lan/a.img"));
		assert!(covers("http://[::1]/"));
		assert!(!covers("http://localhost:9999/"));
		for bad in ["", "a b", "host:port"] {
			assert!(Exempt::new("http://x", &[bad.to_string()]).is_err(), "{bad:?}");
		}
	}

	#[test]
	fn literal_addresses_in_urls_are_checked() {
		let check = |url: &str| check_literal(&url.parse().expect(url));
		assert_eq!(check("http://169.254.169.254/latest/meta-data/"), Err(REFUSED.into()));
		assert!(check("http://[::ffff:7f00:1]:9944/").is_err());
		assert!(check("https://1.1.1.1/").is_ok());
		assert!(check("https://example.org/").is_ok(), "names are checked when resolved");
	}

	#[tokio::test]
	async fn names_resolve_to_public_addresses_only() {
		let localhost: Name = "localhost".parse().expect("a name");
		let mut guarded = SourceResolver { public_only: true };
		let error = tower_service::Service::call(&mut guarded, localhost.clone())
			.await
			.expect_err("localhost is loopback");
		assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
		assert_eq!(error.to_string(), REFUSED, "the chain learns nothing of the address");
		let unknown: Name = "no-such-host.invalid".parse().expect("a name");
		let error = tower_service::Service::call(&mut guarded, unknown).await.expect_err("none");
		assert_eq!(error.to_string(), REFUSED, "an unknown name reads the same");
		let mut exempt = SourceResolver { public_only: false };
		let resolved =
			tower_service::Service::call(&mut exempt, localhost).await.expect("resolved");
		assert!(resolved.into_iter().all(|addr| addr.ip().is_loopback()));
	}
}
