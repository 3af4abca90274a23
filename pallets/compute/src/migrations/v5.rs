//! Storage version 4 to 5: requests counted by status.
//!
//! Version 5 adds [`RequestsInStatus`], the number of stored requests in each status, one
//! storage value. The upgrade counts the request records once; from then on every change of
//! status keeps the counts. It reads each record once and writes one value.

use crate::{pallet::*, RequestCounts};
use frame_support::{
	migrations::VersionedMigration, pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade,
};
use sp_runtime::Saturating;

#[cfg(feature = "try-runtime")]
use alloc::vec::Vec;

/// Counts the request records by status into [`RequestsInStatus`]. Run through
/// [`MigrateV4ToV5`].
pub struct InnerMigrateV4ToV5<T>(core::marker::PhantomData<T>);

impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV4ToV5<T> {
	fn on_runtime_upgrade() -> Weight {
		let mut records = 0u64;
		let mut counts = RequestCounts::default();
		for (_, record) in RequestRecords::<T>::iter() {
			records = records.saturating_add(1);
			counts.slot(record.status).saturating_inc();
		}
		RequestsInStatus::<T>::put(counts);
		log::info!(target: crate::LOG_TARGET, "storage v4 -> v5: {records} requests counted: {counts:?}");
		T::DbWeight::get().reads_writes(records, 1)
	}

	/// Counts the records, for `post_upgrade` to compare.
	#[cfg(feature = "try-runtime")]
	fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
		Ok((RequestRecords::<T>::iter_keys().count() as u32).encode())
	}

	/// Checks that the counts add up to the records, and that every invariant of the pallet
	/// holds (this is the last migration: the whole state is at the current version).
	#[cfg(feature = "try-runtime")]
	fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
		let records: u32 = Decode::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
		ensure!(
			RequestsInStatus::<T>::get().total() == records,
			"the status counts do not add up to the records"
		);
		Pallet::<T>::do_try_state()
	}
}

/// Storage version 4 to 5 (requests counted by status), once, on a chain at version 4.
pub type MigrateV4ToV5<T> = VersionedMigration<
	4,
	5,
	InnerMigrateV4ToV5<T>,
	Pallet<T>,
	<T as frame_system::Config>::DbWeight,
>;
