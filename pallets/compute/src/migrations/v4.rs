//! Storage version 3 to 4: node liveness.
//!
//! Version 4 adds a heartbeat and a live clock to every [`MinerNode`] (`last_heartbeat`,
//! `live_clock`), counts each request's rent in its host's live clock ([`RentalBilling`]'s
//! `rent_clock` and `rent_stop`), and adds the miner's claim bond and eviction notice to every
//! [`RequestRecord`] (`bond`, `evict_at`).
//!
//! The upgrade counts as every node's heartbeat: each node is live from the upgrade block (the
//! chain's block number while migrations run, that of the block that set the new code) for
//! `HeartbeatTimeout` blocks, and its clock reads that block, so every block before the upgrade
//! counts as live, as version 3 billed it. Each request's rent has accrued up to its
//! `accrued_to` block, which becomes its `rent_clock`, and a running VM's low-funds block
//! `due` becomes its `rent_stop`: what the request owes, now and later, is what version 3 would
//! have charged, as long as its node keeps reporting. Requests claimed before the upgrade carry
//! no bond (there was none to hold) and no notice.

use crate::{pallet::*, MinerNode, RentalBilling, RequestRecord};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Zero;

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;
#[cfg(feature = "try-runtime")]
use sp_runtime::traits::Saturating;

/// The version 3 layouts, as stored (fields as in version 4, less the liveness fields).
pub(crate) mod v3 {
	use crate::{
		ComputeRequestStatus, Host, IpAddress, MinerNodeStatus, PlanSpec, QueuedOperations,
		RequestId,
	};
	use codec::{Decode, Encode};
	use frame_support::pallet_prelude::Get;
	use sp_runtime::traits::Member;

	/// A registered node, before liveness.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct MinerNode<AccountId, Balance, BlockNumber> {
		pub owner: AccountId,
		pub capacity: PlanSpec,
		pub used: PlanSpec,
		pub hypervisor_ip: IpAddress,
		pub status: MinerNodeStatus,
		pub registered_at: BlockNumber,
		pub deposit: Balance,
		pub hosted: u32,
		pub payout_cursor: Option<RequestId>,
	}

	/// A request's billing, with rent counted in blocks.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct RentalBilling<Balance, BlockNumber> {
		pub held: Balance,
		pub deposit: Balance,
		pub price_per_block: Balance,
		pub rent_per_block: Balance,
		pub address_per_block: Balance,
		pub accrued_to: BlockNumber,
		pub rent_owed: Balance,
		pub address_owed: Balance,
		pub due: Option<BlockNumber>,
	}

	/// A request's record, with version 3 billing.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct RequestRecord<AccountId, Balance, BlockNumber, NodeIdLen>
	where
		AccountId: Member,
		NodeIdLen: Get<u32>,
	{
		pub owner: AccountId,
		pub status: ComputeRequestStatus,
		pub host: Option<Host<AccountId, NodeIdLen>>,
		pub claimed_at: Option<BlockNumber>,
		pub queued: QueuedOperations,
		pub ip: Option<IpAddress>,
		pub billing: RentalBilling<Balance, BlockNumber>,
	}
}

/// [`v3::MinerNode`] of this runtime.
pub(crate) type V3MinerNodeOf<T> = v3::MinerNode<AccountIdOf<T>, BalanceOf<T>, BlockNumberFor<T>>;
/// [`v3::RequestRecord`] of this runtime.
pub(crate) type V3RequestRecordOf<T> =
	v3::RequestRecord<AccountIdOf<T>, BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxNodeIdLen>;

/// A node in version 4, as of the upgrade in block `now`.
pub(crate) fn node_from_v3<T: Config>(
	old: V3MinerNodeOf<T>,
	now: BlockNumberFor<T>,
) -> MinerNodeOf<T> {
	MinerNode {
		owner: old.owner,
		capacity: old.capacity,
		used: old.used,
		hypervisor_ip: old.hypervisor_ip,
		status: old.status,
		registered_at: old.registered_at,
		deposit: old.deposit,
		hosted: old.hosted,
		payout_cursor: old.payout_cursor,
		last_heartbeat: now,
		live_clock: now,
	}
}

/// A request record in version 4.
pub(crate) fn record_from_v3<T: Config>(old: V3RequestRecordOf<T>) -> RequestRecordOf<T> {
	let b = old.billing;
	let rent_stop = match b.due {
		Some(due) if !b.rent_per_block.is_zero() => due,
		_ => b.accrued_to,
	};
	RequestRecord {
		owner: old.owner,
		status: old.status,
		host: old.host,
		claimed_at: old.claimed_at,
		queued: old.queued,
		ip: old.ip,
		billing: RentalBilling {
			held: b.held,
			deposit: b.deposit,
			price_per_block: b.price_per_block,
			rent_per_block: b.rent_per_block,
			address_per_block: b.address_per_block,
			accrued_to: b.accrued_to,
			rent_clock: b.accrued_to,
			rent_stop,
			rent_owed: b.rent_owed,
			address_owed: b.address_owed,
			due: b.due,
		},
		bond: Zero::zero(),
		evict_at: None,
	}
}

/// Rewrites every node and request record in the version 4 layout. Run through [`MigrateV3ToV4`].
pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
	fn on_runtime_upgrade() -> Weight {
		let now = frame_system::Pallet::<T>::block_number();
		let mut entries = 0u64;
		MinerNodes::<T>::translate::<V3MinerNodeOf<T>, _>(|_, old| {
			entries = entries.saturating_add(1);
			Some(node_from_v3::<T>(old, now))
		});
		RequestRecords::<T>::translate::<V3RequestRecordOf<T>, _>(|_, old| {
			entries = entries.saturating_add(1);
			Some(record_from_v3::<T>(old))
		});
		log::info!(target: crate::LOG_TARGET, "storage v3 -> v4: {entries} entries rewritten");
		T::DbWeight::get().reads_writes(entries.saturating_add(1), entries)
	}

	/// Counts the entries and the funds the records hold, for `post_upgrade` to compare.
	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		let nodes = MinerNodes::<T>::iter_keys().count() as u64;
		let mut records = 0u64;
		let mut held = BalanceOf::<T>::zero();
		for key in RequestRecords::<T>::iter_keys() {
			let raw = RequestRecords::<T>::hashed_key_for(key);
			let old: V3RequestRecordOf<T> = frame_support::storage::unhashed::get(&raw)
				.ok_or("a request record does not decode as version 3")?;
			records = records.saturating_add(1);
			held = held.saturating_add(old.billing.held).saturating_add(old.billing.deposit);
		}
		Ok((nodes, records, held).encode())
	}

	/// Checks that every node and record decodes in version 4, nothing was lost, and the
	/// records hold the same funds. The pallet's invariants are those of the latest version:
	/// the last migration's `post_upgrade` checks them.
	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let (nodes, records, held): (u64, u64, BalanceOf<T>) =
			Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(MinerNodes::<T>::iter().count() as u64 == nodes, "a node was lost");
		let mut after = (0u64, BalanceOf::<T>::zero());
		for (_, record) in RequestRecords::<T>::iter() {
			after.0 = after.0.saturating_add(1);
			after.1 = after
				.1
				.saturating_add(record.billing.held)
				.saturating_add(record.billing.deposit);
		}
		ensure!(after == (records, held), "a request record or its funds were lost");
		Ok(())
	}
}

/// Storage version 3 to 4 (node liveness), once, on a chain at version 3.
pub type MigrateV3ToV4<T> = VersionedMigration<
	3,
	4,
	InnerMigrateV3ToV4<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
