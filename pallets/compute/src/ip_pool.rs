//! The IP pool: free addresses (a dense, swap-remove array in `FreeIps`), each address's state
//! in `IpStates`, and the counts in `IpPool`.

use crate::{
	pallet::*, request_id_of, ComputeRequestStatus, IpAddress, IpState, RequestId, VmName,
};
use alloc::collections::BTreeSet;
use frame_support::pallet_prelude::*;
use sp_runtime::traits::Zero;

impl<T: Config> Pallet<T> {
	/// Fails unless `ip` is new to the pool and `extra` more addresses fit in it.
	pub(crate) fn ensure_can_add_ip(ip: &IpAddress, extra: u32) -> DispatchResult {
		Self::ensure_new_ip(ip)?;
		Self::ensure_pool_room(extra)
	}

	fn ensure_new_ip(ip: &IpAddress) -> DispatchResult {
		ensure!(!IpStates::<T>::contains_key(ip), Error::<T>::IpAlreadyExists);
		Ok(())
	}

	fn ensure_pool_room(extra: u32) -> DispatchResult {
		let pool = IpPool::<T>::get();
		let size = pool
			.free
			.checked_add(pool.assigned)
			.and_then(|size| size.checked_add(extra))
			.ok_or(Error::<T>::IpPoolFull)?;
		ensure!(size <= T::MaxIpPoolSize::get(), Error::<T>::IpPoolFull);
		Ok(())
	}

	/// Appends `ip` to the free addresses (checked by [`Self::ensure_can_add_ip`]).
	pub(crate) fn push_free_ip(ip: IpAddress) {
		IpPool::<T>::mutate(|pool| {
			FreeIps::<T>::insert(pool.free, ip);
			IpStates::<T>::insert(ip, IpState::Free(pool.free));
			pool.free = pool.free.saturating_add(1);
		});
	}

	/// Takes the last free address for the VM of `request_id`.
	pub(crate) fn take_next_free_ip(request_id: RequestId) -> Result<IpAddress, DispatchError> {
		let mut pool = IpPool::<T>::get();
		let last = pool.free.checked_sub(1).ok_or(Error::<T>::NoAvailableIp)?;
		let ip = FreeIps::<T>::take(last).ok_or(Error::<T>::NoAvailableIp)?;
		IpStates::<T>::insert(ip, IpState::Assigned(request_id));
		pool.free = last;
		pool.assigned = pool.assigned.saturating_add(1);
		IpPool::<T>::put(pool);
		Ok(ip)
	}

	/// Takes the free address `ip` out of `FreeIps`, moving the last free one into its slot:
	/// for the VM of `request_id`, or out of the pool for `None`.
	fn take_free_ip(ip: IpAddress, request_id: Option<RequestId>) -> DispatchResult {
		let Some(IpState::Free(index)) = IpStates::<T>::get(ip) else {
			return Err(Error::<T>::NoAvailableIp.into());
		};
		let mut pool = IpPool::<T>::get();
		let last = pool.free.saturating_sub(1);
		if index != last {
			if let Some(moved) = FreeIps::<T>::get(last) {
				FreeIps::<T>::insert(index, moved);
				IpStates::<T>::insert(moved, IpState::Free(index));
			}
		}
		FreeIps::<T>::remove(last);
		pool.free = last;
		match request_id {
			Some(request_id) => {
				IpStates::<T>::insert(ip, IpState::Assigned(request_id));
				pool.assigned = pool.assigned.saturating_add(1);
			},
			None => IpStates::<T>::remove(ip),
		}
		IpPool::<T>::put(pool);
		Ok(())
	}

	/// Returns an assigned address to the free addresses.
	pub(crate) fn free_ip(ip: IpAddress) {
		IpPool::<T>::mutate(|pool| {
			FreeIps::<T>::insert(pool.free, ip);
			IpStates::<T>::insert(ip, IpState::Free(pool.free));
			pool.free = pool.free.saturating_add(1);
			pool.assigned = pool.assigned.saturating_sub(1);
		});
	}

	pub(crate) fn do_add_ips(ips: BoundedVec<IpAddress, T::MaxIpsPerCall>) -> DispatchResult {
		ensure!(!ips.is_empty(), Error::<T>::EmptyIpList);
		Self::ensure_pool_room(ips.len() as u32)?;
		let mut seen = BTreeSet::new();
		for ip in &ips {
			ensure!(seen.insert(*ip), Error::<T>::IpAlreadyExists);
			Self::ensure_new_ip(ip)?;
		}
		for ip in &ips {
			Self::push_free_ip(*ip);
		}
		Self::deposit_event(Event::IpsAdded { ips });
		Ok(())
	}

	pub(crate) fn do_remove_ip(ip: IpAddress) -> DispatchResult {
		match IpStates::<T>::get(ip) {
			None => Err(Error::<T>::IpNotFound.into()),
			Some(IpState::Assigned(_)) => Err(Error::<T>::IpInUse.into()),
			Some(IpState::Free(_)) => {
				Self::take_free_ip(ip, None)?;
				Self::deposit_event(Event::IpRemoved { ip });
				Ok(())
			},
		}
	}

	/// The id and record of a VM's request, after checking that it is on a miner and that
	/// `caller` (if not the admin) owns the node.
	fn vm_record(
		caller: &Option<T::AccountId>,
		vm_name: &VmName,
	) -> Result<(RequestId, RequestRecordOf<T>, HostOf<T>), DispatchError> {
		let request_id = request_id_of(vm_name).ok_or(Error::<T>::InvalidVmName)?;
		let record =
			RequestRecords::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let host = record.host.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
		if let Some(who) = caller {
			ensure!(host.miner == *who, Error::<T>::NotMinerNodeOwner);
		}
		Ok((request_id, record, host))
	}

	pub(crate) fn do_assign_ip_to_vm(
		caller: Option<T::AccountId>,
		vm_name: VmName,
		ip: IpAddress,
	) -> DispatchResult {
		let (request_id, mut record, host) = Self::vm_record(&caller, &vm_name)?;
		ensure!(record.ip.is_none(), Error::<T>::VmAlreadyHasIp);
		Self::take_free_ip(ip, Some(request_id))?;
		let now = Self::now_of(&record);

		// Address rent is charged from this block on.
		let billing = &mut record.billing;
		Self::accrue(billing, now);
		billing.address_per_block = T::AddressPricePerBlock::get();
		Self::schedule(request_id, billing, now);
		record.ip = Some(ip);
		MinerComputeRequests::<T>::mutate(&host.node_id, request_id, |entry| {
			if let Some(entry) = entry {
				entry.ip_assigned = Some(ip);
			}
		});
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::IpAssignedToVm { vm_name, ip });
		Ok(())
	}

	pub(crate) fn do_release_ip_from_vm(
		caller: Option<T::AccountId>,
		vm_name: VmName,
	) -> DispatchResult {
		let (request_id, mut record, host) = Self::vm_record(&caller, &vm_name)?;
		// Running and stopped VMs keep their address until deleted.
		ensure!(
			record.status == ComputeRequestStatus::InProgress,
			Error::<T>::InvalidRequestStatus
		);
		let ip = record.ip.take().ok_or(Error::<T>::VmHasNoIp)?;
		let now = Self::now_of(&record);

		let billing = &mut record.billing;
		Self::accrue(billing, now);
		billing.address_per_block = Zero::zero();
		Self::schedule(request_id, billing, now);
		Self::free_ip(ip);
		MinerComputeRequests::<T>::mutate(&host.node_id, request_id, |entry| {
			if let Some(entry) = entry {
				entry.ip_assigned = None;
			}
		});
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::IpReleasedFromVm { vm_name, ip });
		Ok(())
	}
}
