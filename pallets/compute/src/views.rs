//! Read functions behind the `ComputeApi` runtime API. Lists are paged: at most `limit` items
//! (default [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]) after the `start_after` cursor, so
//! one call's cost is bounded; totals always count the whole list.

use crate::{
	pallet::*, request_id_of, IpAddress, IpPoolView, Page, PendingOperations, PlanId, PlanView,
	RequestId, VmName, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use alloc::vec::Vec;

/// The page size to use for a caller's `limit`.
fn page_size(limit: Option<u32>) -> usize {
	limit.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE) as usize
}

impl<T: Config> Pallet<T> {
	/// Latest metrics reported by node `node_id`.
	pub fn node_metrics(node_id: NodeIdOf<T>) -> Option<NodeMetricsOf<T>> {
		NodeMetrics::<T>::get(node_id)
	}

	/// A registered miner node.
	pub fn miner_node(node_id: NodeIdOf<T>) -> Option<MinerNodeOf<T>> {
		MinerNodes::<T>::get(node_id)
	}

	/// The IP pool. The pages walk the free addresses, then the assigned ones; `start_after` is
	/// the last address of the previous page (an address no longer in the pool gives empty
	/// pages). Free addresses are in pool order, assigned ones in storage order.
	pub fn ip_pool(start_after: Option<IpAddress>, limit: Option<u32>) -> IpPoolView {
		let limit = page_size(limit);
		let free_count = FreeIpCount::<T>::get();
		let assigned_count = AssignedIpCount::<T>::get();
		let mut view =
			IpPoolView { free_count, assigned_count, free: Vec::new(), assigned: Vec::new() };
		// Where to resume: `Some(index)` in the free list, or `None` for the assigned list
		// (from its start, or after the given assigned address).
		let (free_from, assigned_after) = match start_after {
			None => (Some(0), None),
			Some(ip) => match FreeIpIndex::<T>::get(ip) {
				Some(index) => (Some(index.saturating_add(1)), None),
				None if IpVms::<T>::contains_key(ip) => (None, Some(ip)),
				None => return view,
			},
		};
		if let Some(from) = free_from {
			view.free = (from..free_count).take(limit).filter_map(FreeIps::<T>::get).collect();
		}
		let room = limit.saturating_sub(view.free.len());
		if room > 0 {
			let iter = match assigned_after {
				Some(ip) => IpVms::<T>::iter_from(IpVms::<T>::hashed_key_for(ip)),
				None => IpVms::<T>::iter(),
			};
			view.assigned = iter.take(room).map(|(ip, vm_name)| (vm_name, ip)).collect();
		}
		view
	}

	/// The address of VM `vm_name` (`vm-<request_id>`), if it has one.
	pub fn vm_ip(vm_name: Vec<u8>) -> Option<IpAddress> {
		request_id_of(&vm_name)?;
		VmName::try_from(vm_name).ok().and_then(VmIps::<T>::get)
	}

	/// A live request.
	pub fn compute_request(request_id: RequestId) -> Option<ComputeRequestOf<T>> {
		let owner = RequestOwners::<T>::get(request_id)?;
		ComputeRequests::<T>::get(owner, request_id)
	}

	/// A user's live requests, in storage order; `start_after` is the last request id of the
	/// previous page.
	pub fn user_requests(
		owner: T::AccountId,
		start_after: Option<RequestId>,
		limit: Option<u32>,
	) -> Page<ComputeRequestOf<T>> {
		let total = UserRequestCount::<T>::get(&owner);
		let iter = match start_after {
			Some(id) => ComputeRequests::<T>::iter_prefix_from(
				&owner,
				ComputeRequests::<T>::hashed_key_for(&owner, id),
			),
			None => ComputeRequests::<T>::iter_prefix(&owner),
		};
		Page { total, items: iter.take(page_size(limit)).map(|(_, request)| request).collect() }
	}

	/// The requests hosted by node `node_id` with the operations queued on each, in storage
	/// order; `start_after` is the last request id of the previous page.
	pub fn miner_requests(
		node_id: NodeIdOf<T>,
		start_after: Option<RequestId>,
		limit: Option<u32>,
	) -> Page<MinerRequestViewOf<T>> {
		let total = MinerRequestCount::<T>::get(&node_id);
		let iter = match start_after {
			Some(id) => MinerComputeRequests::<T>::iter_prefix_from(
				&node_id,
				MinerComputeRequests::<T>::hashed_key_for(&node_id, id),
			),
			None => MinerComputeRequests::<T>::iter_prefix(&node_id),
		};
		let items = iter
			.take(page_size(limit))
			.map(|(request_id, request)| crate::MinerRequestView {
				pending: Self::pending_operations(&node_id, request_id),
				request,
			})
			.collect();
		Page { total, items }
	}

	/// What is queued for the miner on request `request_id`.
	pub fn pending_operations(node_id: &NodeIdOf<T>, request_id: RequestId) -> PendingOperations {
		PendingOperations {
			stop: MinerComputeStopRequests::<T>::contains_key(node_id, request_id),
			boot: MinerComputeBootRequests::<T>::contains_key(node_id, request_id),
			reboot: MinerComputeRebootRequests::<T>::contains_key(node_id, request_id),
			resize: MinerComputeResizeRequests::<T>::get(node_id, request_id)
				.map(|resize| resize.new_plan_id),
			delete: MinerComputeDeletionRequests::<T>::contains_key(node_id, request_id),
		}
	}

	/// Plans in id order; `start_after` is the last plan id of the previous page.
	pub fn plans(start_after: Option<PlanId>, limit: Option<u32>) -> Page<PlanView<BalanceOf<T>>> {
		let total = NextPlanId::<T>::get();
		let from = match start_after {
			Some(id) => id.saturating_add(1),
			None => 0,
		};
		let items = (from..total)
			.take(page_size(limit))
			.filter_map(|plan_id| {
				Plans::<T>::get(plan_id).map(|plan| PlanView {
					plan_id,
					spec: plan.spec,
					price_per_block: plan.price_per_block,
					active: plan.active,
				})
			})
			.collect();
		Page { total, items }
	}

	/// The rent prepayment on hold for a request, and what it owes right now (rent to its
	/// miner plus address rent, not yet settled).
	pub fn rental_balance(request_id: RequestId) -> Option<(BalanceOf<T>, BalanceOf<T>)> {
		let billing = RentalPrepayments::<T>::get(request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		let owed = Self::charges_until(&billing, now);
		Some((billing.held, sp_runtime::Saturating::saturating_add(owed.rent, owed.address)))
	}
}
