//! The agent's view of the chain, over JSON-RPC only: typed calls, events, storage, constants
//! and runtime API calls generated from the runtime's metadata (`metadata/compute-runtime.scale`,
//! checked against the built runtime by the end-to-end tests).
//!
//! What the agent acts on is read at one block (finalized, or best for new VMs; see the agent's
//! module docs): [`Chain::hosted`] makes one
//! `ComputeApi::hosted_requests` call per page at the block's hash, and decodes each request
//! into [`Hosted`], refusing what does not decode (see [`HostedRead`]).

use std::{net::IpAddr, sync::Arc, time::Duration};

use serde_json::{json, Value as Json};
use subxt::{
	dynamic::{At, Value},
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

pub use crate::interface::{Check, Limits};
pub use compute_primitives::PlanSpec;
use runtime::runtime_types::{
	compute_primitives::ip::IpAddress, compute_primitives::plan::PlanSpec as RuntimePlanSpec,
	pallet_compute::types::request::ComputeRequestStatus,
	pallet_compute::types::views::HostedRequest,
};

/// The client of one chain endpoint.
pub type Client = OnlineClient<SubstrateConfig>;
/// Errors the chain side reports.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// Longest wait for a submitted transaction to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(120);

/// Blocks a transaction of the agent stays valid for after the block it is anchored at (see
/// [`ReadAt`]): long enough for the slowest operation between a read and its transaction (an
/// image fetch and a boot), and within the runtime's `BlockHashCount` (2,400), beyond which the
/// anchor's hash is no longer known to the runtime. A transaction that outlives it fails as
/// outdated, and the next finalized block starts the work again with a fresh read.
const TX_LIFETIME_BLOCKS: u64 = 1024;

/// A block the agent read the chain at.
///
/// A transaction that acts on what the agent read there (claiming a request, fulfilling it,
/// reporting it failed) is anchored at it: signed with a mortal era born at that block, so
/// the runtime's `CheckMortality` accepts it only on chains that contain that very block. An
/// immortal transaction would outlive a reorg: the pool puts the transactions of an abandoned
/// fork back, and a claim or fulfilment of request 7 read on that fork would then apply to
/// whatever request 7 is on the other one, a different renter's VM that the agent never made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAt {
	/// The block's number.
	pub number: u64,
	/// The block's hash.
	pub hash: subxt::config::substrate::H256,
}

impl ReadAt {
	/// The block `at` reads at.
	pub fn of(at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>) -> ReadAt {
		ReadAt { number: at.block_number(), hash: at.block_hash() }
	}
}

/// A transaction of the miner account in the pool (see [`Chain::send`]).
pub struct Sent(
	subxt::transactions::TransactionProgress<
		SubstrateConfig,
		subxt::client::OnlineClientAtBlockImpl<SubstrateConfig>,
	>,
);

impl Sent {
	/// Waits until the transaction is in a finalized block; fails if it did not succeed (with
	/// the chain's error), or was dropped from the pool (say, by a reorg that made it invalid).
	pub async fn finalized(self) -> Result<(), Error> {
		tokio::time::timeout(FINALITY_TIMEOUT, self.0.wait_for_finalized_success())
			.await
			.map_err(|_| "not finalized in time")??;
		Ok(())
	}
}

/// A connection to the chain with the miner's account.
#[derive(Clone)]
pub struct Chain {
	/// The typed client.
	pub client: Client,
	rpc: RpcClient,
	signer: Arc<Keypair>,
	/// Serializes signing and submission, so the account's nonces follow each other.
	submit: Arc<Mutex<()>>,
	/// The agent's interface checked against the runtime of the latest finalized block the
	/// agent looked at (see [`Chain::runtime_at`]).
	interface: Arc<std::sync::RwLock<Check>>,
}

/// Where a hosted request is in its life, as the agent acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
	/// Claimed by this node, not fulfilled yet: the VM is to be created.
	InProgress,
	/// Fulfilled and running.
	Running,
	/// Fulfilled and stopped.
	Stopped,
}

impl TryFrom<ComputeRequestStatus> for Status {
	type Error = String;

	/// Only `InProgress`, `Running` and `Stopped` requests are hosted; any other status in the
	/// node's list is data the agent does not understand.
	fn try_from(status: ComputeRequestStatus) -> Result<Status, String> {
		match status {
			ComputeRequestStatus::InProgress => Ok(Status::InProgress),
			ComputeRequestStatus::Running => Ok(Status::Running),
			ComputeRequestStatus::Stopped => Ok(Status::Stopped),
			other => Err(format!("a hosted request cannot be {other:?}")),
		}
	}
}

/// A request hosted by this node, read at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
	/// The request id.
	pub request_id: u64,
	/// Where it is in its life.
	pub status: Status,
	/// Whether the miner fulfilled it (the VM was created).
	pub fulfilled: bool,
	/// The address the chain gave the VM, if any yet.
	pub ip: Option<IpAddr>,
	/// The plan's resources.
	pub spec: PlanSpec,
	/// The image source.
	pub image_url: String,
	/// The user data source, if any.
	pub cloud_init: Option<String>,
	/// What is queued.
	pub pending: Pending,
	/// The block it was read at: what the agent sends about it is anchored there.
	pub read_at: ReadAt,
}

/// Operations queued on a hosted request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
	/// A stop is queued.
	pub stop: bool,
	/// A boot is queued.
	pub boot: bool,
	/// A reboot is queued.
	pub reboot: bool,
	/// A resize is queued, to a plan with these resources.
	pub resize: Option<PlanSpec>,
	/// A deletion is queued.
	pub delete: bool,
}

/// What one read of the node's hosted requests gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostedRead {
	/// The requests the agent understood.
	pub requests: Vec<Hosted>,
	/// Requests hosted by the node that did not decode, with the reason; the agent leaves
	/// their VMs alone and claims nothing until it can read them.
	pub refused: Vec<(u64, String)>,
}

impl Hosted {
	/// The request `h` of the runtime API, read at block `read_at`; why not, when the agent
	/// does not understand it.
	fn decode(h: HostedRequest, read_at: ReadAt) -> Result<Hosted, String> {
		let text = |bytes: Vec<u8>, what: &str| {
			String::from_utf8(bytes).map_err(|_| format!("the {what} is not UTF-8"))
		};
		let pending = Pending {
			stop: h.pending.stop,
			boot: h.pending.boot,
			reboot: h.pending.reboot,
			resize: match (h.pending.resize, h.resize_spec) {
				(None, _) => None,
				(Some(_), Some(spec)) => Some(from_runtime(spec)),
				(Some(plan), None) => {
					return Err(format!("a resize to plan {plan} is queued without its spec"))
				},
			},
			delete: h.pending.delete,
		};
		Ok(Hosted {
			request_id: h.request_id,
			status: h.status.try_into()?,
			fulfilled: h.fulfilled,
			ip: h.ip.map(from_runtime_ip),
			spec: from_runtime(h.spec),
			image_url: text(h.image.image_url.0, "image URL")?,
			cloud_init: h.cloud_init.map(|c| text(c.0, "user data source")).transpose()?,
			pending,
			read_at,
		})
	}
}

/// A pending request the node may claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
	/// The request id.
	pub request_id: u64,
	/// The plan it rents.
	pub plan_id: u32,
	/// Who rents it.
	pub owner: subxt::utils::AccountId32,
	/// The node the owner asked for, if any.
	pub miner_id: Option<Vec<u8>>,
}

impl Chain {
	/// Connects to `url` as `signer`.
	pub async fn connect(url: &str, signer: Keypair) -> Result<Chain, Error> {
		let rpc = RpcClient::from_insecure_url(url).await?;
		let client = Client::from_rpc_client(rpc.clone()).await?;
		let at = client.at_current_block().await?;
		let check = Check::of(&at);
		Ok(Chain {
			client,
			rpc,
			signer: Arc::new(signer),
			submit: Arc::new(Mutex::new(())),
			interface: Arc::new(std::sync::RwLock::new(check)),
		})
	}

	/// The agent's interface checked against the runtime it last saw.
	pub fn interface(&self) -> Check {
		self.interface.read().unwrap_or_else(|e| e.into_inner()).clone()
	}

	/// The chain's limits, from the constants of the runtime the agent last saw.
	pub fn limits(&self) -> Limits {
		self.interface.read().unwrap_or_else(|e| e.into_inner()).limits
	}

	/// Checks the agent's interface against the runtime of `at` if its `spec_version` is not
	/// the one checked last; returns the new check when it did.
	pub fn runtime_at(
		&self,
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Option<Check> {
		if self.interface.read().unwrap_or_else(|e| e.into_inner()).spec_version
			== at.spec_version()
		{
			return None;
		}
		let check = Check::of(at);
		*self.interface.write().unwrap_or_else(|e| e.into_inner()) = check.clone();
		Some(check)
	}

	/// Whether the storage at `at` still waits for the migrations of its runtime: `at` is the
	/// block that set new code, whose migrations run at the start of the next block. Runtime
	/// API calls at such a block run the new code over storage in the old layout (see the
	/// node's README, "Upgrading the runtime"), so the agent reads nothing there.
	pub async fn migrations_pending(
		&self,
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Result<bool, Error> {
		let entry = at.storage().entry(runtime::storage().system().last_runtime_upgrade())?;
		let last = entry.try_fetch(()).await?;
		Ok(match last {
			Some(last) => last.decode()?.spec_version != at.spec_version(),
			None => false,
		})
	}

	/// A client at the best block: transactions are signed for its runtime, the one the
	/// transaction pool checks them against. (Signing at the finalized block would sign for the
	/// old `spec_version` during the blocks between an upgrade's enactment and its finality,
	/// and the pool would refuse the transaction as badly signed.)
	pub async fn at_best_block(
		&self,
	) -> Result<subxt::client::OnlineClientAtBlock<SubstrateConfig>, Error> {
		let hash: subxt::config::substrate::H256 =
			self.rpc.request("chain_getBlockHash", rpc_params![]).await?;
		Ok(self.client.at_block(subxt::backend::BlockRef::from_hash(hash)).await?)
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

	/// Signs `call` with the miner account, anchored at `read_at` (see [`Chain::send`]), submits
	/// it, and waits until it is in a finalized block; fails if it did not succeed (with the
	/// chain's error).
	pub async fn submit<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
		read_at: Option<ReadAt>,
	) -> Result<(), Error> {
		self.send(call, read_at).await?.finalized().await
	}

	/// Signs `call` with the miner account and submits it; the transaction is in the pool when
	/// this returns, and [`Sent::finalized`] waits for its outcome.
	///
	/// The transaction is anchored at `read_at`, the block whose state it acts on (see
	/// [`ReadAt`]), or, for one that acts on no state read before (the node's registration), at
	/// the best block it is signed at.
	///
	/// The nonce comes from `system_accountNextIndex`, which counts the account's transactions
	/// in the pool too, and submissions take turns, so VM tasks can submit while earlier
	/// transactions of the account still wait for a block, and two calls sent one after the
	/// other are applied in that order (in one block, when both fit).
	pub async fn send<Call: subxt::transactions::Payload>(
		&self,
		call: &Call,
		read_at: Option<ReadAt>,
	) -> Result<Sent, Error> {
		let _turn = self.submit.lock().await;
		let at = self.at_best_block().await?;
		let anchor = read_at.unwrap_or_else(|| ReadAt::of(&at));
		let account = self.account().to_string();
		let nonce: u64 = self.rpc.request("system_accountNextIndex", rpc_params![account]).await?;
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new()
			.nonce(nonce)
			.mortal_from_unchecked(TX_LIFETIME_BLOCKS, anchor.number, anchor.hash)
			.build();
		let signed =
			at.transactions().create_signable_offline(call, params)?.sign(&*self.signer)?;
		Ok(Sent(at.transactions().from_bytes(signed.into_encoded()).submit_and_watch().await?))
	}

	/// Submits an unsigned-but-authorized (general) transaction, already encoded.
	pub async fn submit_encoded(&self, encoded: &[u8]) -> Result<(), Error> {
		let hex = format!("0x{}", crate::image::hex(encoded));
		self.rpc("author_submitExtrinsic", json!([hex])).await.map(drop)
	}

	/// The registered node `node_id`: its capacity, if registered.
	///
	/// The node record grows between releases (spec 106 added its heartbeat), so it is decoded
	/// with the running runtime's own types and read by field name: this works on every
	/// runtime whose record has a `capacity` with the plan's fields.
	pub async fn node_capacity(&self, node_id: &[u8]) -> Result<Option<PlanSpec>, Error> {
		self.node_capacity_at(node_id, &self.client.at_current_block().await?).await
	}

	/// [`Chain::node_capacity`] at block `at`.
	pub async fn node_capacity_at(
		&self,
		node_id: &[u8],
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Result<Option<PlanSpec>, Error> {
		let address = subxt::dynamic::storage::<(Vec<u8>,), Value>("Compute", "MinerNodes");
		let Some(node) = at.storage().entry(address)?.try_fetch((node_id.to_vec(),)).await? else {
			return Ok(None);
		};
		let node = node.decode()?;
		let capacity = node.at("capacity").ok_or("the node record has no capacity")?;
		let field = |name: &str| {
			capacity
				.at(name)
				.and_then(|value| value.as_u128())
				.and_then(|value| u32::try_from(value).ok())
				.ok_or_else(|| format!("the node's capacity has no {name}"))
		};
		Ok(Some(PlanSpec {
			vcpus: field("vcpus")?,
			memory_mb: field("memory_mb")?,
			storage_gb: field("storage_gb")?,
			bandwidth_mbps: field("bandwidth_mbps")?,
			gpus: field("gpus")?,
		}))
	}

	/// Every request hosted by node `node_id` at block `at`, all pages read at that
	/// block. Fails if the node's record does not read there, or a page does not decode, or the
	/// pages hold fewer requests than their total; a request that decodes but makes no sense to
	/// the agent is in [`HostedRead::refused`].
	pub async fn hosted(
		&self,
		node_id: &[u8],
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Result<HostedRead, Error> {
		// The runtime counts an unknown node (or a record it cannot read) as hosting nothing:
		// the node's own record must read at this block before an empty list is believed.
		if self.node_capacity_at(node_id, at).await?.is_none() {
			return Err("the node is not registered at this block".into());
		}
		let mut read = HostedRead::default();
		let mut start_after: Option<u64> = None;
		loop {
			let call = runtime::runtime_apis().compute_api().hosted_requests(
				node_id.to_vec(),
				start_after,
				Some(self.limits().max_page_size),
			);
			let page = at.runtime_apis().call(call).await?;
			let seen = read.requests.len() + read.refused.len();
			if page.items.is_empty() {
				// A page that holds less than its total says is not "nothing more": the runtime
				// could not read some of the node's requests. Taken as the whole list, it would
				// have the agent delete VMs the chain still bills for.
				return match seen >= page.total as usize {
					true => Ok(read),
					false => Err(format!(
						"the node hosts {} requests, but only {seen} could be read",
						page.total
					)
					.into()),
				};
			}
			for item in page.items {
				let request_id = item.request_id;
				start_after = Some(request_id);
				match Hosted::decode(item, ReadAt::of(at)) {
					Ok(hosted) => read.requests.push(hosted),
					Err(reason) => read.refused.push((request_id, reason)),
				}
			}
			if read.requests.len() + read.refused.len() >= page.total as usize {
				return Ok(read);
			}
		}
	}

	/// Request `request_id` as node `node_id` hosts it at the best block, if it does (read with
	/// the node's other requests: their order in the runtime's pages is not the ids'); an error
	/// if it is hosted but does not read.
	pub async fn hosted_at_best(
		&self,
		node_id: &[u8],
		request_id: u64,
	) -> Result<Option<Hosted>, Error> {
		let read = self.hosted(node_id, &self.at_best_block().await?).await?;
		if let Some((_, reason)) = read.refused.iter().find(|(id, _)| *id == request_id) {
			return Err(
				format!("request {request_id} does not read at the best block: {reason}").into()
			);
		}
		Ok(read.requests.into_iter().find(|h| h.request_id == request_id))
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
			if matches!(request.status, ComputeRequestStatus::Pending) {
				out.push(open_of(request));
			}
		}
		Ok(out)
	}

	/// Whether `request` is still pending at block `at`.
	pub async fn still_open(
		&self,
		request: &Open,
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Result<bool, Error> {
		let entry = at.storage().entry(runtime::storage().compute().compute_requests())?;
		Ok(match entry.try_fetch((request.owner, request.request_id)).await? {
			Some(found) => matches!(found.decode()?.status, ComputeRequestStatus::Pending),
			None => false,
		})
	}

	/// The requests created in block `at` that are still pending there.
	pub async fn created_in(
		&self,
		at: &subxt::client::OnlineClientAtBlock<SubstrateConfig>,
	) -> Result<Vec<Open>, Error> {
		let events = at.events().fetch().await?;
		let entry = at.storage().entry(runtime::storage().compute().compute_requests())?;
		let mut out = Vec::new();
		for created in events.find::<runtime::compute::events::ComputeRequestCreated>() {
			let created = created?;
			if let Some(request) = entry.try_fetch((created.owner, created.request_id)).await? {
				let request = request.decode()?;
				if matches!(request.status, ComputeRequestStatus::Pending) {
					out.push(open_of(request));
				}
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
pub fn ip_address(ip: IpAddr) -> IpAddress {
	match ip {
		IpAddr::V4(v4) => IpAddress::V4(v4.octets()),
		IpAddr::V6(v6) => IpAddress::V6(v6.octets()),
	}
}

/// An address as the chain stores it.
fn from_runtime_ip(ip: IpAddress) -> IpAddr {
	match ip {
		IpAddress::V4(octets) => IpAddr::from(octets),
		IpAddress::V6(octets) => IpAddr::from(octets),
	}
}
