//! The compute market: limits, pricing and deposits of `pallet-compute`.

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::transaction_validity::TransactionPriority;

use crate::{
	AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, DAYS, HOURS, MILLI_UNIT,
	MINUTES, UNIT,
};

parameter_types! {
	/// Blocks of rent held up front when a request is created: one hour.
	pub const RentalPrepayBlocks: BlockNumber = HOURS;
	/// Held from a miner for each registered node, returned on deregistration.
	pub const MinerDeposit: Balance = 100 * UNIT;
	/// Address rent, burned: 0.1 mCMP a block (0.06 CMP an hour, a tenth of the smallest plan's
	/// rent), so holding the dev pool's 241 addresses for a day burns about 347 CMP.
	pub const AddressPricePerBlock: Balance = MILLI_UNIT / 10;
	/// Held for every stored request (about 600 bytes of state), returned when it is removed.
	pub const RequestDeposit: Balance = 100 * MILLI_UNIT;
	/// A miner has 30 minutes after claiming a request to boot its VM (image download included)
	/// or report a failure.
	pub const ProvisionTimeout: BlockNumber = 30 * MINUTES;
	/// A miner has 10 minutes to carry out a queued stop, boot, reboot, resize or deletion.
	pub const OperationTimeout: BlockNumber = 10 * MINUTES;
	/// A cancelled or failed request stays readable for a day, then it is pruned.
	pub const TerminalRetention: BlockNumber = DAYS;
	/// A node-signed metrics report is valid for ten blocks (one minute) after it is made.
	pub const NodeReportLongevity: BlockNumber = 10;
	/// A node is live for ten minutes after a heartbeat (its registration or a metrics report).
	/// Rent accrues only while the hosting node is live, so a renter pays for at most ten
	/// minutes of a host that died, and `compute-miner` reports every two minutes: a report
	/// dropped now and then never makes a running host look silent.
	pub const HeartbeatTimeout: BlockNumber = 10 * MINUTES;
	/// A claim bonds an hour of the plan's rent, as much as the owner prepays for rent. A miner
	/// that claims and stalls keeps the owner waiting `ProvisionTimeout` (30 minutes) for
	/// nothing and then pays them an hour of the VM they did not get; one that drops a running
	/// VM without notice pays the same. Tied to the plan's price, it grows with what a stall
	/// costs the owner, and a miner that claims many requests to stall them must lock an hour of
	/// rent for each.
	pub const ClaimBondBlocks: BlockNumber = HOURS;
	/// A miner gives a day's notice before it removes a VM its owner did not ask to delete: time
	/// for the owner to move, with rent as usual until then.
	pub const EvictionNotice: BlockNumber = DAYS;
	/// Pool priority of feeless node-signed reports: the lowest, below every paid transaction
	/// (even an untipped one), since metrics are informational only.
	pub const NodeReportPriority: TransactionPriority = 0;
}

/// Longest miner node id, in bytes (a libp2p peer id fits).
pub type MaxNodeIdLen = ConstU32<64>;
/// Longest text field (image name or URL, CID, job id, fail reason, metric strings), in bytes.
pub type MaxStringLen = ConstU32<256>;

impl pallet_compute::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type WeightInfo = pallet_compute::weights::SubstrateWeight<Runtime>;
	type MaxNodeIdLen = MaxNodeIdLen;
	type MaxStringLen = MaxStringLen;
	type MaxIpsPerCall = ConstU32<256>;
	type MaxIpPoolSize = ConstU32<65_536>;
	type MaxPlans = ConstU32<64>;
	type MaxRequestsPerUser = ConstU32<1_000>;
	type MaxRequestsPerMiner = ConstU32<1_000>;
	type MaxExpiriesPerBlock = ConstU32<128>;
	type RentalPrepayBlocks = RentalPrepayBlocks;
	type MinerDeposit = MinerDeposit;
	type AddressPricePerBlock = AddressPricePerBlock;
	type RequestDeposit = RequestDeposit;
	type ProvisionTimeout = ProvisionTimeout;
	type OperationTimeout = OperationTimeout;
	type TerminalRetention = TerminalRetention;
	type NodeReportLongevity = NodeReportLongevity;
	type NodeReportPriority = NodeReportPriority;
	type HeartbeatTimeout = HeartbeatTimeout;
	type ClaimBondBlocks = ClaimBondBlocks;
	type EvictionNotice = EvictionNotice;
}
