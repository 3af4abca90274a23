//! The `compute_*` JSON-RPC methods: a thin adapter over the `ComputeApi` runtime API.
//!
//! Every method takes an optional block hash `at` as its last parameter (default: the best
//! block). List methods take optional `limit` and `startAfter` before `at` and return at most
//! `limit` items (default [`compute_primitives::DEFAULT_PAGE_SIZE`], at most
//! [`compute_primitives::MAX_PAGE_SIZE`]) after the `startAfter` cursor (the last id or address of
//! the previous page). Unknown ids give `null` or an empty list. See [`json`] for the shapes of
//! the answers and [`error`] for the error codes.

pub mod error;
pub mod json;
mod params;

use std::{marker::PhantomData, sync::Arc};

use codec::Codec;
use compute_primitives::{PlanId, RequestId};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
pub use pallet_compute_runtime_api::ComputeApi as ComputeRuntimeApi;
use serde_json::Value;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::{Block as BlockT, Get, Member};

/// The `compute` JSON-RPC namespace. Parameters are taken as raw JSON and checked one by one,
/// so a malformed one (also an account, node id, VM name or hash longer than any valid one) is
/// answered with -32602 and a message naming it, before any runtime call; text is measured
/// before it is decoded.
///
/// Every method is `blocking`: it runs the runtime on a blocking thread, off the server's async
/// workers.
#[rpc(client, server, namespace = "compute")]
pub trait ComputeApi {
	/// Latest metrics reported by miner node `nodeId` (0x-hex), or `null`. Also served as
	/// `get_node_metrics`, the product specification's name.
	#[method(name = "getNodeMetrics", aliases = ["get_node_metrics"], blocking)]
	fn get_node_metrics(
		&self,
		#[argument(rename = "nodeId")] node_id: Value,
		at: Option<Value>,
	) -> RpcResult<Option<json::NodeMetrics>>;

	/// Counts of free and assigned addresses and one page of each list; `startAfter` is an
	/// address.
	#[method(name = "getIpPool", blocking)]
	fn get_ip_pool(
		&self,
		limit: Option<Value>,
		#[argument(rename = "startAfter")] start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<json::IpPool>;

	/// The address of VM `vmName` (`vm-<requestId>`), or `null`.
	#[method(name = "getVmIp", blocking)]
	fn get_vm_ip(
		&self,
		#[argument(rename = "vmName")] vm_name: Value,
		at: Option<Value>,
	) -> RpcResult<Option<String>>;

	/// Request `requestId`, or `null`.
	#[method(name = "getComputeRequest", blocking)]
	fn get_compute_request(
		&self,
		#[argument(rename = "requestId")] request_id: Value,
		at: Option<Value>,
	) -> RpcResult<Option<json::Request>>;

	/// One page of the live requests of `owner` (SS58).
	#[method(name = "getUserRequests", blocking)]
	fn get_user_requests(
		&self,
		owner: Value,
		limit: Option<Value>,
		#[argument(rename = "startAfter")] start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::Request>>;

	/// One page of the requests hosted by node `nodeId` (0x-hex), with queued operations.
	#[method(name = "getMinerRequests", blocking)]
	fn get_miner_requests(
		&self,
		#[argument(rename = "nodeId")] node_id: Value,
		limit: Option<Value>,
		#[argument(rename = "startAfter")] start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::MinerRequest>>;

	/// One page of the plans, in id order.
	#[method(name = "getPlans", blocking)]
	fn get_plans(
		&self,
		limit: Option<Value>,
		#[argument(rename = "startAfter")] start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::Plan>>;

	/// One page of the requests hosted by node `nodeId` (0x-hex), each with everything its
	/// agent needs, all read at one block.
	#[method(name = "getHostedRequests", blocking)]
	fn get_hosted_requests(
		&self,
		#[argument(rename = "nodeId")] node_id: Value,
		limit: Option<Value>,
		#[argument(rename = "startAfter")] start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::HostedRequest>>;
}

/// Serves [`ComputeApiServer`] from a client whose runtime implements `ComputeApi` with the
/// given `AccountId`, `Balance`, `BlockNumber`, `MaxStringLen` and `MaxNodeIdLen`.
pub struct Compute<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen> {
	client: Arc<C>,
	_marker:
		PhantomData<RuntimeTypes<Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>>,
}

/// The runtime types [`Compute`] serves, as a marker (owning none of them).
type RuntimeTypes<Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen> =
	fn() -> (Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen);

impl<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
	Compute<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
{
	/// Serves the compute RPC from `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client, _marker: PhantomData }
	}
}

impl<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
	Compute<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
where
	Block: BlockT,
	C: HeaderBackend<Block>,
{
	/// The block to read: `at`, or the best block.
	fn at(&self, at: Option<Value>) -> RpcResult<Block::Hash> {
		Ok(params::block_hash::<Block::Hash>("at", at)?
			.unwrap_or_else(|| self.client.info().best_hash))
	}
}

impl<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen> ComputeApiServer
	for Compute<C, Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>
where
	Block: BlockT,
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: ComputeRuntimeApi<Block, AccountId, Balance, BlockNumber, StringLen, NodeIdLen>,
	AccountId: Codec + Member + Ss58Codec + Send + Sync + 'static,
	Balance: Codec + ToString + Send + Sync + 'static,
	BlockNumber: Codec + Member + Into<u64> + Send + Sync + 'static,
	StringLen: Get<u32> + Send + Sync + 'static,
	NodeIdLen: Get<u32> + Send + Sync + 'static,
{
	fn get_node_metrics(
		&self,
		node_id: Value,
		at: Option<Value>,
	) -> RpcResult<Option<json::NodeMetrics>> {
		let node_id = params::hex_bytes("nodeId", node_id, NodeIdLen::get())?;
		let at = self.at(at)?;
		let metrics = self
			.client
			.runtime_api()
			.get_node_metrics(at, node_id)
			.map_err(error::runtime_error)?;
		Ok(metrics.map(Into::into))
	}

	fn get_ip_pool(
		&self,
		limit: Option<Value>,
		start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<json::IpPool> {
		let limit = params::optional::<u32>("limit", limit)?;
		let start_after = params::ip("startAfter", start_after)?;
		let at = self.at(at)?;
		let pool = self
			.client
			.runtime_api()
			.ip_pool(at, start_after, limit)
			.map_err(error::runtime_error)?;
		Ok(pool.into())
	}

	fn get_vm_ip(&self, vm_name: Value, at: Option<Value>) -> RpcResult<Option<String>> {
		let vm_name = params::bounded_text("vmName", vm_name, compute_primitives::MAX_VM_NAME_LEN)?;
		let at = self.at(at)?;
		let ip = self.client.runtime_api().vm_ip(at, vm_name).map_err(error::runtime_error)?;
		Ok(ip.map(|ip| ip.to_string()))
	}

	fn get_compute_request(
		&self,
		request_id: Value,
		at: Option<Value>,
	) -> RpcResult<Option<json::Request>> {
		let request_id: RequestId = params::required("requestId", request_id)?;
		let at = self.at(at)?;
		let request = self
			.client
			.runtime_api()
			.compute_request(at, request_id)
			.map_err(error::runtime_error)?;
		Ok(request.map(Into::into))
	}

	fn get_user_requests(
		&self,
		owner: Value,
		limit: Option<Value>,
		start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::Request>> {
		let owner = params::account::<AccountId>("owner", owner)?;
		let limit = params::optional::<u32>("limit", limit)?;
		let start_after = params::optional::<RequestId>("startAfter", start_after)?;
		let at = self.at(at)?;
		let page = self
			.client
			.runtime_api()
			.user_requests(at, owner, start_after, limit)
			.map_err(error::runtime_error)?;
		Ok(page.items.into_iter().map(Into::into).collect())
	}

	fn get_miner_requests(
		&self,
		node_id: Value,
		limit: Option<Value>,
		start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::MinerRequest>> {
		let params::NodePage { node_id, limit, start_after } =
			params::node_page(node_id, limit, start_after, NodeIdLen::get())?;
		let at = self.at(at)?;
		let page = self
			.client
			.runtime_api()
			.miner_requests(at, node_id, start_after, limit)
			.map_err(error::runtime_error)?;
		Ok(page.items.into_iter().map(Into::into).collect())
	}

	fn get_plans(
		&self,
		limit: Option<Value>,
		start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::Plan>> {
		let limit = params::optional::<u32>("limit", limit)?;
		let start_after = params::optional::<PlanId>("startAfter", start_after)?;
		let at = self.at(at)?;
		let page = self
			.client
			.runtime_api()
			.plans(at, start_after, limit)
			.map_err(error::runtime_error)?;
		Ok(page.items.into_iter().map(Into::into).collect())
	}

	fn get_hosted_requests(
		&self,
		node_id: Value,
		limit: Option<Value>,
		start_after: Option<Value>,
		at: Option<Value>,
	) -> RpcResult<Vec<json::HostedRequest>> {
		let params::NodePage { node_id, limit, start_after } =
			params::node_page(node_id, limit, start_after, NodeIdLen::get())?;
		let at = self.at(at)?;
		let page = self
			.client
			.runtime_api()
			.hosted_requests(at, node_id, start_after, limit)
			.map_err(error::runtime_error)?;
		Ok(page.items.into_iter().map(Into::into).collect())
	}
}

#[cfg(test)]
mod tests;
