//! Compute requests as users and miners see them.

use super::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::Get, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
use scale_info::TypeInfo;
use sp_runtime::traits::Member;

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
	/// Every status, in lifecycle order.
	pub const ALL: [Self; 6] = [
		Self::Pending,
		Self::InProgress,
		Self::Running,
		Self::Stopped,
		Self::Failed,
		Self::Cancelled,
	];

	/// Whether a VM exists (or is being made) on a miner for a request in this state.
	pub fn is_on_miner(&self) -> bool {
		matches!(self, Self::InProgress | Self::Running | Self::Stopped)
	}

	/// Whether the request has ended without a VM (kept only until the owner deletes it).
	pub fn is_terminal(&self) -> bool {
		matches!(self, Self::Failed | Self::Cancelled)
	}
}

/// How many stored requests are in each status.
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
)]
pub struct RequestCounts {
	/// Waiting for a miner.
	pub pending: u32,
	/// Claimed, the VM being made.
	pub in_progress: u32,
	/// Running VMs.
	pub running: u32,
	/// Stopped VMs.
	pub stopped: u32,
	/// Failed, kept until deleted or pruned.
	pub failed: u32,
	/// Cancelled, kept until deleted or pruned.
	pub cancelled: u32,
}

impl RequestCounts {
	/// The requests in `status`.
	pub fn get(&self, status: ComputeRequestStatus) -> u32 {
		let mut counts = *self;
		*counts.slot(status)
	}

	/// Every stored request.
	pub fn total(&self) -> u32 {
		ComputeRequestStatus::ALL
			.into_iter()
			.fold(0u32, |sum, status| sum.saturating_add(self.get(status)))
	}

	/// The count of `status`, to change.
	pub fn slot(&mut self, status: ComputeRequestStatus) -> &mut u32 {
		match status {
			ComputeRequestStatus::Pending => &mut self.pending,
			ComputeRequestStatus::InProgress => &mut self.in_progress,
			ComputeRequestStatus::Running => &mut self.running,
			ComputeRequestStatus::Stopped => &mut self.stopped,
			ComputeRequestStatus::Failed => &mut self.failed,
			ComputeRequestStatus::Cancelled => &mut self.cancelled,
		}
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
	/// The owner left it: its node had been silent for more than `HeartbeatTimeout` blocks.
	HostSilent,
}

/// A power operation an owner queues on its own, with no payload: the paths that queue a stop,
/// a boot or a reboot take this type, so a resize (which carries a plan) or a deletion (which
/// ends the VM) cannot reach them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PowerOperation {
	/// Stop a running VM.
	Stop,
	/// Boot a stopped VM.
	Boot,
	/// Reboot a running VM.
	Reboot,
}

impl From<PowerOperation> for Operation {
	fn from(op: PowerOperation) -> Self {
		match op {
			PowerOperation::Stop => Operation::Stop,
			PowerOperation::Boot => Operation::Boot,
			PowerOperation::Reboot => Operation::Reboot,
		}
	}
}

/// An operation an owner queues for the miner hosting the request, each kept in its own
/// `MinerCompute*Requests` map until the miner fulfils it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operation {
	/// Stop a running VM (`MinerComputeStopRequests`).
	Stop,
	/// Boot a stopped VM (`MinerComputeBootRequests`).
	Boot,
	/// Reboot a running VM (`MinerComputeRebootRequests`).
	Reboot,
	/// Move the VM to another plan (`MinerComputeResizeRequests`).
	Resize,
	/// Delete the VM (`MinerComputeDeletionRequests`).
	Delete,
}

impl Operation {
	/// Every operation, in the order of their bits in [`QueuedOperations`].
	pub const ALL: [Operation; 5] =
		[Operation::Stop, Operation::Boot, Operation::Reboot, Operation::Resize, Operation::Delete];

	fn bit(self) -> u8 {
		1 << (self as u8)
	}
}

/// Most operations queued on one request at once: a stop or a boot (never both: they need
/// different states), a reboot, a resize and a deletion.
pub const MAX_QUEUED_OPERATIONS: u32 = 4;

/// The set of operations queued on one request: a bit per [`Operation`].
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
)]
pub struct QueuedOperations(u8);

impl QueuedOperations {
	/// Whether `op` is queued.
	pub fn contains(self, op: Operation) -> bool {
		self.0 & op.bit() != 0
	}

	/// Marks `op` queued.
	pub fn insert(&mut self, op: Operation) {
		self.0 |= op.bit();
	}

	/// Marks `op` no longer queued.
	pub fn remove(&mut self, op: Operation) {
		self.0 &= !op.bit();
	}

	/// The queued operations, in [`Operation::ALL`] order.
	pub fn iter(self) -> impl Iterator<Item = Operation> {
		Operation::ALL.into_iter().filter(move |op| self.contains(*op))
	}

	/// How many operations are queued.
	pub fn len(self) -> u32 {
		self.0.count_ones()
	}

	/// Whether nothing is queued.
	pub fn is_empty(self) -> bool {
		self.0 == 0
	}
}

/// The miner node hosting a request, and the node's owner, who is paid for the VM.
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
#[scale_info(skip_type_params(NodeIdLen))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct Host<AccountId, NodeIdLen>
where
	AccountId: Member,
	NodeIdLen: Get<u32>,
{
	/// The hosting node.
	pub node_id: NodeId<NodeIdLen>,
	/// The node's owner.
	pub miner: AccountId,
	/// Resources the request takes on the node: its plan's, or the larger of its plan and a
	/// queued resize's.
	pub reserved: PlanSpec,
}

/// The pallet's own record of a stored request: everything the lifecycle calls check and
/// change, so most of them read one record and not the larger `ComputeRequest`.
///
/// `status` and `host` repeat the request's `status` and (while on a miner) `miner_id`; `ip`
/// repeats the miner entry's `ip_assigned`. `try_state` checks that they agree.
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
#[scale_info(skip_type_params(NodeIdLen))]
#[codec(mel_bound(
	AccountId: MaxEncodedLen,
	Balance: MaxEncodedLen,
	BlockNumber: MaxEncodedLen
))]
pub struct RequestRecord<AccountId, Balance, BlockNumber, NodeIdLen>
where
	AccountId: Member,
	Balance: Member,
	BlockNumber: Member,
	NodeIdLen: Get<u32>,
{
	/// The request's owner (the first key of its `ComputeRequests` entry).
	pub owner: AccountId,
	/// The request's status.
	pub status: ComputeRequestStatus,
	/// The hosting node, while the request is on a miner (`InProgress`, `Running`, `Stopped`).
	pub host: Option<Host<AccountId, NodeIdLen>>,
	/// Block in which the hosting miner claimed the request.
	pub claimed_at: Option<BlockNumber>,
	/// The operations queued for the hosting miner.
	pub queued: QueuedOperations,
	/// The address the request's VM holds, if any.
	pub ip: Option<IpAddress>,
	/// Holds and charges.
	pub billing: RentalBilling<Balance, BlockNumber>,
	/// The claim bond the hosting miner has on hold for this request (`HoldReason::ClaimBond`);
	/// zero while no miner hosts it.
	pub bond: Balance,
	/// Block from which the hosting miner may remove the VM, once it gave notice.
	pub evict_at: Option<BlockNumber>,
}
