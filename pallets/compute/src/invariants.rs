//! Cross-storage invariants, checked by `try_state` and by the tests after every step.

use crate::{pallet::*, request_id_of, vm_name_of, ComputeRequestStatus, PlanSpec, RequestId};
use alloc::collections::{BTreeMap, BTreeSet};
use frame_support::{
	ensure,
	traits::{fungible::InspectHold, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, Saturating, TryRuntimeError};

impl<T: Config> Pallet<T> {
	/// Checks every invariant listed in the crate docs. Reads all of the pallet's storage, so it
	/// is for `try-runtime` and tests only.
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
		let free_count = FreeIpCount::<T>::get();
		ensure!(FreeIps::<T>::iter().count() as u32 == free_count, "FreeIps size != FreeIpCount");
		ensure!(
			FreeIpIndex::<T>::iter().count() as u32 == free_count,
			"FreeIpIndex size != FreeIpCount"
		);
		for index in 0..free_count {
			let ip = FreeIps::<T>::get(index).ok_or("hole in FreeIps")?;
			ensure!(FreeIpIndex::<T>::get(ip) == Some(index), "FreeIpIndex disagrees with FreeIps");
			ensure!(!IpVms::<T>::contains_key(ip), "address both free and assigned");
		}
		let assigned_count = AssignedIpCount::<T>::get();
		ensure!(
			IpVms::<T>::iter().count() as u32 == assigned_count,
			"IpVms size != AssignedIpCount"
		);
		ensure!(
			VmIps::<T>::iter().count() as u32 == assigned_count,
			"VmIps size != AssignedIpCount"
		);
		for (vm_name, ip) in VmIps::<T>::iter() {
			ensure!(IpVms::<T>::get(ip) == Some(vm_name.clone()), "VmIps and IpVms disagree");
			let request_id = request_id_of(&vm_name).ok_or("VmIps holds an invalid VM name")?;
			let request = Self::compute_request(request_id).ok_or("address held by no request")?;
			ensure!(request.status.is_on_miner(), "address held by a request without VM");
		}
		ensure!(
			free_count.saturating_add(assigned_count) <= T::MaxIpPoolSize::get(),
			"IP pool above MaxIpPoolSize"
		);
		Ok(())
	}

	fn check_requests() -> Result<(), TryRuntimeError> {
		let next_id = NextRequestId::<T>::get();
		let mut per_user: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut count = 0u32;
		for (owner, request_id, request) in ComputeRequests::<T>::iter() {
			count = count.saturating_add(1);
			*per_user.entry(owner.clone()).or_default() += 1;
			ensure!(request_id < next_id, "request id not below NextRequestId");
			ensure!(request.request_id == request_id, "request stored under another id");
			ensure!(request.owner == owner, "request stored under another owner");
			ensure!(
				RequestOwners::<T>::get(request_id) == Some(owner.clone()),
				"RequestOwners disagrees with ComputeRequests"
			);
			ensure!(Plans::<T>::contains_key(request.plan_id), "request on an unknown plan");
			let vm_ip = VmIps::<T>::get(vm_name_of(request_id));
			ensure!(
				RentalPrepayments::<T>::contains_key(request_id),
				"stored request without a billing record"
			);
			match request.status {
				ComputeRequestStatus::Running | ComputeRequestStatus::Stopped => {
					ensure!(vm_ip.is_some(), "running or stopped VM without an address")
				},
				ComputeRequestStatus::InProgress => {},
				_ => ensure!(vm_ip.is_none(), "address held by a request without VM"),
			}
			if request.status.is_on_miner() {
				ensure!(request.is_assigned, "hosted request not marked assigned");
				let node_id = request.miner_id.as_ref().ok_or("hosted request without miner")?;
				let entry = MinerComputeRequests::<T>::get(node_id, request_id)
					.ok_or("hosted request missing from MinerComputeRequests")?;
				ensure!(entry.plan_id == request.plan_id, "miner entry on another plan");
				ensure!(entry.ip_assigned == vm_ip, "miner entry's address disagrees with VmIps");
				ensure!(
					entry.fulfilled == (request.status != ComputeRequestStatus::InProgress),
					"miner entry's fulfilled flag disagrees with the status"
				);
			}
		}
		ensure!(RequestOwners::<T>::iter().count() as u32 == count, "RequestOwners size mismatch");
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
			let node = MinerNodes::<T>::get(&node_id).ok_or("request on an unknown node")?;
			ensure!(entry.miner_node_id == node_id, "miner entry stored under another node");
			ensure!(entry.miner_account_id == node.owner, "miner entry pays someone else");
			ensure!(entry.request_id == request_id, "miner entry stored under another id");
			let request =
				Self::compute_request(request_id).ok_or("miner entry of no live request")?;
			ensure!(request.status.is_on_miner(), "miner entry of a request without VM");
			ensure!(request.miner_id.as_ref() == Some(&node_id), "miner entry on the wrong node");
			let reserved = Self::reserved_spec(&node_id, request_id, &request);
			let sum = used.entry(node_id.clone()).or_default();
			*sum = sum.checked_add(&reserved).ok_or("node usage overflows")?;
			*counts.entry(node_id).or_default() += 1;
		}
		for (node_id, node) in MinerNodes::<T>::iter() {
			ensure!(
				node.used == used.get(&node_id).copied().unwrap_or_default(),
				"node usage differs from its requests' plans"
			);
			ensure!(node.used.fits_within(&node.capacity), "node used above capacity");
			let n = counts.get(&node_id).copied().unwrap_or_default();
			ensure!(MinerRequestCount::<T>::get(&node_id) == n, "MinerRequestCount mismatch");
			ensure!(n <= T::MaxRequestsPerMiner::get(), "node above MaxRequestsPerMiner");
		}
		ensure!(
			MinerRequestCount::<T>::iter().count() == counts.len(),
			"MinerRequestCount has entries for nodes without requests"
		);
		for (node_id, _) in NodeMetrics::<T>::iter() {
			ensure!(MinerNodes::<T>::contains_key(&node_id), "metrics of an unknown node");
		}
		Ok(())
	}

	fn check_queues() -> Result<(), TryRuntimeError> {
		use ComputeRequestStatus::*;
		let check = |node_id: &NodeIdOf<T>,
		             request_id: RequestId,
		             allowed: &[ComputeRequestStatus],
		             what: &'static str|
		 -> Result<(), TryRuntimeError> {
			ensure!(MinerComputeRequests::<T>::contains_key(node_id, request_id), what);
			let request = Self::compute_request(request_id).ok_or(what)?;
			ensure!(allowed.contains(&request.status), what);
			Ok(())
		};
		for (node_id, request_id, _) in MinerComputeStopRequests::<T>::iter() {
			check(&node_id, request_id, &[Running], "stop queued for no running VM of the node")?;
		}
		for (node_id, request_id, _) in MinerComputeBootRequests::<T>::iter() {
			check(&node_id, request_id, &[Stopped], "boot queued for no stopped VM of the node")?;
		}
		for (node_id, request_id, _) in MinerComputeRebootRequests::<T>::iter() {
			check(&node_id, request_id, &[Running], "reboot queued for no running VM of the node")?;
		}
		for (node_id, request_id, resize) in MinerComputeResizeRequests::<T>::iter() {
			check(
				&node_id,
				request_id,
				&[Running, Stopped],
				"resize queued for no VM of the node",
			)?;
			ensure!(Plans::<T>::contains_key(resize.new_plan_id), "resize to an unknown plan");
		}
		for (node_id, request_id, _) in MinerComputeDeletionRequests::<T>::iter() {
			check(
				&node_id,
				request_id,
				&[InProgress, Running, Stopped],
				"deletion queued for no VM of the node",
			)?;
		}
		Ok(())
	}

	fn check_billing() -> Result<(), TryRuntimeError> {
		let mut rental: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut scheduled: BTreeSet<(BlockNumberFor<T>, RequestId)> = BTreeSet::new();
		for (request_id, billing) in RentalPrepayments::<T>::iter() {
			let request = Self::compute_request(request_id).ok_or("billing of no request")?;
			ensure!(!billing.price_per_block.is_zero(), "zero price");
			let sum = rental.entry(request.owner.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(billing.held);
			let sum = deposits.entry(request.owner.clone()).or_insert_with(Zero::zero);
			*sum = sum.saturating_add(billing.deposit);
			ensure!(billing.deposit == T::RequestDeposit::get(), "request deposit not held");
			let (rent, address) = Self::expected_rates(request_id, &request, &billing)?;
			ensure!(billing.rent_per_block == rent, "rent rate disagrees with the request's state");
			ensure!(
				billing.address_per_block == address,
				"address rate disagrees with the request's address"
			);
			if request.status.is_terminal() {
				ensure!(billing.held.is_zero(), "terminal request with prepayment on hold");
				ensure!(billing.due.is_some(), "terminal request not scheduled for pruning");
			} else if !rent.is_zero() || !address.is_zero() {
				ensure!(billing.due.is_some(), "charged request without a schedule");
			} else {
				ensure!(billing.due.is_none(), "request scheduled without charges");
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
		// The running totals track every hold and release, so a hold the records lost shows
		// here even when its account has no record left.
		let totals = HoldTotal::<T>::get();
		let total = |sums: &BTreeMap<T::AccountId, BalanceOf<T>>| {
			sums.values().fold(BalanceOf::<T>::zero(), |acc, v| acc.saturating_add(*v))
		};
		ensure!(totals.rental == total(&rental), "rental hold total differs from the records");
		ensure!(
			totals.request_deposits == total(&deposits),
			"request deposit total differs from the records"
		);
		ensure!(
			totals.miner_deposits == total(&miner_deposits),
			"miner deposit total differs from the nodes"
		);
		for (reason, sums) in [
			(Self::rental_reason(), &rental),
			(Self::request_deposit_reason(), &deposits),
			(Self::deposit_reason(), &miner_deposits),
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
		request: &ComputeRequestOf<T>,
		billing: &RentalBillingOf<T>,
	) -> Result<(BalanceOf<T>, BalanceOf<T>), TryRuntimeError> {
		if !request.status.is_on_miner() {
			return Ok((Zero::zero(), Zero::zero()))
		}
		let node_id = request.miner_id.as_ref().ok_or("hosted request without miner")?;
		let address = if VmIps::<T>::contains_key(vm_name_of(request_id)) {
			T::AddressPricePerBlock::get()
		} else {
			Zero::zero()
		};
		let accruing = request.status == ComputeRequestStatus::Running &&
			!MinerComputeStopRequests::<T>::contains_key(node_id, request_id) &&
			!MinerComputeDeletionRequests::<T>::contains_key(node_id, request_id);
		let rent = match (accruing, MinerComputeResizeRequests::<T>::get(node_id, request_id)) {
			(false, _) => Zero::zero(),
			(true, Some(resize)) => billing.price_per_block.min(resize.new_price_per_block),
			(true, None) => billing.price_per_block,
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
