//! What the read functions (the `ComputeApi` runtime API) return.

use super::*;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_support::{pallet_prelude::Get, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use sp_runtime::traits::Member;

/// A plan with its id, as returned by [`crate::Pallet::plans`].
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct PlanView<Balance> {
	/// The plan's id.
	pub plan_id: PlanId,
	/// The plan's technical description.
	pub spec: PlanSpec,
	/// Price per block of a running VM.
	pub price_per_block: Balance,
	/// Whether new requests may use this plan.
	pub active: bool,
}

/// One page of a list, with the total size of the whole list.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Page<Item> {
	/// Number of items in the whole list, not just this page.
	pub total: u32,
	/// At most `limit` items, continuing after `start_after`.
	pub items: Vec<Item>,
}

/// One page of the market's requests, newest first, read by scanning request ids downwards.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RequestScan<Item> {
	/// Number of requests in the whole list (all stored requests, or those in the status
	/// asked for), not just this page.
	pub total: u32,
	/// The requests found, newest first: at most `limit`, fewer when the scan budget ran out.
	pub items: Vec<Item>,
	/// Where to continue (`before` of the next call): the lowest id scanned; `None` once
	/// request 0 was scanned, the end of the list.
	pub next: Option<RequestId>,
}

/// The IP pool: counts of free and assigned addresses and one page of each list.
///
/// The pages walk one combined list: the free addresses, then the assigned ones.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct IpPoolView {
	/// Free addresses in the whole pool.
	pub free_count: u32,
	/// Assigned addresses in the whole pool.
	pub assigned_count: u32,
	/// A page of free addresses.
	pub free: Vec<IpAddress>,
	/// A page of `(vm_name, ip)` assignments.
	pub assigned: Vec<(VmName, IpAddress)>,
}

/// Operations queued for a miner on one of its VMs.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct PendingOperations {
	/// A stop is queued.
	pub stop: bool,
	/// A boot is queued.
	pub boot: bool,
	/// A reboot is queued.
	pub reboot: bool,
	/// A resize to this plan is queued.
	pub resize: Option<PlanId>,
	/// A deletion is queued.
	pub delete: bool,
}

/// A miner node's request with the operations queued on it.
#[derive(Encode, Decode, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(StringLen, NodeIdLen))]
pub struct MinerRequestView<AccountId, BlockNumber, StringLen, NodeIdLen>
where
	AccountId: Member,
	BlockNumber: Member,
	StringLen: Get<u32>,
	NodeIdLen: Get<u32>,
{
	/// The request as the miner sees it.
	pub request: MinerComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>,
	/// What the owner has asked the miner to do with it.
	pub pending: PendingOperations,
}

/// Everything the agent of a miner node needs to run one VM it hosts, read at one block: what to
/// run, where, and what its owner has queued.
#[derive(Encode, Decode, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(StringLen))]
pub struct HostedRequest<StringLen: Get<u32>> {
	/// The request (and VM `vm-<request_id>`).
	pub request_id: RequestId,
	/// `InProgress` until the miner fulfils it, then `Running` or `Stopped`.
	pub status: ComputeRequestStatus,
	/// Whether the miner fulfilled it (the VM was created).
	pub fulfilled: bool,
	/// The address the chain gave the VM, if any yet.
	pub ip: Option<IpAddress>,
	/// The plan the VM runs on.
	pub plan_id: PlanId,
	/// That plan's resources.
	pub spec: PlanSpec,
	/// The image the VM boots from.
	pub image: ImageMetadata<StringLen>,
	/// The user data source, if any.
	pub cloud_init: Option<BoundedString<StringLen>>,
	/// What the owner has queued.
	pub pending: PendingOperations,
	/// The resources of the plan a queued resize moves to.
	pub resize_spec: Option<PlanSpec>,
}
