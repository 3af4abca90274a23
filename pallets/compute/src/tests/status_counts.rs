//! Requests counted by status (`RequestsInStatus`, `request_counts`) and the market-wide list
//! (`requests`): newest first, filtered by status, within the scan budget.

use super::*;
use crate::ComputeRequestStatus::*;

/// The statuses that have requests, with their counts, in lifecycle order.
fn counted() -> Vec<(ComputeRequestStatus, u32)> {
	let counts = Compute::request_counts();
	ComputeRequestStatus::ALL
		.into_iter()
		.map(|status| (status, counts.get(status)))
		.filter(|(_, n)| *n > 0)
		.collect()
}

/// The ids of a page.
fn ids(scan: &RequestScan<ComputeRequestOf<Test>>) -> Vec<RequestId> {
	scan.items.iter().map(|request| request.request_id).collect()
}

#[test]
fn every_change_of_status_moves_the_counts() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Compute::request_counts(), RequestCounts::default());
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assert_eq!(counted(), vec![(Pending, 1)]);
		assign(MINER_1, &n1, id);
		assert_eq!(counted(), vec![(InProgress, 1)]);
		fulfil(MINER_1, &n1, id);
		assert_eq!(counted(), vec![(Running, 1)]);
		stop(ALICE, &n1, id);
		assert_eq!(counted(), vec![(Stopped, 1)]);
		assert_ok!(Compute::request_compute_boot(signed(ALICE), id));
		assert_ok!(Compute::fulfill_boot_request(signed(MINER_1), n1.clone(), id));
		assert_eq!(counted(), vec![(Running, 1)]);

		let cancelled = create(BOB, SMALL);
		assert_ok!(Compute::cancel_compute_request(signed(BOB), cancelled));
		let failed = create(BOB, SMALL);
		assign(MINER_1, &n1, failed);
		assert_ok!(Compute::report_compute_request_failure(
			signed(MINER_1),
			n1.clone(),
			failed,
			text("no disk")
		));
		assert_eq!(counted(), vec![(Running, 1), (Failed, 1), (Cancelled, 1)]);

		// Removed records leave the counts; a status without requests has no entry.
		assert_ok!(Compute::request_compute_delete(signed(BOB), cancelled));
		assert_ok!(Compute::request_compute_delete(signed(ALICE), id));
		assert_eq!(counted(), vec![(Running, 1), (Failed, 1)]);
		assert_ok!(Compute::fulfill_deletion_request(signed(MINER_1), n1, id));
		assert_eq!(counted(), vec![(Failed, 1)]);
		assert_eq!(Compute::request_counts().total(), 1);
		// Pruned after the retention, like every terminal request.
		run_to_block(System::block_number() + TERMINAL_RETENTION + 1);
		assert_eq!(Compute::request_counts(), RequestCounts::default());
	});
}

#[test]
fn the_market_list_is_newest_first_and_filters_by_status() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, running_id) = running(ALICE, SMALL);
		let pending = [create(ALICE, SMALL), create(BOB, SMALL), create(BOB, LARGE)];
		let cancelled = create(CHARLIE, SMALL);
		assert_ok!(Compute::cancel_compute_request(signed(CHARLIE), cancelled));
		let gone = create(CHARLIE, SMALL);
		assert_ok!(Compute::cancel_compute_request(signed(CHARLIE), gone));
		assert_ok!(Compute::request_compute_delete(signed(CHARLIE), gone));

		// All requests, two a page: the removed one is skipped, `next` continues.
		let first = Compute::requests(None, None, Some(2));
		assert_eq!(
			(first.total, ids(&first), first.next),
			(5, vec![cancelled, pending[2]], Some(3))
		);
		let second = Compute::requests(None, first.next, Some(2));
		assert_eq!((ids(&second), second.next), (vec![pending[1], pending[0]], Some(1)));
		let last = Compute::requests(None, second.next, Some(2));
		assert_eq!((ids(&last), last.next), (vec![running_id], None));

		// By status, with the status's total.
		let waiting = Compute::requests(Some(Pending), None, None);
		assert_eq!((waiting.total, ids(&waiting), waiting.next), (3, vec![3, 2, 1], None));
		assert!(waiting.items.iter().all(|request| request.status == Pending));
		let one = Compute::requests(Some(Running), None, None);
		assert_eq!((one.total, ids(&one)), (1, vec![running_id]));
		let none = Compute::requests(Some(Failed), None, None);
		assert_eq!(none, RequestScan { total: 0, items: vec![], next: None });
		// A cursor beyond the last id starts at the newest; one at 0 is the end.
		assert_eq!(ids(&Compute::requests(None, Some(1_000), Some(1))), vec![cancelled]);
		assert_eq!(Compute::requests(None, Some(0), None).items, vec![]);
		// The page size is capped like every list's.
		assert_eq!(Compute::requests(None, None, Some(u32::MAX)).items.len(), 5);
	});
}

#[test]
fn a_scan_reads_at_most_its_budget_of_ids() {
	ExtBuilder::default().build_and_execute(|| {
		let first = create(ALICE, SMALL);
		// As if many requests came and went since: the ids above `first` are all gone.
		NextRequestId::<Test>::put(u64::from(MAX_REQUEST_SCAN) + 10);
		let scan = Compute::requests(None, None, None);
		// The budget ran out ten ids above the only request: an empty page that says where
		// to go on.
		assert_eq!((scan.total, scan.items.len(), scan.next), (1, 0, Some(10)));
		let rest = Compute::requests(None, scan.next, None);
		assert_eq!((ids(&rest), rest.next), (vec![first], None));
	});
}
