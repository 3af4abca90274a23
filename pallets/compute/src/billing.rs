//! Rent: prepayment holds, settlement to miners, and the low-funds index.

use crate::{
	pallet::*, weights::WeightInfo, ComputeRequestStatus, RequestId, EXPIRY_PROBE_BLOCKS,
	LOW_FUNDS_DIVISOR,
};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Bounded, CheckedAdd, CheckedDiv, CheckedMul, One, Saturating, Zero},
	ArithmeticError, SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// The hold reason of rent prepayments.
	pub(crate) fn rental_reason() -> T::RuntimeHoldReason {
		HoldReason::RentalPrepayment.into()
	}

	/// The hold reason of miner deposits.
	pub(crate) fn deposit_reason() -> T::RuntimeHoldReason {
		HoldReason::MinerDeposit.into()
	}

	/// `RentalPrepayBlocks` as a balance.
	fn prepay_blocks() -> BalanceOf<T> {
		Self::blocks_to_balance(T::RentalPrepayBlocks::get())
	}

	/// Blocks of the low-funds margin: `RentalPrepayBlocks / 10`.
	pub(crate) fn low_funds_margin() -> BlockNumberFor<T> {
		T::RentalPrepayBlocks::get() / LOW_FUNDS_DIVISOR.into()
	}

	/// Rent of the low-funds margin at `price_per_block`.
	pub(crate) fn low_funds_amount(price_per_block: BalanceOf<T>) -> BalanceOf<T> {
		price_per_block.saturating_mul(Self::blocks_to_balance(Self::low_funds_margin()))
	}

	fn blocks_to_balance(blocks: BlockNumberFor<T>) -> BalanceOf<T> {
		blocks.saturated_into::<u128>().saturated_into()
	}

	fn balance_to_blocks(amount: BalanceOf<T>) -> BlockNumberFor<T> {
		amount.saturated_into::<u128>().saturated_into()
	}

	/// The rent held up front for a plan: `price_per_block × RentalPrepayBlocks`.
	pub(crate) fn prepayment_for(
		price_per_block: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		price_per_block
			.checked_mul(&Self::prepay_blocks())
			.ok_or_else(|| ArithmeticError::Overflow.into())
	}

	/// Fails unless `who` can put `amount` on hold from funds that are neither frozen nor needed
	/// to keep the account alive.
	pub(crate) fn ensure_can_hold_liquid(
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let liquid = T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite);
		ensure!(amount <= liquid, Error::<T>::InsufficientBalance);
		Ok(())
	}

	/// Puts `amount` of `who`'s funds on hold for rent (nothing for zero).
	pub(crate) fn hold_rent(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(())
		}
		T::Currency::hold(&Self::rental_reason(), who, amount)
	}

	/// Returns `amount` of `who`'s rent hold to its free balance (nothing for zero).
	pub(crate) fn release_rent(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		if amount.is_zero() {
			return Ok(())
		}
		T::Currency::release(&Self::rental_reason(), who, amount, Precision::Exact).map(|_| ())
	}

	/// Rent owed now by a request in `status`: the price of every block since `charged_from`,
	/// capped by what is still held.
	pub(crate) fn rent_due(
		billing: &RentalBillingOf<T>,
		status: ComputeRequestStatus,
		now: BlockNumberFor<T>,
	) -> BalanceOf<T> {
		if status != ComputeRequestStatus::Running {
			return Zero::zero()
		}
		let blocks = Self::blocks_to_balance(now.saturating_sub(billing.charged_from));
		billing.price_per_block.saturating_mul(blocks).min(billing.held)
	}

	/// Pays the miner the rent owed up to `now` out of the owner's hold and marks it paid.
	///
	/// Uses `Fortitude::Force`: the prepayment was checked to be liquid when it was held, so
	/// freezes added later do not keep a miner from being paid for work done. The owner's free
	/// balance is untouched, so the owner is never reaped.
	pub(crate) fn settle(
		request_id: RequestId,
		owner: &T::AccountId,
		miner: &T::AccountId,
		status: ComputeRequestStatus,
		billing: &mut RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		if status != ComputeRequestStatus::Running {
			return Ok(Zero::zero())
		}
		let due = Self::rent_due(billing, status, now);
		if !due.is_zero() {
			T::Currency::transfer_on_hold(
				&Self::rental_reason(),
				owner,
				miner,
				due,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)?;
			billing.held = billing.held.saturating_sub(due);
			Self::deposit_event(Event::ComputePaymentSettled {
				request_id,
				owner: owner.clone(),
				miner: miner.clone(),
				amount: due,
			});
		}
		billing.charged_from = now;
		Ok(due)
	}

	/// What `billing` becomes once settled at `now` and topped up with `extra`, to look for an
	/// expiry bucket before writing anything.
	pub(crate) fn settled(
		billing: &RentalBillingOf<T>,
		status: ComputeRequestStatus,
		now: BlockNumberFor<T>,
		extra: BalanceOf<T>,
	) -> RentalBillingOf<T> {
		let mut after = billing.clone();
		after.held =
			after.held.saturating_sub(Self::rent_due(billing, status, now)).saturating_add(extra);
		if status == ComputeRequestStatus::Running {
			after.charged_from = now;
		}
		after
	}

	/// The block in which a running VM's low-funds check is due: when its prepayment covers
	/// only `RentalPrepayBlocks / 10` more blocks, but never before the next block.
	fn low_funds_block(billing: &RentalBillingOf<T>, now: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let covered = billing
			.held
			.checked_div(&billing.price_per_block)
			.map(Self::balance_to_blocks)
			// A zero price never runs out.
			.unwrap_or_else(BlockNumberFor::<T>::max_value);
		let due =
			billing.charged_from.saturating_add(covered).saturating_sub(Self::low_funds_margin());
		due.max(now.saturating_add(One::one()))
	}

	/// Finds a `RentalExpiries` bucket with room for `request_id`: the ideal block, else up to
	/// `EXPIRY_PROBE_BLOCKS` earlier (not before the next block), else up to as many later.
	pub(crate) fn find_expiry_slot(
		request_id: RequestId,
		billing: &RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) -> Result<BlockNumberFor<T>, DispatchError> {
		let target = Self::low_funds_block(billing, now);
		let earliest = now.saturating_add(One::one());
		let mut candidates = Vec::with_capacity(2 * EXPIRY_PROBE_BLOCKS as usize + 1);
		candidates.push(target);
		let mut block = target;
		for _ in 0..EXPIRY_PROBE_BLOCKS {
			if block <= earliest {
				break
			}
			block = block.saturating_sub(One::one());
			candidates.push(block);
		}
		let mut block = target;
		for _ in 0..EXPIRY_PROBE_BLOCKS {
			match block.checked_add(&One::one()) {
				Some(next) => block = next,
				None => break,
			}
			candidates.push(block);
		}
		let max = T::MaxExpiriesPerBlock::get() as usize;
		for block in candidates {
			let bucket = RentalExpiries::<T>::get(block);
			// A bucket that already holds this request has room for it after the move.
			if bucket.len() < max || bucket.contains(&request_id) {
				return Ok(block)
			}
		}
		Err(Error::<T>::ExpiryQueueFull.into())
	}

	/// Removes `request_id` from its `RentalExpiries` bucket, if any.
	pub(crate) fn unschedule_expiry(request_id: RequestId, billing: &mut RentalBillingOf<T>) {
		if let Some(block) = billing.expires_at.take() {
			RentalExpiries::<T>::mutate_exists(block, |bucket| {
				if let Some(ids) = bucket {
					ids.retain(|id| *id != request_id);
					if ids.is_empty() {
						*bucket = None;
					}
				}
			});
		}
	}

	/// Moves `request_id` to bucket `block` (found by [`Self::find_expiry_slot`]).
	pub(crate) fn schedule_expiry(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		block: BlockNumberFor<T>,
	) -> DispatchResult {
		Self::unschedule_expiry(request_id, billing);
		RentalExpiries::<T>::try_mutate(block, |ids| ids.try_push(request_id))
			.map_err(|_| Error::<T>::ExpiryQueueFull)?;
		billing.expires_at = Some(block);
		Ok(())
	}

	/// Queues stops for the running VMs whose low-funds check is due in block `now`.
	pub(crate) fn do_process_rental_expiries(now: BlockNumberFor<T>) -> Weight {
		let ids = RentalExpiries::<T>::take(now);
		let count = ids.len() as u32;
		for request_id in ids {
			Self::check_low_funds(request_id, now);
		}
		T::WeightInfo::process_rental_expiries(count)
	}

	fn check_low_funds(request_id: RequestId, now: BlockNumberFor<T>) {
		let Some(mut billing) = RentalPrepayments::<T>::get(request_id) else {
			log::warn!(target: crate::LOG_TARGET, "expiry of request {request_id} without billing");
			return
		};
		if billing.expires_at != Some(now) {
			return
		}
		billing.expires_at = None;
		RentalPrepayments::<T>::insert(request_id, &billing);
		let Some(owner) = RequestOwners::<T>::get(request_id) else { return };
		let Some(request) = ComputeRequests::<T>::get(&owner, request_id) else { return };
		let Some(node_id) = request.miner_id else { return };
		if request.status != ComputeRequestStatus::Running {
			return
		}
		let stop_queued = !MinerComputeStopRequests::<T>::contains_key(&node_id, request_id) &&
			!MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id);
		if stop_queued {
			MinerComputeStopRequests::<T>::insert(&node_id, request_id, now);
		}
		Self::deposit_event(Event::ComputeRentalFundsLow {
			node_id,
			request_id,
			owner,
			stop_queued,
		});
	}

	/// Adds `amount` to a request's prepayment, after settling what is owed so far.
	pub(crate) fn do_top_up_compute_request(
		who: T::AccountId,
		request_id: RequestId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let request = Self::owned_request(&who, request_id)?;
		ensure!(!request.status.is_terminal(), Error::<T>::InvalidRequestStatus);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut billing =
			RentalPrepayments::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		// Settling only lowers `held`, so this also bounds the sum after settling.
		billing.held.checked_add(&amount).ok_or(ArithmeticError::Overflow)?;
		Self::ensure_can_hold_liquid(&who, amount)?;
		let now = frame_system::Pallet::<T>::block_number();
		let miner = Self::hosting_account(&request)?;
		let slot = if request.status == ComputeRequestStatus::Running {
			Some(Self::find_expiry_slot(
				request_id,
				&Self::settled(&billing, request.status, now, amount),
				now,
			)?)
		} else {
			None
		};

		if let Some(miner) = &miner {
			Self::settle(request_id, &who, miner, request.status, &mut billing, now)?;
		}
		Self::hold_rent(&who, amount)?;
		billing.held = billing.held.saturating_add(amount);
		if let Some(slot) = slot {
			Self::schedule_expiry(request_id, &mut billing, slot)?;
		}
		RentalPrepayments::<T>::insert(request_id, billing);
		Self::deposit_event(Event::ComputeRequestToppedUp { request_id, owner: who, amount });
		Ok(())
	}

	/// Pays the hosting miner what a request owes now.
	pub(crate) fn do_claim_compute_payment(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let node = Self::owned_node(&who, &node_id)?;
		ensure!(
			MinerComputeRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::RequestNotAssignedToNode
		);
		let request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		let mut billing =
			RentalPrepayments::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			!Self::rent_due(&billing, request.status, now).is_zero(),
			Error::<T>::NothingToClaim
		);
		Self::settle(request_id, &owner, &node.owner, request.status, &mut billing, now)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		Ok(())
	}
}
