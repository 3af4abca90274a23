//! Plans.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn spec() -> PlanSpec {
	PlanSpec { vcpus: 2, memory_mb: 4096, storage_gb: 40, bandwidth_mbps: 500, gpus: 0 }
}

#[test]
fn create_plan_with_the_next_id() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Compute::create_plan(root(), spec(), 3));
		assert_last(Event::PlanCreated { plan_id: 2, spec: spec(), price_per_block: 3 });
		assert_eq!(
			Plans::<Test>::get(2),
			Some(Plan { spec: spec(), price_per_block: 3, active: true })
		);
		assert_eq!(NextPlanId::<Test>::get(), 3);
	});
}

#[test]
fn create_plan_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Compute::create_plan(signed(ALICE), spec(), 3), DispatchError::BadOrigin);
		assert_noop!(Compute::create_plan(root(), spec(), 0), Error::<Test>::InvalidPrice);
		assert_ok!(Compute::create_plan(root(), spec(), 3));
		assert_ok!(Compute::create_plan(root(), spec(), 4));
		assert_noop!(Compute::create_plan(root(), spec(), 5), Error::<Test>::TooManyPlans);
	});
}

#[test]
fn set_plan_active_toggles_new_use_only() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, id) = running(ALICE, SMALL);
		assert_ok!(Compute::set_plan_active(root(), SMALL, false));
		assert_last(Event::PlanStatusChanged { plan_id: SMALL, active: false });
		assert!(!Plans::<Test>::get(SMALL).unwrap().active);
		// The running VM is not affected.
		assert_eq!(status(id), ComputeRequestStatus::Running);
		assert_ok!(Compute::set_plan_active(root(), SMALL, true));
		assert_noop!(Compute::set_plan_active(root(), 9, true), Error::<Test>::PlanNotFound);
		assert_noop!(
			Compute::set_plan_active(signed(ALICE), SMALL, true),
			DispatchError::BadOrigin
		);
	});
}
