//! Test runtime: System, Balances and Compute with small limits, so every bound is reachable.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use crate as pallet_compute;
use crate::{IpAddress, PlanSpec};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
};
use frame_system::EnsureRoot;
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

/// Account id of the test runtime.
pub type AccountId = u64;
/// Balance of the test runtime.
pub type Balance = u64;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(2)]
	pub type Compute = pallet_compute;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
	type ExistentialDeposit = ConstU64<EXISTENTIAL_DEPOSIT>;
}

/// Existential deposit of the test runtime.
pub const EXISTENTIAL_DEPOSIT: Balance = 10;
/// Rent held up front, in blocks.
pub const PREPAY_BLOCKS: u64 = 100;
/// Deposit per miner node.
pub const MINER_DEPOSIT: Balance = 500;
/// Blocks a node-signed report stays valid.
pub const NODE_REPORT_LONGEVITY: u64 = 5;
/// Pool priority of feeless node reports.
pub const NODE_REPORT_PRIORITY: u64 = 1_000;
/// Free balance of every endowed account at genesis.
pub const ENDOWMENT: Balance = 100_000;

parameter_types! {
	pub const MinerDeposit: Balance = MINER_DEPOSIT;
}

impl pallet_compute::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
	type MaxNodeIdLen = ConstU32<38>;
	type MaxStringLen = ConstU32<16>;
	type MaxIpsPerCall = ConstU32<4>;
	type MaxIpPoolSize = ConstU32<8>;
	type MaxPlans = ConstU32<4>;
	type MaxRequestsPerUser = ConstU32<3>;
	type MaxRequestsPerMiner = ConstU32<3>;
	type MaxExpiriesPerBlock = ConstU32<2>;
	type RentalPrepayBlocks = ConstU64<PREPAY_BLOCKS>;
	type MinerDeposit = MinerDeposit;
	type NodeReportLongevity = ConstU64<NODE_REPORT_LONGEVITY>;
	type NodeReportPriority = ConstU64<NODE_REPORT_PRIORITY>;
}

/// Users who rent VMs.
pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;
/// Miners who run nodes.
pub const MINER_1: AccountId = 10;
pub const MINER_2: AccountId = 11;
/// An account without funds.
pub const POOR: AccountId = 99;

/// Every endowed account.
pub const ENDOWED: [AccountId; 5] = [ALICE, BOB, CHARLIE, MINER_1, MINER_2];

/// Genesis plans: (spec, price per block). Plan 0 is small, 1 is large.
pub fn genesis_plans() -> Vec<(PlanSpec, Balance)> {
	vec![
		(PlanSpec { vcpus: 1, memory_mb: 1024, storage_gb: 10, bandwidth_mbps: 100, gpus: 0 }, 2),
		(PlanSpec { vcpus: 4, memory_mb: 8192, storage_gb: 80, bandwidth_mbps: 1000, gpus: 1 }, 5),
	]
}

/// Genesis addresses: 192.0.2.1 .. 192.0.2.4.
pub fn genesis_ips() -> Vec<IpAddress> {
	(1..=4).map(|i| IpAddress::V4([192, 0, 2, i])).collect()
}

/// Builds test externalities: endowed accounts, genesis plans and addresses, block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	ExtBuilder::default().build()
}

/// Builder of test externalities.
pub struct ExtBuilder {
	ips: Vec<IpAddress>,
	plans: Vec<(PlanSpec, Balance)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { ips: genesis_ips(), plans: genesis_plans() }
	}
}

impl ExtBuilder {
	/// Genesis without any address in the pool.
	pub fn no_ips(mut self) -> Self {
		self.ips.clear();
		self
	}

	/// Builds the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let storage = RuntimeGenesisConfig {
			system: Default::default(),
			balances: pallet_balances::GenesisConfig {
				balances: ENDOWED.iter().map(|who| (*who, ENDOWMENT)).collect(),
				..Default::default()
			},
			compute: pallet_compute::GenesisConfig { ips: self.ips, plans: self.plans },
		}
		.build_storage()
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		// Node keys for node-signed reports are generated and used through the keystore.
		ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds the externalities, runs `test`, then checks the pallet's invariants and that no
	/// funds were created or destroyed.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			let issuance = pallet_balances::TotalIssuance::<Test>::get();
			test();
			Compute::do_try_state().expect("invariants hold after the test");
			check_holds();
			assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance);
			let total: Balance = (0..=POOR)
				.map(|who| {
					<Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(&who)
				})
				.sum();
			assert_eq!(total, issuance, "balances sum to the total issuance");
		})
	}
}

/// Checks, for every test account, that its holds equal what the pallet has recorded.
pub fn check_holds() {
	use frame_support::traits::fungible::InspectHold;
	for who in 0..=POOR {
		let rental: Balance = crate::RentalPrepayments::<Test>::iter()
			.filter(|(id, _)| Compute::compute_request(*id).map(|r| r.owner) == Some(who))
			.map(|(_, billing)| billing.held)
			.sum();
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::RentalPrepayment.into(), &who),
			rental,
			"rental hold of {who}"
		);
		let deposits: Balance = crate::MinerNodes::<Test>::iter()
			.filter(|(_, node)| node.owner == who)
			.map(|(_, node)| node.deposit)
			.sum();
		assert_eq!(
			Balances::balance_on_hold(&crate::HoldReason::MinerDeposit.into(), &who),
			deposits,
			"deposit hold of {who}"
		);
	}
}

/// Runs `Compute::on_initialize` for every block up to `n`.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
	}
}
