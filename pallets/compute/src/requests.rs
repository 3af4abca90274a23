//! The lifecycle of compute requests: create, assign, fulfil, fail, owner operations and the
//! miner's confirmations of them, cancel and delete.

use crate::{
	pallet::*, vm_name_of, ComputeRequest, ComputeRequestStatus, MinerComputeRequest, Operation,
	PlanId, RentalBilling, RequestId, ResizeRequest,
};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, ArithmeticError};

/// A live request hosted by a node whose owner is the caller.
pub(crate) struct Hosted<T: Config> {
	/// The request's owner.
	pub owner: T::AccountId,
	/// The hosting node.
	pub node: MinerNodeOf<T>,
	/// The request.
	pub request: ComputeRequestOf<T>,
}

impl<T: Config> Pallet<T> {
	/// The live request `request_id`, if `who` owns it.
	pub(crate) fn owned_request(
		who: &T::AccountId,
		request_id: RequestId,
	) -> Result<ComputeRequestOf<T>, DispatchError> {
		let owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(owner == *who, Error::<T>::NotRequestOwner);
		ComputeRequests::<T>::get(&owner, request_id)
			.ok_or_else(|| Error::<T>::ComputeRequestNotFound.into())
	}

	/// The live request `request_id`, if it is on node `node_id` and `who` owns that node.
	pub(crate) fn hosted_request(
		who: &T::AccountId,
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
	) -> Result<Hosted<T>, DispatchError> {
		let owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let node = Self::owned_node(who, node_id)?;
		let request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(
			request.status.is_on_miner() && request.miner_id.as_ref() == Some(node_id),
			Error::<T>::RequestNotAssignedToNode
		);
		Ok(Hosted { owner, node, request })
	}

	/// The account paid for a request's VM: the hosting node's owner, if it is on a miner.
	pub(crate) fn hosting_account(
		request: &ComputeRequestOf<T>,
	) -> Result<Option<T::AccountId>, DispatchError> {
		match (&request.miner_id, request.status.is_on_miner()) {
			(Some(node_id), true) => MinerNodes::<T>::get(node_id)
				.map(|node| Some(node.owner))
				.ok_or_else(|| Error::<T>::MinerNodeNotFound.into()),
			_ => Ok(None),
		}
	}

	fn billing_of(request_id: RequestId) -> Result<RentalBillingOf<T>, DispatchError> {
		RentalPrepayments::<T>::get(request_id)
			.ok_or_else(|| Error::<T>::ComputeRequestNotFound.into())
	}

	/// Resources a request takes on its node: its plan, or the larger of its plan and a queued
	/// resize's.
	pub(crate) fn reserved_spec(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		request: &ComputeRequestOf<T>,
	) -> crate::PlanSpec {
		let current = request.plan_technical_description;
		match MinerComputeResizeRequests::<T>::get(node_id, request_id) {
			Some(resize) => current.max(&resize.new_spec),
			None => current,
		}
	}

	pub(crate) fn do_create_compute_request(
		who: T::AccountId,
		plan_id: PlanId,
		image: ImageMetadataOf<T>,
		cloud_init_cid: Option<BoundedStringOf<T>>,
		miner_id: Option<NodeIdOf<T>>,
	) -> DispatchResult {
		let plan = Plans::<T>::get(plan_id).ok_or(Error::<T>::PlanNotFound)?;
		ensure!(plan.active, Error::<T>::PlanNotActive);
		let count = UserRequestCount::<T>::get(&who);
		ensure!(count < T::MaxRequestsPerUser::get(), Error::<T>::TooManyRequests);
		let request_id = NextRequestId::<T>::get();
		let next_id = request_id.checked_add(1).ok_or(Error::<T>::RequestIdOverflow)?;
		let prepayment = Self::prepayment_for(plan.price_per_block)?;
		Self::ensure_can_hold_liquid(&who, prepayment)?;

		Self::hold_rent(&who, prepayment)?;
		let now = frame_system::Pallet::<T>::block_number();
		NextRequestId::<T>::put(next_id);
		ComputeRequests::<T>::insert(
			&who,
			request_id,
			ComputeRequest {
				request_id,
				plan_id,
				plan_technical_description: plan.spec,
				status: ComputeRequestStatus::Pending,
				created_at: now,
				owner: who.clone(),
				selected_image: image,
				is_assigned: false,
				cloud_init_cid,
				miner_id,
			},
		);
		RequestOwners::<T>::insert(request_id, &who);
		UserRequestCount::<T>::insert(&who, count.saturating_add(1));
		RentalPrepayments::<T>::insert(
			request_id,
			RentalBilling {
				held: prepayment,
				price_per_block: plan.price_per_block,
				charged_from: now,
				expires_at: None,
			},
		);
		Self::deposit_event(Event::ComputeRequestCreated { request_id, plan_id, owner: who });
		Ok(())
	}

	pub(crate) fn do_submit_compute_request_assignment(
		caller: Option<T::AccountId>,
		node_id: NodeIdOf<T>,
		plan_id: PlanId,
		request_id: RequestId,
		owner: T::AccountId,
	) -> DispatchResult {
		let actual_owner =
			RequestOwners::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(actual_owner == owner, Error::<T>::OwnerMismatch);
		let mut request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(request.plan_id == plan_id, Error::<T>::PlanMismatch);
		ensure!(request.status == ComputeRequestStatus::Pending, Error::<T>::InvalidRequestStatus);
		let mut node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		if let Some(who) = &caller {
			ensure!(node.owner == *who, Error::<T>::NotMinerNodeOwner);
		}
		ensure!(node.status == crate::MinerNodeStatus::Active, Error::<T>::MinerNodeNotActive);
		if let Some(preferred) = &request.miner_id {
			ensure!(*preferred == node_id, Error::<T>::MinerPreferenceMismatch);
		}
		let miner_count = MinerRequestCount::<T>::get(&node_id);
		ensure!(miner_count < T::MaxRequestsPerMiner::get(), Error::<T>::TooManyMinerRequests);
		node.used = node
			.used
			.checked_add(&request.plan_technical_description)
			.filter(|used| used.fits_within(&node.capacity))
			.ok_or(Error::<T>::InsufficientCapacity)?;

		let now = frame_system::Pallet::<T>::block_number();
		MinerComputeRequests::<T>::insert(
			&node_id,
			request_id,
			MinerComputeRequest {
				miner_node_id: node_id.clone(),
				miner_account_id: node.owner.clone(),
				job_id: None,
				hypervisor_ip: None,
				fail_reason: None,
				vnc_port: None,
				ip_assigned: None,
				request_id,
				plan_id,
				created_at: now,
				fulfilled: false,
			},
		);
		MinerRequestCount::<T>::insert(&node_id, miner_count.saturating_add(1));
		MinerNodes::<T>::insert(&node_id, node);
		request.status = ComputeRequestStatus::InProgress;
		request.is_assigned = true;
		request.miner_id = Some(node_id.clone());
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeRequestSubmitted {
			miner_node_id: node_id,
			request_id,
			owner,
		});
		Ok(())
	}

	pub(crate) fn do_fulfill_compute_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
		job_id: Option<BoundedStringOf<T>>,
		hypervisor_ip: Option<crate::IpAddress>,
		vnc_port: Option<u16>,
	) -> DispatchResult {
		let Hosted { owner, mut request, .. } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			request.status == ComputeRequestStatus::InProgress,
			Error::<T>::InvalidRequestStatus
		);
		let mut entry = MinerComputeRequests::<T>::get(&node_id, request_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		let vm_name = vm_name_of(request_id);
		let assigned = VmIps::<T>::get(&vm_name);
		let ip = match assigned {
			Some(ip) => ip,
			None => Self::last_free_ip().ok_or(Error::<T>::NoAvailableIp)?,
		};
		let now = frame_system::Pallet::<T>::block_number();
		let mut billing = Self::billing_of(request_id)?;
		billing.charged_from = now;
		let slot = Self::find_expiry_slot(request_id, &billing, now)?;

		if assigned.is_none() {
			Self::assign_free_ip(&vm_name, ip);
		}
		Self::schedule_expiry(request_id, &mut billing, slot)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		entry.fulfilled = true;
		entry.job_id = job_id;
		entry.hypervisor_ip = hypervisor_ip;
		entry.vnc_port = vnc_port;
		entry.ip_assigned = Some(ip);
		MinerComputeRequests::<T>::insert(&node_id, request_id, entry);
		request.status = ComputeRequestStatus::Running;
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeRequestFulfilled { node_id, request_id, owner, ip });
		Ok(())
	}

	/// Takes a hosted request off its node: settles rent, drops its low-funds check, returns its
	/// address, frees its capacity and drops everything queued for it. Returns the prepayment
	/// left, which the caller releases.
	fn detach_from_miner(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		hosted: Hosted<T>,
		now: BlockNumberFor<T>,
	) -> Result<RentalBillingOf<T>, DispatchError> {
		let Hosted { owner, mut node, request } = hosted;
		let mut billing = Self::billing_of(request_id)?;
		let reserved = Self::reserved_spec(node_id, request_id, &request);
		node.used = node.used.checked_sub(&reserved).ok_or(ArithmeticError::Underflow)?;

		Self::settle(request_id, &owner, &node.owner, request.status, &mut billing, now)?;
		Self::unschedule_expiry(request_id, &mut billing);
		Self::release_vm_ip(&vm_name_of(request_id));
		MinerNodes::<T>::insert(node_id, node);
		MinerComputeStopRequests::<T>::remove(node_id, request_id);
		MinerComputeBootRequests::<T>::remove(node_id, request_id);
		MinerComputeRebootRequests::<T>::remove(node_id, request_id);
		MinerComputeResizeRequests::<T>::remove(node_id, request_id);
		MinerComputeDeletionRequests::<T>::remove(node_id, request_id);
		MinerComputeRequests::<T>::remove(node_id, request_id);
		MinerRequestCount::<T>::mutate_exists(node_id, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		Ok(billing)
	}

	/// Returns what is left of a request's prepayment to its owner and drops the record.
	fn refund_rest(
		owner: &T::AccountId,
		request_id: RequestId,
		billing: RentalBillingOf<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		Self::release_rent(owner, billing.held)?;
		RentalPrepayments::<T>::remove(request_id);
		Ok(billing.held)
	}

	/// Removes a request from its owner's records.
	fn remove_request(owner: &T::AccountId, request_id: RequestId) {
		ComputeRequests::<T>::remove(owner, request_id);
		RequestOwners::<T>::remove(request_id);
		UserRequestCount::<T>::mutate_exists(owner, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
	}

	pub(crate) fn do_report_compute_request_failure(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
		fail_reason: BoundedStringOf<T>,
	) -> DispatchResult {
		let hosted = Self::hosted_request(&who, &node_id, request_id)?;
		let owner = hosted.owner.clone();
		let mut request = hosted.request.clone();
		let now = frame_system::Pallet::<T>::block_number();
		let billing = Self::detach_from_miner(&node_id, request_id, hosted, now)?;
		Self::refund_rest(&owner, request_id, billing)?;
		request.status = ComputeRequestStatus::Failed;
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeRequestFailed {
			node_id,
			request_id,
			owner,
			reason: fail_reason,
		});
		Ok(())
	}

	/// Queues `op` for the miner hosting the request.
	pub(crate) fn do_request_operation(
		who: T::AccountId,
		request_id: RequestId,
		op: Operation,
	) -> DispatchResult {
		use ComputeRequestStatus::{Running, Stopped};
		let request = Self::owned_request(&who, request_id)?;
		let allowed = match op {
			Operation::Stop | Operation::Reboot => request.status == Running,
			Operation::Boot => request.status == Stopped,
			Operation::Resize(_) => matches!(request.status, Running | Stopped),
		};
		ensure!(allowed, Error::<T>::InvalidRequestStatus);
		let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
		ensure!(
			!MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		let mut node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		let mut billing = Self::billing_of(request_id)?;
		let mut resize = None;
		match op {
			Operation::Stop => ensure!(
				!MinerComputeStopRequests::<T>::contains_key(&node_id, request_id),
				Error::<T>::ComputeStopRequestAlreadyExists
			),
			Operation::Boot => {
				ensure!(
					!MinerComputeBootRequests::<T>::contains_key(&node_id, request_id),
					Error::<T>::ComputeBootRequestAlreadyExists
				);
				ensure!(
					billing.held > Self::low_funds_amount(billing.price_per_block),
					Error::<T>::PrepaymentTooLow
				);
			},
			Operation::Reboot => ensure!(
				!MinerComputeRebootRequests::<T>::contains_key(&node_id, request_id),
				Error::<T>::ComputeRebootRequestAlreadyExists
			),
			Operation::Resize(new_plan_id) => {
				ensure!(
					!MinerComputeResizeRequests::<T>::contains_key(&node_id, request_id),
					Error::<T>::ComputeResizeRequestAlreadyExists
				);
				let plan = Plans::<T>::get(new_plan_id).ok_or(Error::<T>::PlanNotFound)?;
				ensure!(plan.active, Error::<T>::PlanNotActive);
				ensure!(new_plan_id != request.plan_id, Error::<T>::SamePlan);
				let current = request.plan_technical_description;
				node.used = node
					.used
					.checked_sub(&current)
					.and_then(|used| used.checked_add(&current.max(&plan.spec)))
					.filter(|used| used.fits_within(&node.capacity))
					.ok_or(Error::<T>::InsufficientCapacity)?;
				resize = Some(ResizeRequest {
					new_plan_id,
					new_spec: plan.spec,
					new_price_per_block: plan.price_per_block,
					requested_at: frame_system::Pallet::<T>::block_number(),
				});
			},
		}

		let now = frame_system::Pallet::<T>::block_number();
		Self::settle(request_id, &who, &node.owner, request.status, &mut billing, now)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		let event = match op {
			Operation::Stop => {
				MinerComputeStopRequests::<T>::insert(&node_id, request_id, now);
				Event::ComputeStopRequested { node_id, request_id, owner: who }
			},
			Operation::Boot => {
				MinerComputeBootRequests::<T>::insert(&node_id, request_id, now);
				Event::ComputeBootRequested { node_id, request_id, owner: who }
			},
			Operation::Reboot => {
				MinerComputeRebootRequests::<T>::insert(&node_id, request_id, now);
				Event::ComputeRebootRequested { node_id, request_id, owner: who }
			},
			Operation::Resize(new_plan_id) => {
				if let Some(resize) = resize {
					MinerComputeResizeRequests::<T>::insert(&node_id, request_id, resize);
				}
				MinerNodes::<T>::insert(&node_id, node);
				Event::ComputeResizeRequested { node_id, request_id, owner: who, new_plan_id }
			},
		};
		Self::deposit_event(event);
		Ok(())
	}

	pub(crate) fn do_request_compute_delete(
		who: T::AccountId,
		request_id: RequestId,
	) -> DispatchResult {
		let request = Self::owned_request(&who, request_id)?;
		if request.status.is_on_miner() {
			let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
			ensure!(
				!MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id),
				Error::<T>::ComputeDeletionRequestAlreadyExists
			);
			let node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
			let mut billing = Self::billing_of(request_id)?;
			let now = frame_system::Pallet::<T>::block_number();
			Self::settle(request_id, &who, &node.owner, request.status, &mut billing, now)?;
			RentalPrepayments::<T>::insert(request_id, billing);
			MinerComputeDeletionRequests::<T>::insert(&node_id, request_id, now);
			Self::deposit_event(Event::ComputeDeletionRequested {
				node_id,
				request_id,
				owner: who,
			});
		} else {
			if let Some(billing) = RentalPrepayments::<T>::get(request_id) {
				Self::refund_rest(&who, request_id, billing)?;
			}
			Self::remove_request(&who, request_id);
			Self::deposit_event(Event::ComputeRequestRemoved { request_id, owner: who });
		}
		Ok(())
	}

	pub(crate) fn do_fulfill_stop_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let Hosted { owner, node, mut request } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeStopRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeStopRequestNotFound
		);
		ensure!(request.status == ComputeRequestStatus::Running, Error::<T>::InvalidRequestStatus);
		let mut billing = Self::billing_of(request_id)?;

		let now = frame_system::Pallet::<T>::block_number();
		Self::settle(request_id, &owner, &node.owner, request.status, &mut billing, now)?;
		Self::unschedule_expiry(request_id, &mut billing);
		RentalPrepayments::<T>::insert(request_id, billing);
		MinerComputeStopRequests::<T>::remove(&node_id, request_id);
		MinerComputeRebootRequests::<T>::remove(&node_id, request_id);
		request.status = ComputeRequestStatus::Stopped;
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeStopRequestFulfilled { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_boot_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let Hosted { owner, mut request, .. } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeBootRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeBootRequestNotFound
		);
		ensure!(request.status == ComputeRequestStatus::Stopped, Error::<T>::InvalidRequestStatus);
		let mut billing = Self::billing_of(request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		billing.charged_from = now;
		let slot = Self::find_expiry_slot(request_id, &billing, now)?;

		Self::schedule_expiry(request_id, &mut billing, slot)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		MinerComputeBootRequests::<T>::remove(&node_id, request_id);
		request.status = ComputeRequestStatus::Running;
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeBootRequestRemoved { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_reboot_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let Hosted { owner, node, request } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeRebootRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeRebootRequestNotFound
		);
		let mut billing = Self::billing_of(request_id)?;

		let now = frame_system::Pallet::<T>::block_number();
		Self::settle(request_id, &owner, &node.owner, request.status, &mut billing, now)?;
		RentalPrepayments::<T>::insert(request_id, billing);
		MinerComputeRebootRequests::<T>::remove(&node_id, request_id);
		Self::deposit_event(Event::ComputeRebootRequestFulfilled { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_resize_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let Hosted { owner, mut node, mut request } =
			Self::hosted_request(&who, &node_id, request_id)?;
		let resize = MinerComputeResizeRequests::<T>::get(&node_id, request_id)
			.ok_or(Error::<T>::ComputeResizeRequestNotFound)?;
		let mut entry = MinerComputeRequests::<T>::get(&node_id, request_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		let reserved = request.plan_technical_description.max(&resize.new_spec);
		node.used = node
			.used
			.checked_sub(&reserved)
			.and_then(|used| used.checked_add(&resize.new_spec))
			.ok_or(ArithmeticError::Underflow)?;
		let mut billing = Self::billing_of(request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		let slot = if request.status == ComputeRequestStatus::Running {
			let mut after = Self::settled(&billing, request.status, now, Zero::zero());
			after.price_per_block = resize.new_price_per_block;
			Some(Self::find_expiry_slot(request_id, &after, now)?)
		} else {
			None
		};

		Self::settle(request_id, &owner, &node.owner, request.status, &mut billing, now)?;
		billing.price_per_block = resize.new_price_per_block;
		if let Some(slot) = slot {
			Self::schedule_expiry(request_id, &mut billing, slot)?;
		}
		RentalPrepayments::<T>::insert(request_id, billing);
		MinerNodes::<T>::insert(&node_id, node);
		MinerComputeResizeRequests::<T>::remove(&node_id, request_id);
		entry.plan_id = resize.new_plan_id;
		MinerComputeRequests::<T>::insert(&node_id, request_id, entry);
		request.plan_id = resize.new_plan_id;
		request.plan_technical_description = resize.new_spec;
		ComputeRequests::<T>::insert(&owner, request_id, request);
		Self::deposit_event(Event::ComputeResizeRequestFulfilled {
			node_id,
			request_id,
			owner,
			plan_id: resize.new_plan_id,
		});
		Ok(())
	}

	pub(crate) fn do_fulfill_deletion_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let hosted = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeDeletionRequestNotFound
		);
		let owner = hosted.owner.clone();
		let now = frame_system::Pallet::<T>::block_number();
		let billing = Self::detach_from_miner(&node_id, request_id, hosted, now)?;
		Self::refund_rest(&owner, request_id, billing)?;
		Self::remove_request(&owner, request_id);
		Self::deposit_event(Event::ComputeDeletionRequestRemoved { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_cancel_compute_request(
		who: T::AccountId,
		request_id: RequestId,
	) -> DispatchResult {
		let mut request = Self::owned_request(&who, request_id)?;
		ensure!(request.status == ComputeRequestStatus::Pending, Error::<T>::InvalidRequestStatus);
		let billing = Self::billing_of(request_id)?;

		let refunded = Self::refund_rest(&who, request_id, billing)?;
		request.status = ComputeRequestStatus::Cancelled;
		ComputeRequests::<T>::insert(&who, request_id, request);
		Self::deposit_event(Event::ComputeRequestCancelled { request_id, owner: who, refunded });
		Ok(())
	}
}
