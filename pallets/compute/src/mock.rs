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
/// Address rent per block.
pub const ADDRESS_PRICE: Balance = 1;
/// Deposit per stored request.
pub const REQUEST_DEPOSIT: Balance = 20;
/// Blocks a miner has to fulfil or fail a claimed request.
pub const PROVISION_TIMEOUT: u64 = 10;
/// Blocks a miner has to fulfil a queued operation.
pub const OPERATION_TIMEOUT: u64 = 5;
/// Blocks a cancelled or failed request stays stored.
pub const TERMINAL_RETENTION: u64 = 50;
/// Blocks a node-signed report stays valid.
pub const NODE_REPORT_LONGEVITY: u64 = 5;
/// Blocks of a plan's rent a claim bonds, where the tests set a bond.
pub const BOND_BLOCKS: u64 = 10;
/// Blocks of notice before an eviction.
pub const EVICTION_NOTICE: u64 = 5;
/// Pool priority of feeless node reports.
pub const NODE_REPORT_PRIORITY: u64 = 1_000;
/// Free balance of every endowed account at genesis.
pub const ENDOWMENT: Balance = 100_000;

parameter_types! {
	pub const MinerDeposit: Balance = MINER_DEPOSIT;
	/// `HeartbeatTimeout`: longer than any unit test runs by default, so nodes stay live
	/// without reports; the liveness tests and the randomized test set it shorter
	/// (`HeartbeatTimeout::set`).
	pub static HeartbeatTimeout: u64 = 1_000;
	/// `MaxExpiriesPerBlock`: small, so that backlogs happen; the randomized test's seeds
	/// with short heartbeats set it large (`MaxExpiriesPerBlock::set`).
	pub static MaxExpiriesPerBlock: u32 = 2;
	/// `ClaimBondBlocks`: no bond by default, so that the other tests' balances read as the
	/// market's other rules make them; the bond tests and the randomized test set it
	/// ([`BOND_BLOCKS`]).
	pub static ClaimBondBlocks: u64 = 0;
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
	type MaxExpiriesPerBlock = MaxExpiriesPerBlock;
	type RentalPrepayBlocks = ConstU64<PREPAY_BLOCKS>;
	type MinerDeposit = MinerDeposit;
	type AddressPricePerBlock = ConstU64<ADDRESS_PRICE>;
	type RequestDeposit = ConstU64<REQUEST_DEPOSIT>;
	type ProvisionTimeout = ConstU64<PROVISION_TIMEOUT>;
	type OperationTimeout = ConstU64<OPERATION_TIMEOUT>;
	type TerminalRetention = ConstU64<TERMINAL_RETENTION>;
	type NodeReportLongevity = ConstU64<NODE_REPORT_LONGEVITY>;
	type NodeReportPriority = ConstU64<NODE_REPORT_PRIORITY>;
	type HeartbeatTimeout = HeartbeatTimeout;
	type ClaimBondBlocks = ClaimBondBlocks;
	type EvictionNotice = ConstU64<EVICTION_NOTICE>;
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

	/// Builds the externalities, runs `test`, then checks the pallet's invariants, every hold,
	/// and that funds were conserved: the total issuance fell by exactly the address rent
	/// burned, and balances sum to it.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			let issuance = pallet_balances::TotalIssuance::<Test>::get();
			test();
			Compute::do_try_state().expect("invariants hold after the test");
			check_holds();
			let burned: Balance = System::events()
				.into_iter()
				.filter_map(|record| match record.event {
					RuntimeEvent::Compute(crate::Event::ComputeAddressRentBurned {
						amount,
						..
					}) => Some(amount),
					_ => None,
				})
				.sum();
			assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance - burned);
			let total: Balance = (0..=POOR)
				.map(|who| {
					<Balances as frame_support::traits::fungible::Inspect<_>>::total_balance(&who)
				})
				.sum();
			assert_eq!(total, issuance - burned, "balances sum to the total issuance");
		})
	}
}

/// Checks every hold of every account, read from `pallet_balances` itself, against what the
/// pallet's records say it holds: prepayments and request deposits per request owner, node
/// deposits per node owner. A hold the records lost shows here even when its account has no
/// record left (`try_state` checks only the accounts that have records).
pub fn check_holds() {
	use codec::Encode;
	use std::collections::BTreeMap;
	/// Amounts per (account, encoded hold reason).
	type Sums = BTreeMap<(AccountId, Vec<u8>), Balance>;
	fn add(sums: &mut Sums, who: AccountId, reason: impl Into<RuntimeHoldReason>, amount: Balance) {
		if amount > 0 {
			*sums.entry((who, reason.into().encode())).or_default() += amount;
		}
	}
	let mut expected = Sums::new();
	for (_, record) in crate::RequestRecords::<Test>::iter() {
		let owner = record.owner;
		let request = record.billing.held + record.billing.deposit;
		add(&mut expected, owner, crate::HoldReason::Request, request);
	}
	for (_, record) in crate::RequestRecords::<Test>::iter() {
		if let Some(host) = record.host {
			add(&mut expected, host.miner, crate::HoldReason::ClaimBond, record.bond);
		}
	}
	for (_, node) in crate::MinerNodes::<Test>::iter() {
		add(&mut expected, node.owner, crate::HoldReason::MinerDeposit, node.deposit);
	}
	let mut held = Sums::new();
	for (who, holds) in pallet_balances::Holds::<Test>::iter() {
		for hold in holds {
			add(&mut held, who, hold.id, hold.amount);
		}
	}
	assert_eq!(held, expected, "holds in pallet_balances equal the pallet's records");
}

/// Runs `Compute::on_initialize` for every block up to `n`.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Compute::on_initialize(next);
	}
}
