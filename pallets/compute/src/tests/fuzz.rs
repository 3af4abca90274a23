//! Randomized sequences of calls from several users and miners (seeded, reproducible). After
//! every step the invariants hold, no funds are created or destroyed, and a call that failed
//! changed nothing: the `do_*` functions are called directly, outside the storage layer that
//! dispatch adds, so "check, then write" is what is tested.

use super::*;
use crate::Operation;
use frame_support::traits::fungible::Inspect;
use sp_runtime::{DispatchError, StateVersion};

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
const STEPS: u32 = 500;
const SEEDS: u64 = 12;

/// Mostly a live request, sometimes any id (removed or unknown ones included).
fn any_request(rng: &mut Rng) -> RequestId {
	let live: Vec<RequestId> = RequestOwners::<Test>::iter_keys().collect();
	if live.is_empty() || rng.chance(15) {
		rng.below(NextRequestId::<Test>::get() + 1)
	} else {
		rng.pick(&live)
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

/// Mostly a live request in one of `statuses`, else [`any_request`].
fn request_in(rng: &mut Rng, statuses: &[ComputeRequestStatus]) -> RequestId {
	let matching: Vec<RequestId> = RequestOwners::<Test>::iter_keys()
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

/// Mostly a registered node and its owner, sometimes any node id and miner.
fn any_node(rng: &mut Rng) -> (AccountId, NodeIdOf<Test>) {
	let nodes: Vec<_> = MinerNodes::<Test>::iter().map(|(id, n)| (n.owner, id)).collect();
	if nodes.is_empty() || rng.chance(15) {
		(rng.pick(&[MINER_1, MINER_2, POOR]), node(rng.pick(&NODES)))
	} else {
		nodes[rng.below(nodes.len() as u64) as usize].clone()
	}
}

/// Picks an action by weight.
fn weighted(rng: &mut Rng, weights: &[u64]) -> usize {
	let mut roll = rng.below(weights.iter().sum());
	for (index, weight) in weights.iter().enumerate() {
		if roll < *weight {
			return index
		}
		roll -= weight;
	}
	weights.len() - 1
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

/// One random call; returns its name and result.
fn random_call(rng: &mut Rng) -> (&'static str, Result<(), DispatchError>) {
	use ComputeRequestStatus::*;
	const WEIGHTS: [u64; 26] =
		[8, 8, 8, 1, 4, 4, 3, 3, 2, 3, 3, 2, 2, 3, 1, 3, 1, 5, 5, 3, 1, 1, 1, 1, 3, 3];
	let action = weighted(rng, &WEIGHTS);
	let user = rng.pick(&USERS);
	let request_id = match action {
		1 | 14 => request_in(rng, &[Pending]),
		2 | 17 => request_in(rng, &[InProgress]),
		18 => queued(
			rng,
			VmIps::<Test>::iter_keys()
				.filter_map(|name| request_id_of(&name))
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
		13 => queued(rng, MinerComputeDeletionRequests::<Test>::iter_keys().map(|k| k.1).collect()),
		_ => any_request(rng),
	};
	// Mostly act as the request's owner, so that calls get past the ownership checks.
	let owner = match Compute::compute_request(request_id) {
		Some(r) if rng.chance(90) => r.owner,
		_ => user,
	};
	let plan_id = rng.pick(&[SMALL, LARGE, LARGE + 1]);
	match action {
		0 => (
			"create",
			Compute::do_create_compute_request(
				user,
				plan_id,
				image(),
				None,
				rng.chance(20).then(|| node(rng.pick(&NODES))),
			),
		),
		1 => {
			let (miner, node_id) = any_node(rng);
			let request = Compute::compute_request(request_id);
			let (plan, owner) = request.map(|r| (r.plan_id, r.owner)).unwrap_or((plan_id, user));
			let caller = if rng.chance(10) { None } else { Some(miner) };
			(
				"submit",
				Compute::do_submit_compute_request_assignment(
					caller, node_id, plan, request_id, owner,
				),
			)
		},
		2 => {
			let (miner, node_id) = hosting(rng, request_id);
			(
				"fulfil",
				Compute::do_fulfill_compute_request(
					miner,
					node_id,
					request_id,
					None,
					None,
					Some(5900),
				),
			)
		},
		3 => {
			let (miner, node_id) = hosting(rng, request_id);
			(
				"fail",
				Compute::do_report_compute_request_failure(miner, node_id, request_id, text("x")),
			)
		},
		4 => ("stop", Compute::do_request_operation(owner, request_id, Operation::Stop)),
		5 => ("boot", Compute::do_request_operation(owner, request_id, Operation::Boot)),
		6 => ("reboot", Compute::do_request_operation(owner, request_id, Operation::Reboot)),
		7 =>
			("resize", Compute::do_request_operation(owner, request_id, Operation::Resize(plan_id))),
		8 => ("delete", Compute::do_request_compute_delete(owner, request_id)),
		9 => {
			let (miner, node_id) = hosting(rng, request_id);
			("fulfil stop", Compute::do_fulfill_stop_request(miner, node_id, request_id))
		},
		10 => {
			let (miner, node_id) = hosting(rng, request_id);
			("fulfil boot", Compute::do_fulfill_boot_request(miner, node_id, request_id))
		},
		11 => {
			let (miner, node_id) = hosting(rng, request_id);
			("fulfil reboot", Compute::do_fulfill_reboot_request(miner, node_id, request_id))
		},
		12 => {
			let (miner, node_id) = hosting(rng, request_id);
			("fulfil resize", Compute::do_fulfill_resize_request(miner, node_id, request_id))
		},
		13 => {
			let (miner, node_id) = hosting(rng, request_id);
			("fulfil deletion", Compute::do_fulfill_deletion_request(miner, node_id, request_id))
		},
		14 => ("cancel", Compute::do_cancel_compute_request(owner, request_id)),
		15 => {
			let count = rng.below(4) as usize;
			let ips: Vec<_> = (0..count).map(|_| any_ip(rng)).collect();
			("add ips", Compute::do_add_ips(BoundedVec::truncate_from(ips)))
		},
		16 => ("remove ip", Compute::do_remove_ip(any_ip(rng))),
		17 => {
			let (miner, _) = hosting(rng, request_id);
			let caller = if rng.chance(50) { None } else { Some(miner) };
			("assign ip", Compute::do_assign_ip_to_vm(caller, vm_name_of(request_id), any_ip(rng)))
		},
		18 => {
			let (miner, _) = hosting(rng, request_id);
			let caller = if rng.chance(50) { None } else { Some(miner) };
			("release ip", Compute::do_release_ip_from_vm(caller, vm_name_of(request_id)))
		},
		19 => {
			let miner = rng.pick(&[MINER_1, MINER_2, POOR]);
			let node_id = node(rng.pick(&NODES));
			let proof = proof(miner, &node_id);
			(
				"register",
				Compute::do_register_miner_node(miner, node_id, any_capacity(rng), ip4(250), proof),
			)
		},
		20 => {
			let (miner, node_id) = any_node(rng);
			("deregister", Compute::do_deregister_miner_node(miner, node_id))
		},
		21 => {
			let (miner, node_id) = any_node(rng);
			let status =
				if rng.chance(60) { MinerNodeStatus::Active } else { MinerNodeStatus::Inactive };
			("node status", Compute::do_set_miner_node_status(miner, node_id, status))
		},
		22 => {
			let (miner, node_id) = any_node(rng);
			let report = metrics(rng);
			("metrics", Compute::do_report_node_metrics(miner, node_id, report))
		},
		23 => {
			let active = rng.chance(70);
			("plan active", Compute::do_set_plan_active(plan_id, active))
		},
		24 => {
			let amount = rng.pick(&[0, 1, 7, 50, 400, ENDOWMENT]);
			("top up", Compute::do_top_up_compute_request(owner, request_id, amount))
		},
		_ => {
			let (miner, node_id) = hosting(rng, request_id);
			("claim", Compute::do_claim_compute_payment(miner, node_id, request_id))
		},
	}
}

fn total_balances() -> Balance {
	(0..=POOR).map(|who| Balances::total_balance(&who)).sum()
}

fn run_seed(seed: u64) -> BTreeCounts {
	let mut counts = BTreeCounts::default();
	ExtBuilder::default().build_and_execute(|| {
		let mut rng = Rng(seed);
		// POOR gets a little: enough for a deposit or a prepayment, not both.
		frame_support::assert_ok!(Balances::transfer_allow_death(signed(BOB), POOR, 600));
		let issuance = Balances::total_issuance();
		for step in 0..STEPS {
			if rng.chance(15) {
				run_to_block(System::block_number() + rng.below(40) + 1);
			} else {
				let before = sp_io::storage::root(StateVersion::V1);
				let (name, result) = random_call(&mut rng);
				counts.record(name, result.is_ok());

				if let Err(error) = result {
					assert_eq!(
						sp_io::storage::root(StateVersion::V1),
						before,
						"seed {seed} step {step}: failed `{name}` ({error:?}) changed storage"
					);
				}
			}
			if let Err(error) = Compute::do_try_state() {
				panic!("seed {seed} step {step}: invariant broken: {error:?}");
			}
			check_holds();
			assert_eq!(Balances::total_issuance(), issuance, "seed {seed} step {step}: issuance");
			assert_eq!(total_balances(), issuance, "seed {seed} step {step}: funds moved out");
		}
	});
	counts
}

/// How often each call ran and succeeded, so the test can tell it reached every path.
#[derive(Default)]
struct BTreeCounts(std::collections::BTreeMap<&'static str, (u32, u32)>);

impl BTreeCounts {
	fn record(&mut self, name: &'static str, ok: bool) {
		let entry = self.0.entry(name).or_default();
		entry.0 += 1;
		entry.1 += u32::from(ok);
	}
}

#[test]
fn random_call_sequences_keep_every_invariant() {
	let mut total = BTreeCounts::default();
	for seed in 0..SEEDS {
		for (name, (runs, oks)) in run_seed(seed).0 {
			let entry = total.0.entry(name).or_default();
			entry.0 += runs;
			entry.1 += oks;
		}
	}
	println!("calls (runs, successes): {:?}", total.0);
	// Every kind of call succeeded at least once, so the sequences went deep.
	for (name, (runs, oks)) in &total.0 {
		assert!(*oks > 0, "`{name}` never succeeded in {runs} runs");
	}
	assert_eq!(total.0.len(), 26, "every kind of call ran: {:?}", total.0.keys());
}
