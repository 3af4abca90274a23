//! # Compute pallet
//!
//! A market for virtual machines: users rent VMs of a fixed size (a *plan*) from *miners*, who
//! run hypervisor nodes. The chain is the source of truth for every VM's lifecycle, hands out
//! public addresses from its IP pool, and moves the rent from user to miner block by block.
//!
//! ## Lifecycle
//!
//! One compute request is one VM, named `vm-<request_id>`.
//!
//! ```text
//!  create_compute_request            cancel_compute_request
//!  ──────────────────────► Pending ─────────────────────────► Cancelled
//!                             │                                   │
//!  submit_compute_request_    │                                   │ request_compute_delete
//!  assignment (miner)         ▼                                   ▼ (removed at once)
//!                         InProgress ──report_compute_request_──► Failed
//!                             │        failure (miner; from        │
//!  fulfill_compute_request    │        InProgress/Running/Stopped) │
//!  (miner; takes an IP)       ▼                                    ▼
//!           ┌──────────────► Running ◄─────┐                  (removed)
//!           │      reboot,    │   ▲        │ fulfill_boot_request
//!           │      resize     │   │        │ (queued by request_compute_boot)
//!           └─────────────────┘   │        │
//!       fulfill_stop_request      ▼        │
//!       (queued by request_  ───► Stopped ─┘   (resize also allowed while Stopped)
//!        compute_stop, or
//!        automatically when the prepayment runs low)
//!
//!  InProgress / Running / Stopped ──request_compute_delete──► queued
//!       ──fulfill_deletion_request (miner)──► removed: IP back to the pool, capacity freed,
//!                                             rent settled, the rest of the prepayment returned
//!
//!  InProgress past ProvisionTimeout ──cancel_compute_request──► Cancelled (full refund of the rest)
//!  deletion queued past OperationTimeout ──close_compute_request──► removed as if fulfilled
//!  prepayment unable to pay for the address ──on_initialize──► removed (address back to the pool)
//!  Cancelled / Failed, TerminalRetention blocks later ──on_initialize──► removed (pruned)
//! ```
//!
//! Owner operations (`request_compute_*`) queue an entry keyed `(node_id, request_id)` in the
//! matching `MinerCompute*Requests` map; the hosting miner drains it with the matching
//! `fulfill_*` call. A queued deletion blocks any further operation on the request.
//!
//! ## Storage
//!
//! Each stored request has its public `ComputeRequests` entry (and, while on a miner, its
//! `MinerComputeRequests` entry) and the pallet's own [`RequestRecord`] in [`RequestRecords`]:
//! owner, status, host (node, node owner, reserved resources), a bit per queued operation, the
//! VM's address and the billing state. The lifecycle calls check and change the record, and
//! touch the larger entries only where their public fields change, and a queue map only where
//! its bit is set. The IP pool is [`FreeIps`] (the free addresses, dense), [`IpStates`] (every
//! address: free at a position, or held by a request) and the counts in [`IpPool`]. A node's
//! hosted-request count is in its [`MinerNode`].
//!
//! ## Billing and market rules
//!
//! Creating a request holds its prepayment, `(price_per_block + AddressPricePerBlock) ×
//! RentalPrepayBlocks` (`top_up_compute_request` adds to it), and [`Config::RequestDeposit`]
//! until the record is removed, both under one hold, [`HoldReason::Request`], so that creating
//! and removing a request each move its funds once.
//! Each request's [`RentalBilling`] keeps two rates, charged per block:
//!
//! - **rent**, owed to the hosting miner, while the VM is `Running` with no stop or deletion
//!   queued and its node is live: it stops in the block the owner asks for a stop or a deletion
//!   (not when the miner acts), and while a resize is queued it is the cheaper of both plans;
//! - **address rent** ([`Config::AddressPricePerBlock`]), burned, while the request holds an
//!   address (`InProgress` with one, `Running`, `Stopped`), so holding addresses costs even a
//!   party that is its own miner.
//!
//! Before a rate changes, the charges so far accrue into the record (`rent_owed`,
//! `address_owed`), so each rate applies exactly to its blocks; no funds move then. Rent is
//! counted in ticks of the hosting node's live clock, which stands still while the node is
//! silent (see the `liveness` module): a node is live while its latest heartbeat, its
//! registration or a metrics report, is at most [`Config::HeartbeatTimeout`] blocks old. The miner
//! is paid what is owed by `claim_compute_payment` (one VM) or `claim_compute_payments` (many
//! VMs of a node in one call), and when the VM leaves the miner (deleted, failed, cancelled,
//! closed), which also burns the address rent owed. Charges never exceed what is held.
//!
//! What falls due later is keyed by block in [`RentalExpiries`] and processed by
//! `on_initialize`, oldest first, a bounded number per block ([`Config::MaxExpiriesPerBlock`]):
//! the low-funds stop (when the prepayment covers only `RentalPrepayBlocks /
//! LOW_FUNDS_DIVISOR` blocks: rent stops and a stop is queued, as of the block it was due even
//! if processed later), the close of a request whose prepayment can no longer pay for its
//! address, and the pruning of `Cancelled` and `Failed` records after
//! [`Config::TerminalRetention`].
//!
//! Deadlines: past [`Config::ProvisionTimeout`] after a claim the owner may cancel the
//! `InProgress` request (all that is left comes back); past [`Config::OperationTimeout`] after a
//! deletion was asked, or once the hosting node is silent, the owner may
//! `close_compute_request`, removing it as if fulfilled.
//!
//! Miners hold [`Config::MinerDeposit`] per registered node ([`HoldReason::MinerDeposit`]),
//! returned on deregistration, which needs the node to host no requests. A node id is an
//! Ed25519 key ([`node_public_key`]); registering it takes the key's signature of
//! [`node_registration_message`], and weak keys ([`is_weak_node_key`]) are refused.
//!
//! Total issuance changes only by burned address rent.

//! ## Node metrics
//!
//! The owner of a node reports its metrics with `report_node_metrics`; every report is also the
//! node's heartbeat. A node whose id encodes
//! its Ed25519 key ([`node_public_key`]: a libp2p peer id or a bare key) can also sign its own
//! reports ([`NodeMetricsReport`]) and send them with `report_signed_node_metrics`: feeless as a
//! general transaction authorized by the signature, or relayed (and paid for) by any account.
//! A report is made at a block `at`: it is valid for [`Config::NodeReportLongevity`] blocks, and
//! `at` must be after the node's registration and after the stored metrics (whose
//! `last_updated` becomes `at`), so no report can be replayed.
//!
//! ## Assumptions (checked by `try_state`, see [`Pallet::do_try_state`])
//!
//! - An address is either free or assigned to exactly one VM; every `Running` or `Stopped` VM
//!   holds exactly one address, and only VMs on a miner hold one.
//! - A node's `used` resources are the sum of its requests' plans (a pending resize reserves the
//!   larger of both), and never exceed its capacity.
//! - Every queued operation refers to a live request hosted by that node, in a state that allows
//!   it.
//! - Every counter equals the size of the map it counts, and every record agrees with the
//!   public entries it repeats (status, host, address, queued operations).
//! - Each account's holds equal its records (prepayments, request deposits, node deposits), and
//!   each record's rates match its request's state. (The pallet keeps no running total of its
//!   holds, which every money path would have to write; the unit tests compare every hold in
//!   `pallet_balances` with the records, so no hold can outlive its record unnoticed.)

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod billing;
mod bonds;
mod eviction;
mod invariants;
mod ip_pool;
mod liveness;
mod metrics;
pub mod migrations;
mod miners;
mod plans;
mod requests;
mod status_counts;
pub mod types;
mod views;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use liveness::{Instant, InstantOf};
pub use types::*;
pub use weights::WeightInfo;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::compute";

/// The divisor of `RentalPrepayBlocks` that gives the low-funds margin: a running VM is queued
/// for stop once its prepayment covers at most `RentalPrepayBlocks / LOW_FUNDS_DIVISOR` blocks.
/// In metadata as the constant `LowFundsDivisor`.
pub const LOW_FUNDS_DIVISOR: u32 = 10;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		dispatch::{DispatchErrorWithPostInfo, PostDispatchInfo},
		pallet_prelude::*,
		traits::{fungible, BuildGenesisConfig},
	};
	use frame_system::{ensure_authorized, pallet_prelude::*};
	use sp_core::ed25519;

	/// Account id of the runtime.
	pub type AccountIdOf<T> = <T as frame_system::Config>::AccountId;
	/// Balance of the native currency.
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<AccountIdOf<T>>>::Balance;
	/// A miner node's id.
	pub type NodeIdOf<T> = NodeId<<T as Config>::MaxNodeIdLen>;
	/// Text bounded by `MaxStringLen`.
	pub type BoundedStringOf<T> = BoundedString<<T as Config>::MaxStringLen>;
	/// [`ImageMetadata`] of this runtime.
	pub type ImageMetadataOf<T> = ImageMetadata<<T as Config>::MaxStringLen>;
	/// [`ComputeRequest`] of this runtime.
	pub type ComputeRequestOf<T> = ComputeRequest<
		AccountIdOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxStringLen,
		<T as Config>::MaxNodeIdLen,
	>;
	/// [`MinerComputeRequest`] of this runtime.
	pub type MinerComputeRequestOf<T> = MinerComputeRequest<
		AccountIdOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxStringLen,
		<T as Config>::MaxNodeIdLen,
	>;
	/// [`MinerRequestView`] of this runtime.
	pub type MinerRequestViewOf<T> = MinerRequestView<
		AccountIdOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxStringLen,
		<T as Config>::MaxNodeIdLen,
	>;
	/// [`HostedRequest`] of this runtime.
	pub type HostedRequestOf<T> = HostedRequest<<T as Config>::MaxStringLen>;
	/// [`MinerNode`] of this runtime.
	pub type MinerNodeOf<T> = MinerNode<AccountIdOf<T>, BalanceOf<T>, BlockNumberFor<T>>;
	/// [`NodeMetricsData`] of this runtime.
	pub type NodeMetricsOf<T> = NodeMetricsData<BlockNumberFor<T>, <T as Config>::MaxStringLen>;
	/// [`NodeMetricsReport`] of this runtime.
	pub type NodeMetricsReportOf<T> = NodeMetricsReport<
		BlockNumberFor<T>,
		<T as Config>::MaxStringLen,
		<T as Config>::MaxNodeIdLen,
	>;
	/// [`Plan`] of this runtime.
	pub type PlanOf<T> = Plan<BalanceOf<T>>;
	/// [`ResizeRequest`] of this runtime.
	pub type ResizeRequestOf<T> = ResizeRequest<BalanceOf<T>, BlockNumberFor<T>>;
	/// [`RentalBilling`] of this runtime.
	pub type RentalBillingOf<T> = RentalBilling<BalanceOf<T>, BlockNumberFor<T>>;
	/// [`RequestRecord`] of this runtime.
	pub type RequestRecordOf<T> =
		RequestRecord<AccountIdOf<T>, BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxNodeIdLen>;
	/// [`Host`] of this runtime.
	pub type HostOf<T> = Host<AccountIdOf<T>, <T as Config>::MaxNodeIdLen>;

	/// The in-code storage version. 3: one `RequestRecords` entry per request (owner, status,
	/// host, queued operations, address, billing with lazily accrued charges), the IP pool as
	/// `FreeIps` + `IpStates` + `IpPool`, the hosted-request count in `MinerNode`. 4: node
	/// liveness, a heartbeat and a live clock in `MinerNode`, rent counted in the host's clock
	/// (migration: [`migrations::v4::MigrateV3ToV4`]). 5: requests counted by status in
	/// `RequestsInStatus` ([`migrations::v5::MigrateV4ToV5`]). No network ran versions 1 or 2.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(5);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Native currency with holds.
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::InspectHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's [`HoldReason`].
		type RuntimeHoldReason: From<HoldReason>;

		/// Origin for plans and the IP pool (Root in the runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Longest miner node id, in bytes.
		#[pallet::constant]
		type MaxNodeIdLen: Get<u32>;

		/// Longest text: image name and url, cloud-init CID, job id, fail reason, cpu model,
		/// geolocation.
		#[pallet::constant]
		type MaxStringLen: Get<u32>;

		/// Most addresses one `add_ips` call may add.
		#[pallet::constant]
		type MaxIpsPerCall: Get<u32>;

		/// Most addresses in the IP pool, free and assigned together.
		#[pallet::constant]
		type MaxIpPoolSize: Get<u32>;

		/// Most plans ever created.
		#[pallet::constant]
		type MaxPlans: Get<u32>;

		/// Most live (not yet removed) requests one user may own.
		#[pallet::constant]
		type MaxRequestsPerUser: Get<u32>;

		/// Most requests one miner node may host.
		#[pallet::constant]
		type MaxRequestsPerMiner: Get<u32>;

		/// Most `RentalExpiries` buckets and entries `on_initialize` processes in one block; the
		/// rest wait for the next block (their charges are counted as of their due block anyway).
		#[pallet::constant]
		type MaxExpiriesPerBlock: Get<u32>;

		/// Blocks of rent held up front when a request is created.
		#[pallet::constant]
		type RentalPrepayBlocks: Get<BlockNumberFor<Self>>;

		/// Deposit held per registered miner node.
		#[pallet::constant]
		type MinerDeposit: Get<BalanceOf<Self>>;

		/// Address rent: burned from a request's prepayment for every block in which it holds an
		/// address from the pool (`InProgress` with an address, `Running`, `Stopped`).
		#[pallet::constant]
		type AddressPricePerBlock: Get<BalanceOf<Self>>;

		/// Deposit held for every stored request, returned when its record is removed.
		#[pallet::constant]
		type RequestDeposit: Get<BalanceOf<Self>>;

		/// Blocks a miner has, after claiming a request, to fulfil or fail it. Past them the
		/// owner may cancel the `InProgress` request for a refund of all that is left on hold.
		#[pallet::constant]
		type ProvisionTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a miner has to fulfil a queued operation. Past them the owner may close a
		/// request whose deletion is overdue: it is removed as if the deletion was fulfilled.
		#[pallet::constant]
		type OperationTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks a `Cancelled` or `Failed` request stays stored before it is pruned.
		#[pallet::constant]
		type TerminalRetention: Get<BlockNumberFor<Self>>;

		/// Blocks a node-signed metrics report stays valid after the block it was made at.
		#[pallet::constant]
		type NodeReportLongevity: Get<BlockNumberFor<Self>>;

		/// Blocks a node stays live after a heartbeat (its registration or a metrics report).
		/// Rent accrues only over blocks in which the hosting node is live; once a node's
		/// latest heartbeat is older, the owners of its VMs may leave them with
		/// `close_compute_request`.
		#[pallet::constant]
		type HeartbeatTimeout: Get<BlockNumberFor<Self>>;

		/// Blocks of a plan's rent that a miner puts on hold as its bond when it claims a
		/// request of that plan. The bond comes back when the request leaves the miner honestly,
		/// and goes to the owner when the miner stalled or dropped the VM (see the `bonds`
		/// module).
		#[pallet::constant]
		type ClaimBondBlocks: Get<BlockNumberFor<Self>>;

		/// Blocks of notice a miner gives (`give_eviction_notice`) before it may remove a VM
		/// its owner did not ask to delete. Rent runs on during the notice.
		#[pallet::constant]
		type EvictionNotice: Get<BlockNumberFor<Self>>;

		/// Transaction pool priority of feeless node-signed metrics reports.
		#[pallet::constant]
		type NodeReportPriority: Get<TransactionPriority>;
	}

	/// Fixed rules of the pallet that clients read from metadata, like the `Config` constants.
	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// The divisor of `RentalPrepayBlocks` that gives the low-funds margin: a running VM is
		/// queued for stop once its prepayment covers at most `RentalPrepayBlocks /
		/// LowFundsDivisor` blocks.
		#[pallet::constant_name(LowFundsDivisor)]
		fn low_funds_divisor() -> u32 {
			LOW_FUNDS_DIVISOR
		}

		/// Largest page the read API (`ComputeApi`, `compute_*` RPC) returns.
		#[pallet::constant_name(MaxPageSize)]
		fn max_page_size() -> u32 {
			MAX_PAGE_SIZE
		}

		/// Page size of the read API when the caller gives no `limit`.
		#[pallet::constant_name(DefaultPageSize)]
		fn default_page_size() -> u32 {
			DEFAULT_PAGE_SIZE
		}

		/// Most request ids one call of `ComputeApi::requests` scans.
		#[pallet::constant_name(MaxRequestScan)]
		fn max_request_scan() -> u32 {
			MAX_REQUEST_SCAN
		}
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// What a compute request holds from its owner: the rent prepaid (until spent or
		/// returned) and the storage deposit (until the record is removed).
		Request,
		/// Deposit of a registered miner node.
		MinerDeposit,
		/// A miner's bond for a request it claimed, held until the request leaves the miner.
		ClaimBond,
	}

	/// Id of the next compute request.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// Compute requests by owner and id.
	#[pallet::storage]
	pub type ComputeRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		RequestId,
		ComputeRequestOf<T>,
	>;

	/// The pallet's record of every stored request: owner, status, host, queued operations,
	/// address and billing (see [`RequestRecord`]).
	#[pallet::storage]
	pub type RequestRecords<T: Config> = StorageMap<_, Twox64Concat, RequestId, RequestRecordOf<T>>;

	/// How many stored requests are in each status, kept at every change of status: a
	/// market-wide count is one read.
	#[pallet::storage]
	pub type RequestsInStatus<T> = StorageValue<_, RequestCounts, ValueQuery>;

	/// Number of a user's entries in `ComputeRequests`.
	#[pallet::storage]
	pub type UserRequestCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Requests hosted by each miner node.
	#[pallet::storage]
	pub type MinerComputeRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		MinerComputeRequestOf<T>,
	>;

	/// Queued deletions: block in which the owner asked.
	#[pallet::storage]
	pub type MinerComputeDeletionRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		BlockNumberFor<T>,
	>;

	/// Queued stops: block in which the owner (or the low-funds check) asked.
	#[pallet::storage]
	pub type MinerComputeStopRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		BlockNumberFor<T>,
	>;

	/// Queued boots: block in which the owner asked.
	#[pallet::storage]
	pub type MinerComputeBootRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		BlockNumberFor<T>,
	>;

	/// Queued reboots: block in which the owner asked.
	#[pallet::storage]
	pub type MinerComputeRebootRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		BlockNumberFor<T>,
	>;

	/// Queued resizes.
	#[pallet::storage]
	pub type MinerComputeResizeRequests<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		NodeIdOf<T>,
		Twox64Concat,
		RequestId,
		ResizeRequestOf<T>,
	>;

	/// Plans by id.
	#[pallet::storage]
	pub type Plans<T: Config> = StorageMap<_, Twox64Concat, PlanId, PlanOf<T>>;

	/// Id of the next plan (and number of plans: plans are never removed).
	#[pallet::storage]
	pub type NextPlanId<T> = StorageValue<_, PlanId, ValueQuery>;

	/// Registered miner nodes.
	#[pallet::storage]
	pub type MinerNodes<T: Config> = StorageMap<_, Blake2_128Concat, NodeIdOf<T>, MinerNodeOf<T>>;

	/// Latest metrics reported for each node.
	#[pallet::storage]
	pub type NodeMetrics<T: Config> =
		StorageMap<_, Blake2_128Concat, NodeIdOf<T>, NodeMetricsOf<T>>;

	/// Free addresses of the IP pool, at positions `0..IpPool::free`.
	#[pallet::storage]
	pub type FreeIps<T> = StorageMap<_, Twox64Concat, u32, IpAddress>;

	/// Every address of the IP pool: free at a position of `FreeIps`, or held by a VM.
	#[pallet::storage]
	pub type IpStates<T> = StorageMap<_, Blake2_128Concat, IpAddress, IpState>;

	/// Numbers of free and assigned addresses.
	#[pallet::storage]
	pub type IpPool<T> = StorageValue<_, IpPoolCounts, ValueQuery>;

	/// Requests with something due in a block (see [`RentalBilling::due`]), keyed
	/// (block, request id). `on_initialize` drains them oldest first, at most
	/// `MaxExpiriesPerBlock` per block, from [`ExpiryCursor`] on.
	#[pallet::storage]
	pub type RentalExpiries<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, RequestId, ()>;

	/// The oldest block whose `RentalExpiries` entries may not all be processed yet.
	#[pallet::storage]
	pub type ExpiryCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A user created a compute request and prepaid its rent.
		ComputeRequestCreated { request_id: RequestId, plan_id: PlanId, owner: T::AccountId },
		/// A miner node took a pending request.
		ComputeRequestSubmitted {
			miner_node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The miner created the VM, which now runs with address `ip`.
		ComputeRequestFulfilled {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			ip: IpAddress,
		},
		/// The miner could not create or keep the VM; capacity, address and funds were released.
		ComputeRequestFailed {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			reason: BoundedStringOf<T>,
		},
		/// The owner cancelled a pending request; `refunded` left the hold.
		ComputeRequestCancelled {
			request_id: RequestId,
			owner: T::AccountId,
			refunded: BalanceOf<T>,
		},
		/// A request without a VM (pending, cancelled or failed) was removed by its owner.
		ComputeRequestRemoved { request_id: RequestId, owner: T::AccountId },
		/// The owner asked the miner to stop the VM.
		ComputeStopRequested { node_id: NodeIdOf<T>, request_id: RequestId, owner: T::AccountId },
		/// The owner asked the miner to boot the VM.
		ComputeBootRequested { node_id: NodeIdOf<T>, request_id: RequestId, owner: T::AccountId },
		/// The owner asked the miner to reboot the VM.
		ComputeRebootRequested { node_id: NodeIdOf<T>, request_id: RequestId, owner: T::AccountId },
		/// The owner asked the miner to move the VM to `new_plan_id`.
		ComputeResizeRequested {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			new_plan_id: PlanId,
		},
		/// The owner asked the miner to delete the VM.
		ComputeDeletionRequested {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The miner stopped the VM; it is no longer charged.
		ComputeStopRequestFulfilled {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The miner booted the VM; it is charged again from this block.
		ComputeBootRequestRemoved {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The miner rebooted the VM.
		ComputeRebootRequestFulfilled {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The miner resized the VM to `plan_id`, charged at its price from this block.
		ComputeResizeRequestFulfilled {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			plan_id: PlanId,
		},
		/// The miner deleted the VM: address returned, capacity freed, rest of the prepayment
		/// returned, request removed.
		ComputeDeletionRequestRemoved {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
		},
		/// The owner added `amount` to the request's prepayment.
		ComputeRequestToppedUp { request_id: RequestId, owner: T::AccountId, amount: BalanceOf<T> },
		/// `amount` of rent moved from the owner's prepayment to the miner.
		ComputePaymentSettled {
			request_id: RequestId,
			owner: T::AccountId,
			miner: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// The prepayment of a running VM covered at most `RentalPrepayBlocks / LOW_FUNDS_DIVISOR` more
		/// blocks: a stop was queued, and rent stopped, in block `at`.
		ComputeRentalFundsLow {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			at: BlockNumberFor<T>,
		},
		/// `amount` of address rent was burned from the request's prepayment.
		ComputeAddressRentBurned {
			request_id: RequestId,
			owner: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// A request on a miner was removed without the miner's confirmation: its address went
		/// back to the pool, its capacity was freed and the rest of its funds returned.
		ComputeRequestClosed {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			reason: CloseReason,
		},
		/// A `Cancelled` or `Failed` request was removed after `TerminalRetention` blocks and
		/// its deposit returned.
		ComputeRequestPruned { request_id: RequestId, owner: T::AccountId },
		/// A claim of node `node_id` visited `requests` of its requests and paid `amount` of
		/// rent in all.
		ComputePaymentsClaimed { node_id: NodeIdOf<T>, requests: u32, amount: BalanceOf<T> },
		/// Addresses were added to the IP pool.
		IpsAdded { ips: BoundedVec<IpAddress, T::MaxIpsPerCall> },
		/// A free address was removed from the IP pool.
		IpRemoved { ip: IpAddress },
		/// An address was assigned to a VM.
		IpAssignedToVm { vm_name: VmName, ip: IpAddress },
		/// A VM's address went back to the pool.
		IpReleasedFromVm { vm_name: VmName, ip: IpAddress },
		/// A miner node was registered and its deposit held.
		MinerNodeRegistered { node_id: NodeIdOf<T>, owner: T::AccountId, deposit: BalanceOf<T> },
		/// A miner node was deregistered and its deposit returned.
		MinerNodeDeregistered { node_id: NodeIdOf<T>, owner: T::AccountId },
		/// A miner node's owner changed whether it takes new work.
		MinerNodeStatusChanged { node_id: NodeIdOf<T>, status: MinerNodeStatus },
		/// A miner node reported its metrics.
		NodeMetricsReported { node_id: NodeIdOf<T> },
		/// The node's owner put `amount` on hold as its bond for the request its node claimed.
		ClaimBondHeld { request_id: RequestId, miner: T::AccountId, amount: BalanceOf<T> },
		/// The request left its miner honestly: the miner's bond came back.
		ClaimBondReleased { request_id: RequestId, miner: T::AccountId, amount: BalanceOf<T> },
		/// The miner stalled or dropped the VM: its bond went to the request's owner.
		ClaimBondForfeited {
			request_id: RequestId,
			miner: T::AccountId,
			owner: T::AccountId,
			amount: BalanceOf<T>,
		},
		/// The hosting miner gave notice: it may remove the VM from block `evict_at`; rent runs
		/// on until it does.
		ComputeEvictionNoticeGiven {
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			owner: T::AccountId,
			evict_at: BlockNumberFor<T>,
		},
		/// The miner removed the VM after its notice: address returned, capacity freed, the rest
		/// of the prepayment returned, request removed.
		ComputeRequestEvicted { node_id: NodeIdOf<T>, request_id: RequestId, owner: T::AccountId },
		/// A silent miner node sent a heartbeat: it had been silent, and its VMs paid no rent,
		/// from block `silent_from` until this block.
		MinerNodeBackOnline { node_id: NodeIdOf<T>, silent_from: BlockNumberFor<T> },
		/// A plan was created.
		PlanCreated { plan_id: PlanId, spec: PlanSpec, price_per_block: BalanceOf<T> },
		/// A plan was activated or deactivated.
		PlanStatusChanged { plan_id: PlanId, active: bool },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No live request has this id.
		ComputeRequestNotFound,
		/// Only the request's owner may do this.
		NotRequestOwner,
		/// The request is not in a state that allows this.
		InvalidRequestStatus,
		/// The request is not hosted by this node.
		RequestNotAssignedToNode,
		/// The given owner is not the request's owner.
		OwnerMismatch,
		/// The given plan is not the request's plan.
		PlanMismatch,
		/// The owner asked for a different miner node.
		MinerPreferenceMismatch,
		/// The owner already has `MaxRequestsPerUser` requests.
		TooManyRequests,
		/// The node already hosts `MaxRequestsPerMiner` requests.
		TooManyMinerRequests,
		/// Request ids are exhausted.
		RequestIdOverflow,
		/// The account cannot hold this amount without touching locked funds or its existential
		/// deposit.
		InsufficientBalance,
		/// The amount must be more than zero.
		ZeroAmount,
		/// The prepayment left covers at most `RentalPrepayBlocks / LOW_FUNDS_DIVISOR` blocks of running;
		/// top it up first.
		PrepaymentTooLow,
		/// No rent is owed for this request now.
		NothingToClaim,
		/// The deadline for the miner (`ProvisionTimeout` or `OperationTimeout`) has not passed.
		DeadlineNotPassed,
		/// No plan has this id.
		PlanNotFound,
		/// The plan is not active.
		PlanNotActive,
		/// The VM already runs on this plan.
		SamePlan,
		/// `MaxPlans` plans exist.
		TooManyPlans,
		/// A plan's price must be more than zero.
		InvalidPrice,
		/// No miner node has this id.
		MinerNodeNotFound,
		/// A miner node with this id is registered.
		MinerNodeAlreadyRegistered,
		/// Only the node's owner may do this.
		NotMinerNodeOwner,
		/// The node takes no new work.
		MinerNodeNotActive,
		/// The node is silent (its latest heartbeat is more than `HeartbeatTimeout` blocks old):
		/// it takes no new requests until it reports again.
		MinerNodeSilent,
		/// The node still hosts requests.
		MinerNodeHasRequests,
		/// The node lacks the free resources.
		InsufficientCapacity,
		/// A node id must be an Ed25519 public key: 32 bytes, or a 38-byte libp2p peer id.
		InvalidNodeId,
		/// The node id's key has small order or a non-canonical encoding: no signature can
		/// prove anything for it.
		WeakNodeKey,
		/// A stop is already queued.
		ComputeStopRequestAlreadyExists,
		/// A boot is already queued.
		ComputeBootRequestAlreadyExists,
		/// A reboot is already queued.
		ComputeRebootRequestAlreadyExists,
		/// A resize is already queued.
		ComputeResizeRequestAlreadyExists,
		/// A deletion is already queued; no other operation may be queued.
		ComputeDeletionRequestAlreadyExists,
		/// No stop is queued for this request on this node.
		ComputeStopRequestNotFound,
		/// No boot is queued for this request on this node.
		ComputeBootRequestNotFound,
		/// No reboot is queued for this request on this node.
		ComputeRebootRequestNotFound,
		/// No resize is queued for this request on this node.
		ComputeResizeRequestNotFound,
		/// No deletion is queued for this request on this node.
		ComputeDeletionRequestNotFound,
		/// No free address (or the given address is not free).
		NoAvailableIp,
		/// The address is already in the pool.
		IpAlreadyExists,
		/// The address is not in the pool.
		IpNotFound,
		/// The address is assigned to a VM.
		IpInUse,
		/// The pool would exceed `MaxIpPoolSize`.
		IpPoolFull,
		/// No addresses were given.
		EmptyIpList,
		/// The VM already has an address.
		VmAlreadyHasIp,
		/// The VM has no address.
		VmHasNoIp,
		/// A VM name is `vm-<request_id>`.
		InvalidVmName,
		/// Metrics are inconsistent (free above total, uptime above total time).
		InvalidMetrics,
		/// A payload (a registration proof or a node-signed report) is not signed by the key of
		/// the node it names (or the node id encodes no key).
		InvalidSignature,
		/// A node-signed report is older than `NodeReportLongevity` blocks, or not newer than the
		/// node's stored metrics (a replay).
		NodeReportTooOld,
		/// A node-signed report is made at a block the chain has not reached.
		NodeReportFromFuture,
		/// The miner already gave notice for this VM.
		EvictionNoticeAlreadyGiven,
		/// The miner's notice for this VM is not over yet (`EvictionNotice` blocks).
		EvictionNoticeNotOver,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Addresses of the initial IP pool, all free.
		pub ips: Vec<IpAddress>,
		/// Initial plans, created active with ids 0, 1, 2, … in this order.
		pub plans: Vec<(PlanSpec, BalanceOf<T>)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		/// Panics (at chain-spec build time only) if the config is invalid: a duplicate address,
		/// more addresses than `MaxIpPoolSize`, more plans than `MaxPlans` or a zero price.
		fn build(&self) {
			for ip in &self.ips {
				if let Err(e) = Pallet::<T>::ensure_can_add_ip(ip, 1) {
					panic!("invalid genesis IP pool at {ip}: {e:?}");
				}
				Pallet::<T>::push_free_ip(*ip);
			}
			for (spec, price) in &self.plans {
				if let Err(e) = Pallet::<T>::do_create_plan(*spec, *price) {
					panic!("invalid genesis plan {spec:?}: {e:?}");
				}
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Queues stops for running VMs whose prepayment runs low in this block.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::do_process_rental_expiries(now)
		}

		fn integrity_test() {
			Self::do_integrity_test();
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Creates a request for one VM and holds `price_per_block × RentalPrepayBlocks` of rent.
		///
		/// The dispatch origin must be _Signed_: the owner.
		/// - `plan_id`: an active plan.
		/// - `image`: the image the VM boots from.
		/// - `cloud_init_cid`: IPFS CID of cloud-init user data, if any.
		/// - `miner_id`: the only miner node allowed to take the request, if any.
		///
		/// Emits `ComputeRequestCreated`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_compute_request())]
		pub fn create_compute_request(
			origin: OriginFor<T>,
			plan_id: PlanId,
			image: ImageMetadataOf<T>,
			cloud_init_cid: Option<BoundedStringOf<T>>,
			miner_id: Option<NodeIdOf<T>>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_create_compute_request(who, plan_id, image, cloud_init_cid, miner_id)
		}

		/// Assigns a pending request to a miner node, reserving the plan's resources on it.
		///
		/// The dispatch origin must be _Signed_ by the node's owner, or the admin origin.
		/// - `miner_node_id`: an active, live node with enough free capacity (and the one the
		///   owner asked for, if any).
		/// - `plan_id`, `owner`: must match the request.
		/// - `request_id`: a `Pending` request.
		///
		/// Emits `ComputeRequestSubmitted`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::submit_compute_request_assignment())]
		pub fn submit_compute_request_assignment(
			origin: OriginFor<T>,
			miner_node_id: NodeIdOf<T>,
			plan_id: PlanId,
			request_id: RequestId,
			owner: T::AccountId,
		) -> DispatchResult {
			let caller = Self::ensure_admin_or_signed(origin)?;
			Self::do_submit_compute_request_assignment(
				caller,
				miner_node_id,
				plan_id,
				request_id,
				owner,
			)
		}

		/// Marks the VM created: it takes an address from the pool (unless one was assigned
		/// already) and starts running, charged from this block.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: an `InProgress` request hosted by the node.
		/// - `job_id`, `hypervisor_ip`, `vnc_port`: the miner's details of the VM.
		///
		/// Emits `ComputeRequestFulfilled`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::fulfill_compute_request())]
		pub fn fulfill_compute_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			job_id: Option<BoundedStringOf<T>>,
			hypervisor_ip: Option<IpAddress>,
			vnc_port: Option<u16>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_fulfill_compute_request(
				who,
				node_id,
				request_id,
				job_id,
				hypervisor_ip,
				vnc_port,
			)
		}

		/// Reports that the VM could not be created or kept: the request becomes `Failed`, rent
		/// owed so far is paid, the address and capacity are released, queued operations
		/// dropped and the rest of the prepayment returned to the owner.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a request hosted by the node.
		/// - `fail_reason`: why, for the owner.
		///
		/// Emits `ComputeRequestFailed`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::report_compute_request_failure(MAX_QUEUED_OPERATIONS))]
		pub fn report_compute_request_failure(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
			fail_reason: BoundedStringOf<T>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let queued =
				Self::do_report_compute_request_failure(who, node_id, request_id, fail_reason)?;
			Ok(Some(T::WeightInfo::report_compute_request_failure(queued)).into())
		}

		/// Queues a stop of a running VM for its miner.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a `Running` request.
		///
		/// Emits `ComputeStopRequested`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::request_compute_stop())]
		pub fn request_compute_stop(origin: OriginFor<T>, request_id: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_operation(who, request_id, PowerOperation::Stop)
		}

		/// Queues a boot of a stopped VM for its miner. The prepayment left must cover more than
		/// `RentalPrepayBlocks / LOW_FUNDS_DIVISOR` blocks.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a `Stopped` request.
		///
		/// Emits `ComputeBootRequested`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::request_compute_boot())]
		pub fn request_compute_boot(origin: OriginFor<T>, request_id: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_operation(who, request_id, PowerOperation::Boot)
		}

		/// Queues a reboot of a running VM for its miner.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a `Running` request.
		///
		/// Emits `ComputeRebootRequested`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::request_compute_reboot())]
		pub fn request_compute_reboot(
			origin: OriginFor<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_operation(who, request_id, PowerOperation::Reboot)
		}

		/// Queues a resize of a running or stopped VM for its miner. Until it is fulfilled the
		/// node reserves the larger of both plans; the new price applies once it is fulfilled.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a `Running` or `Stopped` request.
		/// - `new_plan_id`: an active plan other than the current one that fits on the node.
		///
		/// Emits `ComputeResizeRequested`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::request_compute_resize())]
		pub fn request_compute_resize(
			origin: OriginFor<T>,
			request_id: RequestId,
			new_plan_id: PlanId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_compute_resize(who, request_id, new_plan_id)
		}

		/// Deletes a request. One with a VM (`InProgress`, `Running`, `Stopped`) is queued for its
		/// miner; one without (`Pending`, `Cancelled`, `Failed`) is removed at once and any
		/// prepayment returned.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: the request.
		///
		/// Emits `ComputeDeletionRequested`, or `ComputeRequestRemoved` when removed at once.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::request_compute_delete())]
		pub fn request_compute_delete(
			origin: OriginFor<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_request_compute_delete(who, request_id)
		}

		/// Confirms a queued stop: the VM is `Stopped` (its rent stopped when the stop was asked);
		/// a queued reboot is dropped.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a stop queued on this node.
		///
		/// Emits `ComputeStopRequestFulfilled`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::fulfill_stop_request())]
		pub fn fulfill_stop_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_fulfill_stop_request(who, node_id, request_id)
		}

		/// Confirms a queued boot: the VM is `Running` and charged from this block.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a boot queued on this node.
		///
		/// Emits `ComputeBootRequestRemoved`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::fulfill_boot_request())]
		pub fn fulfill_boot_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_fulfill_boot_request(who, node_id, request_id)
		}

		/// Confirms a queued reboot.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a reboot queued on this node.
		///
		/// Emits `ComputeRebootRequestFulfilled`.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::fulfill_reboot_request())]
		pub fn fulfill_reboot_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_fulfill_reboot_request(who, node_id, request_id)
		}

		/// Confirms a queued resize: rent accrues at the old price up to this block, then the VM
		/// runs on (and is charged for) the new plan.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a resize queued on this node.
		///
		/// Emits `ComputeResizeRequestFulfilled`.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::fulfill_resize_request())]
		pub fn fulfill_resize_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_fulfill_resize_request(who, node_id, request_id)
		}

		/// Confirms a queued deletion, or removes a VM whose eviction notice is over: the miner
		/// is paid the rent owed and its claim bond comes back, the address rent owed is burned,
		/// the address goes back to the pool, the capacity is freed, the rest of the prepayment
		/// and the deposit are returned and the request removed. The weight of queued operations
		/// the request did not have is refunded.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a deletion queued on this node, or a VM of this node
		///   whose notice is over (`EvictionNoticeNotOver` before; `ComputeDeletionRequestNotFound`
		///   with neither).
		///
		/// Emits `ComputeDeletionRequestRemoved`, or `ComputeRequestEvicted`.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::fulfill_deletion_request(MAX_QUEUED_OPERATIONS))]
		pub fn fulfill_deletion_request(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let queued = Self::do_fulfill_deletion_request(who, node_id, request_id)?;
			Ok(Some(T::WeightInfo::fulfill_deletion_request(queued)).into())
		}

		/// Cancels a request no miner has taken yet, or one its miner has left unfulfilled for
		/// more than `ProvisionTimeout` blocks since claiming it, and returns all its prepayment
		/// left on hold (any address goes back to the pool, the capacity is freed). The request
		/// stays (as `Cancelled`, with its deposit) until its owner deletes it or it is pruned
		/// after `TerminalRetention` blocks.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a `Pending` request, or an `InProgress` one past its deadline
		///   (else `DeadlineNotPassed`).
		///
		/// Emits `ComputeRequestCancelled`.
		#[pallet::call_index(14)]
		#[pallet::weight(T::WeightInfo::cancel_compute_request())]
		pub fn cancel_compute_request(
			origin: OriginFor<T>,
			request_id: RequestId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let hosted = Self::do_cancel_compute_request(who, request_id)?;
			let actual = if hosted {
				T::WeightInfo::cancel_compute_request()
			} else {
				T::WeightInfo::cancel_pending_compute_request()
			};
			Ok(Some(actual).into())
		}

		/// Adds free addresses to the IP pool.
		///
		/// The dispatch origin must be the admin origin.
		/// - `ips`: addresses not yet in the pool, without duplicates.
		///
		/// Emits `IpsAdded`.
		#[pallet::call_index(15)]
		#[pallet::weight(T::WeightInfo::add_ips(ips.len() as u32))]
		pub fn add_ips(
			origin: OriginFor<T>,
			ips: BoundedVec<IpAddress, T::MaxIpsPerCall>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_add_ips(ips)
		}

		/// Removes a free address from the IP pool.
		///
		/// The dispatch origin must be the admin origin.
		/// - `ip`: a free address.
		///
		/// Emits `IpRemoved`.
		#[pallet::call_index(16)]
		#[pallet::weight(T::WeightInfo::remove_ip())]
		pub fn remove_ip(origin: OriginFor<T>, ip: IpAddress) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_remove_ip(ip)
		}

		/// Assigns a specific free address to a VM that is being created (before
		/// `fulfill_compute_request`, which then keeps it).
		///
		/// The dispatch origin must be the admin origin, or _Signed_ by the owner of the node
		/// hosting the VM.
		/// - `vm_name`: `vm-<request_id>` of a request on a miner, without an address.
		/// - `ip`: a free address.
		///
		/// Emits `IpAssignedToVm`.
		#[pallet::call_index(17)]
		#[pallet::weight(T::WeightInfo::assign_ip_to_vm())]
		pub fn assign_ip_to_vm(
			origin: OriginFor<T>,
			vm_name: VmName,
			ip: IpAddress,
		) -> DispatchResult {
			let caller = Self::ensure_admin_or_signed(origin)?;
			Self::do_assign_ip_to_vm(caller, vm_name, ip)
		}

		/// Returns the address of a VM that is being created to the pool. Running and stopped
		/// VMs keep theirs until deleted.
		///
		/// The dispatch origin must be the admin origin, or _Signed_ by the owner of the node
		/// hosting the VM.
		/// - `vm_name`: `vm-<request_id>` of an `InProgress` request with an address.
		///
		/// Emits `IpReleasedFromVm`.
		#[pallet::call_index(18)]
		#[pallet::weight(T::WeightInfo::release_ip_from_vm())]
		pub fn release_ip_from_vm(origin: OriginFor<T>, vm_name: VmName) -> DispatchResult {
			let caller = Self::ensure_admin_or_signed(origin)?;
			Self::do_release_ip_from_vm(caller, vm_name)
		}

		/// Registers a hypervisor node and holds `MinerDeposit` from the caller.
		///
		/// The dispatch origin must be _Signed_: the node's owner, paid for its VMs.
		/// - `node_id`: a new id that is an Ed25519 public key ([`node_public_key`]: the node's
		///   libp2p peer id, or a bare key), neither of small order nor non-canonical.
		/// - `capacity`: resources the node offers.
		/// - `hypervisor_ip`: the hypervisor's address.
		/// - `proof`: the node key's signature of [`Pallet::node_registration_message`]
		///   `(NODE_REGISTRATION_CONTEXT, genesis_hash, caller, node_id)`, which shows the caller
		///   controls the key.
		///
		/// Fails with `InvalidNodeId`, `WeakNodeKey`, `InvalidSignature`,
		/// `MinerNodeAlreadyRegistered` or `InsufficientBalance`. Emits `MinerNodeRegistered`.
		#[pallet::call_index(19)]
		#[pallet::weight(T::WeightInfo::register_miner_node())]
		pub fn register_miner_node(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			capacity: PlanSpec,
			hypervisor_ip: IpAddress,
			proof: ed25519::Signature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_miner_node(who, node_id, capacity, hypervisor_ip, proof)
		}

		/// Deregisters a node that hosts no requests and returns its deposit.
		///
		/// The dispatch origin must be _Signed_ by the node's owner.
		/// - `node_id`: the node.
		///
		/// Emits `MinerNodeDeregistered`.
		#[pallet::call_index(20)]
		#[pallet::weight(T::WeightInfo::deregister_miner_node())]
		pub fn deregister_miner_node(origin: OriginFor<T>, node_id: NodeIdOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_deregister_miner_node(who, node_id)
		}

		/// Stores the node's latest metrics, and counts as the node's heartbeat: the node is live
		/// for `HeartbeatTimeout` blocks from this block, and its VMs accrue rent while it is.
		/// The metrics themselves are informational and never used for money.
		///
		/// The dispatch origin must be _Signed_ by the node's owner.
		/// - `node_id`: the node.
		/// - `metrics`: the report; `last_updated` is replaced by the current block.
		///
		/// Emits `NodeMetricsReported` (and `MinerNodeBackOnline` after a silence).
		#[pallet::call_index(21)]
		#[pallet::weight(T::WeightInfo::report_node_metrics())]
		pub fn report_node_metrics(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			metrics: NodeMetricsOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_report_node_metrics(who, node_id, metrics)
		}

		/// Creates an active plan with the next plan id.
		///
		/// The dispatch origin must be the admin origin.
		/// - `spec`: the plan's resources.
		/// - `price_per_block`: rent per block of a running VM; more than zero.
		///
		/// Emits `PlanCreated`.
		#[pallet::call_index(22)]
		#[pallet::weight(T::WeightInfo::create_plan())]
		pub fn create_plan(
			origin: OriginFor<T>,
			spec: PlanSpec,
			price_per_block: BalanceOf<T>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_create_plan(spec, price_per_block).map(|_| ())
		}

		/// Activates or deactivates a plan. Existing VMs keep running on an inactive plan.
		///
		/// The dispatch origin must be the admin origin.
		/// - `plan_id`: the plan.
		/// - `active`: whether new requests and resizes may use it.
		///
		/// Emits `PlanStatusChanged`.
		#[pallet::call_index(23)]
		#[pallet::weight(T::WeightInfo::set_plan_active())]
		pub fn set_plan_active(
			origin: OriginFor<T>,
			plan_id: PlanId,
			active: bool,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_plan_active(plan_id, active)
		}

		/// Adds funds to a request's prepayment.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a request that is not `Cancelled` or `Failed`.
		/// - `amount`: more than zero.
		///
		/// Emits `ComputeRequestToppedUp`.
		#[pallet::call_index(24)]
		#[pallet::weight(T::WeightInfo::top_up_compute_request())]
		pub fn top_up_compute_request(
			origin: OriginFor<T>,
			request_id: RequestId,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_top_up_compute_request(who, request_id, amount)
		}

		/// Pays the miner the rent owed for a running VM up to this block.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a request hosted by the node with rent owed.
		///
		/// Emits `ComputePaymentSettled`.
		#[pallet::call_index(25)]
		#[pallet::weight(T::WeightInfo::claim_compute_payment())]
		pub fn claim_compute_payment(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim_compute_payment(who, node_id, request_id)
		}

		/// Removes a request on a miner without the miner, as if its deletion was fulfilled,
		/// when its node is silent (its latest heartbeat is more than `HeartbeatTimeout` blocks
		/// old: reason `HostSilent`) or when the miner left its queued deletion unfulfilled for
		/// more than `OperationTimeout` blocks (reason `DeletionOverdue`). The miner is paid the
		/// rent owed, which stopped when the deletion was asked or the node fell silent; the
		/// address goes back to the pool, the capacity is freed and the rest of the prepayment
		/// and the deposit are returned.
		///
		/// The dispatch origin must be _Signed_ by the request's owner.
		/// - `request_id`: a request on a silent node, or with a deletion queued more than
		///   `OperationTimeout` blocks ago (`ComputeDeletionRequestNotFound` if the node is live
		///   and no deletion is queued, `DeadlineNotPassed` if the deletion is not yet overdue).
		///
		/// Emits `ComputeRequestClosed`.
		#[pallet::call_index(28)]
		#[pallet::weight(T::WeightInfo::close_compute_request(MAX_QUEUED_OPERATIONS))]
		pub fn close_compute_request(
			origin: OriginFor<T>,
			request_id: RequestId,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let queued = Self::do_close_compute_request(who, request_id)?;
			Ok(Some(T::WeightInfo::close_compute_request(queued)).into())
		}

		/// Pays the node's owner the rent owed on up to `max` of the node's requests, so one
		/// transaction per node and period pays for all its VMs. Each call continues after the
		/// last request the previous one visited (kept in the node's `payout_cursor`); after
		/// the node's last request, the next call starts from the first.
		///
		/// The dispatch origin must be _Signed_ by the node's owner.
		/// - `node_id`: the node.
		/// - `max`: most requests to visit, more than zero; at most `MaxRequestsPerMiner` are.
		///
		/// Emits `ComputePaymentSettled` for each request that owed rent, then
		/// `ComputePaymentsClaimed`. The weight of the requests not visited is refunded.
		#[pallet::call_index(29)]
		#[pallet::weight(T::WeightInfo::claim_compute_payments(
			(*max).min(T::MaxRequestsPerMiner::get())
		))]
		pub fn claim_compute_payments(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			max: u32,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let visited = Self::do_claim_compute_payments(who, node_id, max)?;
			Ok(Some(T::WeightInfo::claim_compute_payments(visited)).into())
		}

		/// Gives notice that the node will stop hosting a VM its owner did not ask to delete:
		/// from `EvictionNotice` blocks on, the miner may remove it with
		/// `fulfill_deletion_request`, its claim bond coming back. Rent runs on meanwhile.
		///
		/// The dispatch origin must be _Signed_ by the owner of the hosting node.
		/// - `node_id`, `request_id`: a `Running` or `Stopped` VM of this node, with no deletion
		///   queued and no notice given yet (`EvictionNoticeAlreadyGiven`).
		///
		/// Emits `ComputeEvictionNoticeGiven`.
		#[pallet::call_index(30)]
		#[pallet::weight(T::WeightInfo::give_eviction_notice())]
		pub fn give_eviction_notice(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			request_id: RequestId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_give_eviction_notice(who, node_id, request_id)
		}

		/// Sets whether a node takes new requests; its VMs are not affected.
		///
		/// The dispatch origin must be _Signed_ by the node's owner.
		/// - `node_id`: the node.
		/// - `status`: `Active` or `Inactive`.
		///
		/// Emits `MinerNodeStatusChanged`.
		#[pallet::call_index(26)]
		#[pallet::weight(T::WeightInfo::set_miner_node_status())]
		pub fn set_miner_node_status(
			origin: OriginFor<T>,
			node_id: NodeIdOf<T>,
			status: MinerNodeStatus,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_set_miner_node_status(who, node_id, status)
		}

		/// Stores metrics signed by the node itself, so a node can report without a funded
		/// account.
		///
		/// The origin may be:
		/// - _Authorized_: a general (version 5, unsigned) transaction that the node submits
		///   itself. The transaction pool accepts it only if the report passes every check below,
		///   and it pays no fee.
		/// - _Signed_ by any account (e.g. a relayer), which pays the fee; the checks run here.
		///
		/// - `report`: the node id, the block the report was made at (`at`: after the node's
		///   registration and its stored metrics, at most `NodeReportLongevity` blocks ago) and
		///   the metrics, stored with `last_updated = at`.
		/// - `signature`: Ed25519 signature of `(NODE_REPORT_CONTEXT, genesis_hash, report)` by the
		///   key the node id encodes ([`node_public_key`]).
		///
		/// Counts as the node's heartbeat in the block that includes it, like an owner's report.
		///
		/// Fails with `MinerNodeNotFound`, `InvalidMetrics`, `NodeReportFromFuture`,
		/// `NodeReportTooOld` or `InvalidSignature`. Emits `NodeMetricsReported` (and
		/// `MinerNodeBackOnline` after a silence).
		///
		/// Weight: the signature check is weighed by `weight_of_authorize`, which the runtime's
		/// `frame_system::AuthorizeCall` extension (required) adds to every transaction of this
		/// call, signed or not; the call itself then costs no more than an owner's report, so
		/// the rest of its declared weight is refunded.
		#[pallet::call_index(27)]
		#[pallet::weight(T::WeightInfo::report_signed_node_metrics())]
		#[pallet::authorize(Pallet::<T>::authorize_signed_node_metrics)]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_report_signed_node_metrics())]
		pub fn report_signed_node_metrics(
			origin: OriginFor<T>,
			report: NodeMetricsReportOf<T>,
			signature: ed25519::Signature,
		) -> DispatchResultWithPostInfo {
			let actual_weight = Some(T::WeightInfo::report_node_metrics());
			let pays_fee = if ensure_authorized(origin.clone()).is_ok() {
				// `authorize_signed_node_metrics` checked the report in the transaction pool
				// and again when the block was built.
				Pays::No
			} else {
				ensure_signed(origin)?;
				Self::check_signed_node_report(&report, &signature).map_err(|error| {
					DispatchErrorWithPostInfo {
						post_info: PostDispatchInfo { actual_weight, pays_fee: Pays::Yes },
						error: error.into(),
					}
				})?;
				Pays::Yes
			};
			Self::store_node_metrics(report.node_id, report.metrics, report.at);
			Ok(PostDispatchInfo { actual_weight, pays_fee })
		}
	}

	impl<T: Config> Pallet<T> {
		/// `Ok(None)` for the admin origin, `Ok(Some(who))` for a signed one.
		pub(crate) fn ensure_admin_or_signed(
			origin: OriginFor<T>,
		) -> Result<Option<T::AccountId>, DispatchError> {
			match T::AdminOrigin::try_origin(origin) {
				Ok(_) => Ok(None),
				Err(origin) => Ok(Some(ensure_signed(origin)?)),
			}
		}

		/// Checks the configuration constants; run by `integrity_test`.
		pub fn do_integrity_test() {
			use frame_support::traits::fungible::Inspect;
			use sp_runtime::traits::Zero;
			assert!(T::MaxNodeIdLen::get() > 0, "MaxNodeIdLen must be positive");
			assert!(T::MaxStringLen::get() > 0, "MaxStringLen must be positive");
			assert!(T::MaxIpsPerCall::get() > 0, "MaxIpsPerCall must be positive");
			assert!(
				T::MaxIpsPerCall::get() <= T::MaxIpPoolSize::get(),
				"MaxIpsPerCall must not exceed MaxIpPoolSize"
			);
			assert!(T::MaxPlans::get() > 0, "MaxPlans must be positive");
			assert!(T::MaxRequestsPerUser::get() > 0, "MaxRequestsPerUser must be positive");
			assert!(T::MaxRequestsPerMiner::get() > 0, "MaxRequestsPerMiner must be positive");
			assert!(!T::RentalPrepayBlocks::get().is_zero(), "RentalPrepayBlocks must be positive");
			assert!(!T::ProvisionTimeout::get().is_zero(), "ProvisionTimeout must be positive");
			assert!(!T::OperationTimeout::get().is_zero(), "OperationTimeout must be positive");
			assert!(!T::TerminalRetention::get().is_zero(), "TerminalRetention must be positive");
			assert!(
				T::MaxExpiriesPerBlock::get() >= 2,
				"MaxExpiriesPerBlock must cover a bucket and an entry"
			);
			// The deposit keeps the miner's account alive, so rent can always be paid into it.
			assert!(
				T::MinerDeposit::get() >= T::Currency::minimum_balance(),
				"MinerDeposit must be at least the existential deposit"
			);
		}
	}
}
