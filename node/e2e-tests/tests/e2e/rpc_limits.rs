//! Every text parameter of every `compute_*` method is measured before it is decoded: a 1 MB
//! parameter is answered with JSON-RPC -32602 naming it, and the node answers the next call as
//! before. The time of each refusal is printed (measured, not asserted).

use std::time::{Duration, Instant};

use compute_e2e_tests::{within, Node, RpcError};
use serde_json::{json, Value};

/// Until the node answers JSON-RPC.
const READY: Duration = Duration::from_secs(60);
/// The whole test.
const WHOLE_TEST: Duration = Duration::from_secs(300);
/// JSON-RPC "invalid params".
const INVALID_PARAMS: i64 = -32602;

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_parameter_is_refused_by_its_length() {
	let mut node = Node::start("rpc-limits", &["--dev"]);
	within(WHOLE_TEST, "the RPC limits test", async {
		node.wait_ready(READY).await;
		let huge = Value::String("5".repeat(1 << 20));
		let node_id = json!(format!("0x{}", "ab".repeat(1 << 19)));
		// Each method with each of its text parameters 1 MB long, the others valid.
		let cases: Vec<(&str, Value, &str)> = vec![
			("compute_getNodeMetrics", json!([node_id]), "nodeId"),
			("get_node_metrics", json!([node_id]), "nodeId"),
			("compute_getIpPool", json!([10, huge]), "startAfter"),
			("compute_getVmIp", json!([huge]), "vmName"),
			("compute_getComputeRequest", json!([huge]), "requestId"),
			("compute_getComputeRequest", json!([0, huge]), "at"),
			("compute_getUserRequests", json!([huge]), "owner"),
			("compute_getMinerRequests", json!([node_id]), "nodeId"),
			("compute_getPlans", json!([huge]), "limit"),
			("compute_getHostedRequests", json!([node_id]), "nodeId"),
		];
		for (method, params, name) in cases {
			let started = Instant::now();
			let answer = node.try_rpc(method, params).await;
			let took = started.elapsed();
			let Err(RpcError::Rpc(error)) = answer else {
				panic!("{method}: a 1 MB `{name}` was not refused: {answer:?}")
			};
			assert_eq!(error["code"], INVALID_PARAMS, "{method}: {error}");
			let message = error["message"].as_str().unwrap_or_default();
			assert!(message.contains(&format!("`{name}`")), "{method}: {message}");
			println!("e2e: {method} with a 1 MB `{name}`: refused in {took:?} (round trip)");
		}
		let plans = node.rpc("compute_getPlans", json!([])).await;
		assert!(!plans.as_array().expect("plans").is_empty(), "the node still answers");
	})
	.await;
}
