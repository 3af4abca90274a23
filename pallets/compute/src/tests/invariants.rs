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
	broken(|| RentalExpiries::<Test>::remove(91));
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
