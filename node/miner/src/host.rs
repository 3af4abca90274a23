//! What this host offers and how it is doing: capacity detection and local port allocation.

use std::{collections::BTreeSet, net::TcpListener, ops::RangeInclusive, path::Path};

use crate::{chain::PlanSpec, config::CapacityConfig};

/// Memory the host keeps for itself and QEMU's own overhead, MiB.
pub const RESERVED_MEMORY_MB: u32 = 1024;
/// Bandwidth offered when none is configured, Mbit/s.
pub const DEFAULT_BANDWIDTH_MBPS: u32 = 1000;

/// The host's cores.
pub fn cores() -> u32 {
	std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1)
}

/// `(total, available)` memory of the host, MiB, from `/proc/meminfo`.
pub fn memory_mb() -> (u32, u32) {
	let info = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
	let field = |name: &str| {
		info.lines()
			.find_map(|line| line.strip_prefix(name))
			.and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
			.map_or(0, |kb| (kb / 1024) as u32)
	};
	(field("MemTotal:"), field("MemAvailable:"))
}

/// `(total, free)` space of the filesystem holding `dir`, GiB.
pub fn disk_gb(dir: &Path) -> (u32, u32) {
	// The field types are u64 on Linux x86-64 and narrower elsewhere.
	#[allow(clippy::unnecessary_cast)]
	match nix::sys::statvfs::statvfs(dir) {
		Ok(s) => {
			let block = s.fragment_size() as u64;
			let gib = |blocks: u64| (blocks.saturating_mul(block) >> 30) as u32;
			(gib(s.blocks() as u64), gib(s.blocks_available() as u64))
		},
		Err(_) => (0, 0),
	}
}

/// The CPU model, from `/proc/cpuinfo`.
pub fn cpu_model() -> String {
	std::fs::read_to_string("/proc/cpuinfo")
		.unwrap_or_default()
		.lines()
		.find_map(|line| line.strip_prefix("model name"))
		.and_then(|rest| rest.split_once(':'))
		.map(|(_, model)| model.trim().to_string())
		.unwrap_or_else(|| "unknown".into())
}

/// Seconds since the host booted.
pub fn uptime_secs() -> u64 {
	std::fs::read_to_string("/proc/uptime")
		.ok()
		.and_then(|text| text.split_whitespace().next()?.parse::<f64>().ok())
		.map_or(0, |secs| secs as u64)
}

/// The capacity to register: what is configured, the rest detected.
pub fn capacity(configured: &CapacityConfig, work_dir: &Path) -> PlanSpec {
	PlanSpec {
		vcpus: configured.vcpus.unwrap_or_else(cores),
		memory_mb: configured
			.memory_mb
			.unwrap_or_else(|| memory_mb().0.saturating_sub(RESERVED_MEMORY_MB)),
		storage_gb: configured.storage_gb.unwrap_or_else(|| disk_gb(work_dir).1),
		bandwidth_mbps: configured.bandwidth_mbps.unwrap_or(DEFAULT_BANDWIDTH_MBPS),
		gpus: configured.gpus.unwrap_or(0),
	}
}

/// The lowest port of `range` not in `taken` that can be bound on 127.0.0.1 now.
pub fn free_port(range: &RangeInclusive<u16>, taken: &BTreeSet<u16>) -> Option<u16> {
	range
		.clone()
		.filter(|port| !taken.contains(port))
		.find(|port| TcpListener::bind(("127.0.0.1", *port)).is_ok())
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn configured_capacity_wins_over_detection() {
		let configured = CapacityConfig {
			vcpus: Some(3),
			memory_mb: Some(2048),
			storage_gb: Some(10),
			bandwidth_mbps: None,
			gpus: None,
		};
		let spec = capacity(&configured, Path::new("/"));
		assert_eq!((spec.vcpus, spec.memory_mb, spec.storage_gb), (3, 2048, 10));
		assert_eq!((spec.bandwidth_mbps, spec.gpus), (DEFAULT_BANDWIDTH_MBPS, 0));
	}

	#[test]
	fn detection_reads_the_host() {
		let spec = capacity(&CapacityConfig::default(), Path::new("/"));
		assert_eq!(spec.vcpus, cores());
		assert!(spec.memory_mb > 0 && spec.memory_mb < memory_mb().0);
	}

	#[test]
	fn free_port_skips_taken_and_bound_ports() {
		let bound = TcpListener::bind("127.0.0.1:0").expect("bind");
		let port = bound.local_addr().expect("addr").port();
		let range = port..=port.saturating_add(2);
		let taken = BTreeSet::from([port.saturating_add(1)]);
		let free = free_port(&range, &taken).expect("a free port");
		assert!(free != port && free != port + 1, "{free}");
	}
}
