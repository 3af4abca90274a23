//! Miner nodes and their self-reported metrics.

use super::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::Get, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use sp_runtime::traits::Member;

/// Whether a miner node takes new work.
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
pub enum MinerNodeStatus {
	/// Takes new requests.
	Active,
	/// Keeps its VMs but takes no new requests.
	Inactive,
}

/// A registered hypervisor node.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct MinerNode<AccountId, Balance, BlockNumber> {
	/// The account that registered the node, operates it and is paid for its VMs.
	pub owner: AccountId,
	/// Resources the node offers.
	pub capacity: PlanSpec,
	/// Resources taken by the node's VMs (a pending resize reserves the larger of both plans).
	pub used: PlanSpec,
	/// The hypervisor's address.
	pub hypervisor_ip: IpAddress,
	/// Whether the node takes new work.
	pub status: MinerNodeStatus,
	/// Block of registration.
	pub registered_at: BlockNumber,
	/// Deposit held from `owner` while the node is registered.
	pub deposit: Balance,
	/// Requests the node hosts (its entries in `MinerComputeRequests`).
	pub hosted: u32,
	/// Where the next `claim_compute_payments` of this node continues: the last request it
	/// settled, or `None` to start from the first.
	pub payout_cursor: Option<RequestId>,
	/// Block of the node's latest heartbeat: its registration, or the block that included its
	/// latest metrics report. The node is live while this is at most `HeartbeatTimeout` blocks
	/// old.
	pub last_heartbeat: BlockNumber,
	/// The node's live clock at `last_heartbeat`: how many blocks the node has been live in,
	/// counted from its registration block. Rent accrues in ticks of this clock (see
	/// `Pallet::live_clock`).
	pub live_clock: BlockNumber,
}

/// Self-reported metrics of a miner node. Informational only: never used for money.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(StringLen))]
#[codec(mel_bound(BlockNumber: MaxEncodedLen))]
pub struct NodeMetricsData<BlockNumber, StringLen>
where
	BlockNumber: Member,
	StringLen: Get<u32>,
{
	/// CPU model name.
	pub cpu_model: BoundedString<StringLen>,
	/// CPU cores.
	pub cpu_cores: u32,
	/// Memory in MiB.
	pub memory_total_mb: u64,
	/// Free memory in MiB (at most `memory_total_mb`).
	pub memory_free_mb: u64,
	/// Storage in GiB.
	pub storage_total_gb: u64,
	/// Free storage in GiB (at most `storage_total_gb`).
	pub storage_free_gb: u64,
	/// Upload bandwidth in Mbit/s.
	pub bandwidth_up_mbps: u32,
	/// Download bandwidth in Mbit/s.
	pub bandwidth_down_mbps: u32,
	/// Free-form location, e.g. `DE-Frankfurt`.
	pub geolocation: BoundedString<StringLen>,
	/// Minutes the node was up (at most `total_minutes`).
	pub uptime_minutes: u64,
	/// Minutes since the node started reporting.
	pub total_minutes: u64,
	/// VM operations that succeeded.
	pub successful_vm_operations: u64,
	/// VM operations that failed.
	pub failed_vm_operations: u64,
	/// VMs running now.
	pub vm_count: u32,
	/// Network latency in milliseconds.
	pub latency_ms: u32,
	/// Block the metrics are from, set by the chain whatever the reporter sends: the block an
	/// owner's report was included in, or the `at` of a node-signed report.
	pub last_updated: BlockNumber,
}

/// A node's metrics signed with the node's own key, for `report_signed_node_metrics`.
///
/// The node signs `(NODE_REPORT_CONTEXT, genesis_hash, report).encode()` with the Ed25519 key its
/// node id encodes (see [`node_public_key`]). `at` is a recent block the node saw; the report is
/// valid from that block for `NodeReportLongevity` blocks, and only if `at` is after the node's
/// registration and after its stored metrics, so a report can never be replayed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(StringLen, NodeIdLen))]
#[codec(mel_bound(BlockNumber: MaxEncodedLen))]
pub struct NodeMetricsReport<BlockNumber, StringLen, NodeIdLen>
where
	BlockNumber: Member,
	StringLen: Get<u32>,
	NodeIdLen: Get<u32>,
{
	/// The reporting node; its id holds the key that signed the report.
	pub node_id: NodeId<NodeIdLen>,
	/// The block the report was made at.
	pub at: BlockNumber,
	/// The metrics; `last_updated` is replaced by `at`.
	pub metrics: NodeMetricsData<BlockNumber, StringLen>,
}
