//! Miner nodes: registration with a deposit, status, deregistration.

use crate::{
	is_weak_node_key, node_public_key, pallet::*, IpAddress, MinerNode, MinerNodeStatus, PlanSpec,
};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::ed25519;
use sp_runtime::traits::{Verify, Zero};

impl<T: Config> Pallet<T> {
	/// The node `node_id`, if `who` owns it.
	pub(crate) fn owned_node(
		who: &T::AccountId,
		node_id: &NodeIdOf<T>,
	) -> Result<MinerNodeOf<T>, DispatchError> {
		let node = MinerNodes::<T>::get(node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		ensure!(node.owner == *who, Error::<T>::NotMinerNodeOwner);
		Ok(node)
	}

	/// The message a node's key signs to prove that `account` may register it:
	/// `(NODE_REGISTRATION_CONTEXT, genesis_hash, account, node_id)`, SCALE-encoded.
	///
	/// The genesis hash ties the proof to this chain and the account to its registrant, so a
	/// proof seen on chain cannot register the node for anyone else.
	pub fn node_registration_message(account: &T::AccountId, node_id: &[u8]) -> Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		crate::node_registration_message(&genesis, account, node_id)
	}

	/// The Ed25519 key of `node_id`, if it has one that can prove anything: `InvalidNodeId`
	/// for a node id that encodes no key, `WeakNodeKey` for a small-order or non-canonical one.
	pub(crate) fn node_key(node_id: &[u8]) -> Result<ed25519::Public, Error<T>> {
		let key = node_public_key(node_id).ok_or(Error::<T>::InvalidNodeId)?;
		ensure!(!is_weak_node_key(&key), Error::<T>::WeakNodeKey);
		Ok(ed25519::Public::from_raw(key))
	}

	pub(crate) fn do_register_miner_node(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		capacity: PlanSpec,
		hypervisor_ip: IpAddress,
		proof: ed25519::Signature,
	) -> DispatchResult {
		let key = Self::node_key(&node_id)?;
		ensure!(!MinerNodes::<T>::contains_key(&node_id), Error::<T>::MinerNodeAlreadyRegistered);
		let message = Self::node_registration_message(&who, &node_id);
		ensure!(proof.verify(&message[..], &key), Error::<T>::InvalidSignature);
		let deposit = T::MinerDeposit::get();
		Self::ensure_can_hold_liquid(&who, deposit)?;

		Self::hold(HoldReason::MinerDeposit, &who, deposit)?;
		let now = frame_system::Pallet::<T>::block_number();
		MinerNodes::<T>::insert(
			&node_id,
			MinerNode {
				owner: who.clone(),
				capacity,
				used: PlanSpec::default(),
				hypervisor_ip,
				status: MinerNodeStatus::Active,
				registered_at: now,
				deposit,
				hosted: 0,
				payout_cursor: None,
				// Registration is the node's first heartbeat; its clock starts at this block.
				last_heartbeat: now,
				live_clock: now,
			},
		);
		Self::deposit_event(Event::MinerNodeRegistered { node_id, owner: who, deposit });
		Ok(())
	}

	pub(crate) fn do_deregister_miner_node(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
	) -> DispatchResult {
		let node = Self::owned_node(&who, &node_id)?;
		ensure!(node.hosted == 0, Error::<T>::MinerNodeHasRequests);

		Self::release(HoldReason::MinerDeposit, &who, node.deposit)?;
		MinerNodes::<T>::remove(&node_id);
		NodeMetrics::<T>::remove(&node_id);
		Self::deposit_event(Event::MinerNodeDeregistered { node_id, owner: who });
		Ok(())
	}

	pub(crate) fn do_set_miner_node_status(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		status: MinerNodeStatus,
	) -> DispatchResult {
		let mut node = Self::owned_node(&who, &node_id)?;
		node.status = status;
		MinerNodes::<T>::insert(&node_id, node);
		Self::deposit_event(Event::MinerNodeStatusChanged { node_id, status });
		Ok(())
	}
}
