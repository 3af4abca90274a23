//! Tests, split like the pallet's feature modules. Every test runs in
//! [`ExtBuilder::build_and_execute`], which checks the invariants and the conservation of funds
//! at its end.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod billing;
mod bonds;
mod fuzz;
mod invariants;
mod ip_pool;
mod liveness;
mod metrics;
mod migrations;
mod miners;
mod node_keys;
mod node_reports;
mod plans;
mod requests;
mod status_counts;
mod views;

use crate::{mock::*, *};
use frame_support::{
	assert_ok,
	traits::{fungible::InspectHold, GetStorageVersion},
	BoundedVec,
};
pub use node_keys::weak_keys;

/// Plan 0 of the mock genesis.
pub const SMALL: PlanId = 0;
/// Plan 1 of the mock genesis.
pub const LARGE: PlanId = 1;
/// Price per block of [`SMALL`].
pub const SMALL_PRICE: Balance = 2;
/// Price per block of [`LARGE`].
pub const LARGE_PRICE: Balance = 5;
/// Prepayment of a [`SMALL`] request: rent and address rent for `PREPAY_BLOCKS`.
pub const SMALL_PREPAY: Balance = (SMALL_PRICE + ADDRESS_PRICE) * PREPAY_BLOCKS;
/// Prepayment of a [`LARGE`] request.
pub const LARGE_PREPAY: Balance = (LARGE_PRICE + ADDRESS_PRICE) * PREPAY_BLOCKS;

pub fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

pub fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

std::thread_local! {
	/// Node key pairs by public key, so tests sign without a keystore.
	static NODE_PAIRS: std::cell::RefCell<std::collections::BTreeMap<[u8; 32], sp_core::ed25519::Pair>> =
		Default::default();
}

/// The Ed25519 key of node `name` (seeded from the name's hash: cheap to derive).
pub fn node_key(name: &str) -> sp_core::ed25519::Public {
	use sp_core::Pair;
	let pair = sp_core::ed25519::Pair::from_seed(&sp_io::hashing::blake2_256(name.as_bytes()));
	let public = pair.public();
	NODE_PAIRS.with(|pairs| pairs.borrow_mut().insert(public.0, pair));
	public
}

/// `message` signed by the node key `key` (made by [`node_key`]).
pub fn sign_as(key: &sp_core::ed25519::Public, message: &[u8]) -> sp_core::ed25519::Signature {
	use sp_core::Pair;
	NODE_PAIRS.with(|pairs| pairs.borrow()[&key.0].sign(message))
}

/// The peer-id node id of `key`.
pub fn peer_id(key: &sp_core::ed25519::Public) -> NodeIdOf<Test> {
	BoundedVec::truncate_from(ed25519_peer_id(&key.0).to_vec())
}

/// The node id of node `name`: the peer id of its key.
pub fn node(name: &str) -> NodeIdOf<Test> {
	peer_id(&node_key(name))
}

/// The proof that `who` may register `node_id`, signed by its key from the test keystore.
pub fn proof(who: AccountId, node_id: &NodeIdOf<Test>) -> sp_core::ed25519::Signature {
	let key = sp_core::ed25519::Public::from_raw(node_public_key(node_id).unwrap());
	let message = Compute::node_registration_message(&who, node_id);
	sign_as(&key, &message)
}

pub fn text(s: &str) -> BoundedStringOf<Test> {
	BoundedVec::truncate_from(s.as_bytes().to_vec())
}

pub fn vm(name: &str) -> VmName {
	BoundedVec::truncate_from(name.as_bytes().to_vec())
}

pub fn image() -> ImageMetadataOf<Test> {
	ImageMetadata { name: text("ubuntu-24.04"), image_url: text("bafyimage") }
}

pub fn ip4(last: u8) -> IpAddress {
	IpAddress::V4([192, 0, 2, last])
}

/// Room for two [`LARGE`] VMs exactly.
pub fn capacity() -> PlanSpec {
	PlanSpec { vcpus: 8, memory_mb: 16384, storage_gb: 160, bandwidth_mbps: 2000, gpus: 2 }
}

pub fn plan_spec(plan_id: PlanId) -> PlanSpec {
	Plans::<Test>::get(plan_id).unwrap().spec
}

/// Registers node `name` of `miner` with [`capacity`].
pub fn register(miner: AccountId, name: &str) -> NodeIdOf<Test> {
	let node_id = node(name);
	register_id(miner, &node_id);
	node_id
}

/// Registers `node_id` (whose key is one of [`node_key`]'s) for `miner`, with its proof.
pub fn register_id(miner: AccountId, node_id: &NodeIdOf<Test>) {
	assert_ok!(Compute::register_miner_node(
		signed(miner),
		node_id.clone(),
		capacity(),
		ip4(250),
		proof(miner, node_id)
	));
}

/// Creates a request of `owner` on `plan_id`; returns its id.
pub fn create(owner: AccountId, plan_id: PlanId) -> RequestId {
	let request_id = NextRequestId::<Test>::get();
	assert_ok!(Compute::create_compute_request(signed(owner), plan_id, image(), None, None));
	request_id
}

/// Assigns request `request_id` to `node_id` of `miner`.
pub fn assign(miner: AccountId, node_id: &NodeIdOf<Test>, request_id: RequestId) {
	let request = Compute::compute_request(request_id).unwrap();
	assert_ok!(Compute::submit_compute_request_assignment(
		signed(miner),
		node_id.clone(),
		request.plan_id,
		request_id,
		request.owner,
	));
}

/// Fulfils request `request_id` on `node_id` of `miner`.
pub fn fulfil(miner: AccountId, node_id: &NodeIdOf<Test>, request_id: RequestId) {
	assert_ok!(Compute::fulfill_compute_request(
		signed(miner),
		node_id.clone(),
		request_id,
		Some(text("job-1")),
		Some(ip4(250)),
		Some(5900),
	));
}

/// A running VM of `owner` on `plan_id`, on node `n1` of [`MINER_1`] (registered if needed).
pub fn running(owner: AccountId, plan_id: PlanId) -> (NodeIdOf<Test>, RequestId) {
	let node_id = node("n1");
	if !MinerNodes::<Test>::contains_key(&node_id) {
		register(MINER_1, "n1");
	}
	let request_id = create(owner, plan_id);
	assign(MINER_1, &node_id, request_id);
	fulfil(MINER_1, &node_id, request_id);
	(node_id, request_id)
}

/// Queues and fulfils a stop.
pub fn stop(owner: AccountId, node_id: &NodeIdOf<Test>, request_id: RequestId) {
	assert_ok!(Compute::request_compute_stop(signed(owner), request_id));
	assert_ok!(Compute::fulfill_stop_request(signed(MINER_1), node_id.clone(), request_id));
}

pub fn status(request_id: RequestId) -> ComputeRequestStatus {
	Compute::compute_request(request_id).unwrap().status
}

pub fn free(who: AccountId) -> Balance {
	Balances::free_balance(who)
}

/// What `who`'s requests hold: prepaid rent and storage deposits.
pub fn request_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::Request.into(), &who)
}

/// The prepaid rent `who`'s requests hold: [`request_held`] without the storage deposits.
pub fn rent_held(who: AccountId) -> Balance {
	request_held(who) - UserRequestCount::<Test>::get(who) as Balance * REQUEST_DEPOSIT
}

pub fn deposit_held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::MinerDeposit.into(), &who)
}

pub fn prepayment(request_id: RequestId) -> Balance {
	RequestRecords::<Test>::get(request_id)
		.map(|r| r.billing.held)
		.unwrap_or_default()
}

/// The billing state of stored request `request_id`.
pub fn billing(request_id: RequestId) -> RentalBillingOf<Test> {
	RequestRecords::<Test>::get(request_id).unwrap().billing
}

/// The address of request `request_id`'s VM.
pub fn vm_ip_of(request_id: RequestId) -> Option<IpAddress> {
	Compute::vm_ip(vm_name_of(request_id).to_vec())
}

/// Whether `ip` is a free address of the pool.
pub fn is_free(ip: IpAddress) -> bool {
	matches!(IpStates::<Test>::get(ip), Some(IpState::Free(_)))
}

/// How many requests node `node_id` hosts.
pub fn hosted(node_id: &NodeIdOf<Test>) -> u32 {
	MinerNodes::<Test>::get(node_id).map(|node| node.hosted).unwrap_or_default()
}

/// The events of this pallet, oldest first.
pub fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Compute(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// Asserts the last event of the block is `event`.
pub fn assert_last(event: Event<Test>) {
	System::assert_last_event(event.into());
}

/// Asserts `event` was deposited in this block.
pub fn assert_has(event: Event<Test>) {
	System::assert_has_event(event.into());
}

#[test]
fn genesis_builds_pool_and_plans() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(IpPool::<Test>::get().free, 4);
		assert_eq!(NextPlanId::<Test>::get(), 2);
		assert_eq!(Plans::<Test>::get(SMALL).unwrap().price_per_block, SMALL_PRICE);
		assert!(Plans::<Test>::get(LARGE).unwrap().active);
		assert_eq!(Compute::on_chain_storage_version(), 5);
	});
}

#[test]
fn genesis_config_json_is_simple() {
	let config = GenesisConfig::<Test> {
		ips: vec![IpAddress::V4([192, 0, 2, 10])],
		plans: vec![(
			PlanSpec { vcpus: 1, memory_mb: 512, storage_gb: 10, bandwidth_mbps: 100, gpus: 0 },
			7,
		)],
	};
	let json = serde_json::to_value(&config).unwrap();
	assert_eq!(
		json,
		serde_json::json!({
			"ips": [{"v4": [192, 0, 2, 10]}],
			"plans": [[{"vcpus": 1, "memoryMb": 512, "storageGb": 10, "bandwidthMbps": 100, "gpus": 0}, 7]]
		})
	);
	let back: GenesisConfig<Test> = serde_json::from_value(json).unwrap();
	assert_eq!(back.ips, config.ips);
}

#[test]
#[should_panic(expected = "invalid genesis IP pool")]
fn genesis_rejects_duplicate_ips() {
	use sp_runtime::BuildStorage;
	let _ = GenesisConfig::<Test> { ips: vec![ip4(1), ip4(1)], plans: vec![] }.build_storage();
}

#[test]
fn integrity_test_passes() {
	use frame_support::traits::Hooks;
	sp_io::TestExternalities::default().execute_with(Compute::integrity_test);
}

#[test]
fn vm_names_round_trip() {
	assert_eq!(&vm_name_of(0)[..], b"vm-0");
	assert_eq!(&vm_name_of(42)[..], b"vm-42");
	assert_eq!(&vm_name_of(u64::MAX)[..], b"vm-18446744073709551615");
	for id in [0, 7, 10, 42, 1_000_000, u64::MAX] {
		assert_eq!(request_id_of(&vm_name_of(id)), Some(id));
	}
	for bad in [&b"vm-"[..], b"vm-01", b"vm-x", b"vm-18446744073709551616", b"42", b"VM-1"] {
		assert_eq!(request_id_of(bad), None);
	}
}

#[test]
fn ip_addresses_print_as_text() {
	assert_eq!(IpAddress::V4([192, 0, 2, 10]).to_string(), "192.0.2.10");
	let mut v6 = [0u8; 16];
	v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
	v6[15] = 1;
	assert_eq!(IpAddress::V6(v6).to_string(), "2001:db8::1");
}
