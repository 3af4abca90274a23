//! Request lifecycle: create, assign, fulfil, fail, owner operations, cancel, delete.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn create_compute_request_holds_prepayment() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Compute::create_compute_request(
			signed(ALICE),
			SMALL,
			image(),
			Some(text("bafycloudinit")),
			Some(node("n1")),
		));
		assert_last(Event::ComputeRequestCreated { request_id: 0, plan_id: SMALL, owner: ALICE });
		let request = Compute::compute_request(0).unwrap();
		assert_eq!(request.status, ComputeRequestStatus::Pending);
		assert_eq!(request.plan_technical_description, plan_spec(SMALL));
		assert_eq!(request.created_at, 1);
		assert_eq!(request.cloud_init_cid, Some(text("bafycloudinit")));
		assert_eq!(request.miner_id, Some(node("n1")));
		assert!(!request.is_assigned);
		assert_eq!(request_held(ALICE), SMALL_PREPAY + REQUEST_DEPOSIT);
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY - REQUEST_DEPOSIT);
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 1);
		assert_eq!(NextRequestId::<Test>::get(), 1);
	});
}

#[test]
fn create_compute_request_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Compute::create_compute_request(signed(ALICE), 9, image(), None, None),
			Error::<Test>::PlanNotFound
		);
		assert_ok!(Compute::set_plan_active(root(), LARGE, false));
		assert_noop!(
			Compute::create_compute_request(signed(ALICE), LARGE, image(), None, None),
			Error::<Test>::PlanNotActive
		);
		assert_noop!(
			Compute::create_compute_request(signed(POOR), SMALL, image(), None, None),
			Error::<Test>::InsufficientBalance
		);
		for _ in 0..3 {
			create(ALICE, SMALL);
		}
		assert_noop!(
			Compute::create_compute_request(signed(ALICE), SMALL, image(), None, None),
			Error::<Test>::TooManyRequests
		);
		NextRequestId::<Test>::put(u64::MAX);
		assert_noop!(
			Compute::create_compute_request(signed(BOB), SMALL, image(), None, None),
			Error::<Test>::RequestIdOverflow
		);
		NextRequestId::<Test>::put(3);
	});
}

#[test]
fn prepayment_must_leave_the_existential_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		// Exactly the prepayment and the deposit are not enough: the account must keep its
		// existential deposit.
		assert_ok!(Balances::transfer_allow_death(
			signed(BOB),
			POOR,
			SMALL_PREPAY + REQUEST_DEPOSIT
		));
		assert_noop!(
			Compute::create_compute_request(signed(POOR), SMALL, image(), None, None),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Balances::transfer_allow_death(signed(BOB), POOR, EXISTENTIAL_DEPOSIT));
		assert_ok!(Compute::create_compute_request(signed(POOR), SMALL, image(), None, None));
		assert_eq!(free(POOR), EXISTENTIAL_DEPOSIT);
		assert_ok!(Compute::request_compute_delete(signed(POOR), 0));
		assert_eq!(free(POOR), SMALL_PREPAY + REQUEST_DEPOSIT + EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn submit_assignment_by_miner_and_by_root() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let first = create(ALICE, SMALL);
		assert_ok!(Compute::submit_compute_request_assignment(
			signed(MINER_1),
			n1.clone(),
			SMALL,
			first,
			ALICE
		));
		assert_last(Event::ComputeRequestSubmitted {
			miner_node_id: n1.clone(),
			request_id: first,
			owner: ALICE,
		});
		let request = Compute::compute_request(first).unwrap();
		assert_eq!(request.status, ComputeRequestStatus::InProgress);
		assert!(request.is_assigned);
		assert_eq!(request.miner_id, Some(n1.clone()));
		let entry = MinerComputeRequests::<Test>::get(&n1, first).unwrap();
		assert_eq!(entry.miner_account_id, MINER_1);
		assert!(!entry.fulfilled);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, plan_spec(SMALL));
		assert_eq!(hosted(&n1), 1);

		let second = create(BOB, LARGE);
		assert_ok!(Compute::submit_compute_request_assignment(
			root(),
			n1.clone(),
			LARGE,
			second,
			BOB
		));
		assert_last(Event::ComputeRequestSubmitted {
			miner_node_id: n1.clone(),
			request_id: second,
			owner: BOB,
		});
		assert_eq!(hosted(&n1), 2);
		// Nothing is charged before the VM runs.
		assert_eq!(rent_held(ALICE), SMALL_PREPAY);
	});
}

#[test]
fn submit_assignment_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let n2 = register(MINER_2, "n2");
		let id = create(ALICE, SMALL);
		let submit = |who: AccountId, node_id: &NodeIdOf<Test>, plan_id, request_id, owner| {
			Compute::submit_compute_request_assignment(
				signed(who),
				node_id.clone(),
				plan_id,
				request_id,
				owner,
			)
		};
		assert_noop!(submit(MINER_1, &n1, SMALL, 77, ALICE), Error::<Test>::ComputeRequestNotFound);
		assert_noop!(submit(MINER_1, &n1, SMALL, id, BOB), Error::<Test>::OwnerMismatch);
		assert_noop!(submit(MINER_1, &n1, LARGE, id, ALICE), Error::<Test>::PlanMismatch);
		assert_noop!(
			submit(MINER_1, &node("nx"), SMALL, id, ALICE),
			Error::<Test>::MinerNodeNotFound
		);
		assert_noop!(submit(MINER_2, &n1, SMALL, id, ALICE), Error::<Test>::NotMinerNodeOwner);
		assert_ok!(Compute::set_miner_node_status(
			signed(MINER_1),
			n1.clone(),
			MinerNodeStatus::Inactive
		));
		assert_noop!(submit(MINER_1, &n1, SMALL, id, ALICE), Error::<Test>::MinerNodeNotActive);
		assert_ok!(Compute::set_miner_node_status(
			signed(MINER_1),
			n1.clone(),
			MinerNodeStatus::Active
		));

		// The owner asked for n2.
		assert_ok!(Compute::create_compute_request(
			signed(BOB),
			SMALL,
			image(),
			None,
			Some(n2.clone())
		));
		assert_noop!(submit(MINER_1, &n1, SMALL, 1, BOB), Error::<Test>::MinerPreferenceMismatch);
		assert_ok!(submit(MINER_2, &n2, SMALL, 1, BOB));
		assert_noop!(submit(MINER_2, &n2, SMALL, 1, BOB), Error::<Test>::InvalidRequestStatus);

		// Capacity: two large VMs fill n1.
		let large: Vec<_> = (0..3).map(|_| create(CHARLIE, LARGE)).collect();
		assert_ok!(submit(MINER_1, &n1, LARGE, large[0], CHARLIE));
		assert_ok!(submit(MINER_1, &n1, LARGE, large[1], CHARLIE));
		assert_noop!(
			submit(MINER_1, &n1, LARGE, large[2], CHARLIE),
			Error::<Test>::InsufficientCapacity
		);
		// Count: n3 takes at most three requests.
		let n3 = register(MINER_1, "n3");
		let more = create(ALICE, SMALL);
		let last = create(ALICE, SMALL);
		let bobs = create(BOB, SMALL);
		assert_ok!(submit(MINER_1, &n3, SMALL, id, ALICE));
		assert_ok!(submit(MINER_1, &n3, SMALL, more, ALICE));
		assert_ok!(submit(MINER_1, &n3, SMALL, bobs, BOB));
		assert_noop!(submit(MINER_1, &n3, SMALL, last, ALICE), Error::<Test>::TooManyMinerRequests);
	});
}

#[test]
fn fulfill_compute_request_takes_an_ip_and_runs() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		assert_ok!(Compute::fulfill_compute_request(
			signed(MINER_1),
			n1.clone(),
			id,
			Some(text("job-7")),
			Some(ip4(250)),
			Some(5901),
		));
		// The last free address is taken first.
		assert_last(Event::ComputeRequestFulfilled {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			ip: ip4(4),
		});
		assert_eq!(status(id), ComputeRequestStatus::Running);
		assert_eq!(vm_ip_of(id), Some(ip4(4)));
		assert_eq!(IpStates::<Test>::get(ip4(4)), Some(IpState::Assigned(id)));
		assert_eq!(IpPool::<Test>::get().free, 3);
		let entry = MinerComputeRequests::<Test>::get(&n1, id).unwrap();
		assert!(entry.fulfilled);
		assert_eq!(entry.job_id, Some(text("job-7")));
		assert_eq!(entry.hypervisor_ip, Some(ip4(250)));
		assert_eq!(entry.vnc_port, Some(5901));
		assert_eq!(entry.ip_assigned, Some(ip4(4)));
		let billing = billing(id);
		assert_eq!(billing.accrued_to, 1);
		// 200 held covers 100 blocks from block 1; the check is 10 blocks before that.
		assert_eq!(billing.due, Some(91));
	});
}

#[test]
fn fulfill_compute_request_keeps_a_preassigned_ip() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		assert_ok!(Compute::assign_ip_to_vm(root(), vm_name_of(id), ip4(2)));
		fulfil(MINER_1, &n1, id);
		assert_last(Event::ComputeRequestFulfilled {
			node_id: n1,
			request_id: id,
			owner: ALICE,
			ip: ip4(2),
		});
		assert_eq!(IpPool::<Test>::get().assigned, 1);
	});
}

#[test]
fn fulfill_compute_request_errors() {
	ExtBuilder::default().no_ips().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let n2 = register(MINER_1, "n2");
		let id = create(ALICE, SMALL);
		let fulfil_on = |who: AccountId, node_id: &NodeIdOf<Test>, request_id| {
			Compute::fulfill_compute_request(
				signed(who),
				node_id.clone(),
				request_id,
				None,
				None,
				None,
			)
		};
		assert_noop!(fulfil_on(MINER_1, &n1, 5), Error::<Test>::ComputeRequestNotFound);
		assert_noop!(fulfil_on(MINER_1, &n1, id), Error::<Test>::RequestNotAssignedToNode);
		assign(MINER_1, &n1, id);
		assert_noop!(fulfil_on(MINER_1, &n2, id), Error::<Test>::RequestNotAssignedToNode);
		assert_noop!(fulfil_on(MINER_2, &n1, id), Error::<Test>::NotMinerNodeOwner);
		assert_noop!(fulfil_on(MINER_1, &n1, id), Error::<Test>::NoAvailableIp);
		assert_ok!(Compute::add_ips(root(), BoundedVec::truncate_from(vec![ip4(1)])));
		assert_ok!(fulfil_on(MINER_1, &n1, id));
		assert_noop!(fulfil_on(MINER_1, &n1, id), Error::<Test>::InvalidRequestStatus);
	});
}

#[test]
fn full_lifecycle() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		fulfil(MINER_1, &n1, id);
		let ip = vm_ip_of(id).unwrap();

		run_to_block(5);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		assert_last(Event::ComputeStopRequested {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert!(MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeStopRequestFulfilled {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_eq!(status(id), ComputeRequestStatus::Stopped);
		assert!(!MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		// A stopped VM keeps its address.
		assert_eq!(vm_ip_of(id), Some(ip));

		run_to_block(8);
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		assert_last(Event::ComputeBootRequested {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_ok!(Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeBootRequestRemoved {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_eq!(status(id), ComputeRequestStatus::Running);

		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		assert_last(Event::ComputeRebootRequested {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_ok!(Compute::fulfill_reboot_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeRebootRequestFulfilled {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_eq!(status(id), ComputeRequestStatus::Running);

		assert_ok!(Compute::request_compute_resize(signed(ALICE), id, LARGE));
		assert_last(Event::ComputeResizeRequested {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			new_plan_id: LARGE,
		});
		// The node reserves the larger plan until the resize is done.
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, plan_spec(LARGE));
		assert_eq!(Compute::pending_operations(&n1, id).resize, Some(LARGE));
		assert_ok!(Compute::fulfill_resize_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeResizeRequestFulfilled {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			plan_id: LARGE,
		});
		let request = Compute::compute_request(id).unwrap();
		assert_eq!(request.plan_id, LARGE);
		assert_eq!(request.plan_technical_description, plan_spec(LARGE));
		assert_eq!(MinerComputeRequests::<Test>::get(&n1, id).unwrap().plan_id, LARGE);
		assert_eq!(billing(id).price_per_block, LARGE_PRICE);

		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_last(Event::ComputeDeletionRequested {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeDeletionRequestRemoved {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_eq!(Compute::compute_request(id), None);
		assert_eq!(RequestRecords::<Test>::get(id).map(|r| r.owner), None);
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 0);
		assert_eq!(hosted(&n1), 0);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, PlanSpec::default());
		assert!(is_free(ip));
		assert_eq!(vm_ip_of(id), None);
		assert_eq!(rent_held(ALICE), 0);
		// The miner was paid exactly what the settlement events say.
		let paid: Balance = events()
			.iter()
			.filter_map(|event| match event {
				Event::ComputePaymentSettled { amount, .. } => Some(*amount),
				_ => None,
			})
			.sum();
		let burned: Balance = events()
			.iter()
			.filter_map(|event| match event {
				Event::ComputeAddressRentBurned { amount, .. } => Some(*amount),
				_ => None,
			})
			.sum();
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT + paid);
		assert_eq!(free(ALICE), ENDOWMENT - paid - burned);
		// Request ids are never reused.
		assert_eq!(create(ALICE, SMALL), id + 1);
	});
}

#[test]
fn stop_drops_a_queued_reboot() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert!(!MinerComputeRebootRequests::<Test>::contains_key(&n1, id));
	});
}

#[test]
fn resize_of_a_stopped_vm() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, LARGE);
		stop(ALICE, &n1, id);
		assert_ok!(Compute::request_compute_resize(signed(ALICE), id, SMALL));
		// Downsizing keeps the larger reservation until done.
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, plan_spec(LARGE));
		assert_ok!(Compute::fulfill_resize_request(signed(MINER_1), n1.clone(), id));
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, plan_spec(SMALL));
		assert_eq!(status(id), ComputeRequestStatus::Stopped);
		// A stopped VM pays only for its address: 600 lasts until block 601. Its low-funds
		// entry (block 91) stays until it falls due, then moves there.
		assert_eq!((billing(id).rent_per_block, billing(id).due), (0, Some(91)));
		run_to_block(91);
		assert_eq!(billing(id).due, Some(601));
		assert!(RentalExpiries::<Test>::contains_key(601, id));
	});
}

#[test]
fn owner_operation_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let pending = create(ALICE, SMALL);

		assert_noop!(
			Compute::request_compute_stop(signed(ALICE), 42),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_noop!(
			Compute::request_compute_stop(signed(BOB), id),
			Error::<Test>::NotRequestOwner
		);
		assert_noop!(
			Compute::request_compute_stop(signed(ALICE), pending),
			Error::<Test>::InvalidRequestStatus
		);
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::InvalidRequestStatus
		);

		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		assert_noop!(
			Compute::request_compute_stop(signed(ALICE), id),
			Error::<Test>::ComputeStopRequestAlreadyExists
		);
		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		assert_noop!(
			Compute::request_compute_reboot(signed(ALICE), id),
			Error::<Test>::ComputeRebootRequestAlreadyExists
		);
		assert_noop!(
			Compute::request_compute_resize(signed(ALICE), id, 9),
			Error::<Test>::PlanNotFound
		);
		assert_noop!(
			Compute::request_compute_resize(signed(ALICE), id, SMALL),
			Error::<Test>::SamePlan
		);
		assert_ok!(Compute::set_plan_active(root(), LARGE, false));
		assert_noop!(
			Compute::request_compute_resize(signed(ALICE), id, LARGE),
			Error::<Test>::PlanNotActive
		);
		assert_ok!(Compute::set_plan_active(root(), LARGE, true));
		assert_ok!(Compute::request_compute_resize(signed(ALICE), id, LARGE));
		assert_noop!(
			Compute::request_compute_resize(signed(ALICE), id, LARGE),
			Error::<Test>::ComputeResizeRequestAlreadyExists
		);
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::ComputeBootRequestAlreadyExists
		);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_noop!(
			Compute::request_compute_delete(signed(ALICE), id),
			Error::<Test>::ComputeDeletionRequestAlreadyExists
		);
		// A queued deletion blocks every other operation.
		assert_noop!(
			Compute::request_compute_resize(signed(ALICE), id, LARGE),
			Error::<Test>::ComputeDeletionRequestAlreadyExists
		);
	});
}

#[test]
fn resize_needs_and_reserves_capacity() {
	ExtBuilder::default().build_and_execute(|| {
		// n1 has 8 vcpus: large (4) + small (1) + small (1) = 6.
		let (n1, _) = running(ALICE, LARGE);
		let (_, bob) = running(BOB, SMALL);
		let charlie = create(CHARLIE, SMALL);
		assign(MINER_1, &n1, charlie);
		assert_noop!(
			Compute::request_compute_resize(signed(BOB), bob, LARGE),
			Error::<Test>::InsufficientCapacity
		);
		assert_ok!(Compute::request_compute_delete(signed(CHARLIE), charlie));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), charlie));
		// Now 4 + 4 reserved: the node is full until the resize is done.
		assert_ok!(Compute::request_compute_resize(signed(BOB), bob, LARGE));
		let again = create(CHARLIE, SMALL);
		assert_noop!(
			Compute::submit_compute_request_assignment(
				signed(MINER_1),
				n1.clone(),
				SMALL,
				again,
				CHARLIE
			),
			Error::<Test>::InsufficientCapacity
		);
	});
}

#[test]
fn fulfil_operation_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let n2 = register(MINER_1, "n2");
		assert_noop!(
			Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), 42),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_noop!(
			Compute::fulfill_stop_request(signed(MINER_2), n1.clone(), id),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::fulfill_stop_request(signed(MINER_1), n2.clone(), id),
			Error::<Test>::RequestNotAssignedToNode
		);
		assert_noop!(
			Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeStopRequestNotFound
		);
		assert_noop!(
			Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeBootRequestNotFound
		);
		assert_noop!(
			Compute::fulfill_reboot_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeRebootRequestNotFound
		);
		assert_noop!(
			Compute::fulfill_resize_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeResizeRequestNotFound
		);
		assert_noop!(
			Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeDeletionRequestNotFound
		);
	});
}

#[test]
fn report_failure_of_a_running_vm_releases_everything() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let ip = vm_ip_of(id).unwrap();
		assert_ok!(Compute::request_compute_resize(signed(ALICE), id, LARGE));
		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		assert_ok!(Compute::report_compute_request_failure(
			signed(MINER_1),
			n1.clone(),
			id,
			text("disk failed")
		));
		assert_last(Event::ComputeRequestFailed {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			reason: text("disk failed"),
		});
		assert_eq!(status(id), ComputeRequestStatus::Failed);
		assert!(is_free(ip));
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, PlanSpec::default());
		assert_eq!(Compute::pending_operations(&n1, id), PendingOperations::default());
		assert_eq!(hosted(&n1), 0);
		assert_eq!(rent_held(ALICE), 0);
		// The failed request stays (and counts) until its owner deletes it.
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 1);
		assert_noop!(
			Compute::report_compute_request_failure(signed(MINER_1), n1.clone(), id, text("again")),
			Error::<Test>::RequestNotAssignedToNode
		);
		assert_noop!(
			Compute::top_up_compute_request(signed(ALICE), id, 10),
			Error::<Test>::InvalidRequestStatus
		);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_last(Event::ComputeRequestRemoved { request_id: id, owner: ALICE });
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 0);
	});
}

#[test]
fn report_failure_before_fulfilment() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		assert_ok!(Compute::report_compute_request_failure(
			signed(MINER_1),
			n1.clone(),
			id,
			text("no image")
		));
		assert_eq!(status(id), ComputeRequestStatus::Failed);
		// All of the prepayment is back; the deposit stays with the record.
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT);
		assert_eq!(hosted(&n1), 0);
	});
}

#[test]
fn cancel_pending_request() {
	ExtBuilder::default().build_and_execute(|| {
		let id = create(ALICE, SMALL);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_last(Event::ComputeRequestCancelled {
			request_id: id,
			owner: ALICE,
			refunded: SMALL_PREPAY,
		});
		assert_eq!(status(id), ComputeRequestStatus::Cancelled);
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT);
		assert_noop!(
			Compute::cancel_compute_request(signed(ALICE), id),
			Error::<Test>::InvalidRequestStatus
		);
		assert_noop!(
			Compute::cancel_compute_request(signed(BOB), id),
			Error::<Test>::NotRequestOwner
		);
		assert_noop!(
			Compute::cancel_compute_request(signed(ALICE), 9),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_last(Event::ComputeRequestRemoved { request_id: id, owner: ALICE });
		assert_eq!(Compute::compute_request(id), None);
	});
}

#[test]
fn delete_pending_request_at_once() {
	ExtBuilder::default().build_and_execute(|| {
		let id = create(ALICE, LARGE);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_last(Event::ComputeRequestRemoved { request_id: id, owner: ALICE });
		assert_eq!(free(ALICE), ENDOWMENT);
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 0);
	});
}

#[test]
fn delete_in_progress_request() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		assert_ok!(Compute::assign_ip_to_vm(signed(MINER_1), vm_name_of(id), ip4(1)));
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id));
		assert!(is_free(ip4(1)));
		assert_eq!(free(ALICE), ENDOWMENT);
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT);
	});
}

#[test]
fn signed_calls_reject_unsigned_origins() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Compute::create_compute_request(RuntimeOrigin::none(), SMALL, image(), None, None),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Compute::submit_compute_request_assignment(
				RuntimeOrigin::none(),
				node("n1"),
				SMALL,
				0,
				ALICE
			),
			DispatchError::BadOrigin
		);
	});
}
