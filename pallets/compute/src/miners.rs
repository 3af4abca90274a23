//! Miner nodes: registration with a deposit, status, deregistration.

use crate::{pallet::*, IpAddress, MinerNode, MinerNodeStatus, PlanSpec};
use frame_support::{
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::traits::Zero;

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

	pub(crate) fn do_register_miner_node(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		capacity: PlanSpec,
		hypervisor_ip: IpAddress,
	) -> DispatchResult {
		ensure!(!node_id.is_empty(), Error::<T>::InvalidNodeId);
		ensure!(!MinerNodes::<T>::contains_key(&node_id), Error::<T>::MinerNodeAlreadyRegistered);
		let deposit = T::MinerDeposit::get();
		Self::ensure_can_hold_liquid(&who, deposit)?;

		if !deposit.is_zero() {
			T::Currency::hold(&Self::deposit_reason(), &who, deposit)?;
		}
		MinerNodes::<T>::insert(
			&node_id,
			MinerNode {
				owner: who.clone(),
				capacity,
				used: PlanSpec::default(),
				hypervisor_ip,
				status: MinerNodeStatus::Active,
				registered_at: frame_system::Pallet::<T>::block_number(),
				deposit,
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
		ensure!(MinerRequestCount::<T>::get(&node_id) == 0, Error::<T>::MinerNodeHasRequests);

		if !node.deposit.is_zero() {
			T::Currency::release(&Self::deposit_reason(), &who, node.deposit, Precision::Exact)?;
		}
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
