//! Money: prepayment and deposit holds, rent to miners, burned address rent, and the
//! `RentalExpiries` schedule of what falls due (low-funds stops, exhausted prepayments,
//! pruning).
//!
//! A request's charges accrue per block from `accrued_to` at two rates kept in its
//! [`RentalBilling`]: rent to the miner (`rent_per_block`, until the low-funds block `due`)
//! and address rent (`address_per_block`). Whenever a rate is about to change, the charges so
//! far accrue into `rent_owed` and `address_owed` ([`Pallet::accrue`]), so each rate applies
//! exactly to its blocks, and no funds move. Funds move only when the miner claims its rent
//! (`claim_compute_payment`, `claim_compute_payments`) and when the request leaves its miner
//! ([`Pallet::settle`]).

use crate::{
	pallet::*, weights::WeightInfo, CloseReason, PowerOperation, RequestId, LOW_FUNDS_DIVISOR,
};
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

/// The charges of a span of blocks.
#[derive(Default)]
pub(crate) struct Charges<Balance> {
	/// Rent, owed to the miner.
	pub rent: Balance,
	/// Address rent, to be burned.
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
	/// The hold reason of requests: prepaid rent and storage deposits.
	pub(crate) fn request_reason() -> T::RuntimeHoldReason {
		HoldReason::Request.into()
	}

	/// The hold reason of miner deposits.
	pub(crate) fn deposit_reason() -> T::RuntimeHoldReason {
		HoldReason::MinerDeposit.into()
	}

	fn blocks_to_balance(blocks: BlockNumberFor<T>) -> BalanceOf<T> {
		blocks.saturated_into::<u128>().saturated_into()
	}

	fn balance_to_blocks(amount: BalanceOf<T>) -> BlockNumberFor<T> {
		amount.saturated_into::<u128>().saturated_into()
	}

	/// Blocks of the low-funds margin: `RentalPrepayBlocks / LOW_FUNDS_DIVISOR`.
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

	/// Puts `amount` of `who`'s funds on hold for `reason` (nothing for zero).
	pub(crate) fn hold(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&reason.into(), who, amount)
	}

	/// Returns `amount` of `who`'s `reason` hold to its free balance (nothing for zero).
	pub(crate) fn release(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&reason.into(), who, amount, Precision::Exact)?;
		Ok(())
	}

	/// What a request has on hold and does not owe yet.
	pub(crate) fn unspent(billing: &RentalBillingOf<T>) -> BalanceOf<T> {
		billing
			.held
			.saturating_sub(billing.rent_owed)
			.saturating_sub(billing.address_owed)
	}

	/// What would be left unspent after the charges up to `until` accrued.
	pub(crate) fn unspent_at(
		billing: &RentalBillingOf<T>,
		until: BlockNumberFor<T>,
	) -> BalanceOf<T> {
		let charges = Self::charges_until(billing, until);
		Self::unspent(billing)
			.saturating_sub(charges.rent)
			.saturating_sub(charges.address)
	}

	/// The charges from `accrued_to` up to `until` not yet accrued: rent for the blocks before
	/// both `until` and (while rent accrues) the low-funds block `due`, address rent for every
	/// block, rent first, together capped by what is unspent.
	pub(crate) fn charges_until(
		billing: &RentalBillingOf<T>,
		until: BlockNumberFor<T>,
	) -> Charges<BalanceOf<T>> {
		let rent_end = match billing.due {
			Some(due) if !billing.rent_per_block.is_zero() => until.min(due),
			_ => until,
		};
		let unspent = Self::unspent(billing);
		let rent_blocks = Self::blocks_to_balance(rent_end.saturating_sub(billing.accrued_to));
		let rent = billing.rent_per_block.saturating_mul(rent_blocks).min(unspent);
		let blocks = Self::blocks_to_balance(until.saturating_sub(billing.accrued_to));
		let address = billing
			.address_per_block
			.saturating_mul(blocks)
			.min(unspent.saturating_sub(rent));
		Charges { rent, address }
	}

	/// Accrues a request's charges up to `until` into what it owes. Moves no funds.
	pub(crate) fn accrue(billing: &mut RentalBillingOf<T>, until: BlockNumberFor<T>) {
		let charges = Self::charges_until(billing, until);
		billing.rent_owed = billing.rent_owed.saturating_add(charges.rent);
		billing.address_owed = billing.address_owed.saturating_add(charges.address);
		billing.accrued_to = billing.accrued_to.max(until);
	}

	/// Pays `miner` the rent a request owes, out of the owner's hold. Returns the amount.
	///
	/// Uses `Fortitude::Force`: the prepayment was checked to be liquid when it was held, so
	/// freezes added later do not keep a miner from being paid for work done. The owner's free
	/// balance is untouched, so the owner is never reaped.
	pub(crate) fn pay_rent(
		request_id: RequestId,
		owner: &T::AccountId,
		miner: &T::AccountId,
		billing: &mut RentalBillingOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let amount = billing.rent_owed;
		if amount.is_zero() {
			return Ok(amount);
		}
		T::Currency::transfer_on_hold(
			&Self::request_reason(),
			owner,
			miner,
			amount,
			Precision::Exact,
			Restriction::Free,
			Fortitude::Force,
		)?;
		billing.held = billing.held.saturating_sub(amount);
		billing.rent_owed = Zero::zero();
		Self::deposit_event(Event::ComputePaymentSettled {
			request_id,
			owner: owner.clone(),
			miner: miner.clone(),
			amount,
		});
		Ok(amount)
	}

	/// Accrues a request's charges up to `until` and settles them: pays the rent owed to
	/// `miner` and burns the address rent owed, out of the owner's hold.
	pub(crate) fn settle(
		request_id: RequestId,
		owner: &T::AccountId,
		miner: Option<&T::AccountId>,
		billing: &mut RentalBillingOf<T>,
		until: BlockNumberFor<T>,
	) -> DispatchResult {
		Self::accrue(billing, until);
		if !billing.rent_owed.is_zero() {
			let miner = miner.ok_or(Error::<T>::MinerNodeNotFound)?;
			Self::pay_rent(request_id, owner, miner, billing)?;
		}
		Self::burn_address_rent(request_id, owner, billing)
	}

	/// Burns the address rent a request owes, out of the owner's hold.
	fn burn_address_rent(
		request_id: RequestId,
		owner: &T::AccountId,
		billing: &mut RentalBillingOf<T>,
	) -> DispatchResult {
		let amount = billing.address_owed;
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::burn_held(
			&Self::request_reason(),
			owner,
			amount,
			Precision::Exact,
			Fortitude::Force,
		)?;
		billing.held = billing.held.saturating_sub(amount);
		billing.address_owed = Zero::zero();
		Self::deposit_event(Event::ComputeAddressRentBurned {
			request_id,
			owner: owner.clone(),
			amount,
		});
		Ok(())
	}

	/// When a live request's next entry in `RentalExpiries` falls due, given its billing at
	/// `now`: the low-funds block while rent accrues (when the unspent prepayment covers only
	/// the margin), else the block the prepayment can no longer pay for the address; never
	/// before the next block. `None` when nothing is charged.
	pub(crate) fn next_due(
		billing: &RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<BlockNumberFor<T>> {
		let unspent = Self::unspent(billing);
		let covered = |rate: BalanceOf<T>| {
			unspent.checked_div(&rate).map(Self::balance_to_blocks).unwrap_or_default()
		};
		let block = if !billing.rent_per_block.is_zero() {
			let rate = billing.rent_per_block.saturating_add(billing.address_per_block);
			billing
				.accrued_to
				.saturating_add(covered(rate))
				.saturating_sub(Self::low_funds_margin())
		} else if !billing.address_per_block.is_zero() {
			billing.accrued_to.saturating_add(covered(billing.address_per_block))
		} else {
			return None;
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
			return;
		}
		if let Some(old) = billing.due {
			RentalExpiries::<T>::remove(old, request_id);
		}
		if let Some(new) = due {
			RentalExpiries::<T>::insert(new, request_id, ());
		}
		billing.due = due;
	}

	/// Schedules a request whose rates were just raised from zero (rent or address rent
	/// starts) at `now`: whatever entry it had is replaced.
	pub(crate) fn schedule(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) {
		let due = Self::next_due(billing, now);
		Self::set_due(request_id, billing, due);
	}

	/// Reschedules a request whose rent keeps accruing after its billing (held amount or rent
	/// rate) changed at `now`.
	///
	/// Calls that lower the rent to zero (a stop or deletion asked) leave the entry where it
	/// is: it falls due early, and is then moved to the block the address can no longer be
	/// paid for.
	pub(crate) fn reschedule(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) {
		// A low-funds stop that fell due but waits in a backlog stands: rent stopped then.
		if !billing.rent_per_block.is_zero() && billing.due.is_some_and(|due| due <= now) {
			return;
		}
		Self::schedule(request_id, billing, now);
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
			let ids: alloc::vec::Vec<RequestId> = RentalExpiries::<T>::iter_key_prefix(cursor)
				.take(room.saturating_add(1))
				.collect();
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
				break;
			}
			cursor = cursor.saturating_add(One::one());
		}
		ExpiryCursor::<T>::put(cursor);
		T::WeightInfo::process_rental_expiries(used)
			.saturating_add(
				T::WeightInfo::close_compute_request(crate::MAX_QUEUED_OPERATIONS)
					.saturating_mul(removals.into()),
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
		let Some(mut record) = RequestRecords::<T>::get(request_id) else {
			return Ok(DueOutcome::Nothing);
		};
		if record.billing.due != Some(due) {
			return Ok(DueOutcome::Nothing);
		}
		// The caller removed the entry.
		record.billing.due = None;
		if record.status.is_terminal() {
			let owner = record.owner.clone();
			Self::remove_request(request_id, record)?;
			Self::deposit_event(Event::ComputeRequestPruned { request_id, owner });
			return Ok(DueOutcome::Removed);
		}
		let node_id = record
			.host
			.as_ref()
			.map(|host| host.node_id.clone())
			.ok_or(Error::<T>::InvalidRequestStatus)?;
		if !record.billing.rent_per_block.is_zero() {
			// The prepayment covers only the margin: rent stops and a stop is queued, as of the
			// block this was due in.
			Self::accrue(&mut record.billing, due);
			record.billing.rent_per_block = Zero::zero();
			Self::enqueue(&node_id, request_id, &mut record.queued, PowerOperation::Stop, due);
			Self::schedule(request_id, &mut record.billing, now);
			let owner = record.owner.clone();
			RequestRecords::<T>::insert(request_id, record);
			Self::deposit_event(Event::ComputeRentalFundsLow {
				node_id,
				request_id,
				owner,
				at: due,
			});
			return Ok(DueOutcome::Stopped);
		}
		let address = record.billing.address_per_block;
		if !address.is_zero() && Self::unspent_at(&record.billing, now) < address {
			// The prepayment cannot pay for the address another block: the chain takes it back.
			Self::close_hosted(request_id, record, CloseReason::FundsExhausted)?;
			return Ok(DueOutcome::Removed);
		}
		Self::schedule(request_id, &mut record.billing, now);
		RequestRecords::<T>::insert(request_id, record);
		Ok(DueOutcome::Nothing)
	}

	/// Adds `amount` to a request's prepayment.
	pub(crate) fn do_top_up_compute_request(
		who: T::AccountId,
		request_id: RequestId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		let mut record = Self::owned_record(&who, request_id)?;
		ensure!(!record.status.is_terminal(), Error::<T>::InvalidRequestStatus);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let billing = &mut record.billing;
		let held = billing.held.checked_add(&amount).ok_or(ArithmeticError::Overflow)?;
		Self::ensure_can_hold_liquid(&who, amount)?;
		let now = frame_system::Pallet::<T>::block_number();

		Self::hold(HoldReason::Request, &who, amount)?;
		Self::accrue(billing, now);
		billing.held = held;
		Self::reschedule(request_id, billing, now);
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::ComputeRequestToppedUp { request_id, owner: who, amount });
		Ok(())
	}

	/// Pays the hosting miner the rent a request owes now.
	pub(crate) fn do_claim_compute_payment(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let (mut record, host) = Self::hosted_record(&who, &node_id, request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		Self::accrue(&mut record.billing, now);
		ensure!(!record.billing.rent_owed.is_zero(), Error::<T>::NothingToClaim);
		Self::pay_rent(request_id, &record.owner, &host.miner, &mut record.billing)?;
		RequestRecords::<T>::insert(request_id, record);
		Ok(())
	}

	/// Pays the owner of node `node_id` the rent owed on up to `max` of its requests (at most
	/// `MaxRequestsPerMiner`), continuing after the last request the node's previous claim
	/// visited; once a claim reaches the node's last request, the next starts from the first.
	/// Returns how many requests it visited.
	pub(crate) fn do_claim_compute_payments(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		max: u32,
	) -> Result<u32, DispatchError> {
		let mut node = Self::owned_node(&who, &node_id)?;
		let max = max.min(T::MaxRequestsPerMiner::get()) as usize;
		ensure!(max > 0, Error::<T>::NothingToClaim);
		let keys = match node.payout_cursor {
			Some(last) => MinerComputeRequests::<T>::iter_key_prefix_from(
				&node_id,
				MinerComputeRequests::<T>::hashed_key_for(&node_id, last),
			),
			None => MinerComputeRequests::<T>::iter_key_prefix(&node_id),
		};
		let ids: alloc::vec::Vec<RequestId> = keys.take(max.saturating_add(1)).collect();
		let at_end = ids.len() <= max;
		let now = frame_system::Pallet::<T>::block_number();
		let (mut paid, mut visited) = (BalanceOf::<T>::zero(), 0u32);
		let mut last = None;
		for request_id in ids.into_iter().take(max) {
			visited = visited.saturating_add(1);
			last = Some(request_id);
			let Some(mut record) = RequestRecords::<T>::get(request_id) else { continue };
			Self::accrue(&mut record.billing, now);
			if record.billing.rent_owed.is_zero() {
				continue;
			}
			let amount = Self::pay_rent(request_id, &record.owner, &who, &mut record.billing)?;
			paid = paid.saturating_add(amount);
			RequestRecords::<T>::insert(request_id, record);
		}
		node.payout_cursor = if at_end { None } else { last };
		MinerNodes::<T>::insert(&node_id, node);
		Self::deposit_event(Event::ComputePaymentsClaimed {
			node_id,
			requests: visited,
			amount: paid,
		});
		Ok(visited)
	}
}
