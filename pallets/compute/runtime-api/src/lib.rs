//! `ComputeApi`: the read contract of `pallet-compute`, served to dApps by the `compute_*`
//! JSON-RPC methods (crate `pallet-compute-rpc`).
//!
//! Lists are paged: at most `limit` items (default [`pallet_compute::DEFAULT_PAGE_SIZE`], at most
//! [`pallet_compute::MAX_PAGE_SIZE`]) after the `start_after` cursor; totals count the whole list.
//! Unknown ids give `None` or an empty page.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{string::String, vec::Vec};
use codec::Codec;
use pallet_compute::{
	ComputeRequest, ComputeRequestStatus, HostedRequest, IpAddress, IpPoolView, MinerRequestView,
	NodeMetricsData, Page, PlanId, PlanView, RequestCounts, RequestId, RequestScan,
};
use sp_runtime::traits::{Get, Member};

sp_api::decl_runtime_apis! {
	/// Read access to the compute market.
	///
	/// `StringLen` and `NodeIdLen` are the runtime's `MaxStringLen` and `MaxNodeIdLen`.
	///
	/// Version 2 adds `hosted_requests`, version 3 `check_invariants`, version 4
	/// `request_counts` and `requests`; the runtime implements version 4.
	#[api_version(1)]
	pub trait ComputeApi<AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
	where
		AccountId: Codec + Member,
		Balance: Codec,
		BlockNumber: Codec + Member,
		StringLen: Get<u32>,
		NodeIdLen: Get<u32>,
	{
		/// Latest metrics reported by miner node `node_id` (named as in the product's original
		/// specification).
		fn get_node_metrics(node_id: Vec<u8>) -> Option<NodeMetricsData<BlockNumber, StringLen>>;

		/// Free and assigned counts of the IP pool, and one page of each list.
		fn ip_pool(start_after: Option<IpAddress>, limit: Option<u32>) -> IpPoolView;

		/// The address of VM `vm_name` (`vm-<request_id>`).
		fn vm_ip(vm_name: Vec<u8>) -> Option<IpAddress>;

		/// One live request.
		fn compute_request(
			request_id: RequestId,
		) -> Option<ComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>>;

		/// One page of a user's live requests.
		fn user_requests(
			owner: AccountId,
			start_after: Option<RequestId>,
			limit: Option<u32>,
		) -> Page<ComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>>;

		/// One page of a miner node's requests, with the operations queued on each.
		fn miner_requests(
			node_id: Vec<u8>,
			start_after: Option<RequestId>,
			limit: Option<u32>,
		) -> Page<MinerRequestView<AccountId, BlockNumber, StringLen, NodeIdLen>>;

		/// One page of the plans, in id order.
		fn plans(start_after: Option<PlanId>, limit: Option<u32>) -> Page<PlanView<Balance>>;

		/// One page of the requests hosted by miner node `node_id`, each with everything its
		/// agent needs (status, fulfilled, address, plan spec, image, user data, queued
		/// operations), all read at the block the call is made at.
		#[api_version(2)]
		fn hosted_requests(
			node_id: Vec<u8>,
			start_after: Option<RequestId>,
			limit: Option<u32>,
		) -> Page<HostedRequest<StringLen>>;

		/// Checks every invariant of the market's storage, the checks of the pallet's
		/// `try_state`: `Ok` when all hold, else the first that fails. It reads all of the
		/// pallet's storage, so it is for checks an operator runs (after a runtime upgrade, for
		/// one), not for every block.
		#[api_version(3)]
		fn check_invariants() -> Result<(), String>;

		/// How many stored requests are in each status: one read, the pallet keeps the counts.
		#[api_version(4)]
		fn request_counts() -> RequestCounts;

		/// The market's requests, newest first: all, or those in `status`. A page holds ids
		/// below `before` (all ids when `None`), at most `limit` requests, found among at most
		/// [`pallet_compute::MAX_REQUEST_SCAN`] ids; `next` is the `before` of the next page
		/// (`None` at the end). A page filtered by a rare status may come back short or empty
		/// with a `next`: the client asks again from there.
		#[api_version(4)]
		fn requests(
			status: Option<ComputeRequestStatus>,
			before: Option<RequestId>,
			limit: Option<u32>,
		) -> RequestScan<ComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>>;
	}
}
