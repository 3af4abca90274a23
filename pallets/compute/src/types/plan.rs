//! Plans: the VM sizes users rent and their prices.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use compute_primitives::PlanSpec;

/// A rentable VM size and its price.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Plan<Balance> {
	/// The plan's technical description.
	pub spec: PlanSpec,
	/// What the owner of a running VM pays its miner per block.
	pub price_per_block: Balance,
	/// Whether new requests (and resizes) may use this plan.
	pub active: bool,
}
