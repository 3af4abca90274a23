//! Miner nodes: registration, status, deregistration.

use super::*;
use codec::Encode;
use frame_support::{assert_noop, assert_ok};

#[test]
fn register_miner_node_holds_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = node("n1");
		assert_ok!(Compute::register_miner_node(
			signed(MINER_1),
			n1.clone(),
			capacity(),
			ip4(250),
			proof(MINER_1, &n1)
		));
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
		let n1 = node("n1");
		// Ids that encode no Ed25519 key.
		for bad in [&b""[..], b"n1", &[7u8; 33], &[7u8; 38]] {
			let id: NodeIdOf<Test> = BoundedVec::truncate_from(bad.to_vec());
			assert_noop!(
				Compute::register_miner_node(
					signed(MINER_1),
					id,
					capacity(),
					ip4(250),
					proof(MINER_1, &n1)
				),
				Error::<Test>::InvalidNodeId
			);
		}
		register(MINER_1, "n1");
		assert_noop!(
			Compute::register_miner_node(
				signed(MINER_1),
				n1.clone(),
				capacity(),
				ip4(250),
				proof(MINER_1, &n1)
			),
			Error::<Test>::MinerNodeAlreadyRegistered
		);
		let n9 = node("n9");
		assert_noop!(
			Compute::register_miner_node(
				signed(POOR),
				n9.clone(),
				capacity(),
				ip4(250),
				proof(POOR, &n9)
			),
			Error::<Test>::InsufficientBalance
		);
	});
}

/// Attack: register another operator's node id first, to block them and receive their node's
/// signed reports. Without the node key's signature over the registering account, it fails.
#[test]
fn node_ids_cannot_be_squatted() {
	ExtBuilder::default().build_and_execute(|| {
		let victim = node("victim");
		let other = node("other");
		let attempts = [
			// No real proof at all.
			sp_core::ed25519::Signature::from_raw([0; 64]),
			// The victim's proof, seen on chain, is for the victim's account.
			proof(MINER_1, &victim),
			// A proof by the attacker's own key, for another node.
			proof(MINER_2, &other),
		];
		for attempt in attempts {
			assert_noop!(
				Compute::register_miner_node(
					signed(MINER_2),
					victim.clone(),
					capacity(),
					ip4(250),
					attempt
				),
				Error::<Test>::InvalidSignature
			);
		}
		// A proof for the same account and node, made for another chain (another genesis hash).
		let key = sp_core::ed25519::Public::from_raw(node_public_key(&victim).unwrap());
		let foreign = (NODE_REGISTRATION_CONTEXT, [9u8; 32], MINER_2, &victim[..]).encode();
		let foreign = sign_as(&key, &foreign);
		assert_noop!(
			Compute::register_miner_node(
				signed(MINER_2),
				victim.clone(),
				capacity(),
				ip4(250),
				foreign
			),
			Error::<Test>::InvalidSignature
		);
		assert_eq!((free(MINER_2), deposit_held(MINER_2)), (ENDOWMENT, 0));
		// The key's owner registers it.
		register_id(MINER_1, &victim);
		assert_eq!(
			(free(MINER_1), deposit_held(MINER_1)),
			(ENDOWMENT - MINER_DEPOSIT, MINER_DEPOSIT)
		);
	});
}

/// Attack: a node id whose key has small order, for which one fixed signature verifies every
/// message. Refused at registration, whatever the proof, and in either node id form.
#[test]
fn weak_node_keys_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let forged = sp_core::ed25519::Signature::from_raw({
			let mut raw = [0u8; 64];
			raw[0] = 1;
			raw
		});
		// The attack is real: for the all-zero key, the forged signature verifies any message.
		let zero = sp_core::ed25519::Public::from_raw([0; 32]);
		use sp_runtime::traits::Verify;
		assert!(forged.verify(&b"one message"[..], &zero));
		assert!(forged.verify(&b"another"[..], &zero));
		for key in super::weak_keys() {
			for id in [key.to_vec(), ed25519_peer_id(&key).to_vec()] {
				let id: NodeIdOf<Test> = BoundedVec::truncate_from(id);
				assert_noop!(
					Compute::register_miner_node(signed(MINER_1), id, capacity(), ip4(250), forged),
					Error::<Test>::WeakNodeKey
				);
			}
		}
		assert_eq!((free(MINER_1), deposit_held(MINER_1)), (ENDOWMENT, 0));
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
