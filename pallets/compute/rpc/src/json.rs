//! The JSON shapes of the `compute_*` answers: camelCase fields, IPs as text, node ids and other
//! raw bytes as `0x`-hex (text fields as UTF-8 strings), accounts as SS58, balances as decimal
//! strings (they exceed JavaScript's safe integers), block numbers as numbers.

#![allow(missing_docs)]

use pallet_compute::{
	ComputeRequest, HostedRequest as HostedRequestView, IpAddress, IpPoolView, MinerRequestView,
	NodeMetricsData, PendingOperations, PlanSpec, PlanView,
};
use serde::{Deserialize, Serialize};
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::{Get, Member};

/// `0x`-prefixed lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
	let mut out = String::with_capacity(2 + bytes.len() * 2);
	out.push_str("0x");
	for b in bytes {
		out.push_str(&format!("{b:02x}"));
	}
	out
}

/// Bytes that hold text (names, URLs, CIDs), shown as a string.
fn text(bytes: &[u8]) -> String {
	String::from_utf8_lossy(bytes).into_owned()
}

/// Latest metrics of a miner node.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NodeMetrics {
	pub cpu_model: String,
	pub cpu_cores: u32,
	pub memory_total_mb: u64,
	pub memory_free_mb: u64,
	pub storage_total_gb: u64,
	pub storage_free_gb: u64,
	pub bandwidth_up_mbps: u32,
	pub bandwidth_down_mbps: u32,
	pub geolocation: String,
	pub uptime_minutes: u64,
	pub total_minutes: u64,
	pub successful_vm_operations: u64,
	pub failed_vm_operations: u64,
	pub vm_count: u32,
	pub latency_ms: u32,
	pub last_updated: u64,
}

impl<BlockNumber: Member + Into<u64>, S: Get<u32>> From<NodeMetricsData<BlockNumber, S>>
	for NodeMetrics
{
	fn from(m: NodeMetricsData<BlockNumber, S>) -> Self {
		Self {
			cpu_model: text(&m.cpu_model),
			cpu_cores: m.cpu_cores,
			memory_total_mb: m.memory_total_mb,
			memory_free_mb: m.memory_free_mb,
			storage_total_gb: m.storage_total_gb,
			storage_free_gb: m.storage_free_gb,
			bandwidth_up_mbps: m.bandwidth_up_mbps,
			bandwidth_down_mbps: m.bandwidth_down_mbps,
			geolocation: text(&m.geolocation),
			uptime_minutes: m.uptime_minutes,
			total_minutes: m.total_minutes,
			successful_vm_operations: m.successful_vm_operations,
			failed_vm_operations: m.failed_vm_operations,
			vm_count: m.vm_count,
			latency_ms: m.latency_ms,
			last_updated: m.last_updated.into(),
		}
	}
}

/// An address assigned to a VM.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
	pub vm_name: String,
	pub ip: String,
}

/// The IP pool.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IpPool {
	pub free_count: u32,
	pub assigned_count: u32,
	pub free: Vec<String>,
	pub assigned: Vec<Assignment>,
}

impl From<IpPoolView> for IpPool {
	fn from(v: IpPoolView) -> Self {
		Self {
			free_count: v.free_count,
			assigned_count: v.assigned_count,
			free: v.free.iter().map(IpAddress::to_string).collect(),
			assigned: v
				.assigned
				.iter()
				.map(|(vm, ip)| Assignment { vm_name: text(vm), ip: ip.to_string() })
				.collect(),
		}
	}
}

/// The image a VM boots from.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Image {
	pub name: String,
	pub image_url: String,
}

/// A user's request for one VM.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Request {
	pub request_id: u64,
	pub plan_id: u32,
	pub plan_technical_description: PlanSpec,
	/// `Pending`, `InProgress`, `Running`, `Stopped`, `Failed` or `Cancelled`.
	pub status: String,
	pub created_at: u64,
	pub owner: String,
	pub selected_image: Image,
	pub is_assigned: bool,
	pub cloud_init_cid: Option<String>,
	/// Hex node id: the preferred node before assignment, the hosting node after.
	pub miner_id: Option<String>,
}

impl<AccountId, BlockNumber, S, N> From<ComputeRequest<AccountId, BlockNumber, S, N>> for Request
where
	AccountId: Member + Ss58Codec,
	BlockNumber: Member + Into<u64>,
	S: Get<u32>,
	N: Get<u32>,
{
	fn from(r: ComputeRequest<AccountId, BlockNumber, S, N>) -> Self {
		Self {
			request_id: r.request_id,
			plan_id: r.plan_id,
			plan_technical_description: r.plan_technical_description,
			status: format!("{:?}", r.status),
			created_at: r.created_at.into(),
			owner: r.owner.to_ss58check(),
			selected_image: Image {
				name: text(&r.selected_image.name),
				image_url: text(&r.selected_image.image_url),
			},
			is_assigned: r.is_assigned,
			cloud_init_cid: r.cloud_init_cid.as_ref().map(|b| text(b)),
			miner_id: r.miner_id.as_ref().map(|b| hex(b)),
		}
	}
}

/// Operations the owner has queued for the miner on a VM.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
	pub stop: bool,
	pub boot: bool,
	pub reboot: bool,
	/// The plan a queued resize moves to.
	pub resize: Option<u32>,
	pub delete: bool,
}

impl From<PendingOperations> for Pending {
	fn from(p: PendingOperations) -> Self {
		Self { stop: p.stop, boot: p.boot, reboot: p.reboot, resize: p.resize, delete: p.delete }
	}
}

/// A request as seen from the miner node hosting it, with its queued operations.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MinerRequest {
	pub miner_node_id: String,
	pub miner_account_id: String,
	pub job_id: Option<String>,
	pub hypervisor_ip: Option<String>,
	pub fail_reason: Option<String>,
	pub vnc_port: Option<u16>,
	pub ip_assigned: Option<String>,
	pub request_id: u64,
	pub plan_id: u32,
	pub created_at: u64,
	pub fulfilled: bool,
	pub pending_operations: Pending,
}

impl<AccountId, BlockNumber, S, N> From<MinerRequestView<AccountId, BlockNumber, S, N>>
	for MinerRequest
where
	AccountId: Member + Ss58Codec,
	BlockNumber: Member + Into<u64>,
	S: Get<u32>,
	N: Get<u32>,
{
	fn from(v: MinerRequestView<AccountId, BlockNumber, S, N>) -> Self {
		let r = v.request;
		Self {
			miner_node_id: hex(&r.miner_node_id),
			miner_account_id: r.miner_account_id.to_ss58check(),
			job_id: r.job_id.as_ref().map(|b| text(b)),
			hypervisor_ip: r.hypervisor_ip.map(|ip| ip.to_string()),
			fail_reason: r.fail_reason.as_ref().map(|b| text(b)),
			vnc_port: r.vnc_port,
			ip_assigned: r.ip_assigned.map(|ip| ip.to_string()),
			request_id: r.request_id,
			plan_id: r.plan_id,
			created_at: r.created_at.into(),
			fulfilled: r.fulfilled,
			pending_operations: v.pending.into(),
		}
	}
}

/// A plan.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
	pub plan_id: u32,
	pub spec: PlanSpec,
	/// Decimal string, in the token's smallest unit.
	pub price_per_block: String,
	pub active: bool,
}

impl<Balance: ToString> From<PlanView<Balance>> for Plan {
	fn from(p: PlanView<Balance>) -> Self {
		Self {
			plan_id: p.plan_id,
			spec: p.spec,
			price_per_block: p.price_per_block.to_string(),
			active: p.active,
		}
	}
}

/// A request as the agent of the node hosting it needs it, read at one block.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HostedRequest {
	pub request_id: u64,
	/// `InProgress`, `Running` or `Stopped`.
	pub status: String,
	pub fulfilled: bool,
	pub ip: Option<String>,
	pub plan_id: u32,
	pub spec: PlanSpec,
	pub image: Image,
	pub cloud_init: Option<String>,
	pub pending: Pending,
	/// The resources of the plan a queued resize moves to.
	pub resize_spec: Option<PlanSpec>,
}

impl<S: Get<u32>> From<HostedRequestView<S>> for HostedRequest {
	fn from(h: HostedRequestView<S>) -> Self {
		Self {
			request_id: h.request_id,
			status: format!("{:?}", h.status),
			fulfilled: h.fulfilled,
			ip: h.ip.map(|ip| ip.to_string()),
			plan_id: h.plan_id,
			spec: h.spec,
			image: Image { name: text(&h.image.name), image_url: text(&h.image.image_url) },
			cloud_init: h.cloud_init.as_ref().map(|b| text(b)),
			pending: h.pending.into(),
			resize_spec: h.resize_spec,
		}
	}
}
