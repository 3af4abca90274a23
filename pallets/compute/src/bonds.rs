//! Claim bonds: what a miner puts on hold when it claims a request, and who gets it when the
//! request leaves the miner.
//!
//! A claim holds `ClaimBondBlocks × price_per_block` of the request's plan from the node's owner
//! ([`HoldReason::ClaimBond`]), kept in the request's record (`bond`) for as long as the request
//! is on the miner. When it leaves, the bond is:
//!
//! - **released** to the miner when it leaves honestly: the owner's deletion fulfilled, an
//!   eviction after notice, a failure reported while provisioning within `ProvisionTimeout`, or
//!   a close because the owner's prepayment ran out;
//! - **paid to the owner** when the miner stalled or dropped the VM: the owner cancels a claim
//!   past `ProvisionTimeout`, closes an overdue deletion or leaves a silent host, or the miner
//!   reports the failure of a running or stopped VM (hardware dies, but the owner's VM is gone
//!   without notice), or of one it claimed more than `ProvisionTimeout` ago.

use crate::{pallet::*, RequestId};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use sp_runtime::{
	traits::{CheckedMul, Zero},
	ArithmeticError,
};

/// Where a miner's claim bond goes when its request leaves the miner.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum BondOutcome {
	/// Back to the miner: it let the request go honestly.
	Release,
	/// To the request's owner: the miner stalled or dropped the VM.
	Forfeit,
}

impl<T: Config> Pallet<T> {
	/// The bond a claim of a plan of `price_per_block` puts on hold: `ClaimBondBlocks` blocks of
	/// its rent.
	pub(crate) fn claim_bond_for(
		price_per_block: BalanceOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let blocks = Self::blocks_to_balance(T::ClaimBondBlocks::get());
		price_per_block
			.checked_mul(&blocks)
			.ok_or_else(|| ArithmeticError::Overflow.into())
	}

	/// Puts `amount` of `miner`'s funds on hold as its bond for request `request_id`.
	pub(crate) fn hold_claim_bond(
		request_id: RequestId,
		miner: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		Self::hold(HoldReason::ClaimBond, miner, amount)?;
		Self::deposit_event(Event::ClaimBondHeld { request_id, miner: miner.clone(), amount });
		Ok(())
	}

	/// Ends the bond of a request leaving `miner`: releases it to the miner or pays it to the
	/// request's owner, by `outcome`.
	pub(crate) fn settle_claim_bond(
		request_id: RequestId,
		record: &mut RequestRecordOf<T>,
		miner: &T::AccountId,
		outcome: BondOutcome,
	) -> DispatchResult {
		let amount = core::mem::replace(&mut record.bond, Zero::zero());
		if amount.is_zero() {
			return Ok(());
		}
		match outcome {
			BondOutcome::Release => {
				Self::release(HoldReason::ClaimBond, miner, amount)?;
				Self::deposit_event(Event::ClaimBondReleased {
					request_id,
					miner: miner.clone(),
					amount,
				});
			},
			BondOutcome::Forfeit => {
				// `Fortitude::Force`: the bond was checked to be liquid when it was held, so no
				// freeze added later keeps it from the owner.
				T::Currency::transfer_on_hold(
					&HoldReason::ClaimBond.into(),
					miner,
					&record.owner,
					amount,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Force,
				)?;
				Self::deposit_event(Event::ClaimBondForfeited {
					request_id,
					miner: miner.clone(),
					owner: record.owner.clone(),
					amount,
				});
			},
		}
		Ok(())
	}
}
