#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

use jsonrpsee::types::error::INVALID_PARAMS_CODE;
use pallet_compute::{IpAddress, IpPoolView, PendingOperations};
use serde_json::json;
use sp_core::crypto::AccountId32;

use crate::{json, params};

#[test]
fn hex_node_ids_parse_and_bad_ones_name_the_parameter() {
	assert_eq!(params::hex_bytes("nodeId", json!("0x0aff"), 64).unwrap(), vec![0x0a, 0xff]);
	assert_eq!(params::hex_bytes("nodeId", json!("0x"), 64).unwrap(), Vec::<u8>::new());
	for bad in [json!("0aff"), json!("0xabc"), json!("0xzz"), json!(12), json!(null)] {
		let err = params::hex_bytes("nodeId", bad.clone(), 64).unwrap_err();
		assert_eq!(err.code(), INVALID_PARAMS_CODE, "{bad}");
		assert!(err.message().contains("`nodeId`"), "{bad}: {}", err.message());
	}
}

#[test]
fn over_long_ids_are_refused_naming_the_parameter() {
	let longest = format!("0x{}", "01".repeat(64));
	assert_eq!(params::hex_bytes("nodeId", json!(longest), 64).unwrap(), vec![1; 64]);
	let err = params::hex_bytes("nodeId", json!(format!("0x{}", "01".repeat(65))), 64).unwrap_err();
	assert_eq!(err.code(), INVALID_PARAMS_CODE);
	assert!(err.message().contains("`nodeId`"), "{}", err.message());
	assert_eq!(params::bounded_text("vmName", json!("vm-7"), 23).unwrap(), b"vm-7".to_vec());
	let err = params::bounded_text("vmName", json!("vm-123456789012345678901"), 23).unwrap_err();
	assert!(err.message().contains("`vmName`"), "{}", err.message());
}

#[test]
fn a_megabyte_of_text_is_refused_by_its_length_for_every_text_parameter() {
	let huge = json!("5".repeat(1 << 20));
	let refused = |result: Result<(), jsonrpsee::types::ErrorObjectOwned>, name: &str| {
		let err = result.unwrap_err();
		assert_eq!(err.code(), INVALID_PARAMS_CODE, "{name}");
		assert!(err.message().contains(&format!("`{name}`")), "{}", err.message());
		assert!(err.message().contains("longer than"), "{}", err.message());
	};
	refused(params::account::<AccountId32>("owner", huge.clone()).map(drop), "owner");
	refused(params::hex_bytes("nodeId", huge.clone(), 64).map(drop), "nodeId");
	refused(params::bounded_text("vmName", huge.clone(), 23).map(drop), "vmName");
	refused(params::ip("startAfter", Some(huge.clone())).map(drop), "startAfter");
	refused(params::block_hash::<sp_core::H256>("at", Some(huge)).map(drop), "at");
}

#[test]
fn block_hashes_parse_and_bad_ones_name_the_parameter() {
	let hash = format!("0x{}", "ab".repeat(32));
	assert_eq!(
		params::block_hash::<sp_core::H256>("at", Some(json!(hash))).unwrap(),
		Some(sp_core::H256::repeat_byte(0xab))
	);
	assert_eq!(params::block_hash::<sp_core::H256>("at", None).unwrap(), None);
	let err = params::block_hash::<sp_core::H256>("at", Some(json!("0x12"))).unwrap_err();
	assert!(err.message().contains("`at`"), "{}", err.message());
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

#[test]
fn error_messages_stay_short_whatever_the_parameter() {
	let huge = json!("7".repeat(1 << 20));
	let err = params::required::<u64>("requestId", huge).unwrap_err();
	assert!(err.message().contains("`requestId`"), "{}", err.message());
	assert!(err.message().len() < 300, "{} bytes", err.message().len());
}
