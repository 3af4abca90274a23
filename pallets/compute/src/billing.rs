//! Money: prepayment and deposit holds, rent to miners, burned address rent, and the
//! `RentalExpiries` schedule of what falls due (low-funds stops, exhausted prepayments,
//! pruning).
//!
//! A request's charges accrue at two rates kept in its [`RentalBilling`]: rent to the miner
//! (`rent_per_block`), per tick of its host's live clock from `rent_clock` up to the low-funds
//! reading `rent_stop` (see the `liveness` module: the clock stands still while the node is
//! silent), and address rent (`address_per_block`), per block from `accrued_to`. Whenever a
//! rate is about to change, the charges so far accrue into `rent_owed` and `address_owed`
//! ([`Pallet::accrue`]), so each rate applies exactly to its blocks, and no funds move. Funds
//! move only when the miner claims its rent (`claim_compute_payment`, `claim_compute_payments`)
//! and when the request leaves its miner ([`Pallet::settle`]).

use crate::{
	pallet::*, weights::WeightInfo, CloseReason, InstantOf, PowerOperation, RequestId,
	LOW_FUNDS_DIVISOR,
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

	pub(crate) fn blocks_to_balance(blocks: BlockNumberFor<T>) -> BalanceOf<T> {
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
	pub(crate) fn unspent_at(billing: &RentalBillingOf<T>, until: InstantOf<T>) -> BalanceOf<T> {
		let charges = Self::charges_until(billing, until);
		Self::unspent(billing)
			.saturating_sub(charges.rent)
			.saturating_sub(charges.address)
	}

	/// The charges not yet accrued up to `until`: rent for the ticks of the host's live clock
	/// from `rent_clock` to both `until.clock` and the low-funds reading `rent_stop`, address
	/// rent for the blocks from `accrued_to` to `until.block`, rent first, together capped by
	/// what is unspent.
	pub(crate) fn charges_until(
		billing: &RentalBillingOf<T>,
		until: InstantOf<T>,
	) -> Charges<BalanceOf<T>> {
		let unspent = Self::unspent(billing);
		let ticks = until.clock.min(billing.rent_stop).saturating_sub(billing.rent_clock);
		let rent = billing
			.rent_per_block
			.saturating_mul(Self::blocks_to_balance(ticks))
			.min(unspent);
		let blocks = Self::blocks_to_balance(until.block.saturating_sub(billing.accrued_to));
		let address = billing
			.address_per_block
			.saturating_mul(blocks)
			.min(unspent.saturating_sub(rent));
		Charges { rent, address }
	}

	/// Accrues a request's charges up to `until` (the current block) into what it owes. Moves
	/// no funds.
	pub(crate) fn accrue(billing: &mut RentalBillingOf<T>, until: InstantOf<T>) {
		let charges = Self::charges_until(billing, until);
		billing.rent_owed = billing.rent_owed.saturating_add(charges.rent);
		billing.address_owed = billing.address_owed.saturating_add(charges.address);
		billing.accrued_to = billing.accrued_to.max(until.block);
		billing.rent_clock = billing.rent_clock.max(until.clock);
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
		until: InstantOf<T>,
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

	/// Blocks at `rate` per block that a request's unspent prepayment pays for.
	fn blocks_paid(billing: &RentalBillingOf<T>, rate: BalanceOf<T>) -> BlockNumberFor<T> {
		Self::unspent(billing)
			.checked_div(&rate)
			.map(Self::balance_to_blocks)
			.unwrap_or_default()
	}

	/// Blocks of running (rent and address rent together) that a request's unspent
	/// prepayment pays for.
	fn running_blocks(billing: &RentalBillingOf<T>) -> BlockNumberFor<T> {
		Self::blocks_paid(billing, billing.rent_per_block.saturating_add(billing.address_per_block))
	}

	/// When a live request's next entry in `RentalExpiries` falls due, given its billing
	/// accrued to `now`. While rent accrues: the earliest block the host's clock can reach
	/// `rent_stop`, or the prepayment can fall to the low-funds margin (when every block until
	/// then charges rent and address rent); else the block the prepayment can no longer pay
	/// for the address. Never before the next block; `None` when nothing is charged.
	pub(crate) fn next_due(
		billing: &RentalBillingOf<T>,
		now: InstantOf<T>,
	) -> Option<BlockNumberFor<T>> {
		let block = if !billing.rent_per_block.is_zero() {
			let to_stop = billing.rent_stop.saturating_sub(now.clock);
			let to_margin = Self::running_blocks(billing).saturating_sub(Self::low_funds_margin());
			now.block.saturating_add(to_stop.min(to_margin))
		} else if !billing.address_per_block.is_zero() {
			billing
				.accrued_to
				.saturating_add(Self::blocks_paid(billing, billing.address_per_block))
		} else {
			return None;
		};
		Some(block.max(now.block.saturating_add(One::one())))
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
	/// starts) at `now`, with its charges accrued to `now`: while rent accrues, its low-funds
	/// reading `rent_stop` is set to the live blocks the unspent prepayment pays for above the
	/// margin (at least one), and whatever entry it had is replaced.
	pub(crate) fn schedule(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		now: InstantOf<T>,
	) {
		if !billing.rent_per_block.is_zero() {
			// At least this block: rent that starts is charged for the block it starts in.
			let ticks = Self::running_blocks(billing)
				.saturating_sub(Self::low_funds_margin())
				.max(One::one());
			billing.rent_stop = now.clock.saturating_add(ticks);
		}
		let due = Self::next_due(billing, now);
		Self::set_due(request_id, billing, due);
	}

	/// Reschedules a request whose billing (held amount or rent rate) changed at `now`, with
	/// its charges accrued to `now`.
	///
	/// Calls that lower the rent to zero (a stop or deletion asked) leave the entry where it
	/// is: it falls due early, and is then moved to the block the address can no longer be
	/// paid for.
	pub(crate) fn reschedule(
		request_id: RequestId,
		billing: &mut RentalBillingOf<T>,
		now: InstantOf<T>,
	) {
		// A low-funds stop whose reading was reached stands, though its entry waits in a
		// backlog: rent stopped then.
		if !billing.rent_per_block.is_zero() && now.clock >= billing.rent_stop {
			return;
		}
		Self::schedule(request_id, billing, now);
	}

	/// Processes the `RentalExpiries` entries due by block `now`, oldest first, at most
	/// `MaxExpiriesPerBlock` buckets and entries together; the rest wait for the next block.
	///
	/// A late entry charges no rent past its low-funds reading: rent stops where the host's
	/// clock reached `rent_stop`, and the stop is queued as of the block the entry was due.
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
		let at = Self::instant_of(&record, now);
		Self::accrue(&mut record.billing, at);
		let running = !record.billing.rent_per_block.is_zero();
		if running
			&& (at.clock >= record.billing.rent_stop
				|| Self::running_blocks(&record.billing) <= Self::low_funds_margin())
		{
			// The prepayment covers only the margin: rent stopped at the low-funds reading (or
			// now, when the node was silent meanwhile and its address rent took the rest), and a
			// stop is queued as of the block this was due in.
			record.billing.rent_per_block = Zero::zero();
			Self::enqueue(&node_id, request_id, &mut record.queued, PowerOperation::Stop, due);
			Self::schedule(request_id, &mut record.billing, at);
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
		if !address.is_zero() && Self::unspent(&record.billing) < address {
			// The prepayment cannot pay for the address another block: the chain takes it back.
			Self::close_hosted(request_id, record, CloseReason::FundsExhausted)?;
			return Ok(DueOutcome::Removed);
		}
		// Neither happened yet (the node was silent, or the rates went down): the low-funds
		// reading is set again from what is left, and the entry moves to the first block either
		// can happen in.
		Self::schedule(request_id, &mut record.billing, at);
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
		let now = Self::now_of(&record);
		let billing = &mut record.billing;
		let held = billing.held.checked_add(&amount).ok_or(ArithmeticError::Overflow)?;
		Self::ensure_can_hold_liquid(&who, amount)?;

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
		let now = Self::now_of(&record);
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
		let now = Self::instant(Some(&node), frame_system::Pallet::<T>::block_number());
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
