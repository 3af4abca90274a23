//! How many stored requests are in each status ([`RequestsInStatus`]), kept at each change.
//!
//! A request enters the count as `Pending` when it is created, moves between statuses with its
//! record (`claim`, `set_status`), and leaves it when its record is removed. All six counts are
//! one storage value, so a change of status reads and writes one key. The counts never drive a
//! decision of the market: they are for reading (`ComputeApi::request_counts`), and `try_state`
//! checks them against the records.

use crate::{pallet::*, ComputeRequestStatus, RequestCounts};
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// A request was stored in `status`.
	pub(crate) fn count_status_added(status: ComputeRequestStatus) {
		RequestsInStatus::<T>::mutate(|counts| counts.slot(status).saturating_inc());
	}

	/// A request in `status` was removed.
	pub(crate) fn count_status_removed(status: ComputeRequestStatus) {
		RequestsInStatus::<T>::mutate(|counts| counts.slot(status).saturating_dec());
	}

	/// A stored request went from status `from` to `to`.
	pub(crate) fn count_status_change(from: ComputeRequestStatus, to: ComputeRequestStatus) {
		if from != to {
			RequestsInStatus::<T>::mutate(|counts| {
				counts.slot(from).saturating_dec();
				counts.slot(to).saturating_inc();
			});
		}
	}

	/// How many stored requests are in each status.
	pub fn request_counts() -> RequestCounts {
		RequestsInStatus::<T>::get()
	}
}
