//! Randomized sequences of every call, dispatched as `RuntimeCall`s from random origins
//! (owners, other users, the hosting miner, another miner, root, unsigned), seeded and
//! reproducible. After every step: a failed call changed nothing, every invariant holds, and
//! the [`oracle::Oracle`] agrees on every balance to the unit.

mod oracle;

use super::*;
use frame_support::traits::GetCallMetadata;
use oracle::Oracle;
use sp_runtime::{traits::Dispatchable, StateVersion};
use std::collections::BTreeMap;

/// SplitMix64: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
		let mut z = self.0;
		z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
		z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
		z ^ (z >> 31)
	}

	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}

	fn pick<T: Copy>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u64) as usize]
	}

	fn chance(&mut self, percent: u64) -> bool {
		self.below(100) < percent
	}
}

const USERS: [AccountId; 4] = [ALICE, BOB, CHARLIE, POOR];
const MINERS: [AccountId; 2] = [MINER_1, MINER_2];
const NODES: [&str; 4] = ["n1", "n2", "n3", "n4"];
const SEEDS: u64 = 20;
/// Steps per seed: `SEEDS × STEPS` = 40,000 random steps in all.
const STEPS: u32 = 2_000;

/// Mostly a stored request, sometimes any id (removed or unknown ones included).
fn any_request(rng: &mut Rng) -> RequestId {
	let stored: Vec<RequestId> = RequestRecords::<Test>::iter_keys().collect();
	if stored.is_empty() || rng.chance(15) {
		rng.below(NextRequestId::<Test>::get() + 1)
	} else {
		rng.pick(&stored)
	}
}

/// Mostly a request in one of `statuses`, else [`any_request`].
fn request_in(rng: &mut Rng, statuses: &[ComputeRequestStatus]) -> RequestId {
	let matching: Vec<RequestId> = RequestRecords::<Test>::iter_keys()
		.filter(|id| Compute::compute_request(*id).is_some_and(|r| statuses.contains(&r.status)))
		.collect();
	if matching.is_empty() || rng.chance(10) {
		any_request(rng)
	} else {
		rng.pick(&matching)
	}
}

/// Mostly a request with an entry in `queue`, else [`any_request`].
fn queued(rng: &mut Rng, queue: Vec<RequestId>) -> RequestId {
	if queue.is_empty() || rng.chance(10) {
		any_request(rng)
	} else {
		rng.pick(&queue)
	}
}

fn any_ip(rng: &mut Rng) -> IpAddress {
	ip4(rng.pick(&[1u8, 2, 3, 4, 5, 6, 7, 8, 9]))
}

fn any_capacity(rng: &mut Rng) -> PlanSpec {
	if rng.chance(70) {
		capacity()
	} else {
		plan_spec(SMALL)
	}
}

/// Mostly a registered node and its owner, sometimes any node id and miner.
fn any_node(rng: &mut Rng) -> (AccountId, NodeIdOf<Test>) {
	let nodes: Vec<_> = MinerNodes::<Test>::iter().map(|(id, n)| (n.owner, id)).collect();
	if nodes.is_empty() || rng.chance(15) {
		(rng.pick(&[MINER_1, MINER_2, POOR]), node(rng.pick(&NODES)))
	} else {
		nodes[rng.below(nodes.len() as u64) as usize].clone()
	}
}

/// A hosted request's node and its owner's account, or a random node and miner.
fn hosting(rng: &mut Rng, request_id: RequestId) -> (AccountId, NodeIdOf<Test>) {
	let hosted = Compute::compute_request(request_id)
		.and_then(|r| r.miner_id)
		.and_then(|node_id| MinerNodes::<Test>::get(&node_id).map(|n| (n.owner, node_id)));
	match hosted {
		Some(found) if rng.chance(90) => found,
		_ => (rng.pick(&MINERS), node(rng.pick(&NODES))),
	}
}

fn metrics(rng: &mut Rng) -> NodeMetricsOf<Test> {
	let mut report = super::metrics::metrics();
	if rng.chance(20) {
		report.storage_free_gb = report.storage_total_gb + 1;
	}
	report
}

/// Mostly `preferred`; else a signed origin of any user or miner, root, or unsigned.
fn origin(rng: &mut Rng, preferred: RuntimeOrigin) -> RuntimeOrigin {
	if rng.chance(80) {
		return preferred;
	}
	match rng.below(4) {
		0 => signed(rng.pick(&USERS)),
		1 => signed(rng.pick(&MINERS)),
		2 => root(),
		_ => RuntimeOrigin::none(),
	}
}

/// The name of a call, for the coverage count.
fn name_of(call: &RuntimeCall) -> &'static str {
	let info = call.get_call_metadata();
	info.function_name
}

/// One random call and the origin it is dispatched from.
fn random_call(rng: &mut Rng) -> (RuntimeCall, RuntimeOrigin) {
	use ComputeRequestStatus::*;
	const WEIGHTS: [u64; 31] = [
		8, 8, 8, 1, 4, 4, 3, 3, 2, 3, 3, 2, 2, 3, 2, 3, 1, 5, 5, 3, 1, 1, 1, 1, 3, 3, 1, 2, 2, 3, 2,
	];
	let action = weighted(rng, &WEIGHTS);
	let user = rng.pick(&USERS);
	let request_id = match action {
		1 => request_in(rng, &[Pending]),
		14 => request_in(rng, &[Pending, InProgress]),
		2 | 17 => request_in(rng, &[InProgress]),
		18 => queued(
			rng,
			RequestRecords::<Test>::iter()
				.filter(|(_, record)| record.ip.is_some())
				.map(|(id, _)| id)
				.filter(|id| Compute::compute_request(*id).is_some_and(|r| r.status == InProgress))
				.collect(),
		),
		3 => request_in(rng, &[InProgress, Running, Stopped]),
		4 | 6 | 24 | 25 => request_in(rng, &[Running]),
		5 => request_in(rng, &[Stopped]),
		7 => request_in(rng, &[Running, Stopped]),
		9 => queued(rng, MinerComputeStopRequests::<Test>::iter_keys().map(|k| k.1).collect()),
		10 => queued(rng, MinerComputeBootRequests::<Test>::iter_keys().map(|k| k.1).collect()),
		11 => queued(rng, MinerComputeRebootRequests::<Test>::iter_keys().map(|k| k.1).collect()),
		12 => queued(rng, MinerComputeResizeRequests::<Test>::iter_keys().map(|k| k.1).collect()),
		13 if rng.chance(30) => queued(
			rng,
			RequestRecords::<Test>::iter()
				.filter(|(_, record)| record.evict_at.is_some())
				.map(|(id, _)| id)
				.collect(),
		),
		28 if rng.chance(30) => queued(
			rng,
			RequestRecords::<Test>::iter()
				.filter(|(_, record)| {
					let node =
						record.host.as_ref().and_then(|h| MinerNodes::<Test>::get(&h.node_id));
					node.is_some_and(|node| !Compute::is_live(&node, System::block_number()))
				})
				.map(|(id, _)| id)
				.collect(),
		),
		13 | 28 => {
			queued(rng, MinerComputeDeletionRequests::<Test>::iter_keys().map(|k| k.1).collect())
		},
		30 => request_in(rng, &[Running, Stopped]),
		_ => any_request(rng),
	};
	// Mostly act as the request's owner, so that calls get past the ownership checks.
	let owner = match Compute::compute_request(request_id) {
		Some(r) if rng.chance(90) => r.owner,
		_ => user,
	};
	let plan_id = rng.pick(&[SMALL, LARGE, LARGE + 1]);
	let as_owner = signed(owner);
	use crate::Call as C;
	let (call, preferred) = match action {
		0 => (
			C::create_compute_request {
				plan_id,
				image: image(),
				cloud_init_cid: None,
				miner_id: rng.chance(20).then(|| node(rng.pick(&NODES))),
			},
			signed(user),
		),
		1 => {
			let (miner, node_id) = any_node(rng);
			let request = Compute::compute_request(request_id);
			let (plan, owner) = request.map(|r| (r.plan_id, r.owner)).unwrap_or((plan_id, user));
			let caller = if rng.chance(10) { root() } else { signed(miner) };
			(
				C::submit_compute_request_assignment {
					miner_node_id: node_id,
					plan_id: plan,
					request_id,
					owner,
				},
				caller,
			)
		},
		2 => {
			let (miner, node_id) = hosting(rng, request_id);
			(
				C::fulfill_compute_request {
					node_id,
					request_id,
					job_id: None,
					hypervisor_ip: None,
					vnc_port: Some(5900),
				},
				signed(miner),
			)
		},
		3 => {
			let (miner, node_id) = hosting(rng, request_id);
			(
				C::report_compute_request_failure { node_id, request_id, fail_reason: text("x") },
				signed(miner),
			)
		},
		4 => (C::request_compute_stop { request_id }, as_owner),
		5 => (C::request_compute_boot { request_id }, as_owner),
		6 => (C::request_compute_reboot { request_id }, as_owner),
		7 => (C::request_compute_resize { request_id, new_plan_id: plan_id }, as_owner),
		8 => (C::request_compute_delete { request_id }, as_owner),
		9 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::fulfill_stop_request { node_id, request_id }, signed(miner))
		},
		10 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::fulfill_boot_request { node_id, request_id }, signed(miner))
		},
		11 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::fulfill_reboot_request { node_id, request_id }, signed(miner))
		},
		12 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::fulfill_resize_request { node_id, request_id }, signed(miner))
		},
		13 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::fulfill_deletion_request { node_id, request_id }, signed(miner))
		},
		14 => (C::cancel_compute_request { request_id }, as_owner),
		15 => {
			let count = rng.below(4) as usize;
			let ips: Vec<_> = (0..count).map(|_| any_ip(rng)).collect();
			(C::add_ips { ips: BoundedVec::truncate_from(ips) }, root())
		},
		16 => (C::remove_ip { ip: any_ip(rng) }, root()),
		17 => {
			let (miner, _) = hosting(rng, request_id);
			let caller = if rng.chance(50) { root() } else { signed(miner) };
			(C::assign_ip_to_vm { vm_name: vm_name_of(request_id), ip: any_ip(rng) }, caller)
		},
		18 => {
			let (miner, _) = hosting(rng, request_id);
			let caller = if rng.chance(50) { root() } else { signed(miner) };
			(C::release_ip_from_vm { vm_name: vm_name_of(request_id) }, caller)
		},
		19 => {
			let miner = rng.pick(&[MINER_1, MINER_2, POOR]);
			let node_id = node(rng.pick(&NODES));
			// Mostly the right proof; else one for another account.
			let signer = if rng.chance(85) { miner } else { rng.pick(&USERS) };
			let proof = proof(signer, &node_id);
			(
				C::register_miner_node {
					node_id,
					capacity: any_capacity(rng),
					hypervisor_ip: ip4(250),
					proof,
				},
				signed(miner),
			)
		},
		20 => {
			let (miner, node_id) = any_node(rng);
			(C::deregister_miner_node { node_id }, signed(miner))
		},
		21 => {
			let (miner, node_id) = any_node(rng);
			(C::report_node_metrics { node_id, metrics: metrics(rng) }, signed(miner))
		},
		22 => {
			let spec = PlanSpec {
				vcpus: 2,
				memory_mb: 2048,
				storage_gb: 20,
				bandwidth_mbps: 200,
				gpus: 0,
			};
			(C::create_plan { spec, price_per_block: rng.pick(&[0, 1, 3]) }, root())
		},
		23 => (C::set_plan_active { plan_id, active: rng.chance(70) }, root()),
		24 => {
			let amount = rng.pick(&[0, 1, 7, 50, 400, ENDOWMENT]);
			(C::top_up_compute_request { request_id, amount }, as_owner)
		},
		25 => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::claim_compute_payment { node_id, request_id }, signed(miner))
		},
		26 => {
			let (miner, node_id) = any_node(rng);
			let status =
				if rng.chance(60) { MinerNodeStatus::Active } else { MinerNodeStatus::Inactive };
			(C::set_miner_node_status { node_id, status }, signed(miner))
		},
		27 => {
			let (_, node_id) = any_node(rng);
			let at = System::block_number().saturating_sub(rng.below(3));
			let report = NodeMetricsReport { node_id: node_id.clone(), at, metrics: metrics(rng) };
			let key = sp_core::ed25519::Public::from_raw(node_public_key(&node_id).unwrap());
			let message = Compute::node_report_message(&report);
			let signature = sign_as(&key, &message);
			(C::report_signed_node_metrics { report, signature }, signed(rng.pick(&USERS)))
		},
		28 => (C::close_compute_request { request_id }, as_owner),
		29 => {
			let (miner, node_id) = any_node(rng);
			(C::claim_compute_payments { node_id, max: rng.pick(&[0, 1, 2, 50]) }, signed(miner))
		},
		_ => {
			let (miner, node_id) = hosting(rng, request_id);
			(C::give_eviction_notice { node_id, request_id }, signed(miner))
		},
	};
	let origin = origin(rng, preferred);
	(RuntimeCall::Compute(call), origin)
}

/// Picks an action by weight.
fn weighted(rng: &mut Rng, weights: &[u64]) -> usize {
	let mut roll = rng.below(weights.iter().sum());
	for (index, weight) in weights.iter().enumerate() {
		if roll < *weight {
			return index;
		}
		roll -= weight;
	}
	weights.len() - 1
}

/// How often each call ran and succeeded, and which rules fired, so the test can tell it
/// reached every path.
#[derive(Default)]
struct Coverage(BTreeMap<&'static str, (u32, u32)>);

impl Coverage {
	fn record(&mut self, name: &'static str, ok: bool) {
		let entry = self.0.entry(name).or_default();
		entry.0 += 1;
		entry.1 += u32::from(ok);
	}

	fn add(&mut self, other: Coverage) {
		for (name, (runs, oks)) in other.0 {
			let entry = self.0.entry(name).or_default();
			entry.0 += runs;
			entry.1 += oks;
		}
	}
}

/// Counts the rules that fired in this block's events, then clears them (so the state the
/// steps hash stays small).
fn record_rules(coverage: &mut Coverage) {
	for event in events() {
		let rule = match event {
			Event::ComputeRentalFundsLow { .. } => "rule: low-funds stop",
			Event::ComputeRequestClosed { reason: CloseReason::FundsExhausted, .. } => {
				"rule: exhausted prepayment closed"
			},
			Event::ComputeRequestPruned { .. } => "rule: terminal record pruned",
			Event::ComputeRequestClosed { reason: CloseReason::HostSilent, .. } => {
				"rule: silent host left"
			},
			Event::MinerNodeBackOnline { .. } => "rule: silent node back online",
			Event::ClaimBondForfeited { .. } => "rule: claim bond paid to the owner",
			Event::ComputeRequestEvicted { .. } => "rule: evicted after notice",
			_ => continue,
		};
		coverage.record(rule, true);
	}
	System::reset_events();
}

/// A metrics report of a registered node from its owner: the node's heartbeat.
fn heartbeat(rng: &mut Rng) -> (RuntimeCall, RuntimeOrigin) {
	let (owner, node_id) = any_node(rng);
	let call = Call::report_node_metrics { node_id, metrics: super::metrics::metrics() };
	(RuntimeCall::Compute(call), signed(owner))
}

/// Even seeds: heartbeats that time out, so nodes fall silent and come back, and due entries
/// that never wait in a backlog. Odd seeds: nodes that never fall silent, and backlogs.
///
/// A low-funds check that waits in a backlog while its node is silent is the one case the
/// oracle's per-block rules do not describe to the unit (see `try_process_due`), so no seed
/// has both.
fn configure(seed: u64) {
	ClaimBondBlocks::set(BOND_BLOCKS);
	if seed.is_multiple_of(2) {
		HeartbeatTimeout::set(40);
		MaxExpiriesPerBlock::set(1_000);
	} else {
		HeartbeatTimeout::set(1_000);
		MaxExpiriesPerBlock::set(2);
	}
}

fn run_seed(seed: u64) -> Coverage {
	configure(seed);
	let mut coverage = Coverage::default();
	// Not `build_and_execute`: the events are cleared as the steps go, and the oracle checks
	// the issuance instead.
	ExtBuilder::default().build().execute_with(|| {
		let mut rng = Rng(seed);
		// POOR gets a little: enough for a deposit or a prepayment, not both.
		frame_support::assert_ok!(Balances::transfer_allow_death(signed(BOB), POOR, 600));
		let mut oracle = Oracle::new();
		let mut last = String::new();
		for step in 0..STEPS {
			let context = format!("seed {seed} step {step}");
			if rng.chance(15) {
				last = format!("blocks from {}", System::block_number());
				for _ in 0..=rng.below(40) {
					oracle.next_block();
					record_rules(&mut coverage);
				}
			} else {
				let (call, origin) =
					if rng.chance(20) { heartbeat(&mut rng) } else { random_call(&mut rng) };
				let _ = &last;
				let before = sp_io::storage::root(StateVersion::V1);
				let first_new_id = NextRequestId::<Test>::get();
				let claimed = match &call {
					RuntimeCall::Compute(crate::Call::cancel_compute_request { request_id }) => {
						Compute::compute_request(*request_id)
							.is_some_and(|r| r.status == ComputeRequestStatus::InProgress)
					},
					_ => false,
				};
				last = format!("{call:?} from {:?}", origin.caller);
				oracle.before_call(&call);
				let result = call.clone().dispatch(origin);
				coverage.record(name_of(&call), result.is_ok());
				if claimed {
					coverage.record(
						"rule: claimed request cancelled after the deadline",
						result.is_ok(),
					);
				}
				match result {
					Ok(_) => oracle.after_call(&call, first_new_id),
					Err(error) => assert_eq!(
						sp_io::storage::root(StateVersion::V1),
						before,
						"{context}: failed {call:?} ({error:?}) changed storage"
					),
				}
			}
			if let Err(error) = Compute::do_try_state() {
				panic!("{context}: invariant broken: {error:?} after {last}");
			}
			check_holds();
			oracle.check(&context);
		}
	});
	coverage
}

/// Runs seeds `seeds` and checks that every call succeeded and every rule fired in them.
fn run_seeds(seeds: core::ops::Range<u64>) {
	let mut total = Coverage::default();
	for seed in seeds.clone() {
		total.add(run_seed(seed));
	}
	println!("seeds {seeds:?}, calls and rules (runs, successes): {:?}", total.0);
	for (name, (runs, oks)) in &total.0 {
		assert!(*oks > 0, "`{name}` never succeeded in {runs} runs");
	}
	assert_eq!(total.0.len(), 31 + 8, "every call ran and every rule fired: {:?}", total.0.keys());
}

// `SEEDS` seeds in four tests, which run side by side.
#[test]
fn random_call_sequences_keep_the_invariants_and_the_books_1() {
	run_seeds(0..SEEDS / 4);
}

#[test]
fn random_call_sequences_keep_the_invariants_and_the_books_2() {
	run_seeds(SEEDS / 4..SEEDS / 2);
}

#[test]
fn random_call_sequences_keep_the_invariants_and_the_books_3() {
	run_seeds(SEEDS / 2..3 * SEEDS / 4);
}

#[test]
fn random_call_sequences_keep_the_invariants_and_the_books_4() {
	run_seeds(3 * SEEDS / 4..SEEDS);
}
