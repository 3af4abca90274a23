//! Self-reported node metrics.

use crate::pallet::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_report_node_metrics(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		mut metrics: NodeMetricsOf<T>,
	) -> DispatchResult {
		Self::owned_node(&who, &node_id)?;
		ensure!(
			metrics.memory_free_mb <= metrics.memory_total_mb &&
				metrics.storage_free_gb <= metrics.storage_total_gb &&
				metrics.uptime_minutes <= metrics.total_minutes,
			Error::<T>::InvalidMetrics
		);
		metrics.last_updated = frame_system::Pallet::<T>::block_number();
		NodeMetrics::<T>::insert(&node_id, metrics);
		Self::deposit_event(Event::NodeMetricsReported { node_id });
		Ok(())
	}
}
