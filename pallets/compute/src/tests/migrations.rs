//! Storage versions 3 to 4 and 4 to 5: a state with requests in every status migrates, loses
//! nothing, bills on as it would have, and counts its requests by status.

use super::*;
use crate::migrations::{
	v4::{self, v3},
	v5,
};
use frame_support::{
	storage::unhashed,
	traits::{Get, OnRuntimeUpgrade, StorageVersion},
};

/// `record` as version 3 stored it.
fn to_v3(record: &RequestRecordOf<Test>) -> v4::V3RequestRecordOf<Test> {
	let b = record.billing.clone();
	v3::RequestRecord {
		owner: record.owner,
		status: record.status,
		host: record.host.clone(),
		claimed_at: record.claimed_at,
		queued: record.queued,
		ip: record.ip,
		billing: v3::RentalBilling {
			held: b.held,
			deposit: b.deposit,
			price_per_block: b.price_per_block,
			rent_per_block: b.rent_per_block,
			address_per_block: b.address_per_block,
			accrued_to: b.accrued_to,
			rent_owed: b.rent_owed,
			address_owed: b.address_owed,
			due: b.due,
		},
	}
}

/// `record` without the fields that mean nothing in its state: the rent clock of a request
/// without a host, and the low-funds reading of one that pays no rent.
fn meaningful(mut record: RequestRecordOf<Test>) -> RequestRecordOf<Test> {
	if record.host.is_none() {
		record.billing.rent_clock = 0;
	}
	if record.billing.rent_per_block == 0 {
		record.billing.rent_stop = 0;
	}
	record
}

/// Requests in every status, on two nodes that never fell silent, at block 20.
fn every_status() -> Vec<RequestId> {
	let more = BoundedVec::truncate_from(vec![ip4(5), ip4(6)]);
	assert_ok!(Compute::add_ips(root(), more));
	let n2 = register(MINER_2, "n2");
	let in_progress = create(ALICE, LARGE);
	assign(MINER_2, &n2, in_progress);
	assert_ok!(Compute::assign_ip_to_vm(signed(MINER_2), vm_name_of(in_progress), ip4(4)));
	let (n1, running) = running(ALICE, SMALL);
	let (_, stopped) = super::running(BOB, SMALL);
	stop(BOB, &n1, stopped);
	let (_, resizing) = super::running(CHARLIE, SMALL);
	assert_ok!(Compute::request_compute_resize(signed(CHARLIE), resizing, LARGE));
	let deleting = create(BOB, SMALL);
	assign(MINER_2, &n2, deleting);
	fulfil(MINER_2, &n2, deleting);
	assert_ok!(Compute::request_compute_delete(signed(BOB), deleting));
	let failed = create(ALICE, SMALL);
	assign(MINER_2, &n2, failed);
	assert_ok!(Compute::report_compute_request_failure(
		signed(MINER_2),
		n2.clone(),
		failed,
		text("disk died")
	));
	let pending = create(CHARLIE, SMALL);
	let cancelled = create(CHARLIE, SMALL);
	assert_ok!(Compute::cancel_compute_request(signed(CHARLIE), cancelled));
	run_to_block(20);
	vec![running, stopped, resizing, in_progress, deleting, failed, pending, cancelled]
}

#[test]
fn a_version_3_state_migrates_and_bills_on() {
	ExtBuilder::default().build_and_execute(|| {
		let ids = every_status();
		let nodes: Vec<_> = MinerNodes::<Test>::iter().collect();
		let records: Vec<_> = RequestRecords::<Test>::iter().collect();
		assert_eq!(records.len(), ids.len());
		let balance_before: Vec<_> = ids.iter().map(|id| Compute::rental_balance(*id)).collect();
		// Back to version 3: the same state in the old layouts.
		for (node_id, node) in &nodes {
			let old = v3::MinerNode {
				owner: node.owner,
				capacity: node.capacity,
				used: node.used,
				hypervisor_ip: node.hypervisor_ip,
				status: node.status,
				registered_at: node.registered_at,
				deposit: node.deposit,
				hosted: node.hosted,
				payout_cursor: node.payout_cursor,
			};
			unhashed::put(&MinerNodes::<Test>::hashed_key_for(node_id), &old);
		}
		for (id, record) in &records {
			unhashed::put(&RequestRecords::<Test>::hashed_key_for(id), &to_v3(record));
		}
		// Version 3 had no status counts.
		RequestsInStatus::<Test>::kill();
		StorageVersion::new(3).put::<Compute>();

		#[cfg(feature = "try-runtime")]
		let state = v4::MigrateV3ToV4::<Test>::pre_upgrade().unwrap();
		let weight = v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		v4::MigrateV3ToV4::<Test>::post_upgrade(state).unwrap();

		let entries = (nodes.len() + records.len()) as u64;
		type DbWeight = <Test as frame_system::Config>::DbWeight;
		let db = <DbWeight as Get<frame_support::weights::RuntimeDbWeight>>::get();
		assert_eq!(weight, db.reads_writes(entries + 2, entries + 1));
		assert_eq!(Compute::on_chain_storage_version(), 4);
		v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
		// Every node sent a heartbeat at the upgrade; every record is as version 4 keeps it.
		for (node_id, node) in nodes {
			let migrated = MinerNodes::<Test>::get(&node_id).unwrap();
			assert_eq!(migrated, MinerNode { last_heartbeat: 20, live_clock: 20, ..node });
		}
		for (id, record) in records {
			let migrated = RequestRecords::<Test>::get(id).unwrap();
			assert_eq!(meaningful(migrated), meaningful(record), "request {id}");
		}
		Compute::do_try_state().unwrap();
		// What each request owes is what it owed; ten blocks on, the running VM paid ten blocks
		// more rent and address rent, as version 3 charged.
		let after: Vec<_> = ids.iter().map(|id| Compute::rental_balance(*id)).collect();
		assert_eq!(after, balance_before);
		let (held, owed) = Compute::rental_balance(ids[0]).unwrap();
		run_to_block(30);
		assert_eq!(Compute::rental_balance(ids[0]), Some((held, owed + 10 * (SMALL_PRICE + 1))));
		// A second run finds version 4 and does nothing.
		let again = v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(again, db.reads(1));
	});
}

#[test]
fn a_version_4_state_counts_its_requests_by_status() {
	ExtBuilder::default().build_and_execute(|| {
		let ids = every_status();
		let counts = Compute::request_counts();
		// Every status has requests, so the counts mean something.
		assert!(ComputeRequestStatus::ALL.into_iter().all(|status| counts.get(status) > 0));
		assert_eq!(counts.total() as usize, ids.len());
		RequestsInStatus::<Test>::kill();
		StorageVersion::new(4).put::<Compute>();

		#[cfg(feature = "try-runtime")]
		let state = v5::MigrateV4ToV5::<Test>::pre_upgrade().unwrap();
		let weight = v5::MigrateV4ToV5::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		v5::MigrateV4ToV5::<Test>::post_upgrade(state).unwrap();

		assert_eq!(Compute::request_counts(), counts);
		assert_eq!(Compute::on_chain_storage_version(), 5);
		type DbWeight = <Test as frame_system::Config>::DbWeight;
		let db = <DbWeight as Get<frame_support::weights::RuntimeDbWeight>>::get();
		// Each record and the version read; the counts and the version written.
		assert_eq!(weight, db.reads_writes(ids.len() as u64 + 1, 2));
		// A second run finds version 5 and does nothing.
		assert_eq!(v5::MigrateV4ToV5::<Test>::on_runtime_upgrade(), db.reads(1));
	});
}
