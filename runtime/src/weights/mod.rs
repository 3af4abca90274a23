//! Weights measured on the reference machine by `scripts/benchmark.sh`, and the one margin the
//! runtime adds to them.
//!
//! - [`block_weights`], [`extrinsic_weights`]: `benchmark overhead`, the time of an empty block
//!   and of a no-op extrinsic;
//! - [`paritydb_weights`]: `benchmark storage` on ParityDB, the node's database;
//! - [`pallet_balances`]: `benchmark pallet`, so that transfers and compute calls are weighed
//!   on the same machine (`pallet_compute`'s own weights are in the pallet).

pub mod block_weights;
pub mod extrinsic_weights;
pub mod pallet_balances;
pub mod paritydb_weights;

use frame_support::{
	parameter_types,
	weights::{RuntimeDbWeight, Weight},
};
use sp_runtime::Percent;

/// What the runtime adds to every measured base and database weight. The files hold averages
/// of one machine: 10% covers the spread between runs (two runs an hour apart differed by up to
/// 10% per call), the rest validators whose disks and CPUs are slower than the reference
/// machine, and a state larger than the one measured.
pub const MEASURED_WEIGHT_MARGIN: Percent = Percent::from_percent(25);

/// `ref_time` with [`MEASURED_WEIGHT_MARGIN`] added.
fn with_margin(ref_time: u64) -> u64 {
	ref_time.saturating_add(MEASURED_WEIGHT_MARGIN.mul_ceil(ref_time))
}

parameter_types! {
	/// A ParityDB read and write, with the margin.
	pub DbWeight: RuntimeDbWeight = {
		let measured = paritydb_weights::ParityDbWeight::get();
		RuntimeDbWeight { read: with_margin(measured.read), write: with_margin(measured.write) }
	};
	/// An empty block, with the margin.
	pub BlockExecutionWeight: Weight = {
		let measured = block_weights::BlockExecutionWeight::get();
		measured.set_ref_time(with_margin(measured.ref_time()))
	};
	/// A no-op extrinsic, with the margin.
	pub ExtrinsicBaseWeight: Weight = {
		let measured = extrinsic_weights::ExtrinsicBaseWeight::get();
		measured.set_ref_time(with_margin(measured.ref_time()))
	};
}
