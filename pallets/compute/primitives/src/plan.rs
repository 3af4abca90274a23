//! The resources of a plan or of a miner node.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Resources of a plan, or of a miner node (its capacity and the part in use).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct PlanSpec {
	/// Virtual CPUs.
	pub vcpus: u32,
	/// Memory in MiB.
	pub memory_mb: u32,
	/// Disk in GiB.
	pub storage_gb: u32,
	/// Network bandwidth in Mbit/s.
	pub bandwidth_mbps: u32,
	/// GPUs.
	pub gpus: u32,
}

impl PlanSpec {
	/// Component-wise sum; `None` on overflow.
	pub fn checked_add(&self, other: &Self) -> Option<Self> {
		Some(Self {
			vcpus: self.vcpus.checked_add(other.vcpus)?,
			memory_mb: self.memory_mb.checked_add(other.memory_mb)?,
			storage_gb: self.storage_gb.checked_add(other.storage_gb)?,
			bandwidth_mbps: self.bandwidth_mbps.checked_add(other.bandwidth_mbps)?,
			gpus: self.gpus.checked_add(other.gpus)?,
		})
	}

	/// Component-wise difference; `None` if any component would go below zero.
	pub fn checked_sub(&self, other: &Self) -> Option<Self> {
		Some(Self {
			vcpus: self.vcpus.checked_sub(other.vcpus)?,
			memory_mb: self.memory_mb.checked_sub(other.memory_mb)?,
			storage_gb: self.storage_gb.checked_sub(other.storage_gb)?,
			bandwidth_mbps: self.bandwidth_mbps.checked_sub(other.bandwidth_mbps)?,
			gpus: self.gpus.checked_sub(other.gpus)?,
		})
	}

	/// Component-wise maximum.
	pub fn max(&self, other: &Self) -> Self {
		Self {
			vcpus: self.vcpus.max(other.vcpus),
			memory_mb: self.memory_mb.max(other.memory_mb),
			storage_gb: self.storage_gb.max(other.storage_gb),
			bandwidth_mbps: self.bandwidth_mbps.max(other.bandwidth_mbps),
			gpus: self.gpus.max(other.gpus),
		}
	}

	/// Whether every component is at most the same component of `limit`.
	pub fn fits_within(&self, limit: &Self) -> bool {
		self.vcpus <= limit.vcpus
			&& self.memory_mb <= limit.memory_mb
			&& self.storage_gb <= limit.storage_gb
			&& self.bandwidth_mbps <= limit.bandwidth_mbps
			&& self.gpus <= limit.gpus
	}
}
