//! Cross-storage invariants, checked by `try_state` and by the tests after every step.

use crate::{
	pallet::*, ComputeRequestStatus, IpState, Operation, PlanSpec, RequestCounts, RequestId,
};
use alloc::collections::{BTreeMap, BTreeSet};
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks every invariant listed in the crate docs. Reads all of the pallet's storage, so it
	/// is for `try-runtime`, tests, and the runtime API `ComputeApi::check_invariants` that
	/// operators call off-chain; never for a block's work.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		Self::check_ip_pool()?;
		Self::check_requests()?;
		Self::check_miners()?;
		Self::check_queues()?;
		Self::check_billing()?;
		Self::check_plans()?;
		Ok(())
	}

	fn check_ip_pool() -> Result<(), TryRuntimeError> {
		let pool = IpPool::<T>::get();
		ensure!(FreeIps::<T>::iter().count() as u32 == pool.free, "FreeIps size != IpPool::free");
		for index in 0..pool.free {
			let ip = FreeIps::<T>::get(index).ok_or("hole in FreeIps")?;
			ensure!(
				IpStates::<T>::get(ip) == Some(IpState::Free(index)),
				"IpStates disagrees with FreeIps"
			);
		}
		let (mut free, mut assigned) = (0u32, 0u32);
		for (ip, state) in IpStates::<T>::iter() {
			match state {
				IpState::Free(_) => free = free.saturating_add(1),
				IpState::Assigned(request_id) => {
					assigned = assigned.saturating_add(1);
					let record =
						RequestRecords::<T>::get(request_id).ok_or("address held by no request")?;
					ensure!(record.host.is_some(), "address held by a request without VM");
					ensure!(record.ip == Some(ip), "address held by a request that names another");
				},
			}
		}
		ensure!(free == pool.free, "free addresses in IpStates != IpPool::free");
		ensure!(assigned == pool.assigned, "assigned addresses in IpStates != IpPool::assigned");
		ensure!(
			pool.free.saturating_add(pool.assigned) <= T::MaxIpPoolSize::get(),
			"IP pool above MaxIpPoolSize"
		);
		Ok(())
	}

	fn check_requests() -> Result<(), TryRuntimeError> {
		let next_id = NextRequestId::<T>::get();
		let mut per_user: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut count = 0u32;
		let mut in_status = RequestCounts::default();
		for (owner, request_id, request) in ComputeRequests::<T>::iter() {
			count = count.saturating_add(1);
			*per_user.entry(owner.clone()).or_default() += 1;
			ensure!(request_id < next_id, "request id not below NextRequestId");
			ensure!(request.request_id == request_id, "request stored under another id");
			ensure!(request.owner == owner, "request stored under another owner");
			let record =
				RequestRecords::<T>::get(request_id).ok_or("stored request without a record")?;
			ensure!(record.owner == owner, "record names another owner");
			ensure!(record.status == request.status, "record's status disagrees with the request");
			in_status.slot(record.status).saturating_inc();
			ensure!(Plans::<T>::contains_key(request.plan_id), "request on an unknown plan");
			match request.status {
				ComputeRequestStatus::Running | ComputeRequestStatus::Stopped => {
					ensure!(record.ip.is_some(), "running or stopped VM without an address")
				},
				ComputeRequestStatus::InProgress => {},
				_ => ensure!(record.ip.is_none(), "address held by a request without VM"),
			}
			ensure!(
				record.host.is_some() == request.status.is_on_miner(),
				"record's host disagrees with the status"
			);
			if !request.status.is_on_miner() {
				ensure!(record.queued.is_empty(), "operations queued for a request without VM");
			}
			if let Some(host) = &record.host {
				ensure!(request.is_assigned, "hosted request not marked assigned");
				ensure!(request.miner_id.as_ref() == Some(&host.node_id), "record on another node");
				ensure!(record.claimed_at.is_some(), "hosted request without a claim block");
				let entry = MinerComputeRequests::<T>::get(&host.node_id, request_id)
					.ok_or("hosted request missing from MinerComputeRequests")?;
				ensure!(entry.plan_id == request.plan_id, "miner entry on another plan");
				ensure!(entry.miner_account_id == host.miner, "miner entry pays someone else");
				ensure!(
					entry.ip_assigned == record.ip,
					"miner entry's address disagrees with the record"
				);
				ensure!(
					entry.fulfilled == (request.status != ComputeRequestStatus::InProgress),
					"miner entry's fulfilled flag disagrees with the status"
				);
				let spec = request.plan_technical_description;
				let reserved = match MinerComputeResizeRequests::<T>::get(&host.node_id, request_id)
				{
					Some(resize) => spec.max(&resize.new_spec),
					None => spec,
				};
				ensure!(host.reserved == reserved, "reserved resources disagree with the plans");
			}
		}
		ensure!(
			RequestRecords::<T>::iter().count() as u32 == count,
			"RequestRecords size mismatch"
		);
		// Every record was read above (the sizes agree), so these are the records' counts.
		ensure!(
			RequestsInStatus::<T>::get() == in_status,
			"RequestsInStatus disagrees with the records"
		);
		ensure!(
			UserRequestCount::<T>::iter().count() == per_user.len(),
			"UserRequestCount has entries for users without requests"
		);
		for (owner, n) in per_user {
			ensure!(UserRequestCount::<T>::get(&owner) == n, "UserRequestCount mismatch");
			ensure!(n <= T::MaxRequestsPerUser::get(), "user above MaxRequestsPerUser");
		}
		Ok(())
	}

	fn check_miners() -> Result<(), TryRuntimeError> {
		let mut used: BTreeMap<NodeIdOf<T>, PlanSpec> = BTreeMap::new();
		let mut counts: BTreeMap<NodeIdOf<T>, u32> = BTreeMap::new();
		for (node_id, request_id, entry) in MinerComputeRequests::<T>::iter() {
			ensure!(MinerNodes::<T>::contains_key(&node_id), "request on an unknown node");
			ensure!(entry.miner_node_id == node_id, "miner entry stored under another node");
			ensure!(entry.request_id == request_id, "miner entry stored under another id");
			let record =
				RequestRecords::<T>::get(request_id).ok_or("miner entry of no live request")?;
			let host = record.host.ok_or("miner entry of a request without VM")?;
			ensure!(host.node_id == node_id, "miner entry on the wrong node");
			let sum = used.entry(node_id.clone()).or_default();
			*sum = sum.checked_add(&host.reserved).ok_or("node usage overflows")?;
			*counts.entry(node_id).or_default() += 1;
		}
		for (node_id, node) in MinerNodes::<T>::iter() {
			ensure!(
				node.used == used.get(&node_id).copied().unwrap_or_default(),
				"node usage differs from its requests' plans"
			);
			ensure!(node.used.fits_within(&node.capacity), "node used above capacity");
			let n = counts.get(&node_id).copied().unwrap_or_default();
			ensure!(node.hosted == n, "node's hosted count differs from its requests");
			ensure!(n <= T::MaxRequestsPerMiner::get(), "node above MaxRequestsPerMiner");
		}
		for (node_id, _) in NodeMetrics::<T>::iter() {
			ensure!(MinerNodes::<T>::contains_key(&node_id), "metrics of an unknown node");
		}
		Ok(())
	}

	fn check_queues() -> Result<(), TryRuntimeError> {
		use ComputeRequestStatus::*;
		let mut entries = 0u32;
		let mut check = |node_id: &NodeIdOf<T>,
		                 request_id: RequestId,
		                 op: Operation,
		                 allowed: &[ComputeRequestStatus]|
		 -> Result<(), TryRuntimeError> {
			entries = entries.saturating_add(1);
			let record =
				RequestRecords::<T>::get(request_id).ok_or("operation queued for no request")?;
			let host = record.host.ok_or("operation queued for a request without VM")?;
			ensure!(host.node_id == *node_id, "operation queued on another node");
			ensure!(record.queued.contains(op), "queue entry without its bit in the record");
			ensure!(
				allowed.contains(&record.status),
				"operation queued in a state that forbids it"
			);
			Ok(())
		};
		for (node_id, request_id, _) in MinerComputeStopRequests::<T>::iter() {
			check(&node_id, request_id, Operation::Stop, &[Running])?;
		}
		for (node_id, request_id, _) in MinerComputeBootRequests::<T>::iter() {
			check(&node_id, request_id, Operation::Boot, &[Stopped])?;
		}
		for (node_id, request_id, _) in MinerComputeRebootRequests::<T>::iter() {
			check(&node_id, request_id, Operation::Reboot, &[Running])?;
		}
		for (node_id, request_id, resize) in MinerComputeResizeRequests::<T>::iter() {
			check(&node_id, request_id, Operation::Resize, &[Running, Stopped])?;
			ensure!(Plans::<T>::contains_key(resize.new_plan_id), "resize to an unknown plan");
		}
		for (node_id, request_id, _) in MinerComputeDeletionRequests::<T>::iter() {
			check(&node_id, request_id, Operation::Delete, &[InProgress, Running, Stopped])?;
		}
		let bits = RequestRecords::<T>::iter()
			.fold(0u32, |sum, (_, record)| sum.saturating_add(record.queued.len()));
		ensure!(bits == entries, "a record's queued bit without its queue entry");
		Ok(())
	}

	fn check_billing() -> Result<(), TryRuntimeError> {
		// What each owner's requests hold: prepayments and deposits, under one hold reason.
		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut scheduled: BTreeSet<(BlockNumberFor<T>, RequestId)> = BTreeSet::new();
		let now = frame_system::Pallet::<T>::block_number();
		// What each miner has on hold as claim bonds.
		let mut bonds: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (request_id, record) in RequestRecords::<T>::iter() {
			let billing = &record.billing;
			ensure!(!billing.price_per_block.is_zero(), "zero price");
			let sum = held.entry(record.owner.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(billing.held).saturating_add(billing.deposit);
			ensure!(billing.deposit == T::RequestDeposit::get(), "request deposit not held");
			ensure!(
				billing.rent_owed.saturating_add(billing.address_owed) <= billing.held,
				"a request owes more than it holds"
			);
			let (rent, address) = Self::expected_rates(request_id, &record)?;
			ensure!(billing.rent_per_block == rent, "rent rate disagrees with the request's state");
			ensure!(
				billing.address_per_block == address,
				"address rate disagrees with the request's address"
			);
			if record.status.is_terminal() {
				ensure!(billing.held.is_zero(), "terminal request with prepayment on hold");
				ensure!(billing.due.is_some(), "terminal request not scheduled for pruning");
			} else if !rent.is_zero() || !address.is_zero() {
				ensure!(billing.due.is_some(), "charged request without a schedule");
			} else {
				ensure!(billing.due.is_none(), "request scheduled without charges");
			}
			if record.host.is_none() {
				ensure!(
					billing.rent_owed.is_zero() && billing.address_owed.is_zero(),
					"a request without VM owes charges"
				);
			}
			match &record.host {
				Some(host) => {
					let sum = bonds.entry(host.miner.clone()).or_insert_with(Zero::zero);
					*sum = sum.saturating_add(record.bond);
				},
				None => {
					ensure!(record.bond.is_zero(), "a claim bond without a miner");
					ensure!(record.evict_at.is_none(), "an eviction notice without a miner");
				},
			}
			if let Some(host) = &record.host {
				let node = MinerNodes::<T>::get(&host.node_id).ok_or("hosted by no node")?;
				let clock = Self::live_clock(&node, now);
				ensure!(billing.rent_clock <= clock, "rent accrued past the host's live clock");
				if !rent.is_zero() && clock < billing.rent_stop {
					// The entry falls due no later than the host's clock can reach the low-funds
					// reading.
					let earliest = now.saturating_add(billing.rent_stop.saturating_sub(clock));
					ensure!(
						billing.due.is_some_and(|due| due <= earliest),
						"a low-funds stop scheduled after it can happen"
					);
				}
			}
			if let Some(block) = billing.due {
				scheduled.insert((block, request_id));
			}
		}
		let cursor = ExpiryCursor::<T>::get();
		let mut indexed = BTreeSet::new();
		for (block, request_id, ()) in RentalExpiries::<T>::iter() {
			ensure!(block >= cursor, "RentalExpiries entry behind the cursor");
			indexed.insert((block, request_id));
		}
		ensure!(indexed == scheduled, "RentalExpiries disagrees with the billing records");
		let mut miner_deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		for (_, node) in MinerNodes::<T>::iter() {
			let sum = miner_deposits.entry(node.owner).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(node.deposit);
		}
		for (reason, sums) in [
			(Self::request_reason(), &held),
			(Self::deposit_reason(), &miner_deposits),
			(HoldReason::ClaimBond.into(), &bonds),
		] {
			for (who, sum) in sums {
				ensure!(
					T::Currency::balance_on_hold(&reason, who) == *sum,
					"an account's hold differs from its records"
				);
			}
		}
		Ok(())
	}

	/// The rent and address rates a request's state implies.
	fn expected_rates(
		request_id: RequestId,
		record: &RequestRecordOf<T>,
	) -> Result<(BalanceOf<T>, BalanceOf<T>), TryRuntimeError> {
		let Some(host) = &record.host else { return Ok((Zero::zero(), Zero::zero())) };
		let address =
			if record.ip.is_some() { T::AddressPricePerBlock::get() } else { Zero::zero() };
		let accruing = record.status == ComputeRequestStatus::Running
			&& !record.queued.contains(Operation::Stop)
			&& !record.queued.contains(Operation::Delete);
		let price = record.billing.price_per_block;
		let rent = match (accruing, MinerComputeResizeRequests::<T>::get(&host.node_id, request_id))
		{
			(false, _) => Zero::zero(),
			(true, Some(resize)) => price.min(resize.new_price_per_block),
			(true, None) => price,
		};
		Ok((rent, address))
	}

	fn check_plans() -> Result<(), TryRuntimeError> {
		let next = NextPlanId::<T>::get();
		ensure!(next <= T::MaxPlans::get(), "more plans than MaxPlans");
		ensure!(Plans::<T>::iter().count() as u32 == next, "Plans size != NextPlanId");
		for (plan_id, plan) in Plans::<T>::iter() {
			ensure!(plan_id < next, "plan id not below NextPlanId");
			ensure!(!plan.price_per_block.is_zero(), "zero-price plan");
		}
		Ok(())
	}
}
