//! `do_try_state` catches broken storage.

use super::*;

fn broken(corrupt: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		let (_, id) = running(ALICE, SMALL);
		let _ = id;
		assert!(Compute::do_try_state().is_ok());
		corrupt();
		assert!(Compute::do_try_state().is_err());
	});
}

#[test]
fn detects_an_address_both_free_and_assigned() {
	broken(|| {
		let ip = VmIps::<Test>::get(vm_name_of(0)).unwrap();
		Compute::push_free_ip(ip);
	});
}

#[test]
fn detects_a_running_vm_without_address() {
	broken(|| {
		let ip = VmIps::<Test>::take(vm_name_of(0)).unwrap();
		IpVms::<Test>::remove(ip);
		AssignedIpCount::<Test>::put(0);
	});
}

#[test]
fn detects_wrong_node_usage() {
	broken(|| {
		MinerNodes::<Test>::mutate(node("n1"), |n| n.as_mut().unwrap().used = PlanSpec::default())
	});
}

#[test]
fn detects_a_wrong_counter() {
	broken(|| UserRequestCount::<Test>::insert(ALICE, 2));
}

#[test]
fn detects_a_queue_entry_without_request() {
	broken(|| MinerComputeStopRequests::<Test>::insert(node("n1"), 55, 1));
}

#[test]
fn detects_a_hold_that_disagrees_with_the_records() {
	broken(|| RentalPrepayments::<Test>::mutate(0, |b| b.as_mut().unwrap().held -= 1));
}

#[test]
fn detects_a_missing_low_funds_check() {
	broken(|| RentalExpiries::<Test>::remove(91, 0));
}

#[test]
fn detects_an_entry_behind_the_cursor() {
	broken(|| {
		RentalExpiries::<Test>::remove(91, 0);
		RentalExpiries::<Test>::insert(0, 0, ());
		RentalPrepayments::<Test>::mutate(0, |b| b.as_mut().unwrap().due = Some(0));
		ExpiryCursor::<Test>::put(1);
	});
}

/// A hold on an account with no records at all (the records lost it) breaks the totals.
#[test]
fn detects_a_leaked_hold_on_an_account_without_records() {
	broken(|| {
		assert_eq!(UserRequestCount::<Test>::get(CHARLIE), 0);
		Compute::hold(HoldReason::RentalPrepayment, &CHARLIE, 5).unwrap();
	});
	broken(|| Compute::hold(HoldReason::RequestDeposit, &CHARLIE, 5).unwrap());
	broken(|| Compute::hold(HoldReason::MinerDeposit, &CHARLIE, 5).unwrap());
}

#[test]
fn detects_a_record_whose_funds_were_released() {
	broken(|| Compute::release(HoldReason::RequestDeposit, &ALICE, REQUEST_DEPOSIT).unwrap());
}

#[test]
fn detects_a_wrong_rent_rate() {
	broken(|| RentalPrepayments::<Test>::mutate(0, |b| b.as_mut().unwrap().rent_per_block = 5));
}

#[cfg(feature = "try-runtime")]
#[test]
fn try_state_hook_runs_the_checks() {
	use frame_support::traits::Hooks;
	new_test_ext().execute_with(|| {
		running(ALICE, SMALL);
		assert!(<Compute as Hooks<u64>>::try_state(1).is_ok());
		UserRequestCount::<Test>::insert(ALICE, 3);
		assert!(<Compute as Hooks<u64>>::try_state(1).is_err());
	});
}
