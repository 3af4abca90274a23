//! Metrics signed by the node's own key: the feeless (authorized) path, the relayed (signed)
//! path, and every way a report is refused.

use super::{metrics::metrics, *};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{DispatchErrorWithPostInfo, Pays, PostDispatchInfo},
	pallet_prelude::{InvalidTransaction, TransactionSource, TransactionValidityError},
	traits::Authorize,
	weights::Weight,
};
use sp_core::ed25519;
use sp_runtime::{traits::BadOrigin, transaction_validity::ValidTransaction};

/// Registers the node of `key` (as its peer id) for `miner` in the current block, then moves
/// to the next block: the first in which the node may make a report.
fn register_keyed(miner: AccountId, key: &ed25519::Public) -> NodeIdOf<Test> {
	let node_id = peer_id(key);
	register_id(miner, &node_id);
	run_to_block(System::block_number() + 1);
	node_id
}

/// A report of the node `node_id` made in the current block.
fn report_now(node_id: &NodeIdOf<Test>) -> NodeMetricsReportOf<Test> {
	report(node_id, System::block_number())
}

fn report(node_id: &NodeIdOf<Test>, at: u64) -> NodeMetricsReportOf<Test> {
	NodeMetricsReport { node_id: node_id.clone(), at, metrics: metrics() }
}

/// `report` signed by `key`.
fn sign(key: &ed25519::Public, report: &NodeMetricsReportOf<Test>) -> ed25519::Signature {
	let message = Compute::node_report_message(report);
	sign_as(key, &message)
}

fn authorize(
	report: NodeMetricsReportOf<Test>,
	signature: ed25519::Signature,
) -> Result<ValidTransaction, TransactionValidityError> {
	let call = RuntimeCall::Compute(Call::report_signed_node_metrics { report, signature });
	call.authorize(TransactionSource::External)
		.unwrap()
		.map(|(validity, _refund)| validity)
}

fn authorized() -> RuntimeOrigin {
	frame_system::RawOrigin::Authorized.into()
}

/// The weight either path reports: an owner's report (the signature check is weighed by the
/// authorization weight, which the runtime adds to every transaction of the call).
fn actual_weight() -> Option<Weight> {
	Some(<() as WeightInfo>::report_node_metrics())
}

/// What the relayed (signed) path returns: paid.
fn relayed() -> PostDispatchInfo {
	PostDispatchInfo { actual_weight: actual_weight(), pays_fee: Pays::Yes }
}

/// What the feeless (authorized) path returns: free.
fn feeless() -> PostDispatchInfo {
	PostDispatchInfo { actual_weight: actual_weight(), pays_fee: Pays::No }
}

/// A relayed report refused with `error`, charged like an accepted one.
fn refused(error: Error<Test>) -> DispatchErrorWithPostInfo {
	DispatchErrorWithPostInfo { post_info: relayed(), error: error.into() }
}

/// Both paths refuse `report`: relayed, the call fails with `error` and changes nothing; feeless,
/// the pool refuses the transaction as `invalid`.
fn assert_both_refuse(
	report: &NodeMetricsReportOf<Test>,
	signature: ed25519::Signature,
	error: Error<Test>,
	invalid: InvalidTransaction,
) {
	assert_noop!(
		Compute::report_signed_node_metrics(signed(BOB), report.clone(), signature),
		refused(error)
	);
	assert_eq!(authorize(report.clone(), signature), Err(invalid.into()));
}

#[test]
fn a_node_reports_feeless_with_its_own_key() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		run_to_block(7);
		let report = report(&n1, 6);
		let signature = sign(&key, &report);

		let validity = authorize(report.clone(), signature).unwrap();
		assert_eq!(validity.priority, NODE_REPORT_PRIORITY);
		assert_eq!(validity.provides, vec![("ComputeNodeReport", &n1).encode()]);
		assert!(validity.requires.is_empty());
		// Valid from block 7 up to and including 6 + NODE_REPORT_LONGEVITY.
		assert_eq!(validity.longevity, 6 + NODE_REPORT_LONGEVITY - 7 + 1);
		assert!(validity.propagate);

		assert_eq!(
			Compute::report_signed_node_metrics(authorized(), report, signature),
			Ok(feeless())
		);
		assert_last(Event::NodeMetricsReported { node_id: n1.clone() });
		let stored = Compute::node_metrics(n1).unwrap();
		// The metrics are from the block the node made the report at.
		assert_eq!(stored.last_updated, 6);
		assert_eq!(stored.cpu_model, text("EPYC 9654"));
	});
}

#[test]
fn any_account_may_relay_a_node_report_and_pays_for_it() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		run_to_block(3);
		let report = report(&n1, 3);
		let signature = sign(&key, &report);
		assert_eq!(
			Compute::report_signed_node_metrics(signed(BOB), report, signature),
			Ok(relayed())
		);
		assert_last(Event::NodeMetricsReported { node_id: n1.clone() });
		assert_eq!(Compute::node_metrics(n1).unwrap().last_updated, 3);
	});
}

#[test]
fn a_bare_public_key_is_a_node_id_too() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1: NodeIdOf<Test> = BoundedVec::truncate_from(key.0.to_vec());
		register_id(MINER_1, &n1);
		run_to_block(2);
		let report = report(&n1, 2);
		let signature = sign(&key, &report);
		assert!(authorize(report.clone(), signature).is_ok());
		assert_ok!(Compute::report_signed_node_metrics(signed(BOB), report, signature));
		assert_eq!(Compute::node_metrics(n1).unwrap().last_updated, 2);
	});
}

#[test]
fn node_public_key_reads_both_forms_and_nothing_else() {
	let key = [7u8; 32];
	assert_eq!(node_public_key(&ed25519_peer_id(&key)), Some(key));
	assert_eq!(node_public_key(&key), Some(key));
	// A peer id of another key type (secp256k1 is type 2) has no Ed25519 key.
	let mut secp = ed25519_peer_id(&key);
	secp[3] = 0x02;
	assert_eq!(node_public_key(&secp), None);
	assert_eq!(node_public_key(b"n1"), None);
	assert_eq!(node_public_key(&[0u8; 33]), None);
}

#[test]
fn a_report_not_signed_by_the_node_key_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let other = node_key("node-2");
		let n1 = register_keyed(MINER_1, &key);
		let report = report_now(&n1);

		// Signed by another key.
		let wrong = sign(&other, &report);
		assert_both_refuse(&report, wrong, Error::InvalidSignature, InvalidTransaction::BadProof);

		// Signed by the right key, then changed.
		let signature = sign(&key, &report);
		let mut tampered = report.clone();
		tampered.metrics.vm_count += 1;
		assert_both_refuse(
			&tampered,
			signature,
			Error::InvalidSignature,
			InvalidTransaction::BadProof,
		);

		// A node id that encodes no key accepts no signature at all.
		let plain = register(MINER_2, "n2");
		run_to_block(System::block_number() + 1);
		let plain_report = report_now(&plain);
		let signature = sign(&key, &plain_report);
		assert_both_refuse(
			&plain_report,
			signature,
			Error::InvalidSignature,
			InvalidTransaction::BadProof,
		);
	});
}

#[test]
fn a_signature_for_another_chain_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		let report = report_now(&n1);
		let foreign_genesis = [1u8; 32];
		let message = (NODE_REPORT_CONTEXT, foreign_genesis, &report).encode();
		let signature = sign_as(&key, &message);
		assert_both_refuse(
			&report,
			signature,
			Error::InvalidSignature,
			InvalidTransaction::BadProof,
		);
	});
}

#[test]
fn old_and_future_reports_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		run_to_block(10);

		let future = report(&n1, 11);
		let signature = sign(&key, &future);
		assert_both_refuse(
			&future,
			signature,
			Error::NodeReportFromFuture,
			InvalidTransaction::Future,
		);

		let old = report(&n1, 10 - NODE_REPORT_LONGEVITY - 1);
		let signature = sign(&key, &old);
		assert_both_refuse(&old, signature, Error::NodeReportTooOld, InvalidTransaction::Stale);

		// The oldest report still valid is accepted.
		let oldest = report(&n1, 10 - NODE_REPORT_LONGEVITY);
		let signature = sign(&key, &oldest);
		assert!(authorize(oldest.clone(), signature).is_ok());
		assert_ok!(Compute::report_signed_node_metrics(signed(BOB), oldest, signature));
	});
}

#[test]
fn a_report_counts_once_and_only_newer_ones_follow() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		run_to_block(10);
		let first = report(&n1, 8);
		let first_signature = sign(&key, &first);
		assert_ok!(Compute::report_signed_node_metrics(
			signed(BOB),
			first.clone(),
			first_signature
		));

		// The same report again, and an older one, are replays.
		assert_noop!(
			Compute::report_signed_node_metrics(signed(BOB), first.clone(), first_signature),
			refused(Error::<Test>::NodeReportTooOld)
		);
		assert_eq!(
			authorize(first.clone(), first_signature),
			Err(InvalidTransaction::Stale.into())
		);
		let older = report(&n1, 7);
		let signature = sign(&key, &older);
		assert_eq!(authorize(older, signature), Err(InvalidTransaction::Stale.into()));

		// A report made in the very next block is news: a node may report every block.
		let next = report(&n1, 9);
		let signature = sign(&key, &next);
		assert!(authorize(next.clone(), signature).is_ok());
		assert_ok!(Compute::report_signed_node_metrics(authorized(), next, signature));
		assert_eq!(Compute::node_metrics(n1.clone()).unwrap().last_updated, 9);

		// An owner's report is stamped with its block, and node reports must follow it.
		assert_ok!(Compute::report_node_metrics(signed(MINER_1), n1.clone(), metrics()));
		assert_eq!(Compute::node_metrics(n1.clone()).unwrap().last_updated, 10);
		let behind = report(&n1, 10);
		let signature = sign(&key, &behind);
		assert_eq!(authorize(behind, signature), Err(InvalidTransaction::Stale.into()));
	});
}

#[test]
fn reports_from_before_the_registration_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = peer_id(&key);
		run_to_block(3);
		register_id(MINER_1, &n1);
		// Made in the block of the registration: refused.
		let early = report(&n1, 3);
		let signature = sign(&key, &early);
		assert_noop!(
			Compute::report_signed_node_metrics(signed(BOB), early.clone(), signature),
			refused(Error::<Test>::NodeReportTooOld)
		);
		run_to_block(4);
		assert_eq!(authorize(early, signature), Err(InvalidTransaction::Stale.into()));

		// A report of the previous registration cannot come back after a new one, although
		// deregistration dropped the stored metrics.
		let before = report(&n1, 4);
		let before_signature = sign(&key, &before);
		assert_ok!(Compute::report_signed_node_metrics(
			signed(BOB),
			before.clone(),
			before_signature
		));
		run_to_block(5);
		assert_ok!(Compute::deregister_miner_node(signed(MINER_1), n1.clone()));
		assert_ok!(Compute::register_miner_node(
			signed(MINER_2),
			n1.clone(),
			capacity(),
			ip4(251),
			proof(MINER_2, &n1)
		));
		assert_eq!(Compute::node_metrics(n1.clone()), None);
		run_to_block(6);
		assert_both_refuse(
			&before,
			before_signature,
			Error::NodeReportTooOld,
			InvalidTransaction::Stale,
		);
	});
}

#[test]
fn reports_for_unknown_nodes_or_with_bad_metrics_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		// Not registered yet.
		let unregistered = report(&peer_id(&key), 1);
		let signature = sign(&key, &unregistered);
		assert_both_refuse(
			&unregistered,
			signature,
			Error::MinerNodeNotFound,
			InvalidTransaction::BadSigner,
		);

		let n1 = register_keyed(MINER_1, &key);
		let mut bad = report_now(&n1);
		bad.metrics.storage_free_gb = bad.metrics.storage_total_gb + 1;
		let signature = sign(&key, &bad);
		assert_both_refuse(&bad, signature, Error::InvalidMetrics, InvalidTransaction::Call);
	});
}

#[test]
fn a_node_report_needs_a_signed_or_authorized_origin() {
	ExtBuilder::default().build_and_execute(|| {
		let key = node_key("node-1");
		let n1 = register_keyed(MINER_1, &key);
		let report = report_now(&n1);
		let signature = sign(&key, &report);
		assert_noop!(
			Compute::report_signed_node_metrics(RuntimeOrigin::none(), report.clone(), signature),
			BadOrigin
		);
		assert_noop!(Compute::report_signed_node_metrics(root(), report, signature), BadOrigin);
	});
}

/// Attack: a node id whose key has small order, registered before the weak-key rule (put in
/// storage here), where one fixed signature verifies every report. Both paths refuse it.
#[test]
fn reports_for_a_weak_key_are_refused_even_with_a_verifying_signature() {
	ExtBuilder::default().build_and_execute(|| {
		use sp_runtime::traits::Verify;
		let weak: NodeIdOf<Test> = BoundedVec::truncate_from(vec![0u8; 32]);
		MinerNodes::<Test>::insert(
			&weak,
			MinerNode {
				owner: MINER_1,
				capacity: capacity(),
				used: PlanSpec::default(),
				hypervisor_ip: ip4(250),
				status: MinerNodeStatus::Active,
				registered_at: 1,
				deposit: 0,
				hosted: 0,
				payout_cursor: None,
				last_heartbeat: 1,
				live_clock: 1,
			},
		);
		run_to_block(2);
		let report = report(&weak, 2);
		let forged = ed25519::Signature::from_raw({
			let mut raw = [0u8; 64];
			raw[0] = 1;
			raw
		});
		// The forgery does verify under the runtime's signature rules.
		let message = Compute::node_report_message(&report);
		assert!(forged.verify(&message[..], &ed25519::Public::from_raw([0; 32])));
		assert_both_refuse(&report, forged, Error::WeakNodeKey, InvalidTransaction::BadProof);
		assert_eq!(Compute::node_metrics(weak), None);
		assert_eq!(free(BOB), ENDOWMENT);
	});
}
