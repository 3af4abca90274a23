//! Rent claims and the node's metric reports, made on the agent's block beat.

use std::sync::atomic::Ordering;

use super::Agent;
use crate::chain::runtime;

impl Agent {
	/// Claims the rent owed on up to `max` hosted VMs.
	pub(super) async fn claim_payments(&self, max: u32) {
		let call = runtime::tx().compute().claim_compute_payments(self.node(), max);
		match self.chain().submit(&call, None).await {
			Ok(()) => tracing::info!("rent claimed"),
			Err(error) => tracing::info!("no rent claimed: {error}"),
		}
	}

	/// Reports this host's metrics, signed with the node key, as a feeless transaction; whether
	/// the pool took the report.
	pub(super) async fn report_metrics(&self, vms: usize) -> bool {
		let head = self.head.load(Ordering::SeqCst);
		let metrics = crate::report::host_metrics(&self.config.work_dir, vms as u32, &self.metrics);
		match crate::report::submit(&self.chain(), &self.node_key, head, metrics).await {
			Ok(()) => {
				tracing::debug!("metrics reported");
				true
			},
			Err(error) => {
				tracing::info!("metrics not reported: {error}");
				false
			},
		}
	}
}
