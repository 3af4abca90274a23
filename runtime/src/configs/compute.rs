//! The compute market: limits, pricing and deposits of `pallet-compute`.

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::transaction_validity::TransactionPriority;

use crate::{AccountId, Balance, Balances, BlockNumber, Runtime, RuntimeHoldReason, HOURS, UNIT};

parameter_types! {
	/// Blocks of rent held up front when a request is created: one hour.
	pub const RentalPrepayBlocks: BlockNumber = HOURS;
	/// Held from a miner for each registered node, returned on deregistration.
	pub const MinerDeposit: Balance = 100 * UNIT;
	/// A node-signed metrics report is valid for ten blocks (one minute) after it is made.
	pub const NodeReportLongevity: BlockNumber = 10;
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
	type NodeReportLongevity = NodeReportLongevity;
	type NodeReportPriority = NodeReportPriority;
}
