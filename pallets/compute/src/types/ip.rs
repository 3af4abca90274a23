//! The IP pool's bookkeeping.

use super::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use compute_primitives::IpAddress;

/// Where an address of the IP pool is.
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
)]
pub enum IpState {
	/// Free, at this position of `FreeIps`.
	Free(u32),
	/// Held by the VM of this request.
	Assigned(RequestId),
}

/// Sizes of the IP pool.
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
)]
pub struct IpPoolCounts {
	/// Free addresses: `FreeIps` holds them at positions `0..free`.
	pub free: u32,
	/// Addresses held by VMs.
	pub assigned: u32,
}
