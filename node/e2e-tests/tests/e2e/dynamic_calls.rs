//! The harness's subxt helpers against a dev chain, as a pattern for new end-to-end tests: a
//! dynamic call's events on success, the pallet error by name on failure, storage before and after.

use std::time::Duration;

use compute_e2e_tests::{
	connect, dev, image, storage, submit_finalized, within, At, Client, Node, TxError, Value,
};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// The whole test (under a minute here); every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(600);
/// Amount of the test transfer (1 CMP, 12 decimals).
const AMOUNT: u128 = 1_000_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_calls_report_events_and_pallet_errors() {
	let mut node = Node::start("dev", &["--dev"]);
	within(WHOLE_TEST, "the dynamic-calls test", dynamic_calls(&mut node)).await;
}

async fn dynamic_calls(node: &mut Node) {
	node.wait_ready(READY).await;
	let client = connect(node).await;
	let bob = dev::bob();

	let image = image("ubuntu-24.04", "ipfs://bafybeie2etestimage");
	let unknown_plan = u32::MAX;
	let err = submit_finalized(
		&client,
		&bob,
		"Compute",
		"create_compute_request",
		(unknown_plan, image, None::<Vec<u8>>, None::<Vec<u8>>),
		TX,
	)
	.await
	.expect_err("a request for an unknown plan must fail");
	assert!(
		matches!(&err, TxError::Dispatch(e) if e == "Compute::PlanNotFound"),
		"unexpected error: {err}"
	);

	let charlie = dev::charlie().public_key().0;
	let before = free_balance(&client, None, charlie).await;
	let tx = submit_finalized(
		&client,
		&bob,
		"Balances",
		"transfer_keep_alive",
		(dev::charlie().public_key().to_address::<()>(), AMOUNT),
		TX,
	)
	.await
	.unwrap_or_else(|e| panic!("transfer_keep_alive: {e}"));
	let transfer = tx.expect_event("Balances", "Transfer");
	assert_eq!(transfer.fields.at("amount").and_then(Value::as_u128), Some(AMOUNT));
	assert!(tx.event("System", "ExtrinsicSuccess").is_some());
	assert_eq!(free_balance(&client, Some(tx.block_hash), charlie).await, before + AMOUNT);
}

/// `System::Account(who).data.free` at `at` (the finalized head when `None`).
async fn free_balance(client: &Client, at: Option<compute_e2e_tests::Hash>, who: [u8; 32]) -> u128 {
	let account = storage(client, at, "System", "Account", vec![Value::from_bytes(who)])
		.await
		.expect("read System::Account")
		.expect("a funded account");
	account.at("data").at("free").and_then(Value::as_u128).expect("data.free")
}
