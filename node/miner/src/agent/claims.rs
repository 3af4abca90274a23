//! Which open requests this node takes: the plan is one this node's policy serves, the owner
//! named no other node, and the free capacity and VM count allow it.
//!
//! A claim goes out together with the address its VM will have: `assign_ip_to_vm` is sent right
//! after `submit_compute_request_assignment`, with the next nonce, so both are applied in order,
//! in one block when both fit. The next best block then shows the request `InProgress` with its
//! address, and provisioning starts there (see the agent's module docs). An address another
//! miner took first fails alone; provisioning then takes another one.

use std::{
	collections::HashMap,
	net::{IpAddr, Ipv4Addr},
	sync::{atomic::Ordering, Arc},
};

use super::{bounded_bytes, Agent};
use crate::{
	chain::{self, runtime, Hosted, Open, PlanSpec},
	reserve::Reservation,
};

impl Agent {
	/// Claims open requests that fit: the plan is claimed by this node's policy, the owner
	/// named no other node, and the free capacity and VM count allow it, counting the requests
	/// in `hosted` and the claims still in flight. Each claim is followed to finality in a task
	/// of its own. A request leaves `open` when its claim is sent; seen again (in the finalized
	/// block that created it) while its claim is in flight, it waits there until it is hosted.
	pub(super) async fn claim(self: &Arc<Self>, open: &mut HashMap<u64, Open>, hosted: &[Hosted]) {
		open.retain(|id, _| !hosted.iter().any(|h| h.request_id == *id));
		if self.draining.load(Ordering::SeqCst) || open.is_empty() {
			return;
		}
		let in_flight = self.claims_in_flight.lock().unwrap_or_else(|e| e.into_inner()).clone();
		let claimed: Vec<PlanSpec> = in_flight
			.iter()
			.filter(|(id, _)| !hosted.iter().any(|h| h.request_id == **id))
			.map(|(_, spec)| *spec)
			.collect();
		let capacity = crate::host::capacity(&self.config.capacity, &self.config.work_dir);
		let mut used = hosted
			.iter()
			.map(|h| h.spec)
			.chain(claimed.iter().copied())
			.try_fold(PlanSpec::default(), |used, spec| used.checked_add(&spec))
			.unwrap_or(capacity);
		let mut count = (hosted.len() + claimed.len()) as u32;
		let mut plans: HashMap<u32, PlanSpec> = HashMap::new();
		let mut ids: Vec<u64> =
			open.keys().filter(|id| !in_flight.contains_key(id)).copied().collect();
		ids.sort();
		for id in ids {
			let Some(request) = open.get(&id).cloned() else { continue };
			if count >= self.config.max_vms {
				break;
			}
			if request.miner_id.as_ref().is_some_and(|m| *m != self.node_id)
				|| !(self.config.plans.is_empty() || self.config.plans.contains(&request.plan_id))
			{
				open.remove(&id);
				continue;
			}
			// At most `MaxPlans` plans: each is read once per block, not once per request.
			let spec = match plans.get(&request.plan_id) {
				Some(spec) => *spec,
				None => {
					let Ok(spec) = self.plan_spec(request.plan_id).await else { continue };
					plans.insert(request.plan_id, spec);
					spec
				},
			};
			let Some(with) = used.checked_add(&spec).filter(|with| with.fits_within(&capacity))
			else {
				continue;
			};
			open.remove(&id);
			self.claims_in_flight.lock().unwrap_or_else(|e| e.into_inner()).insert(id, spec);
			let agent = self.clone();
			tokio::spawn(async move {
				agent.take(&request).await;
				agent.claims_in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
			});
			count += 1;
			used = with;
		}
	}

	/// Sends the claim of `request` and the assignment of its address, and waits for both.
	async fn take(&self, request: &Open) {
		let id = request.request_id;
		let address = self.reserve_address(id).await;
		let call = runtime::tx().compute().submit_compute_request_assignment(
			self.node(),
			request.plan_id,
			id,
			request.owner,
		);
		let claim = match self.chain().send(&call).await {
			Ok(sent) => sent,
			Err(error) => return tracing::info!(request = id, "not claimed: {error}"),
		};
		let assignment = match &address {
			Some(address) => match self.chain().send(&assign_ip(id, address.item)).await {
				Ok(sent) => Some(sent),
				Err(error) => {
					tracing::info!(request = id, "address {} not sent: {error}", address.item);
					None
				},
			},
			None => None,
		};
		match claim.finalized().await {
			Ok(()) => tracing::info!(request = id, "claimed"),
			Err(error) => tracing::info!(request = id, "not claimed: {error}"),
		}
		if let (Some(address), Some(assignment)) = (&address, assignment) {
			match assignment.finalized().await {
				Ok(()) => tracing::info!(request = id, "address {} taken", address.item),
				Err(error) => tracing::info!(
					request = id,
					"address {} not taken ({error}); the VM takes another one",
					address.item
				),
			}
		}
	}

	/// An address of the pool's free ones that this host can give a VM and no other VM task of
	/// the agent is taking, reserved for request `request_id`; `None` (logged) when there is
	/// none.
	pub(super) async fn reserve_address(
		&self,
		request_id: u64,
	) -> Option<Reservation<'_, Ipv4Addr>> {
		let free = match self.free_addresses().await {
			Ok(free) => free,
			Err(error) => {
				tracing::info!(request = request_id, "free addresses not read: {error}");
				return None;
			},
		};
		Reservation::address(&self.addresses_in_flight, &free, request_id)
	}

	/// The pool's free addresses (the first page, long enough for every VM this host may have
	/// and a few being taken by others) that this host's network can give a VM.
	pub(super) async fn free_addresses(&self) -> Result<Vec<Ipv4Addr>, chain::Error> {
		let page = self.config.max_vms as usize + super::provision::ADDRESS_TRIES;
		let pool = self.chain().rpc("compute_getIpPool", serde_json::json!([page])).await?;
		Ok(pool["free"]
			.as_array()
			.into_iter()
			.flatten()
			.filter_map(|ip| ip.as_str()?.parse().ok())
			.filter(|ip| self.address_usable(*ip))
			.collect())
	}

	/// The resources of plan `plan_id`.
	async fn plan_spec(&self, plan_id: u32) -> Result<PlanSpec, chain::Error> {
		let at = self.chain().client.at_current_block().await?;
		let entry = at.storage().entry(runtime::storage().compute().plans())?;
		let plan = entry
			.try_fetch((plan_id,))
			.await?
			.ok_or_else(|| format!("no plan {plan_id}"))?
			.decode()?;
		Ok(chain::from_runtime(plan.spec))
	}
}

/// The call that gives VM `request_id` address `ip`.
pub(super) fn assign_ip(request_id: u64, ip: Ipv4Addr) -> impl subxt::transactions::Payload {
	runtime::tx().compute().assign_ip_to_vm(
		bounded_bytes(format!("vm-{request_id}")),
		chain::ip_address(IpAddr::V4(ip)),
	)
}
