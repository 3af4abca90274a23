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
		let ip = vm_ip_of(0).unwrap();
		Compute::push_free_ip(ip);
	});
}

#[test]
fn detects_a_running_vm_without_address() {
	broken(|| {
		let ip = RequestRecords::<Test>::mutate(0, |r| r.as_mut().unwrap().ip.take()).unwrap();
		MinerComputeRequests::<Test>::mutate(node("n1"), 0, |e| {
			e.as_mut().unwrap().ip_assigned = None
		});
		IpStates::<Test>::remove(ip);
		IpPool::<Test>::mutate(|pool| pool.assigned = 0);
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
	broken(|| RequestRecords::<Test>::mutate(0, |r| r.as_mut().unwrap().billing.held -= 1));
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
		RequestRecords::<Test>::mutate(0, |r| r.as_mut().unwrap().billing.due = Some(0));
		ExpiryCursor::<Test>::put(1);
	});
}

/// A hold on an account with no records at all (the records lost it): `try_state` checks the
/// accounts that have records, so this is caught by comparing every hold in `pallet_balances`
/// with the records, as every test does on teardown.
#[test]
fn detects_a_leaked_hold_on_an_account_without_records() {
	for reason in [HoldReason::Request, HoldReason::MinerDeposit] {
		new_test_ext().execute_with(|| {
			running(ALICE, SMALL);
			check_holds();
			assert_eq!(UserRequestCount::<Test>::get(CHARLIE), 0);
			Compute::hold(reason, &CHARLIE, 5).unwrap();
			let leaked = std::panic::catch_unwind(check_holds);
			assert!(leaked.is_err(), "a {reason:?} hold without a record goes unnoticed");
		});
	}
}

#[test]
fn detects_a_record_whose_funds_were_released() {
	broken(|| Compute::release(HoldReason::Request, &ALICE, REQUEST_DEPOSIT).unwrap());
}

#[test]
fn detects_a_wrong_rent_rate() {
	broken(|| {
		RequestRecords::<Test>::mutate(0, |r| r.as_mut().unwrap().billing.rent_per_block = 5)
	});
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
