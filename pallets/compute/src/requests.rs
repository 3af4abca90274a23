//! The lifecycle of compute requests: create, claim, fulfil, fail, owner operations and the
//! miner's confirmations of them, cancel, close and delete.
//!
//! Every call starts from the request's [`RequestRecord`]: [`Pallet::owned_record`] for the
//! owner's calls, [`Pallet::hosted_record`] for the miner's. Queued operations go through
//! [`Pallet::enqueue`] and [`Pallet::dequeue`], and the miner's confirmations through
//! [`Pallet::fulfil_queued`].

use crate::{
	bonds::BondOutcome, pallet::*, CloseReason, ComputeRequest, ComputeRequestStatus, Host,
	InstantOf, MinerComputeRequest, Operation, PlanId, PowerOperation, QueuedOperations,
	RentalBilling, RequestId, RequestRecord, ResizeRequest,
};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	ArithmeticError,
};

impl<T: Config> Pallet<T> {
	/// The record of request `request_id`, if `who` owns it.
	pub(crate) fn owned_record(
		who: &T::AccountId,
		request_id: RequestId,
	) -> Result<RequestRecordOf<T>, DispatchError> {
		let record =
			RequestRecords::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(record.owner == *who, Error::<T>::NotRequestOwner);
		Ok(record)
	}

	/// The record of request `request_id` and its host, if it is on node `node_id` and `who`
	/// owns that node.
	pub(crate) fn hosted_record(
		who: &T::AccountId,
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
	) -> Result<(RequestRecordOf<T>, HostOf<T>), DispatchError> {
		let record =
			RequestRecords::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		let host = record
			.host
			.clone()
			.filter(|host| host.node_id == *node_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		ensure!(host.miner == *who, Error::<T>::NotMinerNodeOwner);
		Ok((record, host))
	}

	/// The host of a request that is on a miner.
	fn host_of(record: &RequestRecordOf<T>) -> Result<HostOf<T>, DispatchError> {
		record.host.clone().ok_or_else(|| Error::<T>::InvalidRequestStatus.into())
	}

	/// Sets a request's status in its record and in `ComputeRequests`.
	fn set_status(
		request_id: RequestId,
		record: &mut RequestRecordOf<T>,
		status: ComputeRequestStatus,
	) {
		Self::count_status_change(record.status, status);
		record.status = status;
		ComputeRequests::<T>::mutate(&record.owner, request_id, |request| {
			if let Some(request) = request {
				request.status = status;
			}
		});
	}

	/// The error for queueing `op` when it is queued already.
	fn already_queued(op: Operation) -> Error<T> {
		match op {
			Operation::Stop => Error::<T>::ComputeStopRequestAlreadyExists,
			Operation::Boot => Error::<T>::ComputeBootRequestAlreadyExists,
			Operation::Reboot => Error::<T>::ComputeRebootRequestAlreadyExists,
			Operation::Resize => Error::<T>::ComputeResizeRequestAlreadyExists,
			Operation::Delete => Error::<T>::ComputeDeletionRequestAlreadyExists,
		}
	}

	/// The error for fulfilling `op` when it is not queued.
	fn not_queued(op: Operation) -> Error<T> {
		match op {
			Operation::Stop => Error::<T>::ComputeStopRequestNotFound,
			Operation::Boot => Error::<T>::ComputeBootRequestNotFound,
			Operation::Reboot => Error::<T>::ComputeRebootRequestNotFound,
			Operation::Resize => Error::<T>::ComputeResizeRequestNotFound,
			Operation::Delete => Error::<T>::ComputeDeletionRequestNotFound,
		}
	}

	/// Queues power operation `op` on `node_id` for `request_id`, asked in block `at`.
	pub(crate) fn enqueue(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		queued: &mut QueuedOperations,
		op: PowerOperation,
		at: BlockNumberFor<T>,
	) {
		queued.insert(op.into());
		match op {
			PowerOperation::Stop => MinerComputeStopRequests::<T>::insert(node_id, request_id, at),
			PowerOperation::Boot => MinerComputeBootRequests::<T>::insert(node_id, request_id, at),
			PowerOperation::Reboot => {
				MinerComputeRebootRequests::<T>::insert(node_id, request_id, at)
			},
		}
	}

	/// Queues the deletion of the VM on `node_id` for `request_id`, asked in block `at`.
	fn enqueue_delete(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		queued: &mut QueuedOperations,
		at: BlockNumberFor<T>,
	) {
		queued.insert(Operation::Delete);
		MinerComputeDeletionRequests::<T>::insert(node_id, request_id, at);
	}

	/// Queues a resize on `node_id` for `request_id`.
	fn enqueue_resize(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		queued: &mut QueuedOperations,
		resize: ResizeRequestOf<T>,
	) {
		queued.insert(Operation::Resize);
		MinerComputeResizeRequests::<T>::insert(node_id, request_id, resize);
	}

	/// Takes `op` off the queue of `node_id` for `request_id`, if it is queued.
	pub(crate) fn dequeue(
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		queued: &mut QueuedOperations,
		op: Operation,
	) {
		if !queued.contains(op) {
			return;
		}
		queued.remove(op);
		match op {
			Operation::Stop => MinerComputeStopRequests::<T>::remove(node_id, request_id),
			Operation::Boot => MinerComputeBootRequests::<T>::remove(node_id, request_id),
			Operation::Reboot => MinerComputeRebootRequests::<T>::remove(node_id, request_id),
			Operation::Resize => MinerComputeResizeRequests::<T>::remove(node_id, request_id),
			Operation::Delete => MinerComputeDeletionRequests::<T>::remove(node_id, request_id),
		}
	}

	/// The skeleton of the miner's `fulfill_*` calls for a queued `op`: checks that the caller
	/// hosts the request and that `op` is queued, applies `effect` (given the record, its host
	/// and the current block), takes `op` off the queue and stores the record. Returns the
	/// request's owner.
	fn fulfil_queued(
		who: &T::AccountId,
		node_id: &NodeIdOf<T>,
		request_id: RequestId,
		op: Operation,
		effect: impl FnOnce(&mut RequestRecordOf<T>, &HostOf<T>, InstantOf<T>) -> DispatchResult,
	) -> Result<T::AccountId, DispatchError> {
		let (mut record, host) = Self::hosted_record(who, node_id, request_id)?;
		ensure!(record.queued.contains(op), Self::not_queued(op));
		let now = Self::now_of(&record);
		effect(&mut record, &host, now)?;
		Self::dequeue(node_id, request_id, &mut record.queued, op);
		let owner = record.owner.clone();
		RequestRecords::<T>::insert(request_id, record);
		Ok(owner)
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

		Self::hold(HoldReason::Request, &who, total)?;
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
		UserRequestCount::<T>::insert(&who, count.saturating_add(1));
		Self::count_status_added(ComputeRequestStatus::Pending);
		RequestRecords::<T>::insert(
			request_id,
			RequestRecord {
				owner: who.clone(),
				status: ComputeRequestStatus::Pending,
				host: None,
				claimed_at: None,
				queued: QueuedOperations::default(),
				ip: None,
				billing: RentalBilling {
					held: prepayment,
					deposit,
					price_per_block: plan.price_per_block,
					rent_per_block: Zero::zero(),
					address_per_block: Zero::zero(),
					accrued_to: now,
					rent_clock: now,
					rent_stop: now,
					rent_owed: Zero::zero(),
					address_owed: Zero::zero(),
					due: None,
				},
				bond: Zero::zero(),
				evict_at: None,
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
		let mut record =
			RequestRecords::<T>::get(request_id).ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(record.owner == owner, Error::<T>::OwnerMismatch);
		let mut request = ComputeRequests::<T>::get(&owner, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(request.plan_id == plan_id, Error::<T>::PlanMismatch);
		ensure!(record.status == ComputeRequestStatus::Pending, Error::<T>::InvalidRequestStatus);
		let mut node = MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		if let Some(who) = &caller {
			ensure!(node.owner == *who, Error::<T>::NotMinerNodeOwner);
		}
		ensure!(node.status == crate::MinerNodeStatus::Active, Error::<T>::MinerNodeNotActive);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(Self::is_live(&node, now), Error::<T>::MinerNodeSilent);
		if let Some(preferred) = &request.miner_id {
			ensure!(*preferred == node_id, Error::<T>::MinerPreferenceMismatch);
		}
		ensure!(node.hosted < T::MaxRequestsPerMiner::get(), Error::<T>::TooManyMinerRequests);
		let reserved = request.plan_technical_description;
		node.used = node
			.used
			.checked_add(&reserved)
			.filter(|used| used.fits_within(&node.capacity))
			.ok_or(Error::<T>::InsufficientCapacity)?;
		node.hosted = node.hosted.saturating_add(1);
		let bond = Self::claim_bond_for(record.billing.price_per_block)?;
		Self::ensure_can_hold_liquid(&node.owner, bond)?;

		Self::hold_claim_bond(request_id, &node.owner, bond)?;
		record.bond = bond;
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
		record.host = Some(Host { node_id: node_id.clone(), miner: node.owner.clone(), reserved });
		record.claimed_at = Some(now);
		Self::count_status_change(record.status, ComputeRequestStatus::InProgress);
		record.status = ComputeRequestStatus::InProgress;
		// From here on rent is counted in the host's clock.
		record.billing.rent_clock = Self::live_clock(&node, now);
		MinerNodes::<T>::insert(&node_id, node);
		request.status = ComputeRequestStatus::InProgress;
		request.is_assigned = true;
		request.miner_id = Some(node_id.clone());
		ComputeRequests::<T>::insert(&owner, request_id, request);
		RequestRecords::<T>::insert(request_id, record);
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
		let (mut record, _) = Self::hosted_record(&who, &node_id, request_id)?;
		ensure!(
			record.status == ComputeRequestStatus::InProgress,
			Error::<T>::InvalidRequestStatus
		);
		// The owner asked to delete the VM before it was created: the miner deletes it instead.
		ensure!(
			!record.queued.contains(Operation::Delete),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		let mut entry = MinerComputeRequests::<T>::get(&node_id, request_id)
			.ok_or(Error::<T>::RequestNotAssignedToNode)?;
		let ip = match record.ip {
			Some(ip) => ip,
			None => Self::take_next_free_ip(request_id)?,
		};
		let now = Self::now_of(&record);

		let billing = &mut record.billing;
		Self::accrue(billing, now);
		billing.rent_per_block = billing.price_per_block;
		billing.address_per_block = T::AddressPricePerBlock::get();
		Self::schedule(request_id, billing, now);
		record.ip = Some(ip);
		entry.fulfilled = true;
		entry.job_id = job_id;
		entry.hypervisor_ip = hypervisor_ip;
		entry.vnc_port = vnc_port;
		entry.ip_assigned = Some(ip);
		MinerComputeRequests::<T>::insert(&node_id, request_id, entry);
		Self::set_status(request_id, &mut record, ComputeRequestStatus::Running);
		let owner = record.owner.clone();
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::ComputeRequestFulfilled { node_id, request_id, owner, ip });
		Ok(())
	}

	/// Takes a hosted request off its node: frees its capacity, drops everything queued for
	/// it and its miner entry, returns its address, pays the miner the rent owed, burns the
	/// address rent owed and stops all charges. What is left on hold stays in the record's
	/// billing, for the caller to return.
	pub(crate) fn detach_from_miner(
		request_id: RequestId,
		record: &mut RequestRecordOf<T>,
		now: BlockNumberFor<T>,
		bond: BondOutcome,
	) -> DispatchResult {
		let host = record.host.take().ok_or(Error::<T>::InvalidRequestStatus)?;
		let mut node = MinerNodes::<T>::get(&host.node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		let until = Self::instant(Some(&node), now);
		node.used = node.used.checked_sub(&host.reserved).ok_or(ArithmeticError::Underflow)?;
		node.hosted = node.hosted.saturating_sub(1);
		MinerNodes::<T>::insert(&host.node_id, node);
		for op in record.queued.iter() {
			Self::dequeue(&host.node_id, request_id, &mut record.queued, op);
		}
		MinerComputeRequests::<T>::remove(&host.node_id, request_id);
		if let Some(ip) = record.ip.take() {
			Self::free_ip(ip);
		}
		Self::settle(request_id, &record.owner, Some(&host.miner), &mut record.billing, until)?;
		Self::settle_claim_bond(request_id, record, &host.miner, bond)?;
		record.evict_at = None;
		record.billing.rent_per_block = Zero::zero();
		record.billing.address_per_block = Zero::zero();
		Self::set_due(request_id, &mut record.billing, None);
		Ok(())
	}

	/// Removes a request and its record, returning what is left on hold and its deposit to its
	/// owner.
	pub(crate) fn remove_request(
		request_id: RequestId,
		mut record: RequestRecordOf<T>,
	) -> DispatchResult {
		let owner = &record.owner;
		let billing = &mut record.billing;
		let returned =
			billing.held.checked_add(&billing.deposit).ok_or(ArithmeticError::Overflow)?;
		Self::release(HoldReason::Request, owner, returned)?;
		Self::set_due(request_id, billing, None);
		RequestRecords::<T>::remove(request_id);
		Self::count_status_removed(record.status);
		ComputeRequests::<T>::remove(owner, request_id);
		UserRequestCount::<T>::mutate_exists(owner, |count| {
			*count = count.map(|c| c.saturating_sub(1)).filter(|c| *c > 0);
		});
		Ok(())
	}

	/// Ends a request without a VM in `status` (`Cancelled` or `Failed`): returns what is left
	/// of its prepayment and schedules its record for pruning. Returns the amount returned.
	fn make_terminal(
		request_id: RequestId,
		mut record: RequestRecordOf<T>,
		status: ComputeRequestStatus,
		now: BlockNumberFor<T>,
	) -> Result<BalanceOf<T>, DispatchError> {
		let billing = &mut record.billing;
		let refunded = billing.held;
		Self::release(HoldReason::Request, &record.owner, refunded)?;
		billing.held = Zero::zero();
		billing.rent_per_block = Zero::zero();
		billing.address_per_block = Zero::zero();
		billing.accrued_to = now;
		Self::set_due(request_id, billing, Some(now.saturating_add(T::TerminalRetention::get())));
		Self::set_status(request_id, &mut record, status);
		RequestRecords::<T>::insert(request_id, record);
		Ok(refunded)
	}

	/// Removes a hosted request as if its deletion was fulfilled, for `reason`. Returns how
	/// many operations were queued on it.
	pub(crate) fn close_hosted(
		request_id: RequestId,
		mut record: RequestRecordOf<T>,
		reason: CloseReason,
	) -> Result<u32, DispatchError> {
		let host = Self::host_of(&record)?;
		let queued = record.queued.len();
		let now = frame_system::Pallet::<T>::block_number();
		let bond = match reason {
			CloseReason::FundsExhausted => BondOutcome::Release,
			CloseReason::DeletionOverdue | CloseReason::HostSilent => BondOutcome::Forfeit,
		};
		Self::detach_from_miner(request_id, &mut record, now, bond)?;
		let owner = record.owner.clone();
		Self::remove_request(request_id, record)?;
		Self::deposit_event(Event::ComputeRequestClosed {
			node_id: host.node_id,
			request_id,
			owner,
			reason,
		});
		Ok(queued)
	}

	/// Returns how many operations were queued on the request.
	pub(crate) fn do_report_compute_request_failure(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
		fail_reason: BoundedStringOf<T>,
	) -> Result<u32, DispatchError> {
		let (mut record, _) = Self::hosted_record(&who, &node_id, request_id)?;
		let queued = record.queued.len();
		let now = frame_system::Pallet::<T>::block_number();
		// Honest while provisioning within the deadline; a running or stopped VM lost, or a
		// claim left stalling past the deadline, costs the bond.
		let in_time = record.status == ComputeRequestStatus::InProgress
			&& record
				.claimed_at
				.is_some_and(|claimed| now <= claimed.saturating_add(T::ProvisionTimeout::get()));
		let bond = if in_time { BondOutcome::Release } else { BondOutcome::Forfeit };
		Self::detach_from_miner(request_id, &mut record, now, bond)?;
		let owner = record.owner.clone();
		Self::make_terminal(request_id, record, ComputeRequestStatus::Failed, now)?;
		Self::deposit_event(Event::ComputeRequestFailed {
			node_id,
			request_id,
			owner,
			reason: fail_reason,
		});
		Ok(queued)
	}

	/// Queues a stop, boot or reboot for the miner hosting the request.
	///
	/// A stop ends the rent at once; a boot or reboot changes no charge until the miner acts.
	pub(crate) fn do_request_operation(
		who: T::AccountId,
		request_id: RequestId,
		op: PowerOperation,
	) -> DispatchResult {
		use ComputeRequestStatus::{Running, Stopped};
		let mut record = Self::owned_record(&who, request_id)?;
		let allowed = match op {
			PowerOperation::Stop | PowerOperation::Reboot => record.status == Running,
			PowerOperation::Boot => record.status == Stopped,
		};
		ensure!(allowed, Error::<T>::InvalidRequestStatus);
		let host = Self::host_of(&record)?;
		ensure!(
			!record.queued.contains(Operation::Delete),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		ensure!(!record.queued.contains(op.into()), Self::already_queued(op.into()));
		let now = Self::now_of(&record);
		let billing = &mut record.billing;
		match op {
			PowerOperation::Boot => ensure!(
				Self::unspent_at(billing, now) > Self::low_funds_amount(billing.price_per_block),
				Error::<T>::PrepaymentTooLow
			),
			PowerOperation::Stop => {
				Self::accrue(billing, now);
				billing.rent_per_block = Zero::zero();
			},
			PowerOperation::Reboot => {},
		}
		Self::enqueue(&host.node_id, request_id, &mut record.queued, op, now.block);
		RequestRecords::<T>::insert(request_id, record);
		let node_id = host.node_id;
		Self::deposit_event(match op {
			PowerOperation::Stop => Event::ComputeStopRequested { node_id, request_id, owner: who },
			PowerOperation::Boot => Event::ComputeBootRequested { node_id, request_id, owner: who },
			PowerOperation::Reboot => {
				Event::ComputeRebootRequested { node_id, request_id, owner: who }
			},
		});
		Ok(())
	}

	/// Queues a resize to `new_plan_id`, reserving the larger of both plans on the node; while
	/// it is queued, a running VM is charged the cheaper plan's price.
	pub(crate) fn do_request_compute_resize(
		who: T::AccountId,
		request_id: RequestId,
		new_plan_id: PlanId,
	) -> DispatchResult {
		use ComputeRequestStatus::{Running, Stopped};
		let mut record = Self::owned_record(&who, request_id)?;
		ensure!(matches!(record.status, Running | Stopped), Error::<T>::InvalidRequestStatus);
		let mut host = Self::host_of(&record)?;
		ensure!(
			!record.queued.contains(Operation::Delete),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		ensure!(
			!record.queued.contains(Operation::Resize),
			Error::<T>::ComputeResizeRequestAlreadyExists
		);
		let plan = Plans::<T>::get(new_plan_id).ok_or(Error::<T>::PlanNotFound)?;
		ensure!(plan.active, Error::<T>::PlanNotActive);
		let request = ComputeRequests::<T>::get(&who, request_id)
			.ok_or(Error::<T>::ComputeRequestNotFound)?;
		ensure!(new_plan_id != request.plan_id, Error::<T>::SamePlan);
		let mut node = MinerNodes::<T>::get(&host.node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		let reserved = host.reserved.max(&plan.spec);
		node.used = node
			.used
			.checked_sub(&host.reserved)
			.and_then(|used| used.checked_add(&reserved))
			.filter(|used| used.fits_within(&node.capacity))
			.ok_or(Error::<T>::InsufficientCapacity)?;

		let now = Self::instant(Some(&node), frame_system::Pallet::<T>::block_number());
		let billing = &mut record.billing;
		if !billing.rent_per_block.is_zero() {
			Self::accrue(billing, now);
			billing.rent_per_block = billing.rent_per_block.min(plan.price_per_block);
			Self::reschedule(request_id, billing, now);
		}
		MinerNodes::<T>::insert(&host.node_id, node);
		let resize = ResizeRequest {
			new_plan_id,
			new_spec: plan.spec,
			new_price_per_block: plan.price_per_block,
			requested_at: now.block,
		};
		Self::enqueue_resize(&host.node_id, request_id, &mut record.queued, resize);
		host.reserved = reserved;
		let node_id = host.node_id.clone();
		record.host = Some(host);
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::ComputeResizeRequested {
			node_id,
			request_id,
			owner: who,
			new_plan_id,
		});
		Ok(())
	}

	pub(crate) fn do_request_compute_delete(
		who: T::AccountId,
		request_id: RequestId,
	) -> DispatchResult {
		let mut record = Self::owned_record(&who, request_id)?;
		let Some(host) = record.host.clone() else {
			Self::remove_request(request_id, record)?;
			Self::deposit_event(Event::ComputeRequestRemoved { request_id, owner: who });
			return Ok(());
		};
		ensure!(
			!record.queued.contains(Operation::Delete),
			Error::<T>::ComputeDeletionRequestAlreadyExists
		);
		let now = Self::now_of(&record);
		// Rent stops now; the address is paid for until it goes back to the pool.
		Self::accrue(&mut record.billing, now);
		record.billing.rent_per_block = Zero::zero();
		Self::enqueue_delete(&host.node_id, request_id, &mut record.queued, now.block);
		RequestRecords::<T>::insert(request_id, record);
		Self::deposit_event(Event::ComputeDeletionRequested {
			node_id: host.node_id,
			request_id,
			owner: who,
		});
		Ok(())
	}

	pub(crate) fn do_fulfill_stop_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let owner =
			Self::fulfil_queued(&who, &node_id, request_id, Operation::Stop, |record, _, _| {
				ensure!(
					record.status == ComputeRequestStatus::Running,
					Error::<T>::InvalidRequestStatus
				);
				// A stopped VM has nothing to reboot.
				Self::dequeue(&node_id, request_id, &mut record.queued, Operation::Reboot);
				Self::set_status(request_id, record, ComputeRequestStatus::Stopped);
				Ok(())
			})?;
		Self::deposit_event(Event::ComputeStopRequestFulfilled { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_boot_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let owner =
			Self::fulfil_queued(&who, &node_id, request_id, Operation::Boot, |record, _, now| {
				ensure!(
					record.status == ComputeRequestStatus::Stopped,
					Error::<T>::InvalidRequestStatus
				);
				let queued = record.queued;
				let billing = &mut record.billing;
				Self::accrue(billing, now);
				// Rent starts again now (unless the owner asked for a deletion meanwhile), at the
				// cheaper plan's price while a resize is queued.
				billing.rent_per_block = if queued.contains(Operation::Delete) {
					Zero::zero()
				} else if queued.contains(Operation::Resize) {
					let resize = MinerComputeResizeRequests::<T>::get(&node_id, request_id)
						.ok_or(Error::<T>::ComputeResizeRequestNotFound)?;
					billing.price_per_block.min(resize.new_price_per_block)
				} else {
					billing.price_per_block
				};
				Self::schedule(request_id, billing, now);
				Self::set_status(request_id, record, ComputeRequestStatus::Running);
				Ok(())
			})?;
		Self::deposit_event(Event::ComputeBootRequestRemoved { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_reboot_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let owner =
			Self::fulfil_queued(&who, &node_id, request_id, Operation::Reboot, |_, _, _| Ok(()))?;
		Self::deposit_event(Event::ComputeRebootRequestFulfilled { node_id, request_id, owner });
		Ok(())
	}

	pub(crate) fn do_fulfill_resize_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> DispatchResult {
		let mut plan_id = 0;
		let owner = Self::fulfil_queued(
			&who,
			&node_id,
			request_id,
			Operation::Resize,
			|record, host, now| {
				let resize = MinerComputeResizeRequests::<T>::get(&node_id, request_id)
					.ok_or(Error::<T>::ComputeResizeRequestNotFound)?;
				plan_id = resize.new_plan_id;
				let mut node =
					MinerNodes::<T>::get(&node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
				node.used = node
					.used
					.checked_sub(&host.reserved)
					.and_then(|used| used.checked_add(&resize.new_spec))
					.ok_or(ArithmeticError::Underflow)?;
				MinerNodes::<T>::insert(&node_id, node);
				MinerComputeRequests::<T>::mutate(&node_id, request_id, |entry| {
					if let Some(entry) = entry {
						entry.plan_id = resize.new_plan_id;
					}
				});
				ComputeRequests::<T>::mutate(&record.owner, request_id, |request| {
					if let Some(request) = request {
						request.plan_id = resize.new_plan_id;
						request.plan_technical_description = resize.new_spec;
					}
				});
				let billing = &mut record.billing;
				Self::accrue(billing, now);
				billing.price_per_block = resize.new_price_per_block;
				if !billing.rent_per_block.is_zero() {
					billing.rent_per_block = resize.new_price_per_block;
					Self::reschedule(request_id, billing, now);
				}
				record.host = Some(Host { reserved: resize.new_spec, ..host.clone() });
				Ok(())
			},
		)?;
		Self::deposit_event(Event::ComputeResizeRequestFulfilled {
			node_id,
			request_id,
			owner,
			plan_id,
		});
		Ok(())
	}

	/// Returns how many operations were queued on the request.
	pub(crate) fn do_fulfill_deletion_request(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		request_id: RequestId,
	) -> Result<u32, DispatchError> {
		let (mut record, _) = Self::hosted_record(&who, &node_id, request_id)?;
		if !record.queued.contains(Operation::Delete) {
			return Self::evict(node_id, request_id, record);
		}
		let queued = record.queued.len();
		let now = frame_system::Pallet::<T>::block_number();
		Self::detach_from_miner(request_id, &mut record, now, BondOutcome::Release)?;
		let owner = record.owner.clone();
		Self::remove_request(request_id, record)?;
		Self::deposit_event(Event::ComputeDeletionRequestRemoved { node_id, request_id, owner });
		Ok(queued)
	}

	/// Returns how many operations were queued on the request.
	pub(crate) fn do_close_compute_request(
		who: T::AccountId,
		request_id: RequestId,
	) -> Result<u32, DispatchError> {
		let record = Self::owned_record(&who, request_id)?;
		let host = Self::host_of(&record)?;
		let node = MinerNodes::<T>::get(&host.node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		let now = frame_system::Pallet::<T>::block_number();
		if !Self::is_live(&node, now) {
			return Self::close_hosted(request_id, record, CloseReason::HostSilent);
		}
		let asked = MinerComputeDeletionRequests::<T>::get(&host.node_id, request_id)
			.ok_or(Error::<T>::ComputeDeletionRequestNotFound)?;
		ensure!(
			now > asked.saturating_add(T::OperationTimeout::get()),
			Error::<T>::DeadlineNotPassed
		);
		Self::close_hosted(request_id, record, CloseReason::DeletionOverdue)
	}

	/// Returns whether the request was on a miner (the costlier case).
	pub(crate) fn do_cancel_compute_request(
		who: T::AccountId,
		request_id: RequestId,
	) -> Result<bool, DispatchError> {
		let mut record = Self::owned_record(&who, request_id)?;
		let now = frame_system::Pallet::<T>::block_number();
		let hosted = match record.status {
			ComputeRequestStatus::Pending => false,
			ComputeRequestStatus::InProgress => {
				let claimed = record.claimed_at.ok_or(Error::<T>::InvalidRequestStatus)?;
				ensure!(
					now > claimed.saturating_add(T::ProvisionTimeout::get()),
					Error::<T>::DeadlineNotPassed
				);
				Self::detach_from_miner(request_id, &mut record, now, BondOutcome::Forfeit)?;
				true
			},
			_ => return Err(Error::<T>::InvalidRequestStatus.into()),
		};
		let refunded =
			Self::make_terminal(request_id, record, ComputeRequestStatus::Cancelled, now)?;
		Self::deposit_event(Event::ComputeRequestCancelled { request_id, owner: who, refunded });
		Ok(hosted)
	}
}
