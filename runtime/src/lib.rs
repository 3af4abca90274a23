//! The compute chain runtime.
//!
//! A solochain runtime (Aura block production, GRANDPA finality, 6 s blocks) whose application
//! logic is [`pallet_compute`]: a market in which users rent virtual machines from miners.
//!
//! - `configs/`: one `impl Config` per pallet, with every tunable value named once.
//! - `apis.rs`: the runtime APIs the node and dApps call (`impl_runtime_apis!`).
//! - `genesis_config_presets.rs`: the `development` and `local_testnet` genesis presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`'s expansion is large.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// Declared before `apis` so its `list_benchmarks!`/`add_benchmarks!` are in scope there.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_compute::Call as ComputeCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	use sp_runtime::traits::Hash as HashT;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
	/// The session keys of a validator: an Aura (sr25519) and a GRANDPA (ed25519) key.
	pub struct SessionKeys {
		/// Block production key.
		pub aura: Aura,
		/// Finality key.
		pub grandpa: Grandpa,
	}
}

/// The runtime's version. Bump `spec_version` on every runtime upgrade and
/// `transaction_version` whenever the encoding of calls or transaction extensions changes.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("compute-runtime"),
	impl_name: alloc::borrow::Cow::Borrowed("compute-runtime"),
	authoring_version: 1,
	spec_version: 107,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 3,
	system_version: 1,
};

/// Block times. The slot duration cannot change once a chain has started.
pub mod time {
	use super::BlockNumber;

	/// Target block time: one block per Aura slot.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
	/// Aura slot duration.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
}
pub use time::*;

/// Units of the native token (12 decimals).
pub mod currency {
	use super::Balance;

	/// Number of decimals of the native token.
	pub const DECIMALS: u32 = 12;
	/// Ticker of the native token.
	pub const TOKEN_SYMBOL: &str = "CMP";
	/// One whole token.
	pub const UNIT: Balance = 10u128.pow(DECIMALS);
	/// A thousandth of a token.
	pub const MILLI_UNIT: Balance = UNIT / 1_000;
	/// A millionth of a token.
	pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
	/// The minimum balance an account must keep to exist.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
}
pub use currency::*;

/// Signature of a transaction.
pub type Signature = MultiSignature;
/// An account: the public key of the transaction signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Index of a transaction of an account.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// A block number.
pub type BlockNumber = u32;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type as expected by this runtime.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justifications.
pub type SignedBlock = generic::SignedBlock<Block>;

/// The transaction extensions, checked in this order for every transaction.
///
/// `AuthorizeCall` comes first: it lets a general (version 5, unsigned) transaction through when
/// its call authorizes itself (a node-signed `Compute::report_signed_node_metrics`), and the
/// extensions after it skip nonce and fee for such an origin.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on the next runtime upgrade, besides those of the pallets: each runs once,
/// on a chain at the storage version it starts from.
type Migrations = (
	pallet_compute::migrations::v4::MigrateV3ToV4<Runtime>,
	pallet_compute::migrations::v5::MigrateV4ToV5<Runtime>,
);

/// Dispatches blocks and transactions to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The compute chain runtime.
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
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(10)]
	pub type Compute = pallet_compute;
}
