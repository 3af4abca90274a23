//! Weights of `pallet-compute`.
//!
//! PLACEHOLDER, to be replaced by the output of
//! `compute-node benchmark pallet --pallet pallet_compute --extrinsic '*' --output ...`
//! run on reference hardware over the `#[benchmarks]` in `benchmarking.rs`.
//!
//! Until then each weight is only the database cost of the call's worst path:
//! `T::DbWeight::get().reads_writes(r, w)`, with `r` and `w` counted from the storage the code
//! touches (listed above each function). No execution time is included and no number is guessed.
//! Balance operations count as: `hold`/`release` r2 w2 (account, holds), `transfer_on_hold` to
//! a free balance r3 w3 (owner's account and holds, miner's account). Finding a low-funds bucket
//! reads up to `2 × EXPIRY_PROBE_BLOCKS + 1 = 9` buckets.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_compute`.
pub trait WeightInfo {
	fn create_compute_request() -> Weight;
	fn submit_compute_request_assignment() -> Weight;
	fn fulfill_compute_request() -> Weight;
	fn report_compute_request_failure() -> Weight;
	fn request_compute_stop() -> Weight;
	fn request_compute_boot() -> Weight;
	fn request_compute_reboot() -> Weight;
	fn request_compute_resize() -> Weight;
	fn request_compute_delete() -> Weight;
	fn fulfill_stop_request() -> Weight;
	fn fulfill_boot_request() -> Weight;
	fn fulfill_reboot_request() -> Weight;
	fn fulfill_resize_request() -> Weight;
	fn fulfill_deletion_request() -> Weight;
	fn cancel_compute_request() -> Weight;
	fn add_ips(n: u32) -> Weight;
	fn remove_ip() -> Weight;
	fn assign_ip_to_vm() -> Weight;
	fn release_ip_from_vm() -> Weight;
	fn register_miner_node() -> Weight;
	fn deregister_miner_node() -> Weight;
	fn report_node_metrics() -> Weight;
	fn create_plan() -> Weight;
	fn set_plan_active() -> Weight;
	fn top_up_compute_request() -> Weight;
	fn claim_compute_payment() -> Weight;
	fn set_miner_node_status() -> Weight;
	fn process_rental_expiries(n: u32) -> Weight;
}

/// Defines the database-only weights once for both implementations.
macro_rules! db_weights {
	($db:expr) => {
		// Plans, UserRequestCount, NextRequestId, liquidity (account), hold r2 w2;
		// NextRequestId, ComputeRequests, RequestOwners, UserRequestCount, RentalPrepayments.
		fn create_compute_request() -> Weight {
			$db.reads_writes(6, 7)
		}
		// RequestOwners, ComputeRequests, MinerNodes, MinerRequestCount;
		// MinerComputeRequests, MinerRequestCount, MinerNodes, ComputeRequests.
		fn submit_compute_request_assignment() -> Weight {
			$db.reads_writes(4, 4)
		}
		// RequestOwners, MinerNodes, ComputeRequests, MinerComputeRequests, VmIps, FreeIpCount,
		// FreeIps, RentalPrepayments, 9 buckets; FreeIpIndex, AssignedIpCount, bucket reads and
		// FreeIpIndex, FreeIps, FreeIpCount, VmIps, IpVms, AssignedIpCount, bucket,
		// RentalPrepayments, MinerComputeRequests, ComputeRequests writes.
		fn fulfill_compute_request() -> Weight {
			$db.reads_writes(21, 10)
		}
		// Request lookup r3, RentalPrepayments, resize queue, settle r3 w3, bucket r1 w1,
		// address return r3 w6, MinerNodes w1, five queues w5, MinerComputeRequests w1,
		// MinerRequestCount r1 w1, release r2 w2, RentalPrepayments w1, ComputeRequests w1.
		fn report_compute_request_failure() -> Weight {
			$db.reads_writes(15, 22)
		}
		// RequestOwners, ComputeRequests, deletion queue, MinerNodes, RentalPrepayments, stop
		// queue, settle r3 w3; RentalPrepayments, stop queue.
		fn request_compute_stop() -> Weight {
			$db.reads_writes(9, 5)
		}
		// RequestOwners, ComputeRequests, deletion queue, MinerNodes, RentalPrepayments, boot
		// queue (a stopped VM owes nothing); RentalPrepayments, boot queue.
		fn request_compute_boot() -> Weight {
			$db.reads_writes(6, 2)
		}
		// As `request_compute_stop`, with the reboot queue.
		fn request_compute_reboot() -> Weight {
			$db.reads_writes(9, 5)
		}
		// RequestOwners, ComputeRequests, deletion queue, MinerNodes, RentalPrepayments, resize
		// queue, Plans, settle r3 w3; RentalPrepayments, resize queue, MinerNodes.
		fn request_compute_resize() -> Weight {
			$db.reads_writes(10, 6)
		}
		// Worst of: queued (RequestOwners, ComputeRequests, deletion queue, MinerNodes,
		// RentalPrepayments, settle r3 w3; RentalPrepayments, deletion queue) and removed at once
		// (RequestOwners, ComputeRequests, RentalPrepayments, release r2 w2, UserRequestCount;
		// RentalPrepayments, ComputeRequests, RequestOwners, UserRequestCount).
		fn request_compute_delete() -> Weight {
			$db.reads_writes(8, 6)
		}
		// Request lookup r3, stop queue, RentalPrepayments, settle r3 w3, bucket r1 w1;
		// RentalPrepayments, stop and reboot queues, ComputeRequests.
		fn fulfill_stop_request() -> Weight {
			$db.reads_writes(9, 9)
		}
		// Request lookup r3, boot queue, RentalPrepayments, 9 buckets, bucket r1 w1;
		// RentalPrepayments, boot queue, ComputeRequests.
		fn fulfill_boot_request() -> Weight {
			$db.reads_writes(15, 4)
		}
		// Request lookup r3, reboot queue, RentalPrepayments, settle r3 w3; RentalPrepayments,
		// reboot queue.
		fn fulfill_reboot_request() -> Weight {
			$db.reads_writes(8, 5)
		}
		// Request lookup r3, resize queue, MinerComputeRequests, RentalPrepayments, settle r3 w3,
		// 9 buckets, old bucket r1 w1, new bucket r1 w1; RentalPrepayments, MinerNodes, resize
		// queue, MinerComputeRequests, ComputeRequests.
		fn fulfill_resize_request() -> Weight {
			$db.reads_writes(20, 10)
		}
		// As `report_compute_request_failure` plus the deletion queue read and the request's
		// removal (RequestOwners, UserRequestCount r1 w1) instead of its update.
		fn fulfill_deletion_request() -> Weight {
			$db.reads_writes(17, 24)
		}
		// RequestOwners, ComputeRequests, RentalPrepayments, release r2 w2; RentalPrepayments,
		// ComputeRequests.
		fn cancel_compute_request() -> Weight {
			$db.reads_writes(5, 4)
		}
		// FreeIpCount, AssignedIpCount; per address FreeIpIndex, IpVms, FreeIpCount reads and
		// FreeIps, FreeIpIndex, FreeIpCount writes.
		fn add_ips(n: u32) -> Weight {
			$db.reads_writes(2, 0).saturating_add($db.reads_writes(3, 3).saturating_mul(n as u64))
		}
		// IpVms, FreeIpIndex, FreeIpCount, last FreeIps; FreeIpIndex (both), FreeIps (both),
		// FreeIpCount.
		fn remove_ip() -> Weight {
			$db.reads_writes(4, 5)
		}
		// RequestOwners, ComputeRequests, MinerNodes, VmIps, FreeIpIndex, MinerComputeRequests,
		// FreeIpCount, last FreeIps, AssignedIpCount, FreeIpIndex; FreeIpIndex (both), FreeIps
		// (both), FreeIpCount, VmIps, IpVms, AssignedIpCount, MinerComputeRequests.
		fn assign_ip_to_vm() -> Weight {
			$db.reads_writes(10, 9)
		}
		// RequestOwners, ComputeRequests, MinerNodes, VmIps, MinerComputeRequests,
		// AssignedIpCount, FreeIpCount; VmIps, IpVms, AssignedIpCount, FreeIpCount, FreeIps,
		// FreeIpIndex, MinerComputeRequests.
		fn release_ip_from_vm() -> Weight {
			$db.reads_writes(7, 7)
		}
		// MinerNodes, liquidity (account), hold r2 w2; MinerNodes.
		fn register_miner_node() -> Weight {
			$db.reads_writes(4, 3)
		}
		// MinerNodes, MinerRequestCount, release r2 w2; MinerNodes, NodeMetrics.
		fn deregister_miner_node() -> Weight {
			$db.reads_writes(4, 4)
		}
		// MinerNodes; NodeMetrics.
		fn report_node_metrics() -> Weight {
			$db.reads_writes(1, 1)
		}
		// NextPlanId; Plans, NextPlanId.
		fn create_plan() -> Weight {
			$db.reads_writes(1, 2)
		}
		// Plans; Plans.
		fn set_plan_active() -> Weight {
			$db.reads_writes(1, 1)
		}
		// RequestOwners, ComputeRequests, RentalPrepayments, liquidity (account), MinerNodes,
		// settle r3 w3, 9 buckets, hold r2 w2, old bucket r1 w1, new bucket r1 w1;
		// RentalPrepayments.
		fn top_up_compute_request() -> Weight {
			$db.reads_writes(21, 8)
		}
		// RequestOwners, MinerNodes, MinerComputeRequests, ComputeRequests, RentalPrepayments,
		// settle r3 w3; RentalPrepayments.
		fn claim_compute_payment() -> Weight {
			$db.reads_writes(8, 4)
		}
		// MinerNodes; MinerNodes.
		fn set_miner_node_status() -> Weight {
			$db.reads_writes(1, 1)
		}
		// The bucket r1 w1; per request RentalPrepayments, RequestOwners, ComputeRequests, stop
		// and deletion queues reads and RentalPrepayments, stop queue writes.
		fn process_rental_expiries(n: u32) -> Weight {
			$db.reads_writes(1, 1).saturating_add($db.reads_writes(5, 2).saturating_mul(n as u64))
		}
	};
}

/// Weights for `pallet_compute` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	db_weights!(T::DbWeight::get());
}

/// For tests and backwards compatibility: RocksDB weights.
impl WeightInfo for () {
	db_weights!(RocksDbWeight::get());
}
