//! Money: exact amounts on every billing path. Rent (2 per block for [`SMALL`], 5 for
//! [`LARGE`]) goes to the miner while the VM runs and no stop or deletion is queued; address
//! rent ([`ADDRESS_PRICE`] per block) is burned while the request holds an address.

use super::*;
use frame_support::{assert_noop, assert_ok};

fn miner_income() -> Balance {
	free(MINER_1) - (ENDOWMENT - MINER_DEPOSIT)
}

fn settled(request_id: RequestId, owner: AccountId, amount: Balance) -> Event<Test> {
	Event::ComputePaymentSettled { request_id, owner, miner: MINER_1, amount }
}

fn burned(request_id: RequestId, owner: AccountId, amount: Balance) -> Event<Test> {
	Event::ComputeAddressRentBurned { request_id, owner, amount }
}

/// Rent accrues to the miner and address rent to the chain, in the record: the miner's claim
/// moves the rent; the address rent is burned when the VM leaves the miner.
#[test]
fn a_running_vm_owes_rent_to_its_miner_and_address_rent_to_the_chain() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_eq!(SMALL_PREPAY, 300);
		run_to_block(11);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 30)));
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_last(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 20);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY - 20);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY - 20, 10)));
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY - REQUEST_DEPOSIT);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		run_to_block(12);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_eq!(miner_income(), 22);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY - 22);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_has(burned(id, ALICE, 11));
		assert_eq!(free(ALICE), ENDOWMENT - 22 - 11);
	});
}

#[test]
fn claim_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let n2 = register(MINER_1, "n2");
		run_to_block(3);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), 42),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_2), n1.clone(), id),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n2, id),
			Error::<Test>::RequestNotAssignedToNode
		);
		let pending = create(BOB, SMALL);
		assign(MINER_1, &n1, pending);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1, pending),
			Error::<Test>::NothingToClaim
		);
	});
}

/// Attack: a miner who never fulfils the owner's stop keeps collecting rent. Rent stops in the
/// block the stop is asked; only the address is paid for until the VM boots again.
#[test]
fn rent_stops_when_the_owner_asks_to_stop() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		run_to_block(30);
		// Rent for blocks 1..11, address rent for blocks 1..30.
		assert_eq!(Compute::rental_balance(id), Some((300, 20 + 29)));
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_last(Event::ComputeStopRequestFulfilled {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_last(settled(id, ALICE, 20));
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		assert_eq!(miner_income(), 20);
		assert_eq!(rent_held(ALICE), 280);

		run_to_block(40);
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		run_to_block(42);
		// Still not charged: rent starts when the miner boots the VM.
		assert_eq!(Compute::rental_balance(id), Some((280, 41)));
		assert_ok!(Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id));
		// 239 unspent at 3 per block covers 79 blocks from block 42: due at 42 + 79 - 10.
		assert_eq!(billing(id).due, Some(111));
		assert!(RentalExpiries::<Test>::contains_key(111, id));
		run_to_block(52);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1, id));
		assert_last(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 40);
		assert_eq!(rent_held(ALICE), 260);
	});
}

/// Attack: a miner who never fulfils a deletion keeps the owner's funds held. Rent stops when
/// the deletion is asked; past `OperationTimeout` the owner closes the request and gets back
/// all that is left and the deposit.
#[test]
fn an_overdue_deletion_is_closed_by_the_owner() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		run_to_block(11 + OPERATION_TIMEOUT);
		assert_noop!(
			Compute::close_compute_request(signed(ALICE), id),
			Error::<Test>::DeadlineNotPassed
		);
		assert_noop!(
			Compute::close_compute_request(signed(BOB), id),
			Error::<Test>::NotRequestOwner
		);
		run_to_block(12 + OPERATION_TIMEOUT);
		assert_ok!(Compute::close_compute_request(signed(ALICE), id));
		// The miner is paid the rent owed up to the deletion request.
		assert_has(settled(id, ALICE, 20));
		assert_has(burned(id, ALICE, 11 + OPERATION_TIMEOUT));
		assert_last(Event::ComputeRequestClosed {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			reason: CloseReason::DeletionOverdue,
		});
		assert_eq!(miner_income(), 20);
		// Paid 20 of rent and 10 + 6 of address rent; the rest and the deposit are back.
		assert_eq!(free(ALICE), ENDOWMENT - 20 - 16);
		assert_eq!(request_held(ALICE), 0);
		assert_eq!(Compute::compute_request(id), None);
		assert_eq!(IpPool::<Test>::get().free, 4);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, PlanSpec::default());
	});
}

#[test]
fn close_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, id) = running(ALICE, SMALL);
		let pending = create(ALICE, SMALL);
		run_to_block(20);
		assert_noop!(
			Compute::close_compute_request(signed(ALICE), id),
			Error::<Test>::ComputeDeletionRequestNotFound
		);
		assert_noop!(
			Compute::close_compute_request(signed(ALICE), pending),
			Error::<Test>::InvalidRequestStatus
		);
		assert_noop!(
			Compute::close_compute_request(signed(ALICE), 42),
			Error::<Test>::ComputeRequestNotFound
		);
	});
}

/// Attack: a miner claims a request and never acts on it, locking the owner's prepayment.
/// Past `ProvisionTimeout` the owner cancels it and gets back all that is left on hold.
#[test]
fn a_claimed_request_left_unfulfilled_is_cancelled_after_the_provision_timeout() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		run_to_block(2);
		// The miner takes an address for the VM: it is paid for from this block.
		assert_ok!(Compute::assign_ip_to_vm(signed(MINER_1), vm_name_of(id), ip4(1)));
		assert_eq!(billing(id).address_per_block, ADDRESS_PRICE);
		run_to_block(1 + PROVISION_TIMEOUT);
		assert_noop!(
			Compute::cancel_compute_request(signed(ALICE), id),
			Error::<Test>::DeadlineNotPassed
		);
		run_to_block(2 + PROVISION_TIMEOUT);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_has(burned(id, ALICE, PROVISION_TIMEOUT));
		assert_last(Event::ComputeRequestCancelled {
			request_id: id,
			owner: ALICE,
			refunded: SMALL_PREPAY - PROVISION_TIMEOUT,
		});
		assert_eq!(status(id), ComputeRequestStatus::Cancelled);
		assert_eq!(free(ALICE), ENDOWMENT - PROVISION_TIMEOUT - REQUEST_DEPOSIT);
		assert_eq!(miner_income(), 0);
		assert_eq!(IpPool::<Test>::get().free, 4);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, PlanSpec::default());
		assert_eq!(hosted(&n1), 0);

		// The record and its deposit stay for `TerminalRetention` blocks, then go.
		let pruned_at = 2 + PROVISION_TIMEOUT + TERMINAL_RETENTION;
		run_to_block(pruned_at - 1);
		assert_eq!(request_held(ALICE), REQUEST_DEPOSIT);
		run_to_block(pruned_at);
		assert_last(Event::ComputeRequestPruned { request_id: id, owner: ALICE });
		assert_eq!(Compute::compute_request(id), None);
		assert_eq!(free(ALICE), ENDOWMENT - PROVISION_TIMEOUT);
	});
}

/// Attack: a queued resize to a cheaper plan kept the old price until the miner acted. While a
/// resize is queued the owner pays the cheaper of both plans.
#[test]
fn a_queued_resize_charges_the_cheaper_plan() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, big) = running(ALICE, LARGE);
		run_to_block(5);
		assert_ok!(Compute::request_compute_resize(signed(ALICE), big, SMALL));
		run_to_block(15);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), big));
		// Blocks 1..5 at the large price, 5..15 at the small one.
		assert_last(settled(big, ALICE, 5 * 4 + 2 * 10));

		let small = create(BOB, SMALL);
		assign(MINER_1, &n1, small);
		fulfil(MINER_1, &n1, small);
		run_to_block(20);
		assert_ok!(Compute::request_compute_resize(signed(BOB), small, LARGE));
		run_to_block(30);
		assert_ok!(Compute::fulfill_resize_request(signed(MINER_1), n1.clone(), small));
		assert_eq!(billing(small).rent_per_block, LARGE_PRICE);
		run_to_block(40);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1, small));
		// Blocks 15..30 at the old, cheaper price, 30..40 at the new one.
		assert_last(settled(small, BOB, 2 * 15 + 5 * 10));
		assert_eq!(miner_income(), 40 + 80);
		assert_eq!(rent_held(BOB), SMALL_PREPAY - 80);
		assert_eq!(Compute::rental_balance(small), Some((SMALL_PREPAY - 80, 25)));
	});
}

#[test]
fn deletion_settles_and_refunds_the_rest_and_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		run_to_block(13);
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_has(settled(id, ALICE, 20));
		assert_has(burned(id, ALICE, 12));
		assert_eq!(miner_income(), 20);
		assert_eq!(free(ALICE), ENDOWMENT - 32);
		assert_eq!(request_held(ALICE), 0);
		assert_eq!(RequestRecords::<Test>::get(id).map(|r| r.billing), None);
	});
}

#[test]
fn failure_settles_refunds_and_keeps_the_record_until_pruned() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::report_compute_request_failure(signed(MINER_1), n1, id, text("crash")));
		assert_has(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 20);
		assert_eq!(free(ALICE), ENDOWMENT - 30 - REQUEST_DEPOSIT);
		assert_eq!(rent_held(ALICE), 0);
		assert_eq!(billing(id).due, Some(11 + TERMINAL_RETENTION));
		// The owner may remove it at once.
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_eq!(free(ALICE), ENDOWMENT - 30);
		assert!(!RentalExpiries::<Test>::contains_key(11 + TERMINAL_RETENTION, id));
	});
}

#[test]
fn cancel_refunds_in_full() {
	ExtBuilder::default().build_and_execute(|| {
		let id = create(ALICE, LARGE);
		assert_eq!(free(ALICE), ENDOWMENT - LARGE_PREPAY - REQUEST_DEPOSIT);
		run_to_block(30);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT);
		assert_eq!(rent_held(ALICE), 0);
	});
}

/// The low-funds stop falls due when the prepayment covers only the margin; then rent stops
/// and the address drains the rest; once it cannot pay for the address another block, the
/// chain takes the address back and closes the request.
#[test]
fn low_funds_stop_then_exhaustion_closes_the_request() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		// 300 at 3 per block covers blocks 1..101; the stop is due 10 blocks before the end.
		assert_eq!(billing(id).due, Some(91));
		run_to_block(90);
		assert!(!MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		run_to_block(91);
		assert_last(Event::ComputeRentalFundsLow {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			at: 91,
		});
		assert_eq!(MinerComputeStopRequests::<Test>::get(&n1, id), Some(91));
		assert_eq!(Compute::rental_balance(id), Some((300, 180 + 90)));
		// 30 left pays the address for 30 more blocks.
		assert_eq!(billing(id).due, Some(121));

		// The miner keeps the VM running: no more rent.
		run_to_block(100);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_last(settled(id, ALICE, 180));
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		// Booting needs more than the margin (10 blocks at 3): 21 left is not enough.
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::PrepaymentTooLow
		);
		run_to_block(120);
		assert_eq!(status(id), ComputeRequestStatus::Stopped);
		run_to_block(121);
		assert_last(Event::ComputeRequestClosed {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			reason: CloseReason::FundsExhausted,
		});
		assert_eq!(Compute::compute_request(id), None);
		assert_eq!(miner_income(), 180);
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY);
		assert_eq!(IpPool::<Test>::get().free, 4);
	});
}

#[test]
fn boot_needs_a_prepayment_above_the_margin() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(91);
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1, id));
		// 30 left; the margin costs 30.
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::PrepaymentTooLow
		);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 1));
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		assert_eq!(rent_held(ALICE), SMALL_PREPAY + 1);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY + 1, 180 + 90)));
	});
}

/// Attack: fulfil many VMs in one block so their low-funds checks overflow one bucket. Any
/// number may start; the queue drains `MaxExpiriesPerBlock` (2 here: a bucket and one entry)
/// per block, and each stop still takes effect, and ends the rent, in its own block.
#[test]
fn low_funds_stops_in_a_backlog_are_late_but_exact() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let ids: Vec<RequestId> = [ALICE, BOB, CHARLIE].map(|owner| create(owner, SMALL)).into();
		for id in &ids {
			assign(MINER_1, &n1, *id);
			fulfil(MINER_1, &n1, *id);
			assert_eq!(billing(*id).due, Some(91));
		}
		// A top-up after the stop fell due, before it was processed, does not restart rent.
		run_to_block(92);
		assert_ok!(Compute::top_up_compute_request(signed(CHARLIE), ids[2], 100));
		run_to_block(93);
		let stops: Vec<_> = events()
			.into_iter()
			.filter_map(|event| match event {
				Event::ComputeRentalFundsLow { request_id, at, .. } => Some((request_id, at)),
				_ => None,
			})
			.collect();
		// One per block from block 91 on: at most two blocks late, each as of block 91.
		assert_eq!(stops.len(), 3);
		assert!(stops.iter().all(|(_, at)| *at == 91));
		for id in &ids {
			assert_eq!(MinerComputeStopRequests::<Test>::get(&n1, id), Some(91));
			assert_eq!(billing(*id).rent_owed, 180);
		}
		assert_eq!(ExpiryCursor::<Test>::get(), 92);
		// Two empty buckets a block: the cursor catches up one block per block.
		run_to_block(94);
		assert_eq!(ExpiryCursor::<Test>::get(), 94);
		run_to_block(95);
		assert_eq!(ExpiryCursor::<Test>::get(), 96);
		assert_eq!(billing(ids[2]).due, Some(91 + 30 + 100));
	});
}

#[test]
fn top_up_moves_the_low_funds_stop() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, id) = running(ALICE, SMALL);
		run_to_block(51);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 150));
		assert_last(Event::ComputeRequestToppedUp { request_id: id, owner: ALICE, amount: 150 });
		assert_eq!(Compute::rental_balance(id), Some((450, 150)));
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY - 150 - REQUEST_DEPOSIT);
		// 300 covers 100 blocks from block 51.
		assert_eq!(billing(id).due, Some(141));
		assert!(!RentalExpiries::<Test>::contains_key(91, id));
		assert!(RentalExpiries::<Test>::contains_key(141, id));
	});
}

#[test]
fn top_up_pending_request_and_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let id = create(ALICE, SMALL);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 50));
		assert_eq!(prepayment(id), SMALL_PREPAY + 50);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY + 50);
		assert_noop!(
			Compute::top_up_compute_request(signed(ALICE), id, 0),
			Error::<Test>::ZeroAmount
		);
		assert_noop!(
			Compute::top_up_compute_request(signed(ALICE), id, ENDOWMENT),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Compute::top_up_compute_request(signed(BOB), id, 5),
			Error::<Test>::NotRequestOwner
		);
		assert_noop!(
			Compute::top_up_compute_request(signed(ALICE), 7, 5),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_noop!(
			Compute::top_up_compute_request(signed(ALICE), id, 5),
			Error::<Test>::InvalidRequestStatus
		);
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT);
	});
}

#[test]
fn settlement_never_reaps_the_owner() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Balances::transfer_allow_death(
			signed(BOB),
			POOR,
			SMALL_PREPAY + REQUEST_DEPOSIT + EXISTENTIAL_DEPOSIT
		));
		register(MINER_1, "n1");
		let (n1, id) = running(POOR, SMALL);
		run_to_block(90);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_eq!(free(POOR), EXISTENTIAL_DEPOSIT);
		assert!(System::account_exists(&POOR));
		assert_ok!(Compute::request_compute_delete(signed(POOR), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		// 178 rent, 89 address rent; 33 and the deposit back.
		assert_eq!(free(POOR), EXISTENTIAL_DEPOSIT + 33 + REQUEST_DEPOSIT);
	});
}

/// Attack: one party, as user and miner at once, takes addresses from the pool for free (the
/// rent it pays goes back to itself). Address rent is burned, so holding an address costs
/// `AddressPricePerBlock` whoever the parties are.
#[test]
fn self_dealing_still_pays_for_the_address() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(ALICE, "self");
		let id = create(ALICE, SMALL);
		assign(ALICE, &n1, id);
		fulfil(ALICE, &n1, id);
		run_to_block(51);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(ALICE), n1.clone(), id));
		assert_eq!(free(ALICE), ENDOWMENT - MINER_DEPOSIT - 50 * ADDRESS_PRICE);
		assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), ENDOWMENT * 5 - 50);
	});
}

/// Attack: a deletion asked before the VM was created, then the miner fulfils anyway and starts
/// the rent. The fulfilment fails and changes nothing; the miner can only delete.
#[test]
fn fulfil_respects_a_queued_deletion() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_noop!(
			Compute::fulfill_compute_request(signed(MINER_1), n1.clone(), id, None, None, None),
			Error::<Test>::ComputeDeletionRequestAlreadyExists
		);
		run_to_block(5);
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_eq!(free(ALICE), ENDOWMENT);
		assert_eq!(miner_income(), 0);
	});
}

/// Attack: fill storage with cancelled requests that cost nothing. Every record holds a
/// deposit until it is removed; terminal ones still count against `MaxRequestsPerUser` and
/// are pruned after `TerminalRetention` blocks.
#[test]
fn every_stored_request_holds_a_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let ids: Vec<RequestId> = (0..3).map(|_| create(ALICE, SMALL)).collect();
		assert_eq!(request_held(ALICE), 3 * (SMALL_PREPAY + REQUEST_DEPOSIT));
		for id in &ids {
			assert_ok!(Compute::cancel_compute_request(signed(ALICE), *id));
		}
		assert_eq!(free(ALICE), ENDOWMENT - 3 * REQUEST_DEPOSIT);
		assert_noop!(
			Compute::create_compute_request(signed(ALICE), SMALL, image(), None, None),
			Error::<Test>::TooManyRequests
		);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), ids[0]));
		assert_last(Event::ComputeRequestRemoved { request_id: ids[0], owner: ALICE });
		assert_eq!(free(ALICE), ENDOWMENT - 2 * REQUEST_DEPOSIT);
		// Both fall due in block 51; the queue takes one entry a block here.
		run_to_block(1 + TERMINAL_RETENTION);
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT);
		run_to_block(2 + TERMINAL_RETENTION);
		assert_eq!(free(ALICE), ENDOWMENT);
		assert_eq!(UserRequestCount::<Test>::get(ALICE), 0);
		assert_eq!(RentalExpiries::<Test>::iter().count(), 0);
		// A user who cannot pay the deposit as well as the prepayment cannot create.
		assert_ok!(Balances::transfer_allow_death(
			signed(BOB),
			POOR,
			SMALL_PREPAY + EXISTENTIAL_DEPOSIT
		));
		assert_noop!(
			Compute::create_compute_request(signed(POOR), SMALL, image(), None, None),
			Error::<Test>::InsufficientBalance
		);
	});
}

/// Found by the randomized test: a boot fulfilled after the owner asked for a deletion must
/// not start the rent again.
#[test]
fn a_boot_fulfilled_with_a_deletion_queued_charges_no_rent() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		stop(ALICE, &n1, id);
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id));
		assert_eq!(status(id), ComputeRequestStatus::Running);
		assert_eq!(billing(id).rent_per_block, 0);
		run_to_block(11);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1, id),
			Error::<Test>::NothingToClaim
		);
		assert_eq!(miner_income(), 0);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 10)));
	});
}

/// Three running VMs of `ALICE`, `BOB` and `CHARLIE` on node `n1` of [`MINER_1`].
fn three_running() -> (NodeIdOf<Test>, Vec<RequestId>) {
	let (n1, first) = running(ALICE, SMALL);
	let mut ids = vec![first];
	for owner in [BOB, CHARLIE] {
		let id = create(owner, SMALL);
		assign(MINER_1, &n1, id);
		fulfil(MINER_1, &n1, id);
		ids.push(id);
	}
	(n1, ids)
}

/// The requests paid in this block's `ComputePaymentSettled` events.
fn paid_requests() -> Vec<RequestId> {
	events()
		.into_iter()
		.filter_map(|event| match event {
			Event::ComputePaymentSettled { request_id, .. } => Some(request_id),
			_ => None,
		})
		.collect()
}

/// A miner pays one transaction per node, not one per VM: every VM's rent comes in one call,
/// and what owes nothing (a VM being created) is visited and skipped.
#[test]
fn a_miner_claims_the_rent_of_all_its_vms_in_one_call() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, alice) = running(ALICE, SMALL);
		let bob = create(BOB, LARGE);
		assign(MINER_1, &n1, bob);
		fulfil(MINER_1, &n1, bob);
		let creating = create(CHARLIE, SMALL);
		assign(MINER_1, &n1, creating);
		run_to_block(11);
		let info = Compute::claim_compute_payments(signed(MINER_1), n1.clone(), 50).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::claim_compute_payments(3)));
		assert_has(settled(alice, ALICE, 20));
		assert_has(settled(bob, BOB, 50));
		assert_last(Event::ComputePaymentsClaimed { node_id: n1.clone(), requests: 3, amount: 70 });
		assert_eq!(miner_income(), 70);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().payout_cursor, None);
		// Paid up: the next claim in the block visits all and pays nothing.
		assert_ok!(Compute::claim_compute_payments(signed(MINER_1), n1.clone(), 50));
		assert_last(Event::ComputePaymentsClaimed { node_id: n1, requests: 3, amount: 0 });
		assert_eq!(miner_income(), 70);
	});
}

/// A node with more VMs than one claim's `max` is paid over several claims, each continuing
/// after the last request the previous one visited, then starting over.
#[test]
fn payment_claims_continue_where_the_last_one_stopped() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, ids) = three_running();
		run_to_block(11);
		System::reset_events();
		assert_ok!(Compute::claim_compute_payments(signed(MINER_1), n1.clone(), 2));
		let first = paid_requests();
		assert_eq!(first.len(), 2);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().payout_cursor, Some(first[1]));
		System::reset_events();
		assert_ok!(Compute::claim_compute_payments(signed(MINER_1), n1.clone(), 2));
		let second = paid_requests();
		assert_eq!(second.len(), 1);
		assert_last(Event::ComputePaymentsClaimed { node_id: n1.clone(), requests: 1, amount: 20 });
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().payout_cursor, None);
		let mut all: Vec<_> = first.into_iter().chain(second).collect();
		all.sort();
		assert_eq!(all, ids);
		assert_eq!(miner_income(), 3 * 20);
		// From the first request again.
		run_to_block(12);
		System::reset_events();
		assert_ok!(Compute::claim_compute_payments(signed(MINER_1), n1, 1));
		assert_eq!(paid_requests().len(), 1);
		assert_eq!(miner_income(), 3 * 20 + 2);
	});
}

#[test]
fn payment_claims_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, _) = running(ALICE, SMALL);
		run_to_block(5);
		assert_noop!(
			Compute::claim_compute_payments(signed(MINER_1), node("unknown"), 5),
			Error::<Test>::MinerNodeNotFound
		);
		assert_noop!(
			Compute::claim_compute_payments(signed(MINER_2), n1.clone(), 5),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::claim_compute_payments(signed(MINER_1), n1, 0),
			Error::<Test>::NothingToClaim
		);
	});
}

/// Calls whose worst case is rare charge it up front and refund the rest.
#[test]
fn rare_worst_cases_are_refunded() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		let info = Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::fulfill_deletion_request(1)));

		let (_, id) = running(ALICE, SMALL);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		let info =
			Compute::report_compute_request_failure(signed(MINER_1), n1, id, text("x")).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::report_compute_request_failure(2)));

		let pending = create(ALICE, SMALL);
		let info = Compute::cancel_compute_request(signed(ALICE), pending).unwrap();
		assert_eq!(info.actual_weight, Some(<() as WeightInfo>::cancel_pending_compute_request()));
	});
}
