//! Miner nodes: registration, status, deregistration.

use super::*;
use frame_support::{assert_noop, assert_ok};

#[test]
fn register_miner_node_holds_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = node("n1");
		assert_ok!(Compute::register_miner_node(signed(MINER_1), n1.clone(), capacity(), ip4(250)));
		assert_last(Event::MinerNodeRegistered {
			node_id: n1.clone(),
			owner: MINER_1,
			deposit: MINER_DEPOSIT,
		});
		let node = MinerNodes::<Test>::get(&n1).unwrap();
		assert_eq!(node.owner, MINER_1);
		assert_eq!(node.capacity, capacity());
		assert_eq!(node.used, PlanSpec::default());
		assert_eq!(node.status, MinerNodeStatus::Active);
		assert_eq!(node.registered_at, 1);
		assert_eq!(deposit_held(MINER_1), MINER_DEPOSIT);
		// One account may run several nodes.
		register(MINER_1, "n2");
		assert_eq!(deposit_held(MINER_1), 2 * MINER_DEPOSIT);
	});
}

#[test]
fn register_miner_node_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Compute::register_miner_node(signed(MINER_1), node(""), capacity(), ip4(250)),
			Error::<Test>::InvalidNodeId
		);
		register(MINER_1, "n1");
		assert_noop!(
			Compute::register_miner_node(signed(MINER_2), node("n1"), capacity(), ip4(250)),
			Error::<Test>::MinerNodeAlreadyRegistered
		);
		assert_noop!(
			Compute::register_miner_node(signed(POOR), node("n9"), capacity(), ip4(250)),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn deregister_returns_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_noop!(
			Compute::deregister_miner_node(signed(MINER_1), n1.clone()),
			Error::<Test>::MinerNodeHasRequests
		);
		assert_noop!(
			Compute::deregister_miner_node(signed(MINER_2), n1.clone()),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::deregister_miner_node(signed(MINER_1), node("nx")),
			Error::<Test>::MinerNodeNotFound
		);
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1.clone(), id));
		assert_ok!(Compute::deregister_miner_node(signed(MINER_1), n1.clone()));
		assert_last(Event::MinerNodeDeregistered { node_id: n1.clone(), owner: MINER_1 });
		assert_eq!(MinerNodes::<Test>::get(&n1), None);
		assert_eq!(deposit_held(MINER_1), 0);
		assert_eq!(free(MINER_1), ENDOWMENT);
	});
}

#[test]
fn set_miner_node_status_stops_new_work_only() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		assert_ok!(Compute::set_miner_node_status(
			signed(MINER_1),
			n1.clone(),
			MinerNodeStatus::Inactive
		));
		assert_last(Event::MinerNodeStatusChanged {
			node_id: n1.clone(),
			status: MinerNodeStatus::Inactive,
		});
		// Its VM keeps running and can be operated.
		assert_ok!(Compute::request_compute_reboot(signed(ALICE), id));
		assert_ok!(Compute::fulfill_reboot_request(signed(MINER_1), n1.clone(), id));
		assert_noop!(
			Compute::set_miner_node_status(signed(MINER_2), n1.clone(), MinerNodeStatus::Active),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::set_miner_node_status(signed(MINER_1), node("nx"), MinerNodeStatus::Active),
			Error::<Test>::MinerNodeNotFound
		);
	});
}
