//! Node metrics: reported by the node's owner, or signed by the node's own key.

use crate::{pallet::*, NODE_REPORT_CONTEXT};
use codec::Encode;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::ed25519;
use sp_runtime::{
	traits::{Saturating, Verify, Zero},
	SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_report_node_metrics(
		who: T::AccountId,
		node_id: NodeIdOf<T>,
		metrics: NodeMetricsOf<T>,
	) -> DispatchResult {
		Self::owned_node(&who, &node_id)?;
		Self::ensure_consistent_metrics(&metrics)?;
		Self::store_node_metrics(node_id, metrics, frame_system::Pallet::<T>::block_number());
		Ok(())
	}

	/// Stores `metrics` as the node's latest, stamped with the block they are from, and counts
	/// the report as the node's heartbeat in this block.
	pub(crate) fn store_node_metrics(
		node_id: NodeIdOf<T>,
		mut metrics: NodeMetricsOf<T>,
		from: BlockNumberFor<T>,
	) {
		let now = frame_system::Pallet::<T>::block_number();
		MinerNodes::<T>::mutate(&node_id, |node| {
			if let Some(node) = node {
				Self::heartbeat(&node_id, node, now);
			}
		});
		metrics.last_updated = from;
		NodeMetrics::<T>::insert(&node_id, metrics);
		Self::deposit_event(Event::NodeMetricsReported { node_id });
	}

	fn ensure_consistent_metrics(metrics: &NodeMetricsOf<T>) -> Result<(), Error<T>> {
		ensure!(
			metrics.memory_free_mb <= metrics.memory_total_mb
				&& metrics.storage_free_gb <= metrics.storage_total_gb
				&& metrics.uptime_minutes <= metrics.total_minutes,
			Error::<T>::InvalidMetrics
		);
		Ok(())
	}

	/// The message a node signs for `report`: `(NODE_REPORT_CONTEXT, genesis_hash, report)`.
	///
	/// The genesis hash ties the signature to this chain.
	pub fn node_report_message(report: &NodeMetricsReportOf<T>) -> alloc::vec::Vec<u8> {
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		(NODE_REPORT_CONTEXT, genesis, report).encode()
	}

	/// Checks a node-signed report: the node is registered, the metrics are consistent, the
	/// report is fresh, made after the node's registration and after its stored metrics, and the
	/// node's key signed it.
	///
	/// `at` rises strictly from report to report and starts after the registration, so no
	/// report can count twice, not even after the node was deregistered and registered again.
	/// The signature is checked last: it is the expensive part.
	pub(crate) fn check_signed_node_report(
		report: &NodeMetricsReportOf<T>,
		signature: &ed25519::Signature,
	) -> Result<(), Error<T>> {
		let node = MinerNodes::<T>::get(&report.node_id).ok_or(Error::<T>::MinerNodeNotFound)?;
		Self::ensure_consistent_metrics(&report.metrics)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(report.at <= now, Error::<T>::NodeReportFromFuture);
		ensure!(
			now <= report.at.saturating_add(T::NodeReportLongevity::get()),
			Error::<T>::NodeReportTooOld
		);
		ensure!(report.at > node.registered_at, Error::<T>::NodeReportTooOld);
		if let Some(stored) = NodeMetrics::<T>::get(&report.node_id) {
			ensure!(report.at > stored.last_updated, Error::<T>::NodeReportTooOld);
		}
		// Registration refuses ids without a strong key; this also covers nodes registered
		// before it did.
		let key = Self::node_key(&report.node_id).map_err(|error| match error {
			Error::<T>::InvalidNodeId => Error::<T>::InvalidSignature,
			other => other,
		})?;
		let message = Self::node_report_message(report);
		ensure!(signature.verify(&message[..], &key), Error::<T>::InvalidSignature);
		Ok(())
	}

	/// Transaction validity of a feeless `report_signed_node_metrics`.
	///
	/// Runs [`Self::check_signed_node_report`] and maps its errors onto the transaction pool's
	/// standard reasons: an unknown node is `BadSigner`, a bad signature `BadProof`, an old or
	/// replayed report `Stale`, an early one `Future`, inconsistent metrics `Call`. A valid
	/// report provides the tag `("ComputeNodeReport", node_id)`, so the pool keeps one report
	/// per node, and lives until the end of its validity window.
	pub(crate) fn authorize_signed_node_metrics(
		_source: TransactionSource,
		report: &NodeMetricsReportOf<T>,
		signature: &ed25519::Signature,
	) -> TransactionValidityWithRefund {
		Self::check_signed_node_report(report, signature).map_err(|error| {
			let reason = match error {
				Error::<T>::MinerNodeNotFound => InvalidTransaction::BadSigner,
				Error::<T>::InvalidSignature | Error::<T>::WeakNodeKey => {
					InvalidTransaction::BadProof
				},
				Error::<T>::NodeReportTooOld => InvalidTransaction::Stale,
				Error::<T>::NodeReportFromFuture => InvalidTransaction::Future,
				_ => InvalidTransaction::Call,
			};
			TransactionValidityError::Invalid(reason)
		})?;
		let now = frame_system::Pallet::<T>::block_number();
		let expires = report.at.saturating_add(T::NodeReportLongevity::get());
		let longevity: u64 =
			expires.saturating_sub(now).saturating_add(1u32.into()).saturated_into();
		let validity = ValidTransaction::with_tag_prefix("ComputeNodeReport")
			.priority(T::NodeReportPriority::get())
			.and_provides(&report.node_id)
			.longevity(longevity)
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}
}
