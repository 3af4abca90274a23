//! What a request has on hold and owes, and the pallet's hold totals.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// What one stored request has on hold, the rates it is charged per block now, and what it
/// owes and has not yet paid. Every stored request has one, inside its [`RequestRecord`].
///
/// Charges accrue in the record alone ([`crate::Pallet::accrue`]): no funds move when a rate
/// changes. Rent owed moves to the miner when the miner claims it or the request leaves the
/// miner; address rent owed is burned when the request leaves the miner. Until then both stay
/// in `held`, on hold.
///
/// The sum of `held + deposit` over a user's requests is exactly what the user has on hold for
/// `HoldReason::Request`.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct RentalBilling<Balance, BlockNumber> {
	/// Rent prepayment on hold, including what is owed but not yet paid or burned.
	pub held: Balance,
	/// The request deposit on hold, returned when the record is removed.
	pub deposit: Balance,
	/// Price per block of the request's current plan.
	pub price_per_block: Balance,
	/// Rent the miner earns per live block of its node now: the plan's price (the cheaper of
	/// both plans while a resize is queued) while the VM is `Running` with no stop or deletion
	/// queued, else zero. It accrues in ticks of the host's live clock, up to `rent_stop`.
	pub rent_per_block: Balance,
	/// Address rent per block now: `AddressPricePerBlock` while the request holds an address,
	/// else zero.
	pub address_per_block: Balance,
	/// The first block whose address rent has not accrued yet.
	pub accrued_to: BlockNumber,
	/// The host's live clock up to which rent has accrued (see `Pallet::live_clock`).
	pub rent_clock: BlockNumber,
	/// While rent accrues: the host's live clock at which it stops for low funds. Set whenever
	/// the rent rate or the prepayment changes, and whenever the request's entry in
	/// `RentalExpiries` finds the node was silent, to the clock at that block plus the live
	/// blocks the unspent prepayment pays for above the low-funds margin, at rent and address
	/// rent together (at least one).
	pub rent_stop: BlockNumber,
	/// Rent accrued and not yet paid to the miner.
	pub rent_owed: Balance,
	/// Address rent accrued and not yet burned.
	pub address_owed: Balance,
	/// Block of the request's entry in `RentalExpiries`, if any: while rent accrues, the
	/// earliest block the host's clock can reach `rent_stop` or the prepayment can run out
	/// (when the node was silent meanwhile, or the rates went down, neither has happened yet,
	/// and the entry is moved when it is processed); else the block the prepayment can no
	/// longer pay for the address; for a `Cancelled` or `Failed` request, the block its record
	/// is pruned.
	pub due: Option<BlockNumber>,
}
