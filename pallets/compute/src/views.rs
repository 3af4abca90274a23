//! Read functions behind the `ComputeApi` runtime API. Lists are paged: at most `limit` items
//! (default [`DEFAULT_PAGE_SIZE`], at most [`MAX_PAGE_SIZE`]) after the `start_after` cursor, so
//! one call's cost is bounded; totals always count the whole list.

use crate::{
	pallet::*, request_id_of, vm_name_of, ComputeRequestStatus, IpAddress, IpPoolView, IpState,
	Operation, Page, PendingOperations, PlanId, PlanSpec, PlanView, QueuedOperations, RequestId,
	RequestScan, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_REQUEST_SCAN,
};
use alloc::vec::Vec;
use sp_runtime::Saturating;

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
	/// pages). Free addresses are in pool order, assigned ones in storage order; a page of
	/// assigned addresses skips the free ones among the keys of `IpStates` it reads.
	pub fn ip_pool(start_after: Option<IpAddress>, limit: Option<u32>) -> IpPoolView {
		let limit = page_size(limit);
		let pool = IpPool::<T>::get();
		let mut view = IpPoolView {
			free_count: pool.free,
			assigned_count: pool.assigned,
			free: Vec::new(),
			assigned: Vec::new(),
		};
		// Where to resume: `Some(index)` in the free list, or `None` for the assigned list
		// (from its start, or after the given assigned address).
		let (free_from, assigned_after) = match start_after {
			None => (Some(0), None),
			Some(ip) => match IpStates::<T>::get(ip) {
				Some(IpState::Free(index)) => (Some(index.saturating_add(1)), None),
				Some(IpState::Assigned(_)) => (None, Some(ip)),
				None => return view,
			},
		};
		if let Some(from) = free_from {
			view.free = (from..pool.free).take(limit).filter_map(FreeIps::<T>::get).collect();
		}
		let room = limit.saturating_sub(view.free.len());
		if room > 0 && pool.assigned > 0 {
			let iter = match assigned_after {
				Some(ip) => IpStates::<T>::iter_from(IpStates::<T>::hashed_key_for(ip)),
				None => IpStates::<T>::iter(),
			};
			view.assigned = iter
				.filter_map(|(ip, state)| match state {
					IpState::Assigned(request_id) => Some((vm_name_of(request_id), ip)),
					IpState::Free(_) => None,
				})
				.take(room)
				.collect();
		}
		view
	}

	/// The address of VM `vm_name` (`vm-<request_id>`), if it has one.
	pub fn vm_ip(vm_name: Vec<u8>) -> Option<IpAddress> {
		RequestRecords::<T>::get(request_id_of(&vm_name)?)?.ip
	}

	/// A live request.
	pub fn compute_request(request_id: RequestId) -> Option<ComputeRequestOf<T>> {
		let record = RequestRecords::<T>::get(request_id)?;
		ComputeRequests::<T>::get(record.owner, request_id)
	}

	/// The market's requests, newest first: all of them, or those in `status`. The page holds
	/// ids below `before` (below `NextRequestId` when `None`), at most `limit` requests, from at
	/// most [`MAX_REQUEST_SCAN`] ids read; `next` is where the next page starts.
	pub fn requests(
		status: Option<ComputeRequestStatus>,
		before: Option<RequestId>,
		limit: Option<u32>,
	) -> RequestScan<ComputeRequestOf<T>> {
		let counts = RequestsInStatus::<T>::get();
		let total = status.map_or_else(|| counts.total(), |status| counts.get(status));
		let limit = page_size(limit);
		let mut scan = RequestScan { total, items: Vec::new(), next: None };
		let next_id = NextRequestId::<T>::get();
		let mut id = before.map_or(next_id, |before| before.min(next_id));
		for _ in 0..MAX_REQUEST_SCAN {
			if id == 0 || scan.items.len() >= limit {
				break;
			}
			id = id.saturating_sub(1);
			let Some(record) = RequestRecords::<T>::get(id) else { continue };
			if status.is_some_and(|status| status != record.status) {
				continue;
			}
			if let Some(request) = ComputeRequests::<T>::get(&record.owner, id) {
				scan.items.push(request);
			}
		}
		scan.next = (id > 0).then_some(id);
		scan
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

	/// How many requests node `node_id` hosts, and its entries in `MinerComputeRequests` in
	/// storage order, after request `start_after` if given.
	fn hosted_from(
		node_id: &NodeIdOf<T>,
		start_after: Option<RequestId>,
	) -> (u32, impl Iterator<Item = (RequestId, MinerComputeRequestOf<T>)>) {
		let total = MinerNodes::<T>::get(node_id).map(|node| node.hosted).unwrap_or_default();
		let iter = match start_after {
			Some(id) => MinerComputeRequests::<T>::iter_prefix_from(
				node_id,
				MinerComputeRequests::<T>::hashed_key_for(node_id, id),
			),
			None => MinerComputeRequests::<T>::iter_prefix(node_id),
		};
		(total, iter)
	}

	/// The requests hosted by node `node_id` with the operations queued on each, in storage
	/// order; `start_after` is the last request id of the previous page.
	pub fn miner_requests(
		node_id: NodeIdOf<T>,
		start_after: Option<RequestId>,
		limit: Option<u32>,
	) -> Page<MinerRequestViewOf<T>> {
		let (total, iter) = Self::hosted_from(&node_id, start_after);
		let items = iter
			.take(page_size(limit))
			.map(|(request_id, request)| crate::MinerRequestView {
				pending: Self::pending_operations(&node_id, request_id),
				request,
			})
			.collect();
		Page { total, items }
	}

	/// The requests hosted by node `node_id`, each with everything its agent needs, in storage
	/// order; `start_after` is the last request id of the previous page. One read of the chain
	/// state at one block, so status, address and queued operations always agree.
	pub fn hosted_requests(
		node_id: NodeIdOf<T>,
		start_after: Option<RequestId>,
		limit: Option<u32>,
	) -> Page<HostedRequestOf<T>> {
		let (total, iter) = Self::hosted_from(&node_id, start_after);
		let items = iter
			.take(page_size(limit))
			.filter_map(|(request_id, hosted)| {
				let record = RequestRecords::<T>::get(request_id)?;
				let request = ComputeRequests::<T>::get(&record.owner, request_id)?;
				// The entry is under `node_id`, so the record's queue is this node's.
				let (pending, resize_spec) = Self::pending_of(&node_id, request_id, record.queued);
				Some(crate::HostedRequest {
					request_id,
					status: record.status,
					fulfilled: hosted.fulfilled,
					ip: record.ip,
					plan_id: request.plan_id,
					spec: request.plan_technical_description,
					image: request.selected_image,
					cloud_init: request.cloud_init_cid,
					pending,
					resize_spec,
				})
			})
			.collect();
		Page { total, items }
	}

	/// What is queued for the miner on request `request_id`.
	pub fn pending_operations(node_id: &NodeIdOf<T>, request_id: RequestId) -> PendingOperations {
		let queued = RequestRecords::<T>::get(request_id)
			.filter(|record| record.host.as_ref().is_some_and(|host| host.node_id == *node_id))
			.map(|record| record.queued)
			.unwrap_or_default();
		Self::pending_of(node_id, request_id, queued).0
	}

	/// The operations in `queued`, the queue of request `request_id` on node `node_id`, and the
	/// resources of the plan a queued resize moves to; the resize entry is read once.
	fn pending_of(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		queued: QueuedOperations,
	) -> (PendingOperations, Option<PlanSpec>) {
		let resize = queued
			.contains(Operation::Resize)
			.then(|| MinerComputeResizeRequests::<T>::get(node_id, request_id))
			.flatten();
		let pending = PendingOperations {
			stop: queued.contains(Operation::Stop),
			boot: queued.contains(Operation::Boot),
			reboot: queued.contains(Operation::Reboot),
			resize: resize.as_ref().map(|resize| resize.new_plan_id),
			delete: queued.contains(Operation::Delete),
		};
		(pending, resize.map(|resize| resize.new_spec))
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
	/// miner plus address rent, not yet paid or burned).
	pub fn rental_balance(request_id: RequestId) -> Option<(BalanceOf<T>, BalanceOf<T>)> {
		let record = RequestRecords::<T>::get(request_id)?;
		let owed = Self::charges_until(&record.billing, Self::now_of(&record));
		let billing = record.billing;
		let owed = owed.rent.saturating_add(owed.address);
		Some((
			billing.held,
			owed.saturating_add(billing.rent_owed).saturating_add(billing.address_owed),
		))
	}
}
