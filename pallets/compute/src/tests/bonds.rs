//! Claim bonds and evictions, with exact balances. A claim holds [`BOND_BLOCKS`] blocks of
//! the plan's rent from the miner: 20 for a [`SMALL`] VM. It comes back when the request leaves
//! the miner honestly and goes to the owner when the miner stalled or dropped the VM.

use super::*;
use frame_support::{assert_noop, assert_ok};

/// A [`SMALL`] VM's bond.
const BOND: Balance = SMALL_PRICE * BOND_BLOCKS;

fn bonded(test: impl FnOnce()) {
	ClaimBondBlocks::set(BOND_BLOCKS);
	ExtBuilder::default().build_and_execute(test);
}

fn bond_held(miner: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ClaimBond.into(), &miner)
}

/// `MINER_1`'s free balance less what it had before it registered `n1`.
fn miner_free() -> Balance {
	free(MINER_1) - (ENDOWMENT - MINER_DEPOSIT)
}

fn forfeited(request_id: RequestId, owner: AccountId) -> Event<Test> {
	Event::ClaimBondForfeited { request_id, miner: MINER_1, owner, amount: BOND }
}

fn released(request_id: RequestId) -> Event<Test> {
	Event::ClaimBondReleased { request_id, miner: MINER_1, amount: BOND }
}

/// The bond is held from the claim to the end of hosting, and comes back when the miner
/// fulfils the owner's deletion.
#[test]
fn a_claim_holds_a_bond_that_comes_back_when_the_deletion_is_fulfilled() {
	bonded(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_has(Event::ClaimBondHeld { request_id: id, miner: MINER_1, amount: BOND });
		assert_eq!(bond_held(MINER_1), BOND);
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT - BOND);
		run_to_block(11);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_has(released(id));
		assert_eq!(bond_held(MINER_1), 0);
		// Ten blocks of rent; the bond back.
		assert_eq!(miner_free(), 20);
		assert_eq!(free(ALICE), ENDOWMENT - 20 - 10);
	});
}

#[test]
fn a_claim_needs_the_bond_free() {
	bonded(|| {
		// Enough for the node's deposit, not for a bond as well.
		assert_ok!(Balances::transfer_allow_death(signed(BOB), POOR, MINER_DEPOSIT + 15));
		let n = node("poor");
		register_id(POOR, &n);
		let id = create(ALICE, SMALL);
		assert_noop!(
			Compute::submit_compute_request_assignment(signed(POOR), n, SMALL, id, ALICE),
			Error::<Test>::InsufficientBalance
		);
	});
}

/// Stalling: the owner cancels a claim left unfulfilled past `ProvisionTimeout` and gets the
/// bond besides all of its prepayment.
#[test]
fn a_claim_cancelled_after_the_deadline_pays_the_bond_to_the_owner() {
	bonded(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		run_to_block(2 + PROVISION_TIMEOUT);
		assert_ok!(Compute::cancel_compute_request(signed(ALICE), id));
		assert_has(forfeited(id, ALICE));
		assert_eq!(bond_held(MINER_1), 0);
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT - BOND);
		// The prepayment back, the deposit held until the record is pruned, the bond gained.
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT + BOND);
	});
}

/// A deletion the miner leaves unfulfilled past `OperationTimeout`: the owner closes it and
/// gets the bond.
#[test]
fn an_overdue_deletion_closed_pays_the_bond_to_the_owner() {
	bonded(|| {
		let (_, id) = running(ALICE, SMALL);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		run_to_block(2 + OPERATION_TIMEOUT);
		assert_ok!(Compute::close_compute_request(signed(ALICE), id));
		assert_has(forfeited(id, ALICE));
		// No rent (the deletion was asked in block 1); six blocks of address rent.
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT - BOND);
		assert_eq!(free(ALICE), ENDOWMENT - 6 + BOND);
	});
}

/// Hardware dies: the miner may still report the failure of a running VM, and the owner gets
/// the bond. A failure reported while provisioning, within the deadline, is honest.
#[test]
fn a_failure_report_costs_the_bond_unless_made_in_time_while_provisioning() {
	bonded(|| {
		let (n1, running_vm) = running(ALICE, SMALL);
		let in_time = create(BOB, SMALL);
		assign(MINER_1, &n1, in_time);
		let late = create(CHARLIE, SMALL);
		assign(MINER_1, &n1, late);
		assert_eq!(bond_held(MINER_1), 3 * BOND);

		run_to_block(3);
		let failure = |id| {
			Compute::report_compute_request_failure(signed(MINER_1), n1.clone(), id, text("dead"))
		};
		assert_ok!(failure(running_vm));
		assert_has(forfeited(running_vm, ALICE));
		run_to_block(1 + PROVISION_TIMEOUT);
		assert_ok!(failure(in_time));
		assert_has(released(in_time));
		run_to_block(2 + PROVISION_TIMEOUT);
		assert_ok!(failure(late));
		assert_has(forfeited(late, CHARLIE));

		assert_eq!(bond_held(MINER_1), 0);
		// Two blocks of rent from the running VM; two bonds lost.
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT + 4 - 2 * BOND);
		assert_eq!(free(ALICE), ENDOWMENT - REQUEST_DEPOSIT - 4 - 2 + BOND);
		assert_eq!(free(BOB), ENDOWMENT - REQUEST_DEPOSIT);
		assert_eq!(free(CHARLIE), ENDOWMENT - REQUEST_DEPOSIT + BOND);
	});
}

/// A node that fell silent: the owner who leaves it gets the bond.
#[test]
fn leaving_a_silent_host_pays_the_bond_to_the_owner() {
	HeartbeatTimeout::set(10);
	bonded(|| {
		let (_, id) = running(ALICE, SMALL);
		run_to_block(12);
		assert_ok!(Compute::close_compute_request(signed(ALICE), id));
		assert_has(forfeited(id, ALICE));
		// Eleven live blocks of rent, eleven blocks of address rent.
		assert_eq!(miner_free(), 22 - BOND);
		assert_eq!(free(ALICE), ENDOWMENT - 22 - 11 + BOND);
	});
}

/// The owner's prepayment ran out: not the miner's doing, so its bond comes back.
#[test]
fn a_close_for_exhausted_funds_releases_the_bond() {
	bonded(|| {
		let (_, id) = running(ALICE, SMALL);
		run_to_block(400);
		assert!(Compute::compute_request(id).is_none());
		assert_has(released(id));
		assert_eq!(bond_held(MINER_1), 0);
		// 90 blocks of rent before the low-funds stop.
		assert_eq!(miner_free(), 180);
	});
}

/// A miner gives notice, then removes the VM once `EvictionNotice` blocks have passed: rent
/// runs until then, and the bond comes back.
#[test]
fn an_eviction_with_notice() {
	bonded(|| {
		let (n1, id) = running(ALICE, SMALL);
		let pending = create(BOB, SMALL);
		assign(MINER_1, &n1, pending);
		let notice = |who, id| Compute::give_eviction_notice(signed(who), n1.clone(), id);
		assert_noop!(notice(MINER_2, id), Error::<Test>::NotMinerNodeOwner);
		assert_noop!(notice(MINER_1, pending), Error::<Test>::InvalidRequestStatus);
		assert_noop!(
			Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::ComputeDeletionRequestNotFound
		);
		assert_ok!(notice(MINER_1, id));
		let evict_at = 1 + EVICTION_NOTICE;
		assert_last(Event::ComputeEvictionNoticeGiven {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			evict_at,
		});
		assert_noop!(notice(MINER_1, id), Error::<Test>::EvictionNoticeAlreadyGiven);
		run_to_block(evict_at - 1);
		assert_noop!(
			Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id),
			Error::<Test>::EvictionNoticeNotOver
		);
		run_to_block(evict_at);
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id));
		assert_has(Event::ComputeRequestEvicted {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
		});
		assert_has(released(id));
		assert!(Compute::compute_request(id).is_none());
		// Five blocks of rent and of address rent; the bond of the pending claim still held.
		assert_eq!(bond_held(MINER_1), BOND);
		assert_eq!(free(MINER_1), ENDOWMENT - MINER_DEPOSIT + 10 - BOND);
		assert_eq!(free(ALICE), ENDOWMENT - 10 - 5);
	});
}

#[test]
fn no_notice_for_a_vm_being_deleted() {
	bonded(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_noop!(
			Compute::give_eviction_notice(signed(MINER_1), n1, id),
			Error::<Test>::ComputeDeletionRequestAlreadyExists
		);
	});
}
