//! Node liveness: rent accrues only over blocks in which the hosting node is live (its latest
//! heartbeat at most `HeartbeatTimeout` blocks old), the owner may leave a silent host, and a
//! silent node takes no new requests. `HeartbeatTimeout` is 10 blocks here: a node that
//! registers (or reports) in block `b` is live in blocks `b ..= b + 10`.

use super::{metrics::metrics, *};
use frame_support::{assert_noop, assert_ok};

const TIMEOUT: u64 = 10;

fn miner_income() -> Balance {
	free(MINER_1) - (ENDOWMENT - MINER_DEPOSIT)
}

/// A heartbeat of `node_id`: its owner reports its metrics.
fn beat(node_id: &NodeIdOf<Test>) {
	assert_ok!(Compute::report_node_metrics(signed(MINER_1), node_id.clone(), metrics()));
}

/// Builds the externalities with a heartbeat timeout of [`TIMEOUT`] blocks.
fn with_timeout(test: impl FnOnce()) {
	HeartbeatTimeout::set(TIMEOUT);
	ExtBuilder::default().build_and_execute(test);
}

/// A node silent for `HeartbeatTimeout + k` blocks earns nothing for the blocks it was silent;
/// its VMs pay rent again from the block of its next report, and the address all along.
#[test]
fn a_silent_node_earns_no_rent_for_its_silence() {
	with_timeout(|| {
		let (n1, id) = running(ALICE, SMALL);
		// Live in blocks 1..=11: 11 blocks of rent, 2 each. Silent in 12..=29. Address rent for
		// every block from 1.
		run_to_block(30);
		assert!(!Compute::is_live(&MinerNodes::<Test>::get(&n1).unwrap(), 30));
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 22 + 29)));
		assert_ok!(Compute::claim_compute_payment(signed(MINER_1), n1.clone(), id));
		assert_eq!(miner_income(), 22);

		beat(&n1);
		assert_has(Event::MinerNodeBackOnline { node_id: n1.clone(), silent_from: 12 });
		// Rent again from block 30.
		run_to_block(35);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY - 22, 10 + 34)));
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_eq!(miner_income(), 22 + 10);
		assert_has(Event::ComputeAddressRentBurned { request_id: id, owner: ALICE, amount: 34 });
		assert_eq!(free(ALICE), ENDOWMENT - 32 - 34);
	});
}

/// Once its node is silent, the owner leaves the VM: it is removed, the miner is paid for the
/// blocks its node was live, and the rest comes back.
#[test]
fn the_owner_leaves_a_silent_host() {
	with_timeout(|| {
		let (n1, id) = running(ALICE, SMALL);
		let ip = vm_ip_of(id).unwrap();
		run_to_block(1 + TIMEOUT);
		// Still live in its last block: the miner has not failed yet.
		assert_noop!(
			Compute::close_compute_request(signed(ALICE), id),
			Error::<Test>::ComputeDeletionRequestNotFound
		);
		run_to_block(2 + TIMEOUT);
		assert_noop!(
			Compute::close_compute_request(signed(BOB), id),
			Error::<Test>::NotRequestOwner
		);
		assert_ok!(Compute::close_compute_request(signed(ALICE), id));
		assert_last(Event::ComputeRequestClosed {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			reason: CloseReason::HostSilent,
		});
		// 11 live blocks of rent; 11 blocks of address rent; the rest and the deposit back.
		assert_eq!(miner_income(), 22);
		assert_eq!(free(ALICE), ENDOWMENT - 22 - 11);
		assert_eq!(request_held(ALICE), 0);
		assert!(Compute::compute_request(id).is_none());
		assert!(is_free(ip));
		assert_eq!(hosted(&n1), 0);
		assert_eq!(MinerNodes::<Test>::get(&n1).unwrap().used, PlanSpec::default());
	});
}

/// A silent node claims nothing until it reports again.
#[test]
fn a_silent_node_takes_no_new_requests() {
	with_timeout(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		run_to_block(2 + TIMEOUT);
		assert_noop!(
			Compute::submit_compute_request_assignment(
				signed(MINER_1),
				n1.clone(),
				SMALL,
				id,
				ALICE
			),
			Error::<Test>::MinerNodeSilent
		);
		beat(&n1);
		assign(MINER_1, &n1, id);
		assert_eq!(status(id), ComputeRequestStatus::InProgress);
	});
}

/// A heartbeat after a silence writes its node's entry alone: it touches none of the node's
/// VMs, however many it hosts.
#[test]
fn a_heartbeat_touches_no_vm() {
	with_timeout(|| {
		let (n1, first) = running(ALICE, SMALL);
		let (_, second) = running(BOB, SMALL);
		run_to_block(40);
		let records = || RequestRecords::<Test>::iter().collect::<Vec<_>>();
		let before = records();
		let node_before = MinerNodes::<Test>::get(&n1).unwrap();
		beat(&n1);
		assert_eq!(records(), before, "no request record changed");
		let node = MinerNodes::<Test>::get(&n1).unwrap();
		assert_eq!((node.last_heartbeat, node.live_clock), (40, 12));
		assert_eq!(MinerNode { last_heartbeat: 40, live_clock: 12, ..node_before }, node);
		// Both VMs paid 11 blocks before the silence and pay from now on.
		run_to_block(45);
		for id in [first, second] {
			assert_eq!(Compute::rental_balance(id).unwrap().1, 2 * (11 + 5) + 44);
		}
	});
}

/// The low-funds stop comes when the prepayment covers only the margin, counting the address
/// rent paid while the node was silent: later than on a node that never fell silent, by the
/// blocks it paid no rent for.
#[test]
fn a_silence_moves_the_low_funds_stop() {
	with_timeout(|| {
		let (n1, id) = running(ALICE, SMALL);
		// Always live, the stop would come at block 91: 300 covers 100 blocks at 3, less the
		// margin of 10. Silent in blocks 12..=39, then reporting every 10 blocks: at the start
		// of block b the prepayment left is 300 - 2 × (11 + b - 40) - (b - 1) = 359 - 3b,
		// which covers at most 10 blocks at 3 from b = 109.
		for block in (40..=100).step_by(10) {
			run_to_block(block);
			beat(&n1);
		}
		run_to_block(108);
		assert!(!MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		run_to_block(109);
		assert_has(Event::ComputeRentalFundsLow {
			node_id: n1.clone(),
			request_id: id,
			owner: ALICE,
			at: 109,
		});
		assert!(MinerComputeStopRequests::<Test>::contains_key(&n1, id));
		// Rent for the 80 live blocks before 109, address rent for 108 blocks.
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 160 + 108)));
		run_to_block(120);
		beat(&n1);
		run_to_block(130);
		assert_eq!(Compute::rental_balance(id), Some((SMALL_PREPAY, 160 + 129)));
	});
}
