//! Money: prepayment and deposit holds, rent to miners, burned address rent, and the
//! `RentalExpiries` schedule of what falls due (low-funds stops, exhausted prepayments,
//! pruning).
//!
//! A request's charges accrue per block from `charged_from` at two rates kept in its
//! [`RentalBilling`]: rent to the miner (`rent_per_block`, until the low-funds block `due`)
//! and address rent (`address_per_block`, burned). Whenever a rate is about to change, the
//! request is settled first, so each rate applies exactly to the blocks it was in force.

use crate::{pallet::*, weights::WeightInfo, CloseReason, RequestId, LOW_FUNDS_DIVISOR};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, CheckedDiv, CheckedMul, One, Saturating, Zero},
	ArithmeticError, SaturatedConversion,
};

/// What settling a request moved.
#[derive(Default)]
pub(crate) struct Settled<Balance> {
	/// Paid to the miner.
	pub rent: Balance,
	/// Burned as address rent.
	pub address: Balance,
}

/// What `on_initialize` did with one due entry.
enum DueOutcome {
	/// The entry was stale or needed nothing.
	Nothing,
	/// A low-funds stop was queued.
	Stopped,
	/// A request was removed (exhausted prepayment or pruned record).
	Removed,
}

impl<T: Config> Pallet<T> {
	/// The hold reason of rent prepayments.
	pub(crate) fn rental_reason() -> T::RuntimeHoldReason {
		HoldReason::RentalPrepayment.into()
	}

	/// The hold reason of miner deposits.
	pub(crate) fn deposit_reason() -> T::RuntimeHoldReason {
		HoldReason::MinerDeposit.into()
	}

	/// The hold reason of request deposits.
	pub(crate) fn request_deposit_reason() -> T::RuntimeHoldReason {
		HoldReason::RequestDeposit.into()
	}

	fn blocks_to_balance(blocks: BlockNumberFor<T>) -> BalanceOf<T> {
		blocks.saturated_into::<u128>().saturated_into()
	}

	fn balance_to_blocks(amount: BalanceOf<T>) -> BlockNumberFor<T> {
		amount.saturated_into::<u128>().saturated_into()
	}

	/// Blocks of the low-funds margin: `RentalPrepayBlocks / 10`.
	pub(crate) fn low_funds_margin() -> BlockNumberFor<T> {
		T::RentalPrepayBlocks::get() / LOW_FUNDS_DIVISOR.into()
	}

	/// What a running VM on a plan of `price_per_block` costs per block: rent plus address.
	pub(crate) fn running_rate(price_per_block: BalanceOf<T>) -> BalanceOf<T> {
		price_per_block.saturating_add(T::AddressPricePerBlock::get())
	}

	/// What the low-funds margin costs a running VM on a plan of `price_per_block`.
	pub(crate) fn low_funds_amount(price_per_block: BalanceOf<T>) -> BalanceOf<T> {
		Self::running_rate(price_per_block)
			.saturating_mul(Self::blocks_to_balance(Self::low_funds_margin()))
	}

	/// The rent held up front for a plan: `(price_per_block + AddressPricePerBlock) ×
	/// RentalPrepayBlocks`.
	pub(crate) fn prepayment_for(
		price_per_block: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		price_per_block
			.checked_add(&T::AddressPricePerBlock::get())
			.and_then(|rate| {
				rate.checked_mul(&Self::blocks_to_balance(T::RentalPrepayBlocks::get()))
			})
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

	/// Adds `delta` to (or, with `add == false`, takes it from) the running total of `reason`.
	fn track(reason: HoldReason, delta: BalanceOf<T>, add: bool) {
		HoldTotal::<T>::mutate(|totals| {
			let total = match reason {
				HoldReason::RentalPrepayment => &mut totals.rental,
				HoldReason::RequestDeposit => &mut totals.request_deposits,
				HoldReason::MinerDeposit => &mut totals.miner_deposits,
			};
			*total = if add { total.saturating_add(delta) } else { total.saturating_sub(delta) };
		});
	}

	/// Puts `amount` of `who`'s funds on hold for `reason` (nothing for zero), keeping
	/// [`HoldTotal`] in step. Every hold of this pallet goes through here.
	pub(crate) fn hold(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(())
		}
		T::Currency::hold(&reason.into(), who, amount)?;
		Self::track(reason, amount, true);
		Ok(())
	}

	/// Returns `amount` of `who`'s `reason` hold to its free balance (nothing for zero),
	/// keeping [`HoldTotal`] in step. Every release of this pallet goes through here.
	pub(crate) fn release(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(())
		}
		T::Currency::release(&reason.into(), who, amount, Precision::Exact)?;
		Self::track(reason, amount, false);
		Ok(())
	}

	/// What a request owes from `charged_from` up to `until`: rent for the blocks before both
	/// `until` and its low-funds block, address rent for every block, rent first, together
	/// capped by what is held.
	pub(crate) fn charges_until(
		billing: &RentalBillingOf<T>,
		until: BlockNumberFor<T>,
	) -> Settled<BalanceOf<T>> {
		let rent_end = match billing.due {
			Some(due) if !billing.rent_per_block.is_zero() => until.min(due),
			_ => until,
		};
		let rent_blocks = Self::blocks_to_balance(rent_end.saturating_sub(billing.charged_from));
		let rent = billing.rent_per_block.saturating_mul(rent_blocks).min(billing.held);
		let blocks = Self::blocks_to_balance(until.saturating_sub(billing.charged_from));
		let address = billing
			.address_per_block
			.saturating_mul(blocks)
			.min(billing.held.saturating_sub(rent));
		Settled { rent, address }
	}

	/// Settles a request up to `until` (at most the current block): pays the rent to `miner`
	/// out of the owner's hold and burns the address rent.
	///
	/// Uses `Fortitude::Force`: the prepayment was checked to be liquid when it was held, so
	/// freezes added later do not keep a miner from being paid for work done. The owner's free
	/// balance is untouched, so the owner is never reaped.
	pub(crate) fn settle(
		request_id: RequestId,
		owner: &T::AccountId,
		miner: Option<&T::AccountId>,
		billing: &mut RentalBillingOf<T>,
		until: BlockNumberFor<T>,
	) -> Result<Settled<BalanceOf<T>>, DispatchError> {
		let due = Self::charges_until(billing, until);
		if !due.rent.is_zero() {
			let miner = miner.ok_or(Error::<T>::MinerNodeNotFound)?;
			T::Currency::transfer_on_hold(
				&Self::rental_reason(),
				owner,
				miner,
				due.rent,
				Precision::Exact,
				Restriction::Free,
				Fortitude::Force,
			)?;
			Self::track(HoldReason::RentalPrepayment, due.rent, false);
			Self::deposit_event(Event::ComputePaymentSettled {
				request_id,
				owner: owner.clone(),
				miner: miner.clone(),
				amount: due.rent,
			});
		}
		if !due.address.is_zero() {
			T::Currency::burn_held(
				&Self::rental_reason(),
				owner,
				due.address,
				Precision::Exact,
				Fortitude::Force,
			)?;
			Self::track(HoldReason::RentalPrepayment, due.address, false);
			Self::deposit_event(Event::ComputeAddressRentBurned {
				request_id,
				owner: owner.clone(),
				amount: due.address,
			});
		}
		billing.held = billing.held.saturating_sub(due.rent).saturating_sub(due.address);
		billing.charged_from = billing.charged_from.max(until);
		Ok(due)
	}

	/// When a live request's next entry in `RentalExpiries` falls due, given its settled
	/// billing at `now`: the low-funds block while rent accrues (when the prepayment covers
	/// only the margin), else the block the prepayment can no longer pay for the address; never
	/// before the next block. `None` when nothing is charged.
	pub(crate) fn next_due(
		billing: &RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<BlockNumberFor<T>> {
		let covered = |rate: BalanceOf<T>| {
			billing.held.checked_div(&rate).map(Self::balance_to_blocks).unwrap_or_default()
		};
		let block = if !billing.rent_per_block.is_zero() {
			let rate = billing.rent_per_block.saturating_add(billing.address_per_block);
			billing
				.charged_from
				.saturating_add(covered(rate))
				.saturating_sub(Self::low_funds_margin())
		} else if !billing.address_per_block.is_zero() {
			billing.charged_from.saturating_add(covered(billing.address_per_block))
		} else {
			return None
		};
		Some(block.max(now.saturating_add(One::one())))
	}

	/// Moves a request's `RentalExpiries` entry to `due` (removing it for `None`).
	pub(crate) fn set_due(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		due: Option<BlockNumberFor<T>>,
	) {
		if billing.due == due {
			return
		}
		if let Some(old) = billing.due {
			RentalExpiries::<T>::remove(old, request_id);
		}
		if let Some(new) = due {
			RentalExpiries::<T>::insert(new, request_id, ());
		}
		billing.due = due;
	}

	/// Reschedules a live request after its billing (held amount or rates) changed at `now`.
	pub(crate) fn reschedule(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) {
		// A low-funds stop that fell due but waits in a backlog stands: rent stopped then.
		if !billing.rent_per_block.is_zero() && billing.due.is_some_and(|due| due <= now) {
			return
		}
		let due = Self::next_due(billing, now);
		Self::set_due(request_id, billing, due);
	}

	/// Processes the `RentalExpiries` entries due by block `now`, oldest first, at most
	/// `MaxExpiriesPerBlock` buckets and entries together; the rest wait for the next block.
	///
	/// A late entry is handled as of its own block: a low-funds stop is queued, and rent stops,
	/// in the block it was due.
	pub(crate) fn do_process_rental_expiries(now: BlockNumberFor<T>) -> Weight {
		let budget = T::MaxExpiriesPerBlock::get();
		let mut used = 0u32;
		let (mut stops, mut removals) = (0u32, 0u32);
		let mut cursor = ExpiryCursor::<T>::get();
		while cursor <= now && used < budget {
			used = used.saturating_add(1);
			let room = budget.saturating_sub(used) as usize;
			let ids: alloc::vec::Vec<RequestId> =
				RentalExpiries::<T>::iter_key_prefix(cursor).take(room.saturating_add(1)).collect();
			let drained = ids.len() <= room;
			for request_id in ids.into_iter().take(room) {
				used = used.saturating_add(1);
				RentalExpiries::<T>::remove(cursor, request_id);
				match Self::process_due(request_id, cursor, now) {
					DueOutcome::Stopped => stops = stops.saturating_add(1),
					DueOutcome::Removed => removals = removals.saturating_add(1),
					DueOutcome::Nothing => {},
				}
			}
			if !drained {
				break
			}
			cursor = cursor.saturating_add(One::one());
		}
		ExpiryCursor::<T>::put(cursor);
		T::WeightInfo::process_rental_expiries(used)
			.saturating_add(
				T::WeightInfo::close_compute_request().saturating_mul(removals.into()),
			)
			.saturating_add(T::WeightInfo::request_compute_stop().saturating_mul(stops.into()))
	}

	/// Handles request `request_id`'s entry for block `due`, processed in block `now`.
	fn process_due(
		request_id: RequestId,
		due: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> DueOutcome {
		let result = Self::try_process_due(request_id, due, now);
		match result {
			Ok(outcome) => outcome,
			Err(error) => {
				log::error!(
					target: crate::LOG_TARGET,
					"due entry of request {request_id} at {due:?} failed: {error:?}"
				);
				DueOutcome::Nothing
			},
		}
	}

	fn try_process_due(
		request_id: RequestId,
		due: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) -> Result<DueOutcome, DispatchError> {
		let Some(mut billing) = RentalPrepayments::<T>::get(request_id) else {
			return Ok(DueOutcome::Nothing)
		};
		if billing.due != Some(due) {
			return Ok(DueOutcome::Nothing)
		}
		billing.due = None;
		let owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		if request.status.is_terminal() {
			Self::remove_request(&owner, request_id, billing)?;
			Self::deposit_event(Event::ComputeRequestPruned { request_id, owner });
			return Ok(DueOutcome::Removed)
		}
		let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
		let node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		if !billing.rent_per_block.is_zero() {
			// The prepayment covers only the margin: rent stops and a stop is queued, as of the
			// block this was due in.
			Self::settle(request_id, &owner, Some(&node.owner), &mut billing, due)?;
			billing.rent_per_block = Zero::zero();
			MinerComputeStopRequests::<T>::insert(&node_id, request_id, due);
			Self::reschedule(request_id, &mut billing, now);
			RentalPrepayments::<T>::insert(request_id, billing);
			Self::deposit_event(Event::ComputeRentalFundsLow {
				node_id,
				request_id,
				owner,
				at: due,
			});
			return Ok(DueOutcome::Stopped)
		}
		let left = billing.held.saturating_sub(Self::charges_until(&billing, now).address);
		if !billing.address_per_block.is_zero() && left < billing.address_per_block {
			// The prepayment cannot pay for the address another block: the chain takes it back.
			let hosted = crate::requests::Hosted { owner, node, request };
			Self::close_hosted(&node_id, request_id, hosted, billing, CloseReason::FundsExhausted)?;
			return Ok(DueOutcome::Removed)
		}
		Self::reschedule(request_id, &mut billing, now);
		RentalPrepayments::<T>::insert(request_id, billing);
		Ok(DueOutcome::Nothing)
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

		Self::settle(request_id, &who, miner.as_ref(), &mut billing, now)?;
		Self::hold(HoldReason::RentalPrepayment, &who, amount)?;
		billing.held = billing.held.saturating_add(amount);
		Self::reschedule(request_id, &mut billing, now);
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
		let crate::requests::Hosted { owner, node, .. } =
			Self::hosted_request(&who, &node_id, request_id)?;
		let mut billing =
			RentalPrepayments::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(!Self::charges_until(&billing, now).rent.is_zero(), Error::<T>::NothingToClaim);
		Self::settle(request_id, &owner, Some(&node.owner), &mut billing, now)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		Ok(())
	}
}
