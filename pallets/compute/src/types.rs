//! Domain types of the compute pallet.
//!
//! Everything here is bounded (`MaxEncodedLen`): variable data is a `BoundedVec` whose bound is one
//! of the pallet's `Max*` constants, passed in as a `Get<u32>` type parameter so the same types can
//! be named by the runtime API without depending on the pallet's `Config`.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use frame_support::{
	pallet_prelude::{ConstU32, Get},
	BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};
use sp_runtime::traits::Member;

/// Identifier of a compute request; taken from `NextRequestId` and never reused.
pub type RequestId = u64;

/// Identifier of a plan; plans are numbered 0, 1, 2, … in creation order.
pub type PlanId = u32;

/// A miner node's id (e.g. its libp2p peer id), at most `MaxNodeIdLen` bytes.
pub type NodeId<MaxLen> = BoundedVec<u8, MaxLen>;

/// Bytes of text bounded by `MaxStringLen` (image name/url, CID, job id, reason, …).
pub type BoundedString<MaxLen> = BoundedVec<u8, MaxLen>;

/// Longest VM name: `vm-` followed by the 20 digits of `u64::MAX`.
pub const MAX_VM_NAME_LEN: u32 = 23;

/// Prefix of every VM name; the rest is the request id in decimal.
pub const VM_NAME_PREFIX: &[u8] = b"vm-";

/// Name of the VM of a request: `vm-<request_id>`, derived, never chosen by a user.
pub type VmName = BoundedVec<u8, ConstU32<MAX_VM_NAME_LEN>>;

/// Page size the read functions use when the caller gives no `limit`.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Largest page the read functions return, whatever `limit` asks for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Derives the VM name of a request: `vm-<request_id>`.
pub fn vm_name_of(request_id: RequestId) -> VmName {
	let mut digits = [0u8; 20];
	let mut n = request_id;
	let mut start = digits.len();
	loop {
		start -= 1;
		// `n % 10` is below 10, so the cast cannot truncate.
		digits[start] = b'0' + (n % 10) as u8;
		n /= 10;
		if n == 0 {
			break
		}
	}
	let mut name = Vec::with_capacity(VM_NAME_PREFIX.len() + digits.len() - start);
	name.extend_from_slice(VM_NAME_PREFIX);
	name.extend_from_slice(&digits[start..]);
	// At most 3 + 20 = MAX_VM_NAME_LEN bytes, so this never truncates.
	BoundedVec::truncate_from(name)
}

/// Parses a VM name back to its request id; `None` unless it is exactly `vm-<request_id>` in
/// canonical form (no sign, no leading zeros).
pub fn request_id_of(vm_name: &[u8]) -> Option<RequestId> {
	let digits = vm_name.strip_prefix(VM_NAME_PREFIX)?;
	if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
		return None
	}
	let mut id: RequestId = 0;
	for d in digits {
		if !d.is_ascii_digit() {
			return None
		}
		id = id.checked_mul(10)?.checked_add(RequestId::from(d - b'0'))?;
	}
	Some(id)
}

/// Resources of a plan, or of a miner node (its capacity and the part in use).
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
	Default,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct PlanSpec {
	/// Virtual CPUs.
	pub vcpus: u32,
	/// Memory in MiB.
	pub memory_mb: u32,
	/// Disk in GiB.
	pub storage_gb: u32,
	/// Network bandwidth in Mbit/s.
	pub bandwidth_mbps: u32,
	/// GPUs.
	pub gpus: u32,
}

impl PlanSpec {
	/// Component-wise sum; `None` on overflow.
	pub fn checked_add(&self, other: &Self) -> Option<Self> {
		Some(Self {
			vcpus: self.vcpus.checked_add(other.vcpus)?,
			memory_mb: self.memory_mb.checked_add(other.memory_mb)?,
			storage_gb: self.storage_gb.checked_add(other.storage_gb)?,
			bandwidth_mbps: self.bandwidth_mbps.checked_add(other.bandwidth_mbps)?,
			gpus: self.gpus.checked_add(other.gpus)?,
		})
	}

	/// Component-wise difference; `None` if any component would go below zero.
	pub fn checked_sub(&self, other: &Self) -> Option<Self> {
		Some(Self {
			vcpus: self.vcpus.checked_sub(other.vcpus)?,
			memory_mb: self.memory_mb.checked_sub(other.memory_mb)?,
			storage_gb: self.storage_gb.checked_sub(other.storage_gb)?,
			bandwidth_mbps: self.bandwidth_mbps.checked_sub(other.bandwidth_mbps)?,
			gpus: self.gpus.checked_sub(other.gpus)?,
		})
	}

	/// Component-wise maximum.
	pub fn max(&self, other: &Self) -> Self {
		Self {
			vcpus: self.vcpus.max(other.vcpus),
			memory_mb: self.memory_mb.max(other.memory_mb),
			storage_gb: self.storage_gb.max(other.storage_gb),
			bandwidth_mbps: self.bandwidth_mbps.max(other.bandwidth_mbps),
			gpus: self.gpus.max(other.gpus),
		}
	}

	/// Whether every component is at most the same component of `limit`.
	pub fn fits_within(&self, limit: &Self) -> bool {
		self.vcpus <= limit.vcpus &&
			self.memory_mb <= limit.memory_mb &&
			self.storage_gb <= limit.storage_gb &&
			self.bandwidth_mbps <= limit.bandwidth_mbps &&
			self.gpus <= limit.gpus
	}
}

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

/// An IPv4 or IPv6 address; typed, so a malformed address cannot be stored.
///
/// In genesis JSON: `{"v4":[192,0,2,10]}` or `{"v6":[32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1]}`.
/// [`fmt::Display`] gives the usual text form (`192.0.2.10`, `2001:db8::1`).
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
	PartialOrd,
	Ord,
	Debug,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum IpAddress {
	/// IPv4 address, network byte order.
	V4([u8; 4]),
	/// IPv6 address, network byte order.
	V6([u8; 16]),
}

impl fmt::Display for IpAddress {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::V4(octets) => core::net::Ipv4Addr::from(*octets).fmt(f),
			Self::V6(octets) => core::net::Ipv6Addr::from(*octets).fmt(f),
		}
	}
}

/// The image a VM boots from.
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
#[scale_info(skip_type_params(MaxLen))]
#[codec(mel_bound())]
pub struct ImageMetadata<MaxLen: Get<u32>> {
	/// Human-readable image name, e.g. `ubuntu-24.04`.
	pub name: BoundedString<MaxLen>,
	/// IPFS CID or URL of the image.
	pub image_url: BoundedString<MaxLen>,
}

/// Where a compute request is in its lifecycle (see the crate docs for the diagram).
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
pub enum ComputeRequestStatus {
	/// Created and paid for; waiting for a miner to claim it.
	Pending,
	/// Claimed by a miner, which is creating the VM.
	InProgress,
	/// The VM runs; its owner pays the miner every block.
	Running,
	/// The VM is stopped; nothing is charged.
	Stopped,
	/// The miner could not create or keep the VM; funds were returned.
	Failed,
	/// The owner cancelled before any miner claimed it; funds were returned.
	Cancelled,
}

impl ComputeRequestStatus {
	/// Whether a VM exists (or is being made) on a miner for a request in this state.
	pub fn is_on_miner(&self) -> bool {
		matches!(self, Self::InProgress | Self::Running | Self::Stopped)
	}

	/// Whether the request has ended without a VM (kept only until the owner deletes it).
	pub fn is_terminal(&self) -> bool {
		matches!(self, Self::Failed | Self::Cancelled)
	}
}

/// A user's request for one VM.
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
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct ComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>
where
	AccountId: Member,
	BlockNumber: Member,
	StringLen: Get<u32>,
	NodeIdLen: Get<u32>,
{
	/// The request's id; its VM is named `vm-<request_id>`.
	pub request_id: RequestId,
	/// The plan the VM runs on (changes when a resize is fulfilled).
	pub plan_id: PlanId,
	/// The plan's resources at the time it was chosen.
	pub plan_technical_description: PlanSpec,
	/// Lifecycle state.
	pub status: ComputeRequestStatus,
	/// Block in which the request was created.
	pub created_at: BlockNumber,
	/// The user who pays for and operates the VM.
	pub owner: AccountId,
	/// The image the VM boots from.
	pub selected_image: ImageMetadata<StringLen>,
	/// Whether a miner has claimed the request.
	pub is_assigned: bool,
	/// IPFS CID of the cloud-init user data, if any.
	pub cloud_init_cid: Option<BoundedString<StringLen>>,
	/// Before assignment: the miner node the owner wants (if any). After: the hosting node.
	pub miner_id: Option<NodeId<NodeIdLen>>,
}

/// A request as seen from the miner node hosting it.
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
#[codec(mel_bound(AccountId: MaxEncodedLen, BlockNumber: MaxEncodedLen))]
pub struct MinerComputeRequest<AccountId, BlockNumber, StringLen, NodeIdLen>
where
	AccountId: Member,
	BlockNumber: Member,
	StringLen: Get<u32>,
	NodeIdLen: Get<u32>,
{
	/// The hosting node.
	pub miner_node_id: NodeId<NodeIdLen>,
	/// The hosting node's owner, who is paid for the VM.
	pub miner_account_id: AccountId,
	/// The miner's own job id for the VM, set when fulfilled.
	pub job_id: Option<BoundedString<StringLen>>,
	/// Hypervisor address the VM runs on, set when fulfilled.
	pub hypervisor_ip: Option<IpAddress>,
	/// Why the miner failed the request. A failed request leaves the miner's queue in the same
	/// call, so in storage this is `None`; the reason is in `ComputeRequestFailed`.
	pub fail_reason: Option<BoundedString<StringLen>>,
	/// VNC console port, set when fulfilled.
	pub vnc_port: Option<u16>,
	/// The VM's address from the IP pool.
	pub ip_assigned: Option<IpAddress>,
	/// The request's id.
	pub request_id: RequestId,
	/// The plan the VM runs on.
	pub plan_id: PlanId,
	/// Block in which the miner claimed the request.
	pub created_at: BlockNumber,
	/// Whether the VM has been created (`fulfill_compute_request` succeeded).
	pub fulfilled: bool,
}

/// A queued resize, waiting for the hosting miner.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct ResizeRequest<Balance, BlockNumber> {
	/// The plan to move to.
	pub new_plan_id: PlanId,
	/// Resources of the new plan.
	pub new_spec: PlanSpec,
	/// Price per block of the new plan, charged from the block the resize is fulfilled.
	pub new_price_per_block: Balance,
	/// Block in which the owner asked for the resize.
	pub requested_at: BlockNumber,
}

/// What one stored request has on hold, what it is charged per block now, and how far it has
/// been settled. Every stored request has one.
///
/// The sum of `held` over a user's requests is exactly what the user has on hold for
/// `HoldReason::RentalPrepayment`; the sum of `deposit` is what the user has on hold for
/// `HoldReason::RequestDeposit`.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct RentalBilling<Balance, BlockNumber> {
	/// Rent prepayment still on hold (not yet paid to the miner or burned as address rent).
	pub held: Balance,
	/// The request deposit on hold, returned when the record is removed.
	pub deposit: Balance,
	/// Price per block of the request's current plan.
	pub price_per_block: Balance,
	/// Rent the miner earns per block now: the plan's price (the cheaper of both plans while a
	/// resize is queued) while the VM is `Running` with no stop or deletion queued, else zero.
	/// It accrues until `due`, the block of the automatic low-funds stop.
	pub rent_per_block: Balance,
	/// Address rent burned per block now: `AddressPricePerBlock` while the request holds an
	/// address, else zero.
	pub address_per_block: Balance,
	/// The first block not yet settled.
	pub charged_from: BlockNumber,
	/// Block of the request's entry in `RentalExpiries`, if any: the low-funds stop while rent
	/// accrues, else the block the prepayment can no longer pay for the address, or (for a
	/// `Cancelled` or `Failed` request) the block its record is pruned.
	pub due: Option<BlockNumber>,
}

/// Running totals of what this pallet has on hold, per hold reason, over all accounts.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct HoldTotals<Balance> {
	/// `HoldReason::RentalPrepayment`.
	pub rental: Balance,
	/// `HoldReason::RequestDeposit`.
	pub request_deposits: Balance,
	/// `HoldReason::MinerDeposit`.
	pub miner_deposits: Balance,
}

/// Why a request on a miner was removed without the miner's `fulfill_deletion_request`.
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
pub enum CloseReason {
	/// The owner closed it: the miner left its deletion unfulfilled past `OperationTimeout`.
	DeletionOverdue,
	/// Its prepayment could no longer pay for its address.
	FundsExhausted,
}

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

/// Domain separator of node-signed reports: the first field of every signed message.
pub const NODE_REPORT_CONTEXT: [u8; 20] = *b"compute/node-metrics";

/// Prefix of a libp2p peer id of an Ed25519 key (`PeerId::to_bytes()`): an identity multihash
/// (`0x00`, length 36) of the protobuf `PublicKey { type: Ed25519, data: <32 bytes> }`.
pub const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// The Ed25519 public key a node id stands for, if any.
///
/// Two forms are recognised: the 38-byte binary libp2p peer id of an Ed25519 key (what
/// `PeerId::to_bytes()` returns for the node's network key) and a bare 32-byte Ed25519 public
/// key. Any other node id has no key, so nothing signed can be accepted for it.
pub fn node_public_key(node_id: &[u8]) -> Option<[u8; 32]> {
	let key = match node_id.len() {
		32 => node_id,
		38 => node_id.strip_prefix(&ED25519_PEER_ID_PREFIX[..])?,
		_ => return None,
	};
	key.try_into().ok()
}

/// Domain separator of a node's registration proof: the first field of the signed message
/// `(NODE_REGISTRATION_CONTEXT, genesis_hash, account, node_id)`.
pub const NODE_REGISTRATION_CONTEXT: [u8; 25] = *b"compute/node-registration";

/// The message a node's key signs to prove that `account` may register `node_id` on the chain
/// with genesis hash `genesis`: `(NODE_REGISTRATION_CONTEXT, genesis, account, node_id)`,
/// SCALE-encoded. The runtime and `compute-node key sign-node-registration` both build it here.
pub fn node_registration_message<Hash: Encode, AccountId: Encode>(
	genesis: &Hash,
	account: &AccountId,
	node_id: &[u8],
) -> Vec<u8> {
	(NODE_REGISTRATION_CONTEXT, genesis, account, node_id).encode()
}

/// The `y` coordinates (little-endian, sign bit cleared) of the eight Ed25519 points of small
/// order: 0, 1, -1 and the two of the points of order eight.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
	[0; 32],
	{
		let mut y = [0; 32];
		y[0] = 1;
		y
	},
	{
		let mut y = [0xff; 32];
		y[0] = 0xec;
		y[31] = 0x7f;
		y
	},
	[
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
		0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
		0x03, 0x7a,
	],
	[
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
		0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
		0xfc, 0x05,
	],
];

/// Whether `key` is an Ed25519 public key no signature proves anything for: a point of small
/// order (for which one signature verifies every message under the runtime's ZIP-215 rules) or
/// a non-canonical encoding (`y` at or above the field prime 2^255 - 19).
///
/// Both are decided on the bytes alone: `y` is the key with its top (sign) bit cleared; every
/// encoding of a small-order point has one of five `y` values, whatever its sign bit.
pub fn is_weak_node_key(key: &[u8; 32]) -> bool {
	let mut y = *key;
	y[31] &= 0x7f;
	// y >= p = 2^255 - 19: bytes 1..=30 all 0xff, byte 31 0x7f, byte 0 at least 0xed.
	let non_canonical = y[0] >= 0xed && y[1..31].iter().all(|b| *b == 0xff) && y[31] == 0x7f;
	non_canonical || SMALL_ORDER_Y.contains(&y)
}

/// The binary libp2p peer id of the Ed25519 key `public`: a node id [`node_public_key`] maps
/// back to `public`.
pub fn ed25519_peer_id(public: &[u8; 32]) -> [u8; 38] {
	let mut id = [0u8; 38];
	id[..6].copy_from_slice(&ED25519_PEER_ID_PREFIX);
	id[6..].copy_from_slice(public);
	id
}

/// One page of a list, with the total size of the whole list.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Page<Item> {
	/// Number of items in the whole list, not just this page.
	pub total: u32,
	/// At most `limit` items, continuing after `start_after`.
	pub items: Vec<Item>,
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
