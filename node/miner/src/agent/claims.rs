//! Which open requests this node takes: the plan is one this node's policy serves, the owner
//! named no other node, and the free capacity and VM count allow it.
//!
//! A claim goes out together with the address its VM will have: `assign_ip_to_vm` is sent right
//! after `submit_compute_request_assignment`, with a later nonce of the same account, so both are
//! applied in that order, in one block when both fit. The next best block then shows the request
//! `InProgress` with its address, and provisioning starts there (see the agent's module docs).
//! An address another miner took first fails alone; provisioning then takes another one.
//!
//! Each claim sent is remembered ([`Sent`]) until the finalized chain shows it: while it is in
//! flight, or final but its request not yet hosted at the finalized block the agent acts on,
//! its plan counts against the free capacity and the request is not claimed again. A claim that
//! failed is forgotten at once; its request, if still open, may be claimed again, which is right
//! when a reorg undid the claim, and is checked first: a request is claimed only while it is
//! pending at the block the agent acts on.

use std::{
	collections::HashMap,
	net::{IpAddr, Ipv4Addr},
	sync::{atomic::Ordering, Arc},
};

use super::{bounded_bytes, Agent};
use crate::{
	chain::{self, runtime, Hosted, Open, PlanSpec, ReadAt},
	reserve::Reservation,
};

/// Finalized blocks a final claim is remembered after it, at most: the loop, which may be a
/// few finalized blocks behind the claim's task, sees its request hosted first, unless the
/// request left the node at once.
const REMEMBERED_BLOCKS: u64 = 10;

/// A claim this agent sent.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sent {
	/// The resources of the request's plan.
	spec: PlanSpec,
	/// Once the claim is final: the last finalized block the agent had acted on then.
	final_at: Option<u64>,
}

impl Agent {
	/// Claims open requests that fit: the plan is claimed by this node's policy, the owner
	/// named no other node, and the free capacity and VM count allow it, counting the requests
	/// in `hosted` and the claims sent that it does not show yet. Each claim is followed to
	/// finality in a task of its own. A request leaves `open` when its claim is sent; seen again
	/// (in the finalized block that created it), it is not claimed twice.
	pub(super) async fn claim(
		self: &Arc<Self>,
		open: &mut HashMap<u64, Open>,
		hosted: &[Hosted],
		at: &subxt::client::OnlineClientAtBlock<subxt::SubstrateConfig>,
	) {
		let sent = self.claims_sent.lock().unwrap_or_else(|e| e.into_inner()).clone();
		let is_hosted = |id: &u64| hosted.iter().any(|h| h.request_id == *id);
		open.retain(|id, _| !is_hosted(id));
		if self.draining.load(Ordering::SeqCst) || open.is_empty() {
			return;
		}
		let claimed: Vec<PlanSpec> = sent
			.iter()
			.filter(|(id, _)| !is_hosted(id))
			.map(|(_, claim)| claim.spec)
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
		let mut ids: Vec<u64> = open.keys().filter(|id| !sent.contains_key(id)).copied().collect();
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
			// Another miner may have taken it, its owner cancelled it, or a reorg undone it.
			match self.chain().still_open(&request, at).await {
				Ok(true) => {},
				Ok(false) => {
					open.remove(&id);
					continue;
				},
				Err(error) => {
					tracing::debug!(request = id, "not claimed now: its status not read: {error}");
					continue;
				},
			}
			open.remove(&id);
			self.claims_sent
				.lock()
				.unwrap_or_else(|e| e.into_inner())
				.insert(id, Sent { spec, final_at: None });
			let (agent, read_at) = (self.clone(), ReadAt::of(at));
			tokio::spawn(async move {
				let claimed = agent.take(&request, read_at).await;
				let head = agent.head.load(Ordering::SeqCst);
				let mut sent = agent.claims_sent.lock().unwrap_or_else(|e| e.into_inner());
				if !claimed {
					sent.remove(&id);
				} else if let Some(claim) = sent.get_mut(&id) {
					claim.final_at = Some(head);
				}
			});
			count += 1;
			used = with;
		}
	}

	/// Forgets the claims whose requests are `hosted` at finalized block `number`, and those
	/// final for more than [`REMEMBERED_BLOCKS`].
	pub(super) fn settle_claims(&self, hosted: &[Hosted], number: u64) {
		self.claims_sent.lock().unwrap_or_else(|e| e.into_inner()).retain(|id, sent| {
			let old = sent.final_at.is_some_and(|at| at.saturating_add(REMEMBERED_BLOCKS) < number);
			!old && !hosted.iter().any(|h| h.request_id == *id)
		});
	}

	/// Sends the claim of `request`, found open at block `read_at`, and the assignment of its
	/// address, both anchored there, and waits for both; whether the claim succeeded.
	async fn take(&self, request: &Open, read_at: ReadAt) -> bool {
		let id = request.request_id;
		let address = self.reserve_address(id).await;
		let call = runtime::tx().compute().submit_compute_request_assignment(
			self.node(),
			request.plan_id,
			id,
			request.owner,
		);
		let claim = match self.chain().send(&call, Some(read_at)).await {
			Ok(sent) => sent,
			Err(error) => {
				tracing::info!(request = id, "not claimed: {error}");
				return false;
			},
		};
		let assignment = match &address {
			Some(address) => {
				match self.chain().send(&assign_ip(id, address.item), Some(read_at)).await {
					Ok(sent) => Some(sent),
					Err(error) => {
						tracing::info!(request = id, "address {} not sent: {error}", address.item);
						None
					},
				}
			},
			None => None,
		};
		let claimed = match claim.finalized().await {
			Ok(()) => {
				tracing::info!(request = id, "claimed");
				true
			},
			Err(error) => {
				tracing::info!(request = id, "not claimed: {error}");
				false
			},
		};
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
		claimed
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
