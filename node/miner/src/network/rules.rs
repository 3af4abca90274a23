//! The nftables table of the VM namespace: what guests may send and receive.
//!
//! One table, `inet compute-miner`, made whole at start (with the VMs already on the host) and
//! then changed one element at a time as VMs come and go:
//! - set `guests`: each tap with the one address its guest may send from;
//! - chain `forward` (policy drop):
//!   - a packet from a tap whose source is not that tap's address is dropped (no spoofing);
//!   - anything from a tap that is not IPv4 is dropped (the pool is IPv4);
//!   - replies of connections already accepted pass;
//!   - from a tap to the uplink passes, unless bound for the host's other networks (the
//!     private, loopback, link-local, CGNAT, IETF protocol, benchmarking, multicast and
//!     reserved ranges, [`PRIVATE_V4`]);
//!   - from the uplink to a tap passes when it is bound for that tap's guest;
//!   - everything else, tap to tap in particular, is dropped: guests never reach one another,
//!     not even through the namespace.
//! - chain `input`: nothing from a tap reaches the namespace itself (its addresses, and any
//!   service in it).
//!
//! The namespace holds nothing but the uplink and the taps, so the host's own services (the
//! node's RPC, Prometheus, the agent) are not on any path a guest has.

use std::{fmt::Write, net::Ipv4Addr};

/// The nftables table (family `inet`) the agent owns in its namespace.
pub const TABLE: &str = "compute-miner";
/// Taps are named this and the request id: `cvm42`.
pub const TAP_PREFIX: &str = "cvm";
/// Destinations guests may not reach through the uplink: the host's other networks. Public
/// addresses, the documentation ranges among them, are the internet.
pub const PRIVATE_V4: [&str; 10] = [
	"0.0.0.0/8",
	"10.0.0.0/8",
	"100.64.0.0/10",
	"127.0.0.0/8",
	"169.254.0.0/16",
	"172.16.0.0/12",
	"192.0.0.0/24",
	"192.168.0.0/16",
	"198.18.0.0/15",
	"224.0.0.0/3",
];

/// The tap of VM `request_id`, or `None` when the id is too long for an interface name.
pub fn tap_name(request_id: u64) -> Option<String> {
	let name = format!("{TAP_PREFIX}{request_id}");
	super::valid_ifname(&name).then_some(name)
}

/// An `nft -f` script that replaces the whole table: the rules above for `uplink`, with the
/// `guests` (tap, address) already on the host.
pub fn table(uplink: &str, guests: &[(String, Ipv4Addr)]) -> String {
	let taps = format!("\"{TAP_PREFIX}*\"");
	let mut script = String::new();
	// `add` then `delete` makes the deletion succeed whether or not the table existed; the
	// whole script is one transaction.
	let _ = writeln!(script, "add table inet {TABLE}");
	let _ = writeln!(script, "delete table inet {TABLE}");
	let _ = writeln!(script, "table inet {TABLE} {{");
	let _ = writeln!(script, "\tset guests {{\n\t\ttype ifname . ipv4_addr");
	if !guests.is_empty() {
		let elements: Vec<String> = guests.iter().map(|(tap, ip)| element(tap, *ip)).collect();
		let _ = writeln!(script, "\t\telements = {{ {} }}", elements.join(", "));
	}
	let _ = writeln!(script, "\t}}");
	let _ = writeln!(
		script,
		"\tset private {{\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {{ {} }}\n\t}}",
		PRIVATE_V4.join(", ")
	);
	let _ = writeln!(
		script,
		"\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;"
	);
	let _ = writeln!(script, "\t\tiifname {taps} meta nfproto != ipv4 drop");
	let _ = writeln!(script, "\t\tiifname {taps} iifname . ip saddr != @guests drop");
	let _ = writeln!(script, "\t\tct state established,related accept");
	let _ = writeln!(script, "\t\tiifname {taps} oifname \"{uplink}\" ip daddr != @private accept");
	let _ = writeln!(script, "\t\tiifname \"{uplink}\" oifname . ip daddr @guests accept");
	let _ = writeln!(script, "\t}}");
	let _ = writeln!(
		script,
		"\tchain input {{\n\t\ttype filter hook input priority filter; policy accept;"
	);
	let _ = writeln!(script, "\t\tiifname {taps} drop");
	let _ = writeln!(script, "\t}}");
	let _ = writeln!(script, "}}");
	script
}

/// The `guests` element of a tap and its address.
pub fn element(tap: &str, ip: Ipv4Addr) -> String {
	format!("\"{tap}\" . {ip}")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn taps_are_named_after_their_request() {
		assert_eq!(tap_name(42).as_deref(), Some("cvm42"));
		assert_eq!(tap_name(999_999_999_999).as_deref(), Some("cvm999999999999"));
		assert_eq!(tap_name(1_000_000_000_000), None, "16 bytes do not fit");
	}

	#[test]
	fn the_table_pins_each_guest_to_its_address() {
		let script = table(
			"uplink0",
			&[
				("cvm1".into(), Ipv4Addr::new(192, 0, 2, 10)),
				("cvm2".into(), Ipv4Addr::new(192, 0, 2, 11)),
			],
		);
		assert!(
			script.contains("elements = { \"cvm1\" . 192.0.2.10, \"cvm2\" . 192.0.2.11 }"),
			"{script}"
		);
		assert!(script.contains("iifname \"cvm*\" iifname . ip saddr != @guests drop"), "{script}");
		assert!(script.contains("oifname \"uplink0\" ip daddr != @private accept"), "{script}");
		assert!(
			script.contains("iifname \"uplink0\" oifname . ip daddr @guests accept"),
			"{script}"
		);
		assert!(script.contains("policy drop"), "{script}");
		// An empty host has an empty set, which nft accepts without `elements`.
		assert!(!table("uplink0", &[]).contains("elements = {  }"));
	}
}
