//! Which open requests this node takes: the plan is one this node's policy serves, the owner
//! named no other node, and the free capacity and VM count allow it.

use std::{collections::HashMap, sync::atomic::Ordering};

use super::Agent;
use crate::chain::{self, runtime, Hosted, Open, PlanSpec};

impl Agent {
	/// Claims open requests that fit: the plan is claimed by this node's policy, the owner
	/// named no other node, and the free capacity and VM count allow it.
	pub(super) async fn claim(&self, open: &mut HashMap<u64, Open>, hosted: &[Hosted]) {
		if self.draining.load(Ordering::SeqCst) || open.is_empty() {
			return;
		}
		let capacity = crate::host::capacity(&self.config.capacity, &self.config.work_dir);
		let mut used = hosted
			.iter()
			.try_fold(PlanSpec::default(), |used, h| used.checked_add(&h.spec))
			.unwrap_or(capacity);
		let mut count = hosted.len() as u32;
		let mut plans: HashMap<u32, PlanSpec> = HashMap::new();
		let mut ids: Vec<u64> = open.keys().copied().collect();
		ids.sort();
		let mut claims = tokio::task::JoinSet::new();
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
			let call = runtime::tx().compute().submit_compute_request_assignment(
				self.node(),
				request.plan_id,
				id,
				request.owner,
			);
			// Claims of one block go out together and share a block. One that fails (another
			// node was faster) frees nothing here: the next block's hosted list counts again.
			let chain = self.chain();
			claims.spawn(async move { (id, chain.submit(&call).await) });
			count += 1;
			used = with;
		}
		while let Some(claimed) = claims.join_next().await {
			match claimed {
				Ok((id, Ok(()))) => tracing::info!(request = id, "claimed"),
				Ok((id, Err(error))) => tracing::info!(request = id, "not claimed: {error}"),
				Err(error) => tracing::warn!("a claim task failed: {error}"),
			}
		}
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
