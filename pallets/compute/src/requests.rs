//! The lifecycle of compute requests: create, assign, fulfil, fail, owner operations and the
//! miner's confirmations of them, cancel and delete.

use crate::{
	pallet::*, vm_name_of, CloseReason, ComputeRequest, ComputeRequestStatus, MinerComputeRequest,
	Operation, PlanId, RentalBilling, RequestId, ResizeRequest,
};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	ArithmeticError,
};

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

	pub(crate) fn billing_of(request_id: RequestId) -> Result<RentalBillingOf<T>, DispatchError> {
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
		let deposit = T::RequestDeposit::get();
		let total = prepayment.checked_add(&deposit).ok_or(ArithmeticError::Overflow)?;
		Self::ensure_can_hold_liquid(&who, total)?;

		Self::hold(HoldReason::RentalPrepayment, &who, prepayment)?;
		Self::hold(HoldReason::RequestDeposit, &who, deposit)?;
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
				deposit,
				price_per_block: plan.price_per_block,
				rent_per_block: Zero::zero(),
				address_per_block: Zero::zero(),
				charged_from: now,
				due: None,
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
		let Hosted { owner, node, mut request } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			request.status == ComputeRequestStatus::InProgress,
			Error::<T>::InvalidRequestStatus
		);
		// The owner asked to delete the VM before it was created: the miner deletes it instead.
		ensure!(
			!MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeDeletionRequestAlreadyExists
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

		Self::settle(request_id, &owner, Some(&node.owner), &mut billing, now)?;
		if assigned.is_none() {
			Self::assign_free_ip(&vm_name, ip);
		}
		billing.rent_per_block = billing.price_per_block;
		billing.address_per_block = T::AddressPricePerBlock::get();
		Self::reschedule(request_id, &mut billing, now);
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

	/// Takes a hosted request off its node: settles its charges up to `now`, drops its
	/// schedule, returns its address, frees its capacity and drops everything queued for it.
	/// What is left on hold stays in `billing`, for the caller to return.
	fn detach_from_miner(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		hosted: Hosted<T>,
		billing: &mut RentalBillingOf<T>,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let Hosted { owner, mut node, request } = hosted;
		let reserved = Self::reserved_spec(node_id, request_id, &request);
		node.used = node.used.checked_sub(&reserved).ok_or(ArithmeticError::Underflow)?;

		Self::settle(request_id, &owner, Some(&node.owner), billing, now)?;
		billing.rent_per_block = Zero::zero();
		billing.address_per_block = Zero::zero();
		Self::set_due(request_id, billing, None);
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
		Ok(())
	}

	/// Returns all that is left of a request's prepayment to its owner.
	fn refund_rest(owner: &T::AccountId, billing: &mut RentalBillingOf<T>) -> DispatchResult {
		Self::release(HoldReason::RentalPrepayment, owner, billing.held)?;
		billing.held = Zero::zero();
		Ok(())
	}

	/// Removes a request and its billing record, returning what is left on hold and its
	/// deposit to its owner.
	pub(crate) fn remove_request(
		owner: &T::AccountId,
		request_id: RequestId,
		mut billing: RentalBillingOf<T>,
	) -> DispatchResult {
		Self::refund_rest(owner, &mut billing)?;
		Self::release(HoldReason::RequestDeposit, owner, billing.deposit)?;
		Self::set_due(request_id, &mut billing, None);
		RentalPrepayments::<T>::remove(request_id);
		ComputeRequests::<T>::remove(owner, request_id);
		RequestOwners::<T>::remove(request_id);
		UserRequestCount::<T>::mutate_exists(owner, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		Ok(())
	}

	/// Ends a request without a VM in `status` (`Cancelled` or `Failed`): returns what is left
	/// of its prepayment and schedules its record for pruning. Returns the amount returned.
	fn make_terminal(
		owner: &T::AccountId,
		mut request: ComputeRequestOf<T>,
		mut billing: RentalBillingOf<T>,
		status: ComputeRequestStatus,
		now: BlockNumberFor<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let refunded = billing.held;
		Self::refund_rest(owner, &mut billing)?;
		billing.rent_per_block = Zero::zero();
		billing.address_per_block = Zero::zero();
		billing.charged_from = now;
		let request_id = request.request_id;
		Self::set_due(
			request_id,
			&mut billing,
			Some(now.saturating_add(T::TerminalRetention::get())),
		);
		RentalPrepayments::<T>::insert(request_id, billing);
		request.status = status;
		ComputeRequests::<T>::insert(owner, request_id, request);
		Ok(refunded)
	}

	/// Removes a hosted request as if its deletion was fulfilled, for `reason`.
	pub(crate) fn close_hosted(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		hosted: Hosted<T>,
		mut billing: RentalBillingOf<T>,
		reason: CloseReason,
	) -> DispatchResult {
		let owner = hosted.owner.clone();
		let now = frame_system::Pallet::<T>::block_number();
		Self::detach_from_miner(node_id, request_id, hosted, &mut billing, now)?;
		Self::remove_request(&owner, request_id, billing)?;
		Self::deposit_event(Event::ComputeRequestClosed {
			node_id: node_id.clone(),
			request_id,
			owner,
			reason,
		});
		Ok(())
	}

	pub(crate) fn do_report_compute_request_failure(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
		fail_reason: BoundedStringOf<T>,
	) -> DispatchResult {
		let hosted = Self::hosted_request(&who, &node_id, request_id)?;
		let owner = hosted.owner.clone();
		let request = hosted.request.clone();
		let now = frame_system::Pallet::<T>::block_number();
		let mut billing = Self::billing_of(request_id)?;
		Self::detach_from_miner(&node_id, request_id, hosted, &mut billing, now)?;
		Self::make_terminal(&owner, request, billing, ComputeRequestStatus::Failed, now)?;
		Self::deposit_event(Event::ComputeRequestFailed {
			node_id,
			request_id,
			owner,
			reason: fail_reason,
		});
		Ok(())
	}

	/// Queues `op` for the miner hosting the request.
	///
	/// A stop ends the rent at once; a resize lowers it to the cheaper plan's price until it is
	/// fulfilled; a boot or reboot changes no charge until the miner acts.
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
		let now = frame_system::Pallet::<T>::block_number();
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
				let charges = Self::charges_until(&billing, now);
				let left = billing.held.saturating_sub(charges.rent).saturating_sub(charges.address);
				ensure!(
					left > Self::low_funds_amount(billing.price_per_block),
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
					requested_at: now,
				});
			},
		}

		let event = match op {
			Operation::Stop => {
				Self::settle(request_id, &who, Some(&node.owner), &mut billing, now)?;
				billing.rent_per_block = Zero::zero();
				Self::reschedule(request_id, &mut billing, now);
				RentalPrepayments::<T>::insert(request_id, billing);
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
					if !billing.rent_per_block.is_zero() {
						Self::settle(request_id, &who, Some(&node.owner), &mut billing, now)?;
						billing.rent_per_block =
							billing.rent_per_block.min(resize.new_price_per_block);
						Self::reschedule(request_id, &mut billing, now);
						RentalPrepayments::<T>::insert(request_id, billing);
					}
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
		let mut billing = Self::billing_of(request_id)?;
		if request.status.is_on_miner() {
			let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
			ensure!(
				!MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id),
				Error::<T>::ComputeDeletionRequestAlreadyExists
			);
			let node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
			let now = frame_system::Pallet::<T>::block_number();
			// Rent stops now; the address is paid for until it goes back to the pool.
			Self::settle(request_id, &who, Some(&node.owner), &mut billing, now)?;
			billing.rent_per_block = Zero::zero();
			Self::reschedule(request_id, &mut billing, now);
			RentalPrepayments::<T>::insert(request_id, billing);
			MinerComputeDeletionRequests::<T>::insert(&node_id, request_id, now);
			Self::deposit_event(Event::ComputeDeletionRequested {
				node_id,
				request_id,
				owner: who,
			});
		} else {
			Self::remove_request(&who, request_id, billing)?;
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
		Self::settle(request_id, &owner, Some(&node.owner), &mut billing, now)?;
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
		let Hosted { owner, node, mut request } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeBootRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeBootRequestNotFound
		);
		ensure!(request.status == ComputeRequestStatus::Stopped, Error::<T>::InvalidRequestStatus);
		let mut billing = Self::billing_of(request_id)?;
		let now = frame_system::Pallet::<T>::block_number();

		Self::settle(request_id, &owner, Some(&node.owner), &mut billing, now)?;
		// Rent starts again now (unless the owner asked for a deletion meanwhile), at the
		// cheaper plan's price while a resize is queued.
		billing.rent_per_block =
			if MinerComputeDeletionRequests::<T>::contains_key(&node_id, request_id) {
				Zero::zero()
			} else {
				match MinerComputeResizeRequests::<T>::get(&node_id, request_id) {
					Some(resize) => billing.price_per_block.min(resize.new_price_per_block),
					None => billing.price_per_block,
				}
			};
		Self::reschedule(request_id, &mut billing, now);
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
		let Hosted { owner, .. } = Self::hosted_request(&who, &node_id, request_id)?;
		ensure!(
			MinerComputeRebootRequests::<T>::contains_key(&node_id, request_id),
			Error::<T>::ComputeRebootRequestNotFound
		);
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

		Self::settle(request_id, &owner, Some(&node.owner), &mut billing, now)?;
		billing.price_per_block = resize.new_price_per_block;
		if !billing.rent_per_block.is_zero() {
			billing.rent_per_block = resize.new_price_per_block;
		}
		Self::reschedule(request_id, &mut billing, now);
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
		let mut billing = Self::billing_of(request_id)?;
		Self::detach_from_miner(&node_id, request_id, hosted, &mut billing, now)?;
		Self::remove_request(&owner, request_id, billing)?;
		Self::deposit_event(Event::ComputeDeletionRequestRemoved { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_close_compute_request(
		who: T::AccountId,
		request_id: RequestId,
	) -> DispatchResult {
		let request = Self::owned_request(&who, request_id)?;
		ensure!(request.status.is_on_miner(), Error::<T>::InvalidRequestStatus);
		let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
		let asked = MinerComputeDeletionRequests::<T>::get(&node_id, request_id)
			.ok_or(Error::<T>::ComputeDeletionRequestNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now > asked.saturating_add(T::OperationTimeout::get()),
			Error::<T>::DeadlineNotPassed
		);
		let node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		let billing = Self::billing_of(request_id)?;
		let hosted = Hosted { owner: who, node, request };
		Self::close_hosted(&node_id, request_id, hosted, billing, CloseReason::DeletionOverdue)
	}

	pub(crate) fn do_cancel_compute_request(
		who: T::AccountId,
		request_id: RequestId,
	) -> DispatchResult {
		let request = Self::owned_request(&who, request_id)?;
		let mut billing = Self::billing_of(request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		match request.status {
			ComputeRequestStatus::Pending => {},
			ComputeRequestStatus::InProgress => {
				let node_id = request.miner_id.clone().ok_or(Error::<T>::InvalidRequestStatus)?;
				let entry = MinerComputeRequests::<T>::get(&node_id, request_id)
					.ok_or(Error::<T>::RequestNotAssignedToNode)?;
				ensure!(
					now > entry.created_at.saturating_add(T::ProvisionTimeout::get()),
					Error::<T>::DeadlineNotPassed
				);
				let node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
				let hosted = Hosted { owner: who.clone(), node, request: request.clone() };
				Self::detach_from_miner(&node_id, request_id, hosted, &mut billing, now)?;
			},
			_ => return Err(Error::<T>::InvalidRequestStatus.into()),
		}
		let refunded =
			Self::make_terminal(&who, request, billing, ComputeRequestStatus::Cancelled, now)?;
		Self::deposit_event(Event::ComputeRequestCancelled { request_id, owner: who, refunded });
		Ok(())
	}
}
