//! Rent: exact amounts for every billing path.

use super::*;
use frame_support::{assert_noop, assert_ok};

fn miner_income() -> Balance {
	free(MINER_1) - (ENDOWMENT - MINER_DEPOSIT)
}

fn settled(request_id: RequestId, owner: AccountId, amount: Balance) -> Event<Test> {
	Event::ComputePaymentSettled { request_id, owner, miner: MINER_1, amount }
}

#[test]
fn running_vm_pays_its_miner_per_block() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 20)));
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_last(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 20);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY - 20);
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		run_to_block(12);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1, id));
		assert_eq!(miner_income(), 22);
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

#[test]
fn stopped_vm_is_not_charged_and_boot_restarts_billing() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		assert_has(settled(id, ALICE, 20));
		run_to_block(15);
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_has(settled(id, ALICE, 8));
		assert_eq!(miner_income(), 28);
		assert_eq!(RentalPrepayments::<Test>::get(id).unwrap().expires_at, None);

		run_to_block(40);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		run_to_block(42);
		assert_ok!(Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id));
		// 172 left covers 86 blocks from block 42: the check is due at 42 + 86 - 10.
		assert_eq!(RentalPrepayments::<Test>::get(id).unwrap().expires_at, Some(118));
		run_to_block(52);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1, id));
		assert_last(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 48);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY - 48);
	});
}

#[test]
fn resize_changes_the_price_from_fulfilment() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(5);
		assert_ok!(Compute::request_compute_resize(signed(ALICE), id, LARGE));
		assert_has(settled(id, ALICE, 8));
		run_to_block(10);
		assert_ok!(Compute::fulfill_resize_request(signed(MINER_1), n1.clone(), id));
		// Blocks 5..10 still at the old price.
		assert_has(settled(id, ALICE, 10));
		// 182 left at 5 per block covers 36 blocks from block 10.
		assert_eq!(RentalPrepayments::<Test>::get(id).unwrap().expires_at, Some(36));
		run_to_block(20);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1, id));
		assert_last(settled(id, ALICE, 50));
		assert_eq!(miner_income(), 68);
		assert_eq!(rent_held(ALICE), SMALL_PREPAY - 68);
	});
}

#[test]
fn delete_settles_and_refunds_the_rest() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_has(settled(id, ALICE, 20));
		run_to_block(21);
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_has(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 40);
		assert_eq!(free(ALICE), ENDOWMENT - 40);
		assert_eq!(rent_held(ALICE), 0);
		assert_eq!(RentalPrepayments::<Test>::get(id), None);
	});
}

#[test]
fn failure_settles_and_refunds_the_rest() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(11);
		assert_ok!(Compute::report_compute_request_failure(signed(MINER_1), n1, id, text("crash")));
		assert_has(settled(id, ALICE, 20));
		assert_eq!(miner_income(), 20);
		assert_eq!(free(ALICE), ENDOWMENT - 20);
		assert_eq!(rent_held(ALICE), 0);
	});
}

#[test]
fn cancel_refunds_in_full() {
	ExtBuilder::default().build_and_execute(|| {
		let id = create(ALICE, LARGE);
		assert_eq!(free(ALICE), ENDOWMENT - LARGE_PREPAY);
		run_to_block(30);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_eq!(free(ALICE), ENDOWMENT);
		assert_eq!(rent_held(ALICE), 0);
	});
}

#[test]
fn low_prepayment_queues_a_stop_and_the_miner_is_paid_at_most_the_hold() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		// 200 covers blocks 1..101; the check is due 10 blocks before the end.
		assert_eq!(RentalExpiries::<Test>::get(91).to_vec(), vec![id]);
		run_to_block(90);
		assert!(!MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		run_to_block(91);
		assert_last(Event::ComputeRentalFundsLow {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			stop_queued: true,
		});
		assert!(MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		assert!(!RentalExpiries::<Test>::contains_key(91));
		assert_eq!(RentalPrepayments::<Test>::get(id).unwrap().expires_at, None);

		// The miner keeps the VM running past the end of the prepayment: paid 200, not more.
		run_to_block(150);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_last(settled(id, ALICE, SMALL_PREPAY));
		assert_eq!(miner_income(), SMALL_PREPAY);
		assert_eq!(rent_held(ALICE), 0);
		run_to_block(160);
		assert_noop!(
			Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id),
			Error::<Test>::NothingToClaim
		);
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1.clone(), id));
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY);

		// Booting needs more than 10 blocks of rent: top up first.
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::PrepaymentTooLow
		);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 20));
		assert_noop!(
			Compute::request_compute_boot(signed(ALICE), id),
			Error::<Test>::PrepaymentTooLow
		);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 2));
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
	});
}

#[test]
fn low_prepayment_with_a_stop_already_queued() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		run_to_block(80);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), id));
		run_to_block(91);
		assert_last(Event::ComputeRentalFundsLow {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			stop_queued: false,
		});
		run_to_block(95);
		assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), n1, id));
		assert_eq!(miner_income(), 188);
		assert_eq!(rent_held(ALICE), 12);
	});
}

#[test]
fn settlement_never_reaps_the_owner() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Balances::transfer_allow_death(
			signed(BOB),
			POOR,
			SMALL_PREPAY + EXISTENTIAL_DEPOSIT
		));
		register(MINER_1, "n1");
		let (n1, id) = running(POOR, SMALL);
		run_to_block(200);
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_eq!(free(POOR), EXISTENTIAL_DEPOSIT);
		assert!(System::account_exists(&POOR));
		assert_ok!(Compute::request_compute_delete(signed(POOR), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_eq!(free(POOR), EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn top_up_settles_and_moves_the_low_funds_check() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, id) = running(ALICE, SMALL);
		run_to_block(51);
		assert_ok!(Compute::top_up_compute_request(signed(ALICE), id, 100));
		assert_last(Event::ComputeRequestToppedUp { request_id: id, owner: ALICE, amount: 100 });
		assert_has(settled(id, ALICE, 100));
		assert_eq!(prepayment(id), 200);
		assert_eq!(rent_held(ALICE), 200);
		assert_eq!(free(ALICE), ENDOWMENT - SMALL_PREPAY - 100);
		// 200 covers 100 blocks from block 51.
		assert_eq!(RentalPrepayments::<Test>::get(id).unwrap().expires_at, Some(141));
		assert!(!RentalExpiries::<Test>::contains_key(91));
		assert_eq!(RentalExpiries::<Test>::get(141).to_vec(), vec![id]);
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
		assert_eq!(free(ALICE), ENDOWMENT);
	});
}

#[test]
fn full_low_funds_buckets_move_the_check_then_fail() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let first = create(ALICE, SMALL);
		let second = create(BOB, SMALL);
		assign(MINER_1, &n1, first);
		assign(MINER_1, &n1, second);
		// Ideal bucket 91 is full: the check moves one block earlier.
		let dummy = |n: u64| BoundedVec::truncate_from(vec![u64::MAX - n, u64::MAX - n - 1000]);
		RentalExpiries::<Test>::insert(91, dummy(0));
		fulfil(MINER_1, &n1, first);
		assert_eq!(RentalPrepayments::<Test>::get(first).unwrap().expires_at, Some(90));
		// Fill every bucket the search looks at: 87..=95.
		for block in 87..=95u64 {
			RentalExpiries::<Test>::insert(block, dummy(block));
		}
		assert_noop!(
			Compute::fulfill_compute_request(signed(MINER_1), n1.clone(), second, None, None, None),
			Error::<Test>::ExpiryQueueFull
		);
		// Clean up the dummies, keeping `first` where it is.
		for block in 87..=95u64 {
			RentalExpiries::<Test>::remove(block);
		}
		RentalExpiries::<Test>::insert(90, BoundedVec::truncate_from(vec![first]));
		fulfil(MINER_1, &n1, second);
		assert_eq!(RentalPrepayments::<Test>::get(second).unwrap().expires_at, Some(91));
	});
}
