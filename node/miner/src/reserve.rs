//! Choosing an address from the chain's pool, and host ports, when several VM tasks of one
//! agent take one at the same time.
//!
//! Every task reads the same page of free addresses. Had each tried the first, only one
//! `assign_ip_to_vm` per block would succeed and the others would retry a block later, so the
//! agent's starts would run one after another. Instead each task reserves a different
//! candidate for as long as its transaction is in flight, and tasks of different agents spread
//! over the page by request id, so they rarely try the same one either. Host ports (VNC, host
//! forward) are reserved the same way from their choice until the VM's configuration, which
//! claims them for good, is saved.

use std::{collections::BTreeSet, net::Ipv4Addr, sync::Mutex};

/// Things reserved by one VM task each, until its [`Reservation`] is dropped.
pub type InFlight<T> = Mutex<BTreeSet<T>>;

/// One thing reserved for one VM task; the reservation ends when this is dropped.
pub struct Reservation<'a, T: Ord + Copy> {
	in_flight: &'a InFlight<T>,
	/// What is reserved.
	pub item: T,
}

impl<'a, T: Ord + Copy> Reservation<'a, T> {
	/// Reserves what `choose` picks, given what other tasks have reserved, or `None` when it
	/// picks nothing.
	pub fn take(
		in_flight: &'a InFlight<T>,
		choose: impl FnOnce(&BTreeSet<T>) -> Option<T>,
	) -> Option<Self> {
		let mut reserved = in_flight.lock().unwrap_or_else(|e| e.into_inner());
		let item = choose(&reserved)?;
		reserved.insert(item);
		Some(Reservation { in_flight, item })
	}
}

impl<'a> Reservation<'a, Ipv4Addr> {
	/// Reserves an address of `free` (the pool's page of free addresses) that no other task
	/// has reserved (see [`pick`]).
	pub fn address(
		in_flight: &'a InFlight<Ipv4Addr>,
		free: &[Ipv4Addr],
		request_id: u64,
	) -> Option<Self> {
		Reservation::take(in_flight, |reserved| pick(free, reserved, request_id))
	}
}

impl<T: Ord + Copy> Drop for Reservation<'_, T> {
	fn drop(&mut self) {
		self.in_flight.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.item);
	}
}

/// The address of `free` that request `request_id` tries: among those not `reserved`, the one
/// at the request id's position (modulo their number).
pub fn pick(free: &[Ipv4Addr], reserved: &BTreeSet<Ipv4Addr>, request_id: u64) -> Option<Ipv4Addr> {
	let candidates: Vec<Ipv4Addr> =
		free.iter().filter(|ip| !reserved.contains(ip)).copied().collect();
	let count = u64::try_from(candidates.len()).ok().filter(|&n| n > 0)?;
	let index = usize::try_from(request_id % count).ok()?;
	candidates.get(index).copied()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ips(n: u8) -> Vec<Ipv4Addr> {
		(1..=n).map(|i| Ipv4Addr::new(10, 0, 0, i)).collect()
	}

	#[test]
	fn concurrent_tasks_take_different_addresses() {
		let in_flight = InFlight::default();
		let free = ips(4);
		// Request ids that collide modulo the page still get different addresses.
		let taken: Vec<_> = [0, 4, 8, 12]
			.iter()
			.map(|&id| Reservation::address(&in_flight, &free, id).expect("an address"))
			.collect();
		let distinct: BTreeSet<_> = taken.iter().map(|r| r.item).collect();
		assert_eq!(distinct.len(), 4);
		assert!(Reservation::address(&in_flight, &free, 16).is_none(), "all four are in flight");
		drop(taken);
		assert!(in_flight.lock().expect("the lock").is_empty(), "dropping a reservation ends it");
		assert!(Reservation::address(&in_flight, &free, 16).is_some());
	}

	#[test]
	fn requests_spread_over_the_page() {
		let free = ips(5);
		let none = BTreeSet::new();
		assert_eq!(pick(&free, &none, 0), Some(free[0]));
		assert_eq!(pick(&free, &none, 7), Some(free[2]));
		assert_eq!(pick(&[], &none, 3), None);
		let reserved: BTreeSet<_> = free[..4].iter().copied().collect();
		assert_eq!(pick(&free, &reserved, 3), Some(free[4]), "the one left");
	}
}
