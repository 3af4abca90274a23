#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use jsonrpsee::types::error::INVALID_PARAMS_CODE;
use pallet_compute::{IpAddress, IpPoolView, PendingOperations};
use serde_json::json;
use sp_core::crypto::AccountId32;

use crate::{json, params};

#[test]
fn hex_node_ids_parse_and_bad_ones_name_the_parameter() {
	assert_eq!(params::hex_bytes("nodeId", json!("0x0aff")).unwrap(), vec![0x0a, 0xff]);
	assert_eq!(params::hex_bytes("nodeId", json!("0x")).unwrap(), Vec::<u8>::new());
	for bad in [json!("0aff"), json!("0xabc"), json!("0xzz"), json!(12), json!(null)] {
		let err = params::hex_bytes("nodeId", bad.clone()).unwrap_err();
		assert_eq!(err.code(), INVALID_PARAMS_CODE, "{bad}");
		assert!(err.message().contains("`nodeId`"), "{bad}: {}", err.message());
	}
}

#[test]
fn over_long_ids_are_refused_naming_the_parameter() {
	assert_eq!(params::bounded(vec![1; 64], "nodeId", 64).unwrap(), vec![1; 64]);
	let err = params::bounded(vec![1; 65], "nodeId", 64).unwrap_err();
	assert_eq!(err.code(), INVALID_PARAMS_CODE);
	assert!(err.message().contains("`nodeId`"), "{}", err.message());
	let err = params::bounded(b"vm-123456789012345678901".to_vec(), "vmName", 23).unwrap_err();
	assert!(err.message().contains("`vmName`"), "{}", err.message());
}

#[test]
fn accounts_are_ss58() {
	let alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	let account: AccountId32 = params::account("owner", json!(alice)).unwrap();
	assert_eq!(sp_core::crypto::Ss58Codec::to_ss58check(&account), alice);
	let err = params::account::<AccountId32>("owner", json!("not-an-address")).unwrap_err();
	assert_eq!(err.code(), INVALID_PARAMS_CODE);
	assert!(err.message().contains("`owner`"));
}

#[test]
fn ips_parse_from_text() {
	assert_eq!(
		params::ip("startAfter", Some(json!("192.0.2.10"))).unwrap(),
		Some(IpAddress::V4([192, 0, 2, 10]))
	);
	assert_eq!(
		params::ip("startAfter", Some(json!("::1"))).unwrap(),
		Some(IpAddress::V6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))
	);
	assert_eq!(params::ip("startAfter", None).unwrap(), None);
	assert_eq!(params::ip("startAfter", Some(json!(null))).unwrap(), None);
	let err = params::ip("startAfter", Some(json!("192.0.2.300"))).unwrap_err();
	assert!(err.message().contains("`startAfter`"));
}

#[test]
fn optional_numbers_reject_wrong_types() {
	assert_eq!(params::optional::<u32>("limit", Some(json!(5))).unwrap(), Some(5));
	let err = params::optional::<u32>("limit", Some(json!("five"))).unwrap_err();
	assert_eq!(err.code(), INVALID_PARAMS_CODE);
	assert!(err.message().contains("`limit`"));
	assert!(params::optional::<u32>("limit", Some(json!(-1))).is_err());
}

#[test]
fn ip_pool_renders_text_addresses_and_vm_names() {
	let view = IpPoolView {
		free_count: 2,
		assigned_count: 1,
		free: vec![IpAddress::V4([192, 0, 2, 11])],
		assigned: vec![(pallet_compute::vm_name_of(7), IpAddress::V4([192, 0, 2, 10]))],
	};
	let rendered = serde_json::to_value(json::IpPool::from(view)).unwrap();
	assert_eq!(
		rendered,
		json!({
			"freeCount": 2,
			"assignedCount": 1,
			"free": ["192.0.2.11"],
			"assigned": [{ "vmName": "vm-7", "ip": "192.0.2.10" }],
		})
	);
}

#[test]
fn pending_operations_are_camel_case() {
	let pending = json::Pending::from(PendingOperations {
		stop: true,
		boot: false,
		reboot: false,
		resize: Some(2),
		delete: false,
	});
	assert_eq!(
		serde_json::to_value(pending).unwrap(),
		json!({ "stop": true, "boot": false, "reboot": false, "resize": 2, "delete": false })
	);
	assert_eq!(json::hex(&[0xde, 0xad]), "0xdead");
}
