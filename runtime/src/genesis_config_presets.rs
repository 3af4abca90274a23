//! Genesis presets: `development` (Alice alone) and `local_testnet` (Alice, Bob, Charlie, Dave).
//!
//! Both fund the well-known dev accounts, make Alice the sudo key, seed the compute IP pool from
//! the documentation range 192.0.2.0/24 (RFC 5737) and create the plans of [`SEED_PLANS`].

use alloc::{vec, vec::Vec};
use pallet_compute::{IpAddress, PlanSpec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

use crate::{
	AccountId, Balance, BalancesConfig, ComputeConfig, RuntimeGenesisConfig, SudoConfig,
	MILLI_UNIT, UNIT,
};

/// Free balance of every funded dev account.
pub const ENDOWMENT: Balance = 1_000_000_000 * UNIT;

/// Number of extra funded accounts `//Sender//0` … `//Sender//255` in the `development` preset,
/// used by load tests that need many independent senders.
pub const DEV_SENDER_ACCOUNTS: u32 = 256;
/// Free balance of each `//Sender//i` account.
pub const DEV_SENDER_ENDOWMENT: Balance = 1_000_000 * UNIT;

/// First and last host of the seeded IP pool, inside 192.0.2.0/24.
const SEED_IP_FIRST: u8 = 10;
const SEED_IP_LAST: u8 = 250;

/// The seeded plans, created in this order, so a plan's id is its index here.
pub const SEED_PLANS: [(&str, PlanSpec, Balance); 4] = [
	(
		"small",
		PlanSpec { vcpus: 1, memory_mb: 1024, storage_gb: 25, bandwidth_mbps: 100, gpus: 0 },
		MILLI_UNIT,
	),
	(
		"medium",
		PlanSpec { vcpus: 2, memory_mb: 4096, storage_gb: 80, bandwidth_mbps: 500, gpus: 0 },
		4 * MILLI_UNIT,
	),
	(
		"large",
		PlanSpec { vcpus: 8, memory_mb: 16384, storage_gb: 320, bandwidth_mbps: 1000, gpus: 1 },
		20 * MILLI_UNIT,
	),
	// Small enough to run a real VM in tests and demos on a laptop.
	(
		TINY_PLAN_NAME,
		PlanSpec { vcpus: 1, memory_mb: 256, storage_gb: 2, bandwidth_mbps: 100, gpus: 0 },
		MILLI_UNIT / 2,
	),
];

/// Name of the seeded plan with the least memory, the one tests and demos run real VMs on.
/// Clients find its id on chain as the plan with the least memory.
pub const TINY_PLAN_NAME: &str = "tiny";

fn seed_ips() -> Vec<IpAddress> {
	(SEED_IP_FIRST..=SEED_IP_LAST)
		.map(|host| IpAddress::V4([192, 0, 2, host]))
		.collect()
}

fn seed_plans() -> Vec<(PlanSpec, Balance)> {
	SEED_PLANS.iter().map(|&(_, spec, price)| (spec, price)).collect()
}

/// A genesis config with the given authorities, funded accounts and sudo key.
fn testnet_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	derived_senders: Option<(u32, Balance, Option<alloc::string::String>)>,
	root: AccountId,
) -> Value {
	let config = RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.into_iter().map(|k| (k, ENDOWMENT)).collect(),
			dev_accounts: derived_senders,
		},
		aura: pallet_aura::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect(),
			..Default::default()
		},
		sudo: SudoConfig { key: Some(root) },
		compute: ComputeConfig { ips: seed_ips(), plans: seed_plans() },
		..Default::default()
	};

	// Serializing a genesis config to JSON cannot fail: every field is plain data.
	serde_json::to_value(config).unwrap_or_default()
}

/// Aura and GRANDPA keys of a dev keyring member.
fn authority_keys(who: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(who.public().into(), grandpa.public().into())
}

/// Every well-known dev account (Alice … Ferdie and their stashes).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| k != &Sr25519Keyring::One && k != &Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// The `development` preset: Alice is the only authority.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Some((DEV_SENDER_ACCOUNTS, DEV_SENDER_ENDOWMENT, None)),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave are authorities, so one can fail and
/// GRANDPA still finalizes (3 of 4 votes).
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority_keys(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		None,
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON of the preset `id`, if it exists.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(alloc::string::String::into_bytes)
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
