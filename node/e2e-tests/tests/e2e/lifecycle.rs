//! The whole product on a live dev node: a miner registers a node, a user rents a VM, the miner
//! claims and fulfils it, reports metrics, and the VM goes through stop → boot → reboot → resize
//! → delete. Every step is a signed extrinsic from a dev account; every state change is checked
//! through the `compute_*` JSON-RPC methods, as a dApp would see it.

use std::time::Duration;

use compute_e2e_tests::{
	compute_call, compute_request, connect, dev, hex, image, ipv4, metrics_value, none, plan_price,
	plan_spec, some, submit_finalized, within, At, FinalizedTx, Node, NodeKey, TxError, Value,
};
use serde_json::{json, Value as Json};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// Until a submitted transaction is finalized.
const TX: Duration = Duration::from_secs(90);
/// The whole test (about 5 minutes here); every wait inside is bounded too.
const WHOLE_TEST: Duration = Duration::from_secs(1200);
/// The miner node's Ed25519 key (its libp2p key's secret seed).
const NODE_SEED: [u8; 32] = [7; 32];
/// The seeded plans of the dev preset: 0 small, 1 medium.
const SMALL: u32 = 0;
const MEDIUM: u32 = 1;
/// JSON-RPC "invalid params".
const INVALID_PARAMS: i64 = -32602;

/// The miner node's id: the peer id of its key.
fn node_id() -> Vec<u8> {
	NodeKey::from_seed(NODE_SEED).node_id()
}

/// Asserts that the transaction emitted `Compute::event` and returns its fields.
fn event<'a>(tx: &'a FinalizedTx, event: &str) -> &'a Value {
	&tx.expect_event("Compute", event).fields
}

/// A field of an event as a number.
fn number(fields: &Value, name: &str) -> u128 {
	fields
		.at(name)
		.and_then(Value::as_u128)
		.unwrap_or_else(|| panic!("field {name} of {fields:?}"))
}

/// The one request the miner hosts, as `compute_getMinerRequests` shows it.
async fn miner_request(node: &Node) -> Json {
	let list = node.rpc("compute_getMinerRequests", json!([hex(&node_id())])).await;
	assert_eq!(list.as_array().map(Vec::len), Some(1), "miner requests: {list}");
	list[0].clone()
}

async fn assert_invalid_params(node: &Node, method: &str, params: Json, param: &str) {
	let err = node
		.try_rpc(method, params.clone())
		.await
		.expect_err("malformed params must fail");
	let text = format!("{err:?}");
	assert!(text.contains(&INVALID_PARAMS.to_string()), "{method}{params}: {text}");
	assert!(text.contains(param), "{method}{params}: error does not name `{param}`: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_lifecycle_over_extrinsics_and_rpc() {
	let mut node = Node::start("lifecycle", &["--dev"]);
	within(WHOLE_TEST, "the lifecycle test", lifecycle(&mut node)).await;
}

async fn lifecycle(node: &mut Node) {
	node.wait_ready(READY).await;
	let client = connect(node).await;
	let (miner, user, stranger) = (dev::bob(), dev::charlie(), dev::dave());
	let user_ss58 = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

	// Unknown ids answer null / empty; malformed parameters name themselves.
	assert_eq!(node.rpc("compute_getNodeMetrics", json!([hex(&node_id())])).await, Json::Null);
	assert_eq!(node.rpc("compute_getComputeRequest", json!([u64::MAX])).await, Json::Null);
	assert_eq!(node.rpc("compute_getUserRequests", json!([user_ss58])).await, json!([]));
	assert_invalid_params(node, "compute_getNodeMetrics", json!(["zz"]), "nodeId").await;
	// An id longer than the chain's bound is refused before any runtime call.
	assert_invalid_params(node, "compute_getNodeMetrics", json!([hex(&[1; 65])]), "nodeId").await;
	assert_invalid_params(node, "compute_getVmIp", json!(["vm-".repeat(10)]), "vmName").await;
	assert_invalid_params(node, "compute_getUserRequests", json!(["not-ss58"]), "owner").await;
	assert_invalid_params(node, "compute_getComputeRequest", json!(["one"]), "requestId").await;
	assert_invalid_params(node, "compute_getIpPool", json!([10, "300.0.0.1"]), "startAfter").await;
	let pool_before = node.rpc("compute_getIpPool", json!([])).await;
	let free_before = pool_before["freeCount"].as_u64().expect("freeCount");
	let small_price = plan_price(node, SMALL).await;

	// The miner registers a node while the user asks for a small VM: two accounts, one block.
	let capacity = plan_spec(16, 65_536, 2_000, 10_000, 2);
	let image =
		image("ubuntu-24.04", "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
	// The node key's signature proves the miner may register it.
	let proof = NodeKey::from_seed(NODE_SEED)
		.registration_proof(client.genesis_hash().0, miner.public_key().0);
	let (registered, tx) = tokio::join!(
		compute_call(
			&client,
			&miner,
			"register_miner_node",
			vec![
				Value::from_bytes(node_id()),
				capacity,
				ipv4([10, 0, 0, 1]),
				Value::from_bytes(proof)
			],
			TX,
		),
		compute_call(
			&client,
			&user,
			"create_compute_request",
			vec![Value::u128(SMALL.into()), image, none(), none()],
			TX
		),
	);
	event(&registered, "MinerNodeRegistered");
	let request_id = number(event(&tx, "ComputeRequestCreated"), "request_id") as u64;
	let vm_name = format!("vm-{request_id}");
	let req = compute_request(node, request_id).await;
	assert_eq!(req["status"], "Pending");
	assert_eq!(req["owner"], user_ss58);
	assert_eq!(req["selectedImage"]["name"], "ubuntu-24.04");
	let mine = node.rpc("compute_getUserRequests", json!([user_ss58])).await;
	assert_eq!(mine.as_array().map(Vec::len), Some(1));

	// The miner claims it, then fulfils it: the VM gets an address from the pool.
	let tx = compute_call(
		&client,
		&miner,
		"submit_compute_request_assignment",
		vec![
			Value::from_bytes(node_id()),
			Value::u128(SMALL.into()),
			Value::u128(request_id.into()),
			Value::from_bytes(user.public_key().0),
		],
		TX,
	)
	.await;
	event(&tx, "ComputeRequestSubmitted");
	assert_eq!(compute_request(node, request_id).await["status"], "InProgress");

	let tx = compute_call(
		&client,
		&miner,
		"fulfill_compute_request",
		vec![
			Value::from_bytes(node_id()),
			Value::u128(request_id.into()),
			some(Value::from_bytes("job-1")),
			some(ipv4([10, 0, 0, 1])),
			some(Value::u128(5901)),
		],
		TX,
	)
	.await;
	event(&tx, "ComputeRequestFulfilled");
	let running_from = tx.block_number;
	let req = compute_request(node, request_id).await;
	assert_eq!(req["status"], "Running");
	assert_eq!(req["minerId"], hex(&node_id()));
	let ip = node.rpc("compute_getVmIp", json!([vm_name])).await;
	let ip = ip.as_str().expect("the running VM has an address").to_string();
	let pool = node.rpc("compute_getIpPool", json!([500])).await;
	assert_eq!(pool["freeCount"].as_u64(), Some(free_before - 1));
	assert_eq!(pool["assignedCount"].as_u64(), Some(1));
	assert!(!pool["free"].as_array().expect("free").contains(&json!(ip)), "{ip} still free");
	assert_eq!(pool["assigned"], json!([{ "vmName": vm_name, "ip": ip }]));
	let hosted = miner_request(node).await;
	assert_eq!(hosted["fulfilled"], true);
	assert_eq!(hosted["ipAssigned"], json!(ip));
	assert_eq!(hosted["vncPort"], 5901);

	// In one block: the miner reports metrics, a stranger's stop fails (only the owner operates
	// the request), and the owner's stop is queued for the miner.
	let metrics = metrics_value("AMD EPYC 9654", 1);
	let (reported_tx, stranger_stop, stop) = tokio::join!(
		compute_call(
			&client,
			&miner,
			"report_node_metrics",
			vec![Value::from_bytes(node_id()), metrics],
			TX
		),
		submit_finalized(
			&client,
			&stranger,
			"Compute",
			"request_compute_stop",
			vec![Value::u128(request_id.into())],
			TX
		),
		compute_call(
			&client,
			&user,
			"request_compute_stop",
			vec![Value::u128(request_id.into())],
			TX
		),
	);
	event(&reported_tx, "NodeMetricsReported");
	let reported = node.rpc("compute_getNodeMetrics", json!([hex(&node_id())])).await;
	assert_eq!(reported["cpuModel"], "AMD EPYC 9654");
	assert_eq!(reported["geolocation"], "DE-Frankfurt");
	assert_eq!(reported["vmCount"], 1);
	assert_eq!(reported["lastUpdated"].as_u64(), Some(reported_tx.block_number));
	// The product specification's name of the same read.
	assert_eq!(node.rpc("get_node_metrics", json!([hex(&node_id())])).await, reported);
	let err = stranger_stop.expect_err("a stranger's stop must fail");
	assert!(matches!(&err, TxError::Dispatch(e) if e == "Compute::NotRequestOwner"), "{err}");

	// The stop, then its fulfilment, then the miner's claim. Rent stops in the block the owner
	// asks, so the claim pays exactly the blocks from fulfilment to the stop request; no funds
	// move before the claim.
	event(&stop, "ComputeStopRequested");
	assert_eq!(miner_request(node).await["pendingOperations"]["stop"], true);
	let tx = compute_call(
		&client,
		&miner,
		"fulfill_stop_request",
		vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
		TX,
	)
	.await;
	event(&tx, "ComputeStopRequestFulfilled");
	let paid_in = |t: &FinalizedTx| -> u128 {
		t.events
			.iter()
			.filter(|e| e.pallet == "Compute" && e.name == "ComputePaymentSettled")
			.map(|e| number(&e.fields, "amount"))
			.sum()
	};
	assert_eq!(paid_in(&stop) + paid_in(&tx), 0, "rent accrues on chain until claimed");
	let claim = compute_call(
		&client,
		&miner,
		"claim_compute_payments",
		vec![Value::from_bytes(node_id()), Value::u128(10)],
		TX,
	)
	.await;
	let running_blocks = u128::from(stop.block_number - running_from);
	assert_eq!(paid_in(&claim), small_price * running_blocks, "rent for {running_blocks} blocks");
	let claimed = event(&claim, "ComputePaymentsClaimed");
	assert_eq!(number(claimed, "requests"), 1);
	assert_eq!(number(claimed, "amount"), small_price * running_blocks);
	assert_eq!(compute_request(node, request_id).await["status"], "Stopped");
	assert_eq!(miner_request(node).await["pendingOperations"]["stop"], false);

	// Boot.
	compute_call(&client, &user, "request_compute_boot", vec![Value::u128(request_id.into())], TX)
		.await;
	let tx = compute_call(
		&client,
		&miner,
		"fulfill_boot_request",
		vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
		TX,
	)
	.await;
	event(&tx, "ComputeBootRequestRemoved");
	assert_eq!(compute_request(node, request_id).await["status"], "Running");

	// Reboot.
	compute_call(
		&client,
		&user,
		"request_compute_reboot",
		vec![Value::u128(request_id.into())],
		TX,
	)
	.await;
	assert_eq!(miner_request(node).await["pendingOperations"]["reboot"], true);
	let tx = compute_call(
		&client,
		&miner,
		"fulfill_reboot_request",
		vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
		TX,
	)
	.await;
	event(&tx, "ComputeRebootRequestFulfilled");
	assert_eq!(compute_request(node, request_id).await["status"], "Running");

	// Resize to the medium plan.
	compute_call(
		&client,
		&user,
		"request_compute_resize",
		vec![Value::u128(request_id.into()), Value::u128(MEDIUM.into())],
		TX,
	)
	.await;
	assert_eq!(miner_request(node).await["pendingOperations"]["resize"], MEDIUM);
	let tx = compute_call(
		&client,
		&miner,
		"fulfill_resize_request",
		vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
		TX,
	)
	.await;
	event(&tx, "ComputeResizeRequestFulfilled");
	assert_eq!(compute_request(node, request_id).await["planId"], MEDIUM);

	// In one block: a second fulfil of the same operation finds no queued entry, and the owner
	// asks for deletion.
	let (second_fulfil, _) = tokio::join!(
		submit_finalized(
			&client,
			&miner,
			"Compute",
			"fulfill_resize_request",
			vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
			TX,
		),
		compute_call(
			&client,
			&user,
			"request_compute_delete",
			vec![Value::u128(request_id.into())],
			TX
		),
	);
	let err = second_fulfil.expect_err("nothing queued");
	assert!(
		matches!(&err, TxError::Dispatch(e) if e == "Compute::ComputeResizeRequestNotFound"),
		"{err}"
	);

	// Delete: the address returns to the pool and the request is gone.
	assert_eq!(miner_request(node).await["pendingOperations"]["delete"], true);
	let tx = compute_call(
		&client,
		&miner,
		"fulfill_deletion_request",
		vec![Value::from_bytes(node_id()), Value::u128(request_id.into())],
		TX,
	)
	.await;
	event(&tx, "ComputeDeletionRequestRemoved");
	// The address was paid for (burned) for every block the VM held it, stopped or not.
	event(&tx, "ComputeAddressRentBurned");
	assert_eq!(compute_request(node, request_id).await, Json::Null);
	assert_eq!(node.rpc("compute_getVmIp", json!([vm_name])).await, Json::Null);
	assert_eq!(node.rpc("compute_getMinerRequests", json!([hex(&node_id())])).await, json!([]));
	let pool = node.rpc("compute_getIpPool", json!([500])).await;
	assert_eq!(pool["freeCount"].as_u64(), Some(free_before));
	assert_eq!(pool["assignedCount"].as_u64(), Some(0));
	assert!(
		pool["free"].as_array().expect("free").contains(&json!(ip)),
		"{ip} not back in the pool"
	);
}
