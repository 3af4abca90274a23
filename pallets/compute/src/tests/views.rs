//! Read functions of the runtime API.

use super::*;
use frame_support::assert_ok;

#[test]
fn ip_pool_pages_free_then_assigned() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, first) = running(ALICE, SMALL);
		let (_, second) = running(BOB, SMALL);
		// Free: 192.0.2.1, .2; assigned: .4 (first), .3 (second).
		let all = Compute::ip_pool(None, None);
		assert_eq!(all.free_count, 2);
		assert_eq!(all.assigned_count, 2);
		assert_eq!(all.free, vec![ip4(1), ip4(2)]);
		let mut assigned = all.assigned.clone();
		assigned.sort();
		assert_eq!(assigned, vec![(vm_name_of(first), ip4(4)), (vm_name_of(second), ip4(3))]);

		let page = Compute::ip_pool(None, Some(1));
		assert_eq!((page.free.clone(), page.assigned.len()), (vec![ip4(1)], 0));
		let page = Compute::ip_pool(Some(ip4(1)), Some(2));
		assert_eq!(page.free, vec![ip4(2)]);
		assert_eq!(page.assigned, all.assigned[..1].to_vec());
		let last = all.assigned[0].1;
		let page = Compute::ip_pool(Some(last), Some(5));
		assert_eq!(page.free, vec![]);
		assert_eq!(page.assigned, all.assigned[1..].to_vec());
		// Totals whatever the page; an unknown cursor gives empty pages.
		let page = Compute::ip_pool(Some(ip4(77)), None);
		assert_eq!((page.free_count, page.assigned_count), (2, 2));
		assert!(page.free.is_empty() && page.assigned.is_empty());
		assert!(Compute::ip_pool(None, Some(0)).free.is_empty());
	});
}

#[test]
fn vm_ip_by_name() {
	ExtBuilder::default().build_and_execute(|| {
		let (_, id) = running(ALICE, SMALL);
		assert_eq!(Compute::vm_ip(vm_name_of(id).to_vec()), Some(ip4(4)));
		assert_eq!(Compute::vm_ip(b"vm-7".to_vec()), None);
		assert_eq!(Compute::vm_ip(b"nonsense".to_vec()), None);
		assert_eq!(Compute::vm_ip(vec![b'9'; 1000]), None);
	});
}

#[test]
fn requests_by_id_user_and_miner() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, running_id) = running(ALICE, SMALL);
		let pending = create(ALICE, LARGE);
		let other = create(BOB, SMALL);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), running_id));
		assert_ok!(Compute::request_compute_resize(signed(ALICE), running_id, LARGE));

		assert_eq!(Compute::compute_request(other).unwrap().owner, BOB);
		assert_eq!(Compute::compute_request(99), None);

		let page = Compute::user_requests(ALICE, None, None);
		assert_eq!(page.total, 2);
		let mut ids: Vec<_> = page.items.iter().map(|r| r.request_id).collect();
		ids.sort();
		assert_eq!(ids, vec![running_id, pending]);
		let first = Compute::user_requests(ALICE, None, Some(1));
		assert_eq!((first.total, first.items.len()), (2, 1));
		let rest = Compute::user_requests(ALICE, Some(first.items[0].request_id), Some(10));
		assert_eq!(rest.items.len(), 1);
		assert_ne!(rest.items[0].request_id, first.items[0].request_id);
		assert_eq!(Compute::user_requests(CHARLIE, None, None), Page { total: 0, items: vec![] });

		let miner = Compute::miner_requests(n1.clone(), None, None);
		assert_eq!(miner.total, 1);
		assert_eq!(miner.items[0].request.request_id, running_id);
		assert_eq!(
			miner.items[0].pending,
			PendingOperations { stop: true, resize: Some(LARGE), ..Default::default() }
		);
		assert!(Compute::miner_requests(n1.clone(), Some(running_id), None).items.is_empty());
		assert_eq!(Compute::miner_node(n1).unwrap().owner, MINER_1);
	});
}

#[test]
fn plans_in_id_order() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Compute::set_plan_active(root(), LARGE, false));
		let page = Compute::plans(None, None);
		assert_eq!(page.total, 2);
		assert_eq!(
			page.items,
			vec![
				PlanView {
					plan_id: 0,
					spec: plan_spec(SMALL),
					price_per_block: SMALL_PRICE,
					active: true
				},
				PlanView {
					plan_id: 1,
					spec: plan_spec(LARGE),
					price_per_block: LARGE_PRICE,
					active: false
				},
			]
		);
		let page = Compute::plans(Some(0), Some(1));
		assert_eq!(page.items.iter().map(|p| p.plan_id).collect::<Vec<_>>(), vec![1]);
		assert!(Compute::plans(Some(1), None).items.is_empty());
		assert!(Compute::plans(Some(u32::MAX), None).items.is_empty());
	});
}

#[test]
fn page_size_is_capped() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Compute::plans(None, Some(u32::MAX)).items.len(), 2);
	});
}

#[test]
fn hosted_requests_give_the_agent_everything_at_one_block() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, running_id) = running(ALICE, SMALL);
		let claimed = create(BOB, SMALL);
		assign(MINER_1, &n1, claimed);
		let _pending = create(CHARLIE, SMALL);
		assert_ok!(Compute::request_compute_stop(signed(ALICE), running_id));
		assert_ok!(Compute::request_compute_resize(signed(ALICE), running_id, LARGE));

		let page = Compute::hosted_requests(n1.clone(), None, None);
		assert_eq!(page.total, 2);
		let mut items = page.items.clone();
		items.sort_by_key(|h| h.request_id);
		assert_eq!(
			items,
			vec![
				HostedRequest {
					request_id: running_id,
					status: ComputeRequestStatus::Running,
					fulfilled: true,
					ip: Some(ip4(4)),
					plan_id: SMALL,
					spec: plan_spec(SMALL),
					image: image(),
					cloud_init: None,
					pending: PendingOperations {
						stop: true,
						resize: Some(LARGE),
						..Default::default()
					},
					resize_spec: Some(plan_spec(LARGE)),
				},
				HostedRequest {
					request_id: claimed,
					status: ComputeRequestStatus::InProgress,
					fulfilled: false,
					ip: None,
					plan_id: SMALL,
					spec: plan_spec(SMALL),
					image: image(),
					cloud_init: None,
					pending: PendingOperations::default(),
					resize_spec: None,
				},
			]
		);
		// Paged like the other lists: one item, then the rest after it.
		let first = Compute::hosted_requests(n1.clone(), None, Some(1));
		assert_eq!((first.total, first.items.len()), (2, 1));
		let rest = Compute::hosted_requests(n1.clone(), Some(first.items[0].request_id), None);
		assert_eq!(rest.items.len(), 1);
		assert_ne!(rest.items[0].request_id, first.items[0].request_id);
		assert_eq!(
			Compute::hosted_requests(node("unknown"), None, None),
			Page { total: 0, items: vec![] }
		);
	});
}
