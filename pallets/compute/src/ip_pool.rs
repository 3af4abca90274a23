//! The IP pool: free addresses (a dense, swap-remove array) and VM assignments.

use crate::{pallet::*, request_id_of, ComputeRequestStatus, IpAddress, VmName};
use alloc::collections::BTreeSet;
use frame_support::pallet_prelude::*;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Fails unless `ip` is new to the pool and `extra` more addresses fit in it.
	pub(crate) fn ensure_can_add_ip(ip: &IpAddress, extra: u32) -> DispatchResult {
		ensure!(
			!FreeIpIndex::<T>::contains_key(ip) && !IpVms::<T>::contains_key(ip),
			Error::<T>::IpAlreadyExists
		);
		Self::ensure_pool_room(extra)
	}

	fn ensure_pool_room(extra: u32) -> DispatchResult {
		let size = FreeIpCount::<T>::get()
			.checked_add(AssignedIpCount::<T>::get())
			.and_then(|size| size.checked_add(extra))
			.ok_or(Error::<T>::IpPoolFull)?;
		ensure!(size <= T::MaxIpPoolSize::get(), Error::<T>::IpPoolFull);
		Ok(())
	}

	/// Appends `ip` to the free addresses (checked by [`Self::ensure_can_add_ip`]).
	pub(crate) fn push_free_ip(ip: IpAddress) {
		let index = FreeIpCount::<T>::get();
		FreeIps::<T>::insert(index, ip);
		FreeIpIndex::<T>::insert(ip, index);
		FreeIpCount::<T>::put(index.saturating_add(1));
	}

	/// The free address `fulfill_compute_request` takes next.
	pub(crate) fn last_free_ip() -> Option<IpAddress> {
		FreeIpCount::<T>::get().checked_sub(1).and_then(FreeIps::<T>::get)
	}

	/// Removes a free address, moving the last free one into its slot. Returns whether it was
	/// free.
	fn take_free_ip(ip: &IpAddress) -> bool {
		let Some(index) = FreeIpIndex::<T>::take(ip) else { return false };
		let last = FreeIpCount::<T>::get().saturating_sub(1);
		if index != last {
			if let Some(moved) = FreeIps::<T>::get(last) {
				FreeIps::<T>::insert(index, moved);
				FreeIpIndex::<T>::insert(moved, index);
			}
		}
		FreeIps::<T>::remove(last);
		FreeIpCount::<T>::put(last);
		true
	}

	/// Assigns the free address `ip` to `vm_name`.
	pub(crate) fn assign_free_ip(vm_name: &VmName, ip: IpAddress) {
		if Self::take_free_ip(&ip) {
			VmIps::<T>::insert(vm_name, ip);
			IpVms::<T>::insert(ip, vm_name);
			AssignedIpCount::<T>::mutate(|count| *count = count.saturating_add(1));
		}
	}

	/// Returns `vm_name`'s address, if any, to the free addresses.
	pub(crate) fn release_vm_ip(vm_name: &VmName) -> Option<IpAddress> {
		let ip = VmIps::<T>::take(vm_name)?;
		IpVms::<T>::remove(ip);
		AssignedIpCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		Self::push_free_ip(ip);
		Some(ip)
	}

	pub(crate) fn do_add_ips(ips: BoundedVec<IpAddress, T::MaxIpsPerCall>) -> DispatchResult {
		ensure!(!ips.is_empty(), Error::<T>::EmptyIpList);
		Self::ensure_pool_room(ips.len() as u32)?;
		let mut seen = BTreeSet::new();
		for ip in &ips {
			ensure!(seen.insert(*ip), Error::<T>::IpAlreadyExists);
			Self::ensure_can_add_ip(ip, 0)?;
		}
		for ip in &ips {
			Self::push_free_ip(*ip);
		}
		Self::deposit_event(Event::IpsAdded { ips });
		Ok(())
	}

	pub(crate) fn do_remove_ip(ip: IpAddress) -> DispatchResult {
		ensure!(!IpVms::<T>::contains_key(ip), Error::<T>::IpInUse);
		ensure!(Self::take_free_ip(&ip), Error::<T>::IpNotFound);
		Self::deposit_event(Event::IpRemoved { ip });
		Ok(())
	}

	/// The hosting node and the request of a VM, after checking that `caller` (if not the
	/// admin) owns the node.
	fn vm_context(
		caller: &Option<T::AccountId>,
		vm_name: &VmName,
	) -> Result<(NodeIdOf<T>, ComputeRequestOf<T>), DispatchError> {
		let request_id = request_id_of(vm_name).ok_or(Error::<T>::InvalidVmName)?;
		let owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(request.status.is_on_miner(), Error::<T>::InvalidRequestStatus);
		let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
		if let Some(who) = caller {
			Self::owned_node(who, &node_id)?;
		}
		Ok((node_id, request))
	}

	pub(crate) fn do_assign_ip_to_vm(
		caller: Option<T::AccountId>,
		vm_name: VmName,
		ip: IpAddress,
	) -> DispatchResult {
		let (node_id, request) = Self::vm_context(&caller, &vm_name)?;
		ensure!(!VmIps::<T>::contains_key(&vm_name), Error::<T>::VmAlreadyHasIp);
		ensure!(FreeIpIndex::<T>::contains_key(ip), Error::<T>::NoAvailableIp);
		let mut entry = MinerComputeRequests::<T>::get(&node_id, request.request_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		let mut billing = Self::billing_of(request.request_id)?;
		let now = frame_system::Pallet::<T>::block_number();

		// Address rent is charged from this block on.
		Self::settle(request.request_id, &request.owner, None, &mut billing, now)?;
		billing.address_per_block = T::AddressPricePerBlock::get();
		Self::reschedule(request.request_id, &mut billing, now);
		RentalPrepayments::<T>::insert(request.request_id, billing);
		Self::assign_free_ip(&vm_name, ip);
		entry.ip_assigned = Some(ip);
		MinerComputeRequests::<T>::insert(&node_id, request.request_id, entry);
		Self::deposit_event(Event::IpAssignedToVm { vm_name, ip });
		Ok(())
	}

	pub(crate) fn do_release_ip_from_vm(
		caller: Option<T::AccountId>,
		vm_name: VmName,
	) -> DispatchResult {
		let (node_id, request) = Self::vm_context(&caller, &vm_name)?;
		// Running and stopped VMs keep their address until deleted.
		ensure!(
			request.status == ComputeRequestStatus::InProgress,
			Error::<T>::InvalidRequestStatus
		);
		ensure!(VmIps::<T>::contains_key(&vm_name), Error::<T>::VmHasNoIp);
		let mut entry = MinerComputeRequests::<T>::get(&node_id, request.request_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		let mut billing = Self::billing_of(request.request_id)?;
		let now = frame_system::Pallet::<T>::block_number();

		Self::settle(request.request_id, &request.owner, None, &mut billing, now)?;
		billing.address_per_block = Zero::zero();
		Self::reschedule(request.request_id, &mut billing, now);
		RentalPrepayments::<T>::insert(request.request_id, billing);
		let ip = Self::release_vm_ip(&vm_name).ok_or(Error::<T>::VmHasNoIp)?;
		entry.ip_assigned = None;
		MinerComputeRequests::<T>::insert(&node_id, request.request_id, entry);
		Self::deposit_event(Event::IpReleasedFromVm { vm_name, ip });
		Ok(())
	}
}
