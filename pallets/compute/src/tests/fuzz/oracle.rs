//! The billing oracle: an independent model of what each owner owes and each miner earns,
//! block by block, from the market rules alone.
//!
//! It reads the lifecycle state the chain exposes (status, queued operations, addresses,
//! plans) but none of the pallet's billing or liveness records: it keeps each node's latest
//! heartbeat from the calls that succeeded (registration and metrics reports), and each block
//! it charges every request by the rules (rent while `Running` with no stop or deletion
//! queued, its node live and funds above the low-funds margin, at the cheaper plan while a
//! resize is queued; address rent while an address is held; never more than is left) and
//! keeps its own balance of every account. It holds each claim's bond to the claiming miner
//! and moves it to the owner when the rules say the miner stalled or dropped the VM.

use super::super::*;
use frame_support::traits::fungible::Inspect;
use std::collections::BTreeMap;

/// What the oracle knows of one request.
#[derive(Debug)]
struct Expected {
	owner: AccountId,
	/// Prepayment left after every charge so far.
	held: Balance,
	/// The low-funds stop took effect: no rent until the VM is booted again.
	low_funds_stopped: bool,
}

/// The oracle's books.
pub struct Oracle {
	requests: BTreeMap<RequestId, Expected>,
	/// Every account's total balance (free and held), as if every charge were settled.
	totals: BTreeMap<AccountId, Balance>,
	/// Address rent burned so far.
	burned: Balance,
	/// Total issuance before the first step.
	issuance: Balance,
	/// Each registered node's latest heartbeat: the block of its registration or of its
	/// latest metrics report.
	heartbeats: BTreeMap<NodeIdOf<Test>, u64>,
	/// Each hosted request's claim bond: the miner who put it on hold, and the amount.
	bonds: BTreeMap<RequestId, (AccountId, Balance)>,
	/// The request the call about to run names, with its status and claim block before it.
	before: Option<(RequestId, ComputeRequestStatus, Option<u64>)>,
}

fn price(plan_id: PlanId) -> Balance {
	Plans::<Test>::get(plan_id).unwrap().price_per_block
}

/// The rent per block the rules charge now, before the low-funds rule.
fn rent_rate(request_id: RequestId, request: &ComputeRequestOf<Test>) -> Balance {
	let Some(node_id) = &request.miner_id else { return 0 };
	if request.status != ComputeRequestStatus::Running
		|| MinerComputeStopRequests::<Test>::contains_key(node_id, request_id)
		|| MinerComputeDeletionRequests::<Test>::contains_key(node_id, request_id)
	{
		return 0;
	}
	let price = price(request.plan_id);
	match MinerComputeResizeRequests::<Test>::get(node_id, request_id) {
		Some(resize) => price.min(self::price(resize.new_plan_id)),
		None => price,
	}
}

fn holds_address(request_id: RequestId) -> bool {
	vm_ip_of(request_id).is_some()
}

fn miner_of(request: &ComputeRequestOf<Test>) -> Option<AccountId> {
	request
		.miner_id
		.as_ref()
		.and_then(MinerNodes::<Test>::get)
		.map(|node| node.owner)
}

impl Oracle {
	/// Starts the books from the current state (before any request exists).
	pub fn new() -> Self {
		let totals = (0..=POOR).map(|who| (who, Balances::total_balance(&who))).collect();
		Oracle {
			requests: BTreeMap::new(),
			totals,
			burned: 0,
			issuance: pallet_balances::TotalIssuance::<Test>::get(),
			heartbeats: BTreeMap::new(),
			bonds: BTreeMap::new(),
			before: None,
		}
	}

	/// Notes the state of the request `call` names, before it runs.
	pub fn before_call(&mut self, call: &RuntimeCall) {
		self.before = match call {
			RuntimeCall::Compute(
				Call::cancel_compute_request { request_id }
				| Call::close_compute_request { request_id }
				| Call::report_compute_request_failure { request_id, .. },
			) => Compute::compute_request(*request_id).map(|request| {
				let claimed = request.miner_id.as_ref().and_then(|node_id| {
					MinerComputeRequests::<Test>::get(node_id, request_id).map(|m| m.created_at)
				});
				(*request_id, request.status, claimed)
			}),
			_ => None,
		};
	}

	/// Pays request `request_id`'s bond to its owner.
	fn forfeit(&mut self, request_id: RequestId) {
		let Some((miner, amount)) = self.bonds.remove(&request_id) else { return };
		let owner = self.requests[&request_id].owner;
		*self.totals.get_mut(&miner).unwrap() -= amount;
		*self.totals.get_mut(&owner).unwrap() += amount;
	}

	/// Whether the miner's bond goes to the owner after a successful `call`, by the rules: a
	/// claim cancelled past the deadline, a close (an overdue deletion or a silent host), or
	/// the failure of a VM that ran, or of a claim past the deadline.
	fn forfeits(call: &RuntimeCall, status: ComputeRequestStatus, claimed: Option<u64>) -> bool {
		use ComputeRequestStatus::*;
		match call {
			RuntimeCall::Compute(Call::cancel_compute_request { .. }) => status == InProgress,
			RuntimeCall::Compute(Call::close_compute_request { .. }) => true,
			RuntimeCall::Compute(Call::report_compute_request_failure { .. }) => match status {
				InProgress => {
					claimed.is_some_and(|at| System::block_number() > at + PROVISION_TIMEOUT)
				},
				_ => true,
			},
			_ => false,
		}
	}

	/// Records what a successful call did to prepayments: a new request holds the plan's rent
	/// and address rent for `PREPAY_BLOCKS`; a top-up adds its amount.
	pub fn after_call(&mut self, call: &RuntimeCall, first_new_id: RequestId) {
		for request_id in first_new_id..NextRequestId::<Test>::get() {
			let request = Compute::compute_request(request_id).unwrap();
			let held = (price(request.plan_id) + ADDRESS_PRICE) * PREPAY_BLOCKS;
			self.requests.insert(
				request_id,
				Expected { owner: request.owner, held, low_funds_stopped: false },
			);
		}
		let now = System::block_number();
		if let Some((request_id, status, claimed)) = self.before.take() {
			if Self::forfeits(call, status, claimed) {
				self.forfeit(request_id);
			}
		}
		match call {
			RuntimeCall::Compute(Call::submit_compute_request_assignment {
				miner_node_id,
				plan_id,
				request_id,
				..
			}) => {
				let miner = MinerNodes::<Test>::get(miner_node_id).unwrap().owner;
				let bond = price(*plan_id) * ClaimBondBlocks::get();
				if bond > 0 {
					self.bonds.insert(*request_id, (miner, bond));
				}
			},
			RuntimeCall::Compute(Call::top_up_compute_request { request_id, amount }) => {
				self.requests.get_mut(request_id).unwrap().held += amount;
			},
			RuntimeCall::Compute(
				Call::register_miner_node { node_id, .. }
				| Call::report_node_metrics { node_id, .. },
			) => {
				self.heartbeats.insert(node_id.clone(), now);
			},
			RuntimeCall::Compute(Call::report_signed_node_metrics { report, .. }) => {
				self.heartbeats.insert(report.node_id.clone(), now);
			},
			RuntimeCall::Compute(Call::deregister_miner_node { node_id }) => {
				self.heartbeats.remove(node_id);
			},
			_ => {},
		}
		self.forget_ended();
	}

	/// A request without a VM any more got all that was left back (or is gone), and its
	/// miner's bond, if not paid to the owner, went back to the miner.
	fn forget_ended(&mut self) {
		self.bonds.retain(|request_id, _| {
			Compute::compute_request(*request_id).is_some_and(|r| !r.status.is_terminal())
		});
		self.requests
			.retain(|request_id, expected| match Compute::compute_request(*request_id) {
				Some(request) if !request.status.is_terminal() => true,
				Some(_) => {
					expected.held = 0;
					true
				},
				None => false,
			});
		for (request_id, expected) in &mut self.requests {
			// The low-funds stop shows on chain (or the VM left `Running`): the chain's own
			// state says the rest.
			let request = Compute::compute_request(*request_id).unwrap();
			let visible = request.status != ComputeRequestStatus::Running
				|| request.miner_id.as_ref().is_some_and(|node_id| {
					MinerComputeStopRequests::<Test>::contains_key(node_id, request_id)
				});
			if visible {
				expected.low_funds_stopped = false;
			}
		}
	}

	/// Charges every request for the current block, in its state at the end of the block.
	fn charge_block(&mut self) {
		let now = System::block_number();
		for (request_id, expected) in &mut self.requests {
			let request = Compute::compute_request(*request_id).unwrap();
			// Rent only in blocks in which the host is live: its latest heartbeat is at most
			// `HeartbeatTimeout` blocks old.
			let live = request
				.miner_id
				.as_ref()
				.and_then(|node_id| self.heartbeats.get(node_id))
				.is_some_and(|beat| now - beat <= HeartbeatTimeout::get());
			let rent = if expected.low_funds_stopped || !live {
				0
			} else {
				rent_rate(*request_id, &request)
			}
			.min(expected.held);
			expected.held -= rent;
			let address =
				if holds_address(*request_id) { ADDRESS_PRICE.min(expected.held) } else { 0 };
			expected.held -= address;
			if rent > 0 {
				let miner = miner_of(&request).unwrap();
				*self.totals.get_mut(&miner).unwrap() += rent;
			}
			*self.totals.get_mut(&expected.owner).unwrap() -= rent + address;
			self.burned += address;
		}
	}

	/// The low-funds rule at the start of a block: a VM that accrues rent stops doing so once
	/// what is left covers at most `PREPAY_BLOCKS / 10` blocks of rent and address rent.
	fn apply_low_funds_rule(&mut self) {
		for (request_id, expected) in &mut self.requests {
			let request = Compute::compute_request(*request_id).unwrap();
			let rate = rent_rate(*request_id, &request);
			if expected.low_funds_stopped || rate == 0 {
				continue;
			}
			if expected.held / (rate + ADDRESS_PRICE) <= PREPAY_BLOCKS / 10 {
				expected.low_funds_stopped = true;
			}
		}
	}

	/// Ends the current block and runs the next one's `on_initialize`, as the chain does.
	pub fn next_block(&mut self) {
		self.charge_block();
		self.apply_low_funds_rule();
		run_to_block(System::block_number() + 1);
		self.forget_ended();
	}

	/// Checks the chain's money against the books: every request's prepayment left, every
	/// account's balance and the total issuance, counting what is owed but not yet settled.
	pub fn check(&self, context: &str) {
		let now = System::block_number();
		let mut pending_rent: BTreeMap<AccountId, Balance> = BTreeMap::new();
		let mut owed: BTreeMap<AccountId, Balance> = BTreeMap::new();
		let mut pending_address = 0;
		for (request_id, record) in RequestRecords::<Test>::iter() {
			let at = Compute::instant_of(&record, now);
			let billing = record.billing;
			let request = Compute::compute_request(request_id).unwrap();
			let charges = Compute::charges_until(&billing, at);
			let charges = crate::billing::Charges {
				rent: billing.rent_owed + charges.rent,
				address: billing.address_owed + charges.address,
			};
			let expected = self
				.requests
				.get(&request_id)
				.unwrap_or_else(|| panic!("{context}: request {request_id} unknown to the oracle"));
			assert_eq!(
				billing.held - charges.rent - charges.address,
				expected.held,
				"{context}: prepayment left of request {request_id} ({request:?}, {billing:?})"
			);
			if charges.rent > 0 {
				*pending_rent.entry(miner_of(&request).unwrap()).or_default() += charges.rent;
			}
			*owed.entry(request.owner).or_default() += charges.rent + charges.address;
			pending_address += charges.address;
		}
		for (who, total) in &self.totals {
			let settled = Balances::total_balance(who) + pending_rent.get(who).unwrap_or(&0)
				- owed.get(who).unwrap_or(&0);
			assert_eq!(settled, *total, "{context}: balance of account {who}");
		}
		assert_eq!(
			pallet_balances::TotalIssuance::<Test>::get() - pending_address,
			self.issuance - self.burned,
			"{context}: issuance falls by the address rent, and by nothing else"
		);
	}
}
