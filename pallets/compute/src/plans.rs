//! Plans: the VM sizes users can rent, and their prices.

use crate::{pallet::*, Plan, PlanId, PlanSpec};
use frame_support::pallet_prelude::*;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Creates an active plan; returns its id.
	pub(crate) fn do_create_plan(
		spec: PlanSpec,
		price_per_block: BalanceOf<T>,
	) -> Result<PlanId, DispatchError> {
		ensure!(!price_per_block.is_zero(), Error::<T>::InvalidPrice);
		let plan_id = NextPlanId::<T>::get();
		ensure!(plan_id < T::MaxPlans::get(), Error::<T>::TooManyPlans);

		Plans::<T>::insert(plan_id, Plan { spec, price_per_block, active: true });
		NextPlanId::<T>::put(plan_id.saturating_add(1));
		Self::deposit_event(Event::PlanCreated { plan_id, spec, price_per_block });
		Ok(plan_id)
	}

	pub(crate) fn do_set_plan_active(plan_id: PlanId, active: bool) -> DispatchResult {
		Plans::<T>::try_mutate(plan_id, |plan| -> DispatchResult {
			let plan = plan.as_mut().ok_or(Error::<T>::PlanNotFound)?;
			plan.active = active;
			Ok(())
		})?;
		Self::deposit_event(Event::PlanStatusChanged { plan_id, active });
		Ok(())
	}
}
