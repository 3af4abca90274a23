//! Eviction: a miner that wants to stop hosting a running or stopped VM gives notice, and may
//! remove it once `EvictionNotice` blocks have passed.
//!
//! The notice changes nothing for the owner's money: rent runs on, by the usual rules, until the
//! miner removes the VM. The owner may operate, top up or delete the VM meanwhile. The miner
//! removes it with `fulfill_deletion_request`, as if the owner had asked for the deletion: the
//! rent owed is paid, the address rent burned, the address and capacity freed, and the rest of
//! the prepayment and the deposit returned. An eviction with notice is honest: the miner's claim
//! bond comes back.

use crate::{bonds::BondOutcome, pallet::*, ComputeRequestStatus, Operation, RequestId};
use frame_support::pallet_prelude::*;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_give_eviction_notice(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		use ComputeRequestStatus::{Running, Stopped};
		let (mut record, _) = Self::hosted_record(&who, &node_id, request_id)?;
		ensure!(matches!(record.status, Running | Stopped), Error::<T>::InvalidRequestStatus);
		ensure!(
			!record.queued.contains(Operation::Delete),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		ensure!(record.evict_at.is_none(), Error::<T>::EvictionNoticeAlreadyGiven);
		let now = frame_system::Pallet::<T>::block_number();
		let evict_at = now.saturating_add(T::EvictionNotice::get());
		record.evict_at = Some(evict_at);
		let owner = record.owner.clone();
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::ComputeEvictionNoticeGiven {
			node_id,
			request_id,
			owner,
			evict_at,
		});
		Ok(())
	}

	/// Removes a VM whose notice is over. Returns how many operations were queued on it.
	pub(crate) fn evict(
		node_id: NodeIdOf<T>,
		request_id: RequestId,
		mut record: RequestRecordOf<T>,
	) -> Result<u32, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let evict_at = record.evict_at.ok_or(Error::<T>::ComputeDeletionRequestNotFound)?;
		ensure!(now >= evict_at, Error::<T>::EvictionNoticeNotOver);
		let queued = record.queued.len();
		Self::detach_from_miner(request_id, &mut record, now, BondOutcome::Release)?;
		let owner = record.owner.clone();
		Self::remove_request(request_id, record)?;
		Self::deposit_event(Event::ComputeRequestEvicted { node_id, request_id, owner });
		Ok(queued)
	}
}
