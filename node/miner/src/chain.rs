//! The agent's view of the chain, over JSON-RPC only: typed calls, events and storage generated
//! from the runtime's metadata (`metadata/compute-runtime.scale`, checked against the built
//! runtime by the end-to-end tests), and the `compute_*` read API.

use std::{sync::Arc, time::Duration};

use serde::Deserialize;
use serde_json::{json, Value as Json};
use subxt::{
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Mutex;

/// Types, calls, events and storage of the runtime the agent was built for.
#[subxt::subxt(
	runtime_metadata_path = "metadata/compute-runtime.scale",
	derive_for_all_types = "Clone, PartialEq, Eq"
)]
pub mod runtime {}

pub use pallet_compute::PlanSpec;
use runtime::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, pallet_compute::types::ip::IpAddress,
	pallet_compute::types::plan::PlanSpec as RuntimePlanSpec,
};

/// The client of one chain endpoint.
pub type Client = OnlineClient<SubstrateConfig>;
/// Errors the chain side reports.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Page size of the list reads.
const PAGE: u32 = 500;
/// Longest wait for a submitted transaction to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);

/// A connection to the chain with the miner's account.
#[derive(Clone)]
pub struct Chain {
	/// The typed client.
	pub client: Client,
	rpc: RpcClient,
	signer: Arc<Keypair>,
	/// Serializes signing and submission, so the account's nonces follow each other.
	submit: Arc<Mutex<()>>,
}

/// A request hosted by this node, from `compute_getMinerRequests` and
/// `compute_getComputeRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
	/// The request id.
	pub request_id: u64,
	/// `InProgress`, `Running` or `Stopped`.
	pub status: String,
	/// Whether the miner fulfilled it (the VM was created).
	pub fulfilled: bool,
	/// The address the chain gave the VM, if any yet.
	pub ip: Option<String>,
	/// The plan's resources.
	pub spec: PlanSpec,
	/// The image source.
	pub image_url: String,
	/// The user data source, if any.
	pub cloud_init: Option<String>,
	/// What is queued.
	pub pending: Pending,
}

/// Operations queued on a hosted request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
	pub stop: bool,
	pub boot: bool,
	pub reboot: bool,
	/// The plan to resize to.
	pub resize: Option<u32>,
	pub delete: bool,
}

/// A pending request the node may claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
	pub request_id: u64,
	pub plan_id: u32,
	pub owner: subxt::utils::AccountId32,
	/// The node the owner asked for, if any.
	pub miner_id: Option<Vec<u8>>,
}

impl Chain {
	/// Connects to `url` as `signer`.
	pub async fn connect(url: &str, signer: Keypair) -> Result<Chain, Error> {
		let rpc = RpcClient::from_insecure_url(url).await?;
		let client = Client::from_rpc_client(rpc.clone()).await?;
		Ok(Chain { client, rpc, signer: Arc::new(signer), submit: Arc::new(Mutex::new(())) })
	}

	/// The miner account.
	pub fn account(&self) -> subxt::utils::AccountId32 {
		self.signer.public_key().to_account_id()
	}

	/// The genesis hash.
	pub fn genesis(&self) -> [u8; 32] {
		self.client.genesis_hash().0
	}

	/// Calls a JSON-RPC method.
	pub async fn rpc(&self, method: &str, params: Json) -> Result<Json, Error> {
		let mut builder = subxt::rpcs::client::RpcParams::new();
		for value in params.as_array().cloned().unwrap_or_default() {
			builder.push(value)?;
		}
		Ok(self.rpc.request(method, builder).await?)
	}

	/// Signs `call` with the miner account, submits it, and waits until it is in a finalized
	/// block; fails if it did not succeed (with the chain's error).
	///
	/// The nonce comes from `system_accountNextIndex`, which counts the account's transactions
	/// in the pool too, and submissions take turns, so VM tasks can submit while earlier
	/// transactions of the account still wait for a block.
	pub async fn submit<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
	) -> Result<(), Error> {
		let progress = {
			let _turn = self.submit.lock().await;
			let at = self.client.at_current_block().await?;
			let account = self.account().to_string();
			let nonce: u64 =
				self.rpc.request("system_accountNextIndex", rpc_params![account]).await?;
			let params = subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
				.nonce(nonce)
				.build();
			let signed =
				at.transactions().create_signable_offline(call, params)?.sign(&*self.signer)?;
			at.transactions().from_bytes(signed.into_encoded()).submit_and_watch().await?
		};
		tokio::time::timeout(FINALITY_TIMEOUT, progress.wait_for_finalized_success())
			.await
			.map_err(|_| "not finalized in time")??;
		Ok(())
	}

	/// Submits an unsigned-but-authorized (general) transaction, already encoded.
	pub async fn submit_encoded(&self, encoded: &[u8]) -> Result<(), Error> {
		let hex = format!("0x{}", crate::image::hex(encoded));
		self.rpc("author_submitExtrinsic", json!([hex])).await.map(drop)
	}

	/// The registered node `node_id`: its capacity, if registered.
	pub async fn node_capacity(&self, node_id: &[u8]) -> Result<Option<PlanSpec>, Error> {
		let at = self.client.at_current_block().await?;
		let entry = at.storage().entry(runtime::storage().compute().miner_nodes())?;
		let node = entry.try_fetch((BoundedVec(node_id.to_vec()),)).await?;
		Ok(match node {
			Some(node) => Some(from_runtime(node.decode()?.capacity)),
			None => None,
		})
	}

	/// Every request hosted by node `node_id` at block `at` (0x-hex hash), with its details.
	pub async fn hosted(&self, node_id: &[u8], at: &str) -> Result<Vec<Hosted>, Error> {
		let node = format!("0x{}", crate::image::hex(node_id));
		let mut out = Vec::new();
		let mut start_after: Option<u64> = None;
		loop {
			let page =
				self.rpc("compute_getMinerRequests", json!([node, PAGE, start_after])).await?;
			let items = page.as_array().cloned().unwrap_or_default();
			for item in &items {
				let request_id = item["requestId"].as_u64().ok_or("miner request without id")?;
				start_after = Some(request_id);
				let request =
					self.rpc("compute_getComputeRequest", json!([request_id, at])).await?;
				if request.is_null() {
					continue;
				}
				out.push(Hosted {
					request_id,
					status: request["status"].as_str().unwrap_or_default().to_string(),
					fulfilled: item["fulfilled"].as_bool().unwrap_or(false),
					ip: item["ipAssigned"].as_str().map(str::to_string),
					spec: serde_json::from_value(request["planTechnicalDescription"].clone())?,
					image_url: request["selectedImage"]["imageUrl"]
						.as_str()
						.unwrap_or_default()
						.to_string(),
					cloud_init: request["cloudInitCid"].as_str().map(str::to_string),
					pending: serde_json::from_value(item["pendingOperations"].clone())?,
				});
			}
			if items.len() < PAGE as usize {
				return Ok(out);
			}
		}
	}

	/// The pending requests at the finalized head (a full scan, done at start and after a
	/// reconnect; new requests are then seen in each block's events).
	pub async fn open_requests(&self) -> Result<Vec<Open>, Error> {
		let at = self.client.at_current_block().await?;
		let entry = at.storage().entry(runtime::storage().compute().compute_requests())?;
		let mut iter = entry.iter(()).await?;
		let mut out = Vec::new();
		while let Some(item) = iter.next().await {
			let request = item?.value().decode()?;
			if matches!(request.status, runtime::runtime_types::pallet_compute::types::request::ComputeRequestStatus::Pending) {
				out.push(open_of(request));
			}
		}
		Ok(out)
	}

	/// The pending requests created in finalized block `hash`.
	pub async fn created_in(
		&self,
		block: &subxt::client::Block<SubstrateConfig>,
	) -> Result<Vec<Open>, Error> {
		let at = block.at().await?;
		let events = at.events().fetch().await?;
		let entry = at.storage().entry(runtime::storage().compute().compute_requests())?;
		let mut out = Vec::new();
		for created in events.find::<runtime::compute::events::ComputeRequestCreated>() {
			let created = created?;
			if let Some(request) = entry.try_fetch((created.owner, created.request_id)).await? {
				out.push(open_of(request.decode()?));
			}
		}
		Ok(out)
	}
}

fn open_of(
	request: runtime::runtime_types::pallet_compute::types::request::ComputeRequest<
		subxt::utils::AccountId32,
		u32,
	>,
) -> Open {
	Open {
		request_id: request.request_id,
		plan_id: request.plan_id,
		owner: request.owner,
		miner_id: request.miner_id.map(|id| id.0),
	}
}

/// A plan's resources as the pallet's own type.
pub fn from_runtime(s: RuntimePlanSpec) -> PlanSpec {
	PlanSpec {
		vcpus: s.vcpus,
		memory_mb: s.memory_mb,
		storage_gb: s.storage_gb,
		bandwidth_mbps: s.bandwidth_mbps,
		gpus: s.gpus,
	}
}

/// A plan's resources as the chain's calls take them.
pub fn to_runtime(s: PlanSpec) -> RuntimePlanSpec {
	RuntimePlanSpec {
		vcpus: s.vcpus,
		memory_mb: s.memory_mb,
		storage_gb: s.storage_gb,
		bandwidth_mbps: s.bandwidth_mbps,
		gpus: s.gpus,
	}
}

/// An address as the chain's calls take it.
pub fn ip_address(ip: std::net::IpAddr) -> IpAddress {
	match ip {
		std::net::IpAddr::V4(v4) => IpAddress::V4(v4.octets()),
		std::net::IpAddr::V6(v6) => IpAddress::V6(v6.octets()),
	}
}
