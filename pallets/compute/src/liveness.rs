//! Node liveness: heartbeats, and each node's live clock, in whose ticks rent accrues.
//!
//! A node is *live* in block `b` while its latest heartbeat is at most `HeartbeatTimeout`
//! blocks old: `b - last_heartbeat <= HeartbeatTimeout`. Its heartbeats are its registration
//! and every metrics report, owner-sent or node-signed, counted in the block that includes it.
//!
//! Each node keeps a *live clock*: how many blocks it has been live in, counted from its
//! registration block. At block `b` (counting the blocks before `b`) the clock reads
//! `live_clock + min(b - last_heartbeat, HeartbeatTimeout + 1)`: it runs with the blocks while
//! the node is live, stands still from the block the node falls silent, and runs again from
//! the block of its next heartbeat. The silent blocks in between never count.
//!
//! A heartbeat writes two numbers of the node's own entry and touches none of its VMs: each
//! request remembers the clock reading up to which its rent has accrued
//! (`RentalBilling::rent_clock`), and the next time it is charged, its rent is the ticks since
//! then, however many silences came and went meanwhile. So no call and no hook walks a node's
//! VMs when it falls silent or comes back.

use crate::pallet::*;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

/// A point up to which a request's charges accrue: a block, and the live clock of the
/// request's host at that block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Instant<BlockNumber> {
	/// The block: address rent accrues up to it.
	pub block: BlockNumber,
	/// The host's live clock at `block` (the block itself for a request without a host, which
	/// pays no rent): rent accrues up to it.
	pub clock: BlockNumber,
}

/// [`Instant`] of this runtime.
pub type InstantOf<T> = Instant<BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
	/// The live clock of `node` at block `at` (not before its latest heartbeat): its reading at
	/// that heartbeat plus the live blocks since, before `at`.
	pub fn live_clock(node: &MinerNodeOf<T>, at: BlockNumberFor<T>) -> BlockNumberFor<T> {
		let live_span = T::HeartbeatTimeout::get().saturating_add(One::one());
		node.live_clock
			.saturating_add(at.saturating_sub(node.last_heartbeat).min(live_span))
	}

	/// Whether `node` is live in block `at`: its latest heartbeat is at most `HeartbeatTimeout`
	/// blocks old.
	pub fn is_live(node: &MinerNodeOf<T>, at: BlockNumberFor<T>) -> bool {
		at.saturating_sub(node.last_heartbeat) <= T::HeartbeatTimeout::get()
	}

	/// The first block in which `node` is silent unless it sends another heartbeat.
	pub fn silent_from(node: &MinerNodeOf<T>) -> BlockNumberFor<T> {
		node.last_heartbeat
			.saturating_add(T::HeartbeatTimeout::get())
			.saturating_add(One::one())
	}

	/// Records a heartbeat of node `node_id` in block `now`: the clock reading moves to `now`,
	/// and the node is live from `now` for `HeartbeatTimeout` more blocks. Emits
	/// `MinerNodeBackOnline` when the node was silent.
	pub(crate) fn heartbeat(
		node_id: &NodeIdOf<T>,
		node: &mut MinerNodeOf<T>,
		now: BlockNumberFor<T>,
	) {
		if !Self::is_live(node, now) {
			Self::deposit_event(Event::MinerNodeBackOnline {
				node_id: node_id.clone(),
				silent_from: Self::silent_from(node),
			});
		}
		node.live_clock = Self::live_clock(node, now);
		node.last_heartbeat = now;
	}

	/// Block `now` for a request hosted on `node`, or on no node.
	pub(crate) fn instant(node: Option<&MinerNodeOf<T>>, now: BlockNumberFor<T>) -> InstantOf<T> {
		Instant { block: now, clock: node.map_or(now, |node| Self::live_clock(node, now)) }
	}

	/// Block `now` for `record`, read from its host's node.
	pub(crate) fn instant_of(record: &RequestRecordOf<T>, now: BlockNumberFor<T>) -> InstantOf<T> {
		let node = record.host.as_ref().and_then(|host| MinerNodes::<T>::get(&host.node_id));
		Self::instant(node.as_ref(), now)
	}

	/// The current block for `record`, read from its host's node.
	pub(crate) fn now_of(record: &RequestRecordOf<T>) -> InstantOf<T> {
		Self::instant_of(record, frame_system::Pallet::<T>::block_number())
	}
}
