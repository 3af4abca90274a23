//! Benchmarks of `pallet-compute`, each call at its worst case: longest inputs, rent and address
//! rent owed (so settlement moves and burns funds), and every operation queued where the call
//! drops them.

use super::*;
use crate::Pallet as Compute;
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, InspectHold, Mutate},
		Hooks,
	},
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{One, Saturating},
	SaturatedConversion,
};

const SEED: u32 = 0;

/// Blocks a benchmark VM runs before the measured call, so that rent is owed.
const RUN_BLOCKS: u32 = 10;

/// Most VMs the `claim_compute_payments` benchmark sets up.
const PAYMENT_CLAIMS_MEASURED: u32 = 100;

fn max_bytes(len: u32, fill: u8) -> Vec<u8> {
	vec![fill; len as usize]
}

fn text<T: Config>() -> BoundedStringOf<T> {
	BoundedVec::truncate_from(max_bytes(T::MaxStringLen::get(), b's'))
}

fn image<T: Config>() -> ImageMetadataOf<T> {
	ImageMetadata { name: text::<T>(), image_url: text::<T>() }
}

/// Key type under which benchmarks keep node keys.
const NODE_KEY: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"node");

/// The Ed25519 key of node `index` (in the keystore) and its node id: the key's libp2p peer id,
/// the longest form a node id with a key takes.
fn node_key<T: Config>(index: u32) -> (sp_core::ed25519::Public, NodeIdOf<T>) {
	let seed = alloc::format!("//node{index}").into_bytes();
	let key = sp_io::crypto::ed25519_generate(NODE_KEY, Some(seed));
	(key, BoundedVec::truncate_from(ed25519_peer_id(&key.0).to_vec()))
}

/// The node id of node `index`.
fn node_id<T: Config>(index: u32) -> NodeIdOf<T> {
	node_key::<T>(index).1
}

/// The proof that `who` may register node `index`.
fn registration_proof<T: Config>(who: &T::AccountId, index: u32) -> sp_core::ed25519::Signature {
	let (key, node) = node_key::<T>(index);
	let message = Compute::<T>::node_registration_message(who, &node);
	sp_io::crypto::ed25519_sign(NODE_KEY, &key, &message).expect("the key is in the keystore")
}

/// Leaves the signer's account out of the counted storage accesses, as for every benchmarked
/// call: the transaction's own extensions (nonce, fee) read and write it anyway, and are weighed
/// apart.
fn whitelist<T: Config>(signer: &T::AccountId) {
	frame_benchmarking::benchmarking::add_to_whitelist(
		frame_system::Account::<T>::hashed_key_for(signer).into(),
	);
}

fn v6(index: u32) -> IpAddress {
	let mut octets = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
	octets[12..].copy_from_slice(&index.to_be_bytes());
	IpAddress::V6(octets)
}

fn block<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

fn advance<T: Config>(blocks: u32) {
	frame_system::Pallet::<T>::set_block_number(block::<T>().saturating_add(blocks.into()));
}

/// Moves past the heartbeat timeout of every node registered so far: they fall silent.
fn fall_silent<T: Config>() {
	let blocks = T::HeartbeatTimeout::get().saturating_add(2u32.into());
	frame_system::Pallet::<T>::set_block_number(block::<T>().saturating_add(blocks));
}

/// The price of benchmark plans: the existential deposit, so amounts stay meaningful.
fn price<T: Config>() -> BalanceOf<T> {
	T::Currency::minimum_balance().max(One::one())
}

/// An account with enough funds for several prepayments and deposits.
fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	let prepay = Compute::<T>::prepayment_for(price::<T>().saturating_mul(4u32.into()))
		.unwrap_or_else(|_| price::<T>());
	let amount = prepay
		.saturating_add(T::MinerDeposit::get())
		.saturating_add(T::Currency::minimum_balance())
		.saturating_mul(100u32.into());
	T::Currency::set_balance(&who, amount);
	who
}

/// A new active plan with a distinct spec; `size` scales it.
fn plan<T: Config>(size: u32) -> PlanId {
	let spec = PlanSpec {
		vcpus: size,
		memory_mb: 1024 * size,
		storage_gb: 10 * size,
		bandwidth_mbps: 100 * size,
		gpus: size,
	};
	let price = price::<T>().saturating_mul(size.into());
	Compute::<T>::do_create_plan(spec, price).expect("room for benchmark plans")
}

fn capacity() -> PlanSpec {
	PlanSpec {
		vcpus: u32::MAX / 2,
		memory_mb: u32::MAX / 2,
		storage_gb: u32::MAX / 2,
		bandwidth_mbps: u32::MAX / 2,
		gpus: u32::MAX / 2,
	}
}

/// A registered node of a funded miner.
fn miner<T: Config>(index: u32) -> (T::AccountId, NodeIdOf<T>) {
	let who = funded::<T>("miner", index);
	let node = node_id::<T>(index);
	let proof = registration_proof::<T>(&who, index);
	Compute::<T>::do_register_miner_node(
		who.clone(),
		node.clone(),
		capacity(),
		v6(u32::MAX),
		proof,
	)
	.expect("fresh node registers");
	(who, node)
}

/// Metrics with every field at its longest.
fn max_metrics<T: Config>() -> NodeMetricsOf<T> {
	NodeMetricsData {
		cpu_model: text::<T>(),
		cpu_cores: u32::MAX,
		memory_total_mb: u64::MAX,
		memory_free_mb: u64::MAX,
		storage_total_gb: u64::MAX,
		storage_free_gb: u64::MAX,
		bandwidth_up_mbps: u32::MAX,
		bandwidth_down_mbps: u32::MAX,
		geolocation: text::<T>(),
		uptime_minutes: u64::MAX,
		total_minutes: u64::MAX,
		successful_vm_operations: u64::MAX,
		failed_vm_operations: u64::MAX,
		vm_count: u32::MAX,
		latency_ms: u32::MAX,
		last_updated: Zero::zero(),
	}
}

/// A node registered under the peer id of a fresh Ed25519 key, with metrics already stored (so
/// a new report is checked against them), and a signed report made now; returns the report and
/// its signature.
fn signed_report<T: Config>() -> (NodeMetricsReportOf<T>, sp_core::ed25519::Signature) {
	let (key, node) = node_key::<T>(0);
	let who = funded::<T>("miner", 0);
	let proof = registration_proof::<T>(&who, 0);
	Compute::<T>::do_register_miner_node(who, node.clone(), capacity(), v6(u32::MAX), proof)
		.expect("fresh node registers");
	Compute::<T>::store_node_metrics(node.clone(), max_metrics::<T>(), block::<T>());
	// The node fell silent meanwhile: its report is also the heartbeat that brings it back.
	fall_silent::<T>();
	let report = NodeMetricsReport { node_id: node, at: block::<T>(), metrics: max_metrics::<T>() };
	let message = Compute::<T>::node_report_message(&report);
	let signature =
		sp_io::crypto::ed25519_sign(NODE_KEY, &key, &message).expect("the key is in the keystore");
	(report, signature)
}

/// Makes sure the pool has a free address.
fn ensure_free_ip<T: Config>() {
	let pool = IpPool::<T>::get();
	if pool.free == 0 {
		Compute::<T>::push_free_ip(v6(pool.assigned));
	}
}

/// The free address `fulfill_compute_request` takes next.
fn last_free_ip<T: Config>() -> Option<IpAddress> {
	IpPool::<T>::get().free.checked_sub(1).and_then(FreeIps::<T>::get)
}

fn is_free<T: Config>(ip: IpAddress) -> bool {
	matches!(IpStates::<T>::get(ip), Some(IpState::Free(_)))
}

fn vm_ip<T: Config>(request_id: RequestId) -> Option<IpAddress> {
	RequestRecords::<T>::get(request_id).and_then(|record| record.ip)
}

/// A pending request of a new funded user; returns (owner, request id).
fn pending<T: Config>(plan_id: PlanId, user: u32) -> (T::AccountId, RequestId) {
	let owner = funded::<T>("user", user);
	let request_id = NextRequestId::<T>::get();
	Compute::<T>::do_create_compute_request(
		owner.clone(),
		plan_id,
		image::<T>(),
		Some(text::<T>()),
		None,
	)
	.expect("funded user creates a request");
	(owner, request_id)
}

/// A request assigned to `node`.
fn in_progress<T: Config>(
	plan_id: PlanId,
	user: u32,
	miner: &T::AccountId,
	node: &NodeIdOf<T>,
) -> (T::AccountId, RequestId) {
	let (owner, request_id) = pending::<T>(plan_id, user);
	Compute::<T>::do_submit_compute_request_assignment(
		Some(miner.clone()),
		node.clone(),
		plan_id,
		request_id,
		owner.clone(),
	)
	.expect("node has room");
	(owner, request_id)
}

/// A running VM on a new node, with rent owed for `RUN_BLOCKS` blocks.
struct Vm<T: Config> {
	owner: T::AccountId,
	miner: T::AccountId,
	node: NodeIdOf<T>,
	request_id: RequestId,
}

fn running<T: Config>(plan_id: PlanId) -> Vm<T> {
	let (miner, node) = miner::<T>(0);
	let (owner, request_id) = in_progress::<T>(plan_id, 0, &miner, &node);
	ensure_free_ip::<T>();
	Compute::<T>::do_fulfill_compute_request(
		miner.clone(),
		node.clone(),
		request_id,
		Some(text::<T>()),
		Some(v6(u32::MAX)),
		Some(u16::MAX),
	)
	.expect("free address available");
	advance::<T>(RUN_BLOCKS);
	Vm { owner, miner, node, request_id }
}

/// A running VM with rent owed, then `queued` operations queued (from a stop, a reboot, a
/// resize to a larger plan and a deletion, in this order), then more blocks of address rent
/// owed: the worst case for calls that end a VM with `queued` operations on it.
fn running_with_queued<T: Config>(queued: u32) -> Vm<T> {
	let large = plan::<T>(2);
	let vm = running::<T>(plan::<T>(1));
	let (owner, id) = (vm.owner.clone(), vm.request_id);
	for op in Operation::ALL
		.into_iter()
		.filter(|op| *op != Operation::Boot)
		.take(queued as usize)
	{
		match op {
			Operation::Resize => Compute::<T>::do_request_compute_resize(owner.clone(), id, large),
			Operation::Delete => Compute::<T>::do_request_compute_delete(owner.clone(), id),
			Operation::Stop => {
				Compute::<T>::do_request_operation(owner.clone(), id, PowerOperation::Stop)
			},
			Operation::Boot => {
				Compute::<T>::do_request_operation(owner.clone(), id, PowerOperation::Boot)
			},
			Operation::Reboot => {
				Compute::<T>::do_request_operation(owner.clone(), id, PowerOperation::Reboot)
			},
		}
		.expect("queues");
	}
	advance::<T>(RUN_BLOCKS);
	vm
}

/// Like [`running_with_queued`], with a deletion and `queued - 1` other operations.
fn deleting<T: Config>(queued: u32) -> Vm<T> {
	let vm = running_with_queued::<T>(queued.saturating_sub(1));
	Compute::<T>::do_request_compute_delete(vm.owner.clone(), vm.request_id).expect("queues");
	vm
}

fn stopped<T: Config>(plan_id: PlanId) -> Vm<T> {
	let vm = running::<T>(plan_id);
	Compute::<T>::do_request_operation(vm.owner.clone(), vm.request_id, PowerOperation::Stop)
		.expect("running VM stops");
	Compute::<T>::do_fulfill_stop_request(vm.miner.clone(), vm.node.clone(), vm.request_id)
		.expect("stop queued");
	vm
}

fn billing<T: Config>(request_id: RequestId) -> RentalBillingOf<T> {
	RequestRecords::<T>::get(request_id).expect("live request").billing
}

fn status<T: Config>(owner: &T::AccountId, request_id: RequestId) -> ComputeRequestStatus {
	ComputeRequests::<T>::get(owner, request_id).expect("request exists").status
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_compute_request() {
		let plan_id = plan::<T>(1);
		let caller = funded::<T>("user", 0);
		let request_id = NextRequestId::<T>::get();

		whitelist::<T>(&caller);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(caller.clone()),
			plan_id,
			image::<T>(),
			Some(text::<T>()),
			Some(node_id::<T>(0)),
		);

		assert_eq!(status::<T>(&caller, request_id), ComputeRequestStatus::Pending);
		assert_eq!(
			T::Currency::balance_on_hold(&Compute::<T>::request_reason(), &caller),
			billing::<T>(request_id).held + T::RequestDeposit::get()
		);
	}

	#[benchmark]
	fn submit_compute_request_assignment() {
		let plan_id = plan::<T>(1);
		let (miner, node) = miner::<T>(0);
		let (owner, request_id) = pending::<T>(plan_id, 0);

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), node.clone(), plan_id, request_id, owner.clone());

		assert_eq!(status::<T>(&owner, request_id), ComputeRequestStatus::InProgress);
		assert!(MinerComputeRequests::<T>::contains_key(&node, request_id));
	}

	#[benchmark]
	fn fulfill_compute_request() {
		let plan_id = plan::<T>(1);
		let (miner, node) = miner::<T>(0);
		let (owner, request_id) = in_progress::<T>(plan_id, 0, &miner, &node);
		ensure_free_ip::<T>();

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(miner),
			node,
			request_id,
			Some(text::<T>()),
			Some(v6(u32::MAX)),
			Some(u16::MAX),
		);

		assert_eq!(status::<T>(&owner, request_id), ComputeRequestStatus::Running);
		assert!(vm_ip::<T>(request_id).is_some());
	}

	#[benchmark]
	fn report_compute_request_failure(q: Linear<0, MAX_QUEUED_OPERATIONS>) {
		let vm = running_with_queued::<T>(q);
		let miner_before = T::Currency::balance(&vm.miner);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id, text::<T>());

		assert_eq!(status::<T>(&vm.owner, vm.request_id), ComputeRequestStatus::Failed);
		assert!(T::Currency::balance(&vm.miner) > miner_before);
		assert_eq!(RequestRecords::<T>::get(vm.request_id).map(|r| r.queued.len()), Some(0));
		assert_eq!(
			T::Currency::balance_on_hold(&Compute::<T>::request_reason(), &vm.owner),
			T::RequestDeposit::get()
		);
	}

	#[benchmark]
	fn request_compute_stop() {
		let vm = running::<T>(plan::<T>(1));

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id);

		assert!(MinerComputeStopRequests::<T>::contains_key(&vm.node, vm.request_id));
		assert_eq!(billing::<T>(vm.request_id).accrued_to, block::<T>());
		assert_eq!(billing::<T>(vm.request_id).rent_per_block, 0u32.into());
	}

	#[benchmark]
	fn request_compute_boot() {
		let vm = stopped::<T>(plan::<T>(1));

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id);

		assert!(MinerComputeBootRequests::<T>::contains_key(&vm.node, vm.request_id));
	}

	#[benchmark]
	fn request_compute_reboot() {
		let vm = running::<T>(plan::<T>(1));

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id);

		assert!(MinerComputeRebootRequests::<T>::contains_key(&vm.node, vm.request_id));
	}

	#[benchmark]
	fn give_eviction_notice() {
		let vm = running::<T>(plan::<T>(1));

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		let notice = RequestRecords::<T>::get(vm.request_id).and_then(|r| r.evict_at);
		assert_eq!(notice, Some(block::<T>().saturating_add(T::EvictionNotice::get())));
	}

	#[benchmark]
	fn request_compute_resize() {
		let small = plan::<T>(1);
		let large = plan::<T>(2);
		let vm = running::<T>(small);

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id, large);

		let resize = MinerComputeResizeRequests::<T>::get(&vm.node, vm.request_id);
		assert_eq!(resize.map(|r| r.new_plan_id), Some(large));
	}

	#[benchmark]
	fn request_compute_delete() {
		let vm = running::<T>(plan::<T>(1));

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id);

		assert!(MinerComputeDeletionRequests::<T>::contains_key(&vm.node, vm.request_id));
	}

	#[benchmark]
	fn fulfill_stop_request() {
		let vm = running::<T>(plan::<T>(1));
		Compute::<T>::do_request_operation(vm.owner.clone(), vm.request_id, PowerOperation::Reboot)
			.expect("queues");
		Compute::<T>::do_request_operation(vm.owner.clone(), vm.request_id, PowerOperation::Stop)
			.expect("queues");
		advance::<T>(RUN_BLOCKS);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		assert_eq!(status::<T>(&vm.owner, vm.request_id), ComputeRequestStatus::Stopped);
		assert!(!MinerComputeRebootRequests::<T>::contains_key(&vm.node, vm.request_id));
	}

	#[benchmark]
	fn fulfill_boot_request() {
		let vm = stopped::<T>(plan::<T>(1));
		Compute::<T>::do_request_operation(vm.owner.clone(), vm.request_id, PowerOperation::Boot)
			.expect("queues");
		advance::<T>(RUN_BLOCKS);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		assert_eq!(status::<T>(&vm.owner, vm.request_id), ComputeRequestStatus::Running);
		assert!(billing::<T>(vm.request_id).due.is_some());
	}

	#[benchmark]
	fn fulfill_reboot_request() {
		let vm = running::<T>(plan::<T>(1));
		Compute::<T>::do_request_operation(vm.owner.clone(), vm.request_id, PowerOperation::Reboot)
			.expect("queues");
		advance::<T>(RUN_BLOCKS);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		assert!(!MinerComputeRebootRequests::<T>::contains_key(&vm.node, vm.request_id));
	}

	#[benchmark]
	fn fulfill_resize_request() {
		let small = plan::<T>(1);
		let large = plan::<T>(2);
		let vm = running::<T>(small);
		Compute::<T>::do_request_compute_resize(vm.owner.clone(), vm.request_id, large)
			.expect("queues");
		advance::<T>(RUN_BLOCKS);
		let new_price = Plans::<T>::get(large).expect("plan exists").price_per_block;

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		assert_eq!(
			ComputeRequests::<T>::get(&vm.owner, vm.request_id).map(|r| r.plan_id),
			Some(large)
		);
		assert_eq!(billing::<T>(vm.request_id).price_per_block, new_price);
		assert_eq!(billing::<T>(vm.request_id).rent_per_block, new_price);
	}

	#[benchmark]
	fn fulfill_deletion_request(q: Linear<1, MAX_QUEUED_OPERATIONS>) {
		let vm = deleting::<T>(q);
		let miner_before = T::Currency::balance(&vm.miner);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		assert!(RequestRecords::<T>::get(vm.request_id).is_none());
		assert!(T::Currency::balance(&vm.miner) > miner_before);
		assert_eq!(MinerNodes::<T>::get(&vm.node).map(|n| n.hosted), Some(0));
		assert_eq!(
			T::Currency::balance_on_hold(&Compute::<T>::request_reason(), &vm.owner),
			0u32.into()
		);
	}

	#[benchmark]
	fn close_compute_request(q: Linear<1, MAX_QUEUED_OPERATIONS>) {
		let vm = deleting::<T>(q);
		advance::<T>(T::OperationTimeout::get().saturated_into::<u32>().saturating_add(1));

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id);

		assert!(RequestRecords::<T>::get(vm.request_id).is_none());
		assert_eq!(
			T::Currency::balance_on_hold(&Compute::<T>::request_reason(), &vm.owner),
			0u32.into()
		);
	}

	/// The worst case: a claimed request with an address, past `ProvisionTimeout`, taken off
	/// its node (address rent settled and burned, address and capacity freed).
	#[benchmark]
	fn cancel_compute_request() {
		let (miner, node) = miner::<T>(0);
		let (owner, request_id) = in_progress::<T>(plan::<T>(1), 0, &miner, &node);
		ensure_free_ip::<T>();
		let ip = last_free_ip::<T>().expect("a free address");
		Compute::<T>::do_assign_ip_to_vm(None, vm_name_of(request_id), ip).expect("free address");
		advance::<T>(T::ProvisionTimeout::get().saturated_into::<u32>().saturating_add(1));

		whitelist::<T>(&owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), request_id);

		assert_eq!(status::<T>(&owner, request_id), ComputeRequestStatus::Cancelled);
		assert!(is_free::<T>(ip));
		assert_eq!(
			T::Currency::balance_on_hold(&Compute::<T>::request_reason(), &owner),
			T::RequestDeposit::get()
		);
	}

	/// The common case: a request no miner has claimed.
	#[benchmark]
	fn cancel_pending_compute_request() {
		let (owner, request_id) = pending::<T>(plan::<T>(1), 0);
		whitelist::<T>(&owner);

		#[block]
		{
			Compute::<T>::cancel_compute_request(
				RawOrigin::Signed(owner.clone()).into(),
				request_id,
			)
			.map_err(|e| e.error)
			.expect("pending request cancels");
		}

		assert_eq!(status::<T>(&owner, request_id), ComputeRequestStatus::Cancelled);
	}

	#[benchmark]
	fn add_ips(n: Linear<1, { T::MaxIpsPerCall::get() }>) {
		let free_before = IpPool::<T>::get().free;
		let ips: Vec<IpAddress> = (0..n).map(|i| v6(u32::MAX / 2 + i)).collect();
		let ips = BoundedVec::truncate_from(ips);

		#[extrinsic_call]
		_(RawOrigin::Root, ips);

		assert_eq!(IpPool::<T>::get().free, free_before + n);
	}

	#[benchmark]
	fn remove_ip() {
		let first = v6(u32::MAX / 2);
		Compute::<T>::do_add_ips(BoundedVec::truncate_from(vec![first])).expect("room in the pool");
		ensure_free_ip::<T>();
		// Make sure another address comes after it, so the last one moves into its slot.
		if last_free_ip::<T>() == Some(first) {
			Compute::<T>::push_free_ip(v6(u32::MAX / 2 + 1));
		}
		let free_before = IpPool::<T>::get().free;

		#[extrinsic_call]
		_(RawOrigin::Root, first);

		assert_eq!(IpPool::<T>::get().free, free_before - 1);
		assert!(IpStates::<T>::get(first).is_none());
	}

	#[benchmark]
	fn assign_ip_to_vm() {
		let (miner, node) = miner::<T>(0);
		let (_, request_id) = in_progress::<T>(plan::<T>(1), 0, &miner, &node);
		let first = v6(u32::MAX / 2);
		Compute::<T>::do_add_ips(BoundedVec::truncate_from(vec![first])).expect("room in the pool");
		if last_free_ip::<T>() == Some(first) {
			Compute::<T>::push_free_ip(v6(u32::MAX / 2 + 1));
		}
		let vm_name = vm_name_of(request_id);

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), vm_name.clone(), first);

		assert_eq!(vm_ip::<T>(request_id), Some(first));
	}

	#[benchmark]
	fn release_ip_from_vm() {
		let (miner, node) = miner::<T>(0);
		let (_, request_id) = in_progress::<T>(plan::<T>(1), 0, &miner, &node);
		ensure_free_ip::<T>();
		let ip = last_free_ip::<T>().expect("a free address");
		let vm_name = vm_name_of(request_id);
		Compute::<T>::do_assign_ip_to_vm(None, vm_name.clone(), ip).expect("free address");

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), vm_name.clone());

		assert!(vm_ip::<T>(request_id).is_none());
		assert!(is_free::<T>(ip));
	}

	#[benchmark]
	fn register_miner_node() {
		let caller = funded::<T>("miner", 0);
		let node = node_id::<T>(0);
		let proof = registration_proof::<T>(&caller, 0);

		whitelist::<T>(&caller);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller.clone()), node.clone(), capacity(), v6(0), proof);

		assert_eq!(MinerNodes::<T>::get(&node).map(|n| n.owner), Some(caller));
	}

	#[benchmark]
	fn deregister_miner_node() {
		let (miner, node) = miner::<T>(0);
		let metrics = NodeMetricsData {
			cpu_model: text::<T>(),
			cpu_cores: 1,
			memory_total_mb: 1,
			memory_free_mb: 1,
			storage_total_gb: 1,
			storage_free_gb: 1,
			bandwidth_up_mbps: 1,
			bandwidth_down_mbps: 1,
			geolocation: text::<T>(),
			uptime_minutes: 1,
			total_minutes: 1,
			successful_vm_operations: 1,
			failed_vm_operations: 1,
			vm_count: 0,
			latency_ms: 1,
			last_updated: block::<T>(),
		};
		Compute::<T>::do_report_node_metrics(miner.clone(), node.clone(), metrics)
			.expect("owner reports");

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner.clone()), node.clone());

		assert!(!MinerNodes::<T>::contains_key(&node));
		assert!(!NodeMetrics::<T>::contains_key(&node));
	}

	#[benchmark]
	fn report_node_metrics() {
		let (miner, node) = miner::<T>(0);
		let metrics = max_metrics::<T>();
		// The node fell silent: its report is also the heartbeat that brings it back.
		fall_silent::<T>();

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), node.clone(), metrics);

		assert_eq!(NodeMetrics::<T>::get(&node).map(|m| m.last_updated), Some(block::<T>()));
	}

	#[benchmark]
	fn create_plan() {
		let plan_id = NextPlanId::<T>::get();
		let spec =
			PlanSpec { vcpus: 2, memory_mb: 2048, storage_gb: 20, bandwidth_mbps: 200, gpus: 0 };

		#[extrinsic_call]
		_(RawOrigin::Root, spec, price::<T>());

		assert_eq!(Plans::<T>::get(plan_id).map(|p| p.active), Some(true));
	}

	#[benchmark]
	fn set_plan_active() {
		let plan_id = plan::<T>(1);

		#[extrinsic_call]
		_(RawOrigin::Root, plan_id, false);

		assert_eq!(Plans::<T>::get(plan_id).map(|p| p.active), Some(false));
	}

	#[benchmark]
	fn top_up_compute_request() {
		let vm = running::<T>(plan::<T>(1));
		let amount = price::<T>().saturating_mul(10u32.into());
		let held = billing::<T>(vm.request_id).held.saturating_add(amount);

		whitelist::<T>(&vm.owner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.owner.clone()), vm.request_id, amount);

		assert_eq!(billing::<T>(vm.request_id).held, held);
		assert!(billing::<T>(vm.request_id).due.is_some_and(|due| due > block::<T>()));
	}

	#[benchmark]
	fn claim_compute_payment() {
		let vm = running::<T>(plan::<T>(1));
		let miner_before = T::Currency::balance(&vm.miner);

		whitelist::<T>(&vm.miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(vm.miner.clone()), vm.node.clone(), vm.request_id);

		let paid = price::<T>().saturating_mul(RUN_BLOCKS.into());
		assert_eq!(T::Currency::balance(&vm.miner), miner_before.saturating_add(paid));
	}

	/// `n` running VMs on one node, each owing rent. The cost is linear in `n`; measured up to
	/// `PAYMENT_CLAIMS_MEASURED` VMs (or `MaxRequestsPerMiner`, if fewer) so that the fit is
	/// not swamped by the noise of the largest runs.
	#[benchmark]
	fn claim_compute_payments(
		n: Linear<1, { T::MaxRequestsPerMiner::get().min(PAYMENT_CLAIMS_MEASURED) }>,
	) {
		let plan_id = plan::<T>(1);
		let (miner, node) = miner::<T>(0);
		for i in 0..n {
			let (_, request_id) = in_progress::<T>(plan_id, i, &miner, &node);
			Compute::<T>::push_free_ip(v6(i));
			Compute::<T>::do_fulfill_compute_request(
				miner.clone(),
				node.clone(),
				request_id,
				None,
				None,
				None,
			)
			.expect("free address");
		}
		advance::<T>(RUN_BLOCKS);
		let miner_before = T::Currency::balance(&miner);

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner.clone()), node.clone(), n);

		let paid = price::<T>().saturating_mul(RUN_BLOCKS.into()).saturating_mul(n.into());
		assert_eq!(T::Currency::balance(&miner), miner_before.saturating_add(paid));
	}

	#[benchmark]
	fn set_miner_node_status() {
		let (miner, node) = miner::<T>(0);

		whitelist::<T>(&miner);

		#[extrinsic_call]
		_(RawOrigin::Signed(miner), node.clone(), MinerNodeStatus::Inactive);

		assert_eq!(MinerNodes::<T>::get(&node).map(|n| n.status), Some(MinerNodeStatus::Inactive));
	}

	#[benchmark]
	fn process_rental_expiries(n: Linear<1, { T::MaxExpiriesPerBlock::get() - 1 }>) {
		let plan_id = plan::<T>(1);
		let per_node = T::MaxRequestsPerMiner::get();
		let mut nodes = Vec::new();
		let mut requests = Vec::new();
		for i in 0..n {
			if i % per_node == 0 {
				nodes.push(miner::<T>(i / per_node));
			}
			let Some((miner, node)) = nodes.last() else { break };
			let (_, request_id) = in_progress::<T>(plan_id, i, miner, node);
			Compute::<T>::push_free_ip(v6(i));
			Compute::<T>::do_fulfill_compute_request(
				miner.clone(),
				node.clone(),
				request_id,
				None,
				None,
				None,
			)
			.expect("free address");
			requests.push((node.clone(), request_id));
		}
		let due = requests
			.first()
			.and_then(|(_, id)| billing::<T>(*id).due)
			.unwrap_or_else(|| block::<T>().saturating_add(One::one()));
		frame_system::Pallet::<T>::set_block_number(due);
		ExpiryCursor::<T>::put(due);
		// The nodes stayed live all along, so every entry finds its low-funds reading reached
		// and queues a stop (the costlier outcome).
		for (_, node_id) in &nodes {
			MinerNodes::<T>::mutate(node_id, |node| {
				if let Some(node) = node {
					node.live_clock = due;
					node.last_heartbeat = due;
				}
			});
		}

		#[block]
		{
			Compute::<T>::on_initialize(due);
		}

		for (node, request_id) in requests {
			assert!(MinerComputeStopRequests::<T>::contains_key(&node, request_id));
		}
	}

	#[benchmark]
	fn report_signed_node_metrics() {
		let (report, signature) = signed_report::<T>();
		let relayer = funded::<T>("relayer", 0);
		let node = report.node_id.clone();

		whitelist::<T>(&relayer);

		#[extrinsic_call]
		_(RawOrigin::Signed(relayer), report, signature);

		assert_eq!(NodeMetrics::<T>::get(&node).map(|m| m.last_updated), Some(block::<T>()));
	}

	#[benchmark]
	fn authorize_report_signed_node_metrics() -> Result<(), BenchmarkError> {
		use frame_support::traits::Authorize;
		let (report, signature) = signed_report::<T>();
		let call = Call::<T>::report_signed_node_metrics { report, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call is authorizable")?
				.map_err(|_| "the report is valid")?;
		}

		Ok(())
	}

	impl_benchmark_test_suite!(Compute, crate::mock::new_test_ext(), crate::mock::Test);
}
