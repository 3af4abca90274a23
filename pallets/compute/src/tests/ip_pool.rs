//! IP pool: adding, removing, assigning and releasing addresses.

use super::*;
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn ips(list: &[IpAddress]) -> BoundedVec<IpAddress, <Test as Config>::MaxIpsPerCall> {
	BoundedVec::truncate_from(list.to_vec())
}

fn v6(last: u8) -> IpAddress {
	let mut octets = [0u8; 16];
	octets[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
	octets[15] = last;
	IpAddress::V6(octets)
}

#[test]
fn add_ips_appends_free_addresses() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Compute::add_ips(root(), ips(&[ip4(10), v6(1)])));
		assert_last(Event::IpsAdded { ips: ips(&[ip4(10), v6(1)]) });
		assert_eq!(IpPool::<Test>::get().free, 6);
		assert_eq!(FreeIps::<Test>::get(4), Some(ip4(10)));
		assert_eq!(IpStates::<Test>::get(v6(1)), Some(IpState::Free(5)));
	});
}

#[test]
fn add_ips_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Compute::add_ips(signed(ALICE), ips(&[ip4(10)])), DispatchError::BadOrigin);
		assert_noop!(Compute::add_ips(root(), ips(&[])), Error::<Test>::EmptyIpList);
		assert_noop!(Compute::add_ips(root(), ips(&[ip4(1)])), Error::<Test>::IpAlreadyExists);
		assert_noop!(
			Compute::add_ips(root(), ips(&[ip4(10), ip4(10)])),
			Error::<Test>::IpAlreadyExists
		);
		// Assigned addresses are in the pool too.
		let (_, id) = running(ALICE, SMALL);
		let assigned = vm_ip_of(id).unwrap();
		assert_noop!(Compute::add_ips(root(), ips(&[assigned])), Error::<Test>::IpAlreadyExists);
		// And count towards its size.
		assert_ok!(Compute::add_ips(root(), ips(&[ip4(10), ip4(11), ip4(12), ip4(13)])));
		assert_noop!(Compute::add_ips(root(), ips(&[ip4(14)])), Error::<Test>::IpPoolFull);
	});
}

#[test]
fn remove_ip_swaps_the_last_free_address_in() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Compute::remove_ip(root(), ip4(1)));
		assert_last(Event::IpRemoved { ip: ip4(1) });
		assert_eq!(IpPool::<Test>::get().free, 3);
		assert_eq!(FreeIps::<Test>::get(0), Some(ip4(4)));
		assert_eq!(IpStates::<Test>::get(ip4(4)), Some(IpState::Free(0)));
		assert_eq!(IpStates::<Test>::get(ip4(1)), None);
		// Removing the last one moves nothing.
		assert_ok!(Compute::remove_ip(root(), ip4(3)));
		assert_eq!(IpPool::<Test>::get().free, 2);
	});
}

#[test]
fn remove_ip_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Compute::remove_ip(signed(ALICE), ip4(1)), DispatchError::BadOrigin);
		assert_noop!(Compute::remove_ip(root(), ip4(99)), Error::<Test>::IpNotFound);
		let (_, id) = running(ALICE, SMALL);
		let assigned = vm_ip_of(id).unwrap();
		assert_noop!(Compute::remove_ip(root(), assigned), Error::<Test>::IpInUse);
	});
}

#[test]
fn assign_and_release_by_root_and_by_the_hosting_miner() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		let id = create(ALICE, SMALL);
		assign(MINER_1, &n1, id);
		let name = vm_name_of(id);

		assert_ok!(Compute::assign_ip_to_vm(root(), name.clone(), ip4(2)));
		assert_last(Event::IpAssignedToVm { vm_name: name.clone(), ip: ip4(2) });
		assert_eq!(Compute::vm_ip(name.to_vec()), Some(ip4(2)));
		assert_eq!(MinerComputeRequests::<Test>::get(&n1, id).unwrap().ip_assigned, Some(ip4(2)));
		assert_eq!(IpPool::<Test>::get().assigned, 1);

		assert_ok!(Compute::release_ip_from_vm(signed(MINER_1), name.clone()));
		assert_last(Event::IpReleasedFromVm { vm_name: name.clone(), ip: ip4(2) });
		assert_eq!(Compute::vm_ip(name.to_vec()), None);
		assert_eq!(MinerComputeRequests::<Test>::get(&n1, id).unwrap().ip_assigned, None);
		assert!(is_free(ip4(2)));

		assert_ok!(Compute::assign_ip_to_vm(signed(MINER_1), name.clone(), ip4(3)));
		assert_ok!(Compute::release_ip_from_vm(root(), name));
		assert_eq!(IpPool::<Test>::get().assigned, 0);
	});
}

#[test]
fn assign_ip_to_vm_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let pending = create(BOB, SMALL);
		let waiting = create(BOB, SMALL);
		assign(MINER_1, &n1, waiting);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm("vm-01"), ip4(1)),
			Error::<Test>::InvalidVmName
		);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm("web-server"), ip4(1)),
			Error::<Test>::InvalidVmName
		);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm_name_of(99), ip4(1)),
			Error::<Test>::ComputeRequestNotFound
		);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm_name_of(pending), ip4(1)),
			Error::<Test>::InvalidRequestStatus
		);
		assert_noop!(
			Compute::assign_ip_to_vm(signed(MINER_2), vm_name_of(waiting), ip4(1)),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::assign_ip_to_vm(signed(ALICE), vm_name_of(waiting), ip4(1)),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm_name_of(id), ip4(1)),
			Error::<Test>::VmAlreadyHasIp
		);
		let taken = vm_ip_of(id).unwrap();
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm_name_of(waiting), taken),
			Error::<Test>::NoAvailableIp
		);
		assert_noop!(
			Compute::assign_ip_to_vm(root(), vm_name_of(waiting), ip4(200)),
			Error::<Test>::NoAvailableIp
		);
		assert_noop!(
			Compute::assign_ip_to_vm(RuntimeOrigin::none(), vm_name_of(waiting), ip4(1)),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn release_ip_from_vm_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let (n1, id) = running(ALICE, SMALL);
		let waiting = create(BOB, SMALL);
		assign(MINER_1, &n1, waiting);
		assert_noop!(
			Compute::release_ip_from_vm(root(), vm_name_of(waiting)),
			Error::<Test>::VmHasNoIp
		);
		// A running VM keeps its address until deleted.
		assert_noop!(
			Compute::release_ip_from_vm(root(), vm_name_of(id)),
			Error::<Test>::InvalidRequestStatus
		);
		assert_noop!(Compute::release_ip_from_vm(root(), vm("vm-")), Error::<Test>::InvalidVmName);
	});
}
