//! Reads through the chain's `compute_*` JSON-RPC methods, as a dApp makes them.

use serde_json::{json, Value as Json};

use crate::Node;

/// Request `request_id` as `compute_getComputeRequest` shows it (`null` when there is none).
pub async fn compute_request(node: &Node, request_id: u64) -> Json {
	node.rpc("compute_getComputeRequest", json!([request_id])).await
}

/// The price per block of plan `plan_id` (in the token's smallest unit), from
/// `compute_getPlans`.
pub async fn plan_price(node: &Node, plan_id: u32) -> u128 {
	let plans = node.rpc("compute_getPlans", json!([])).await;
	let plan = plans
		.as_array()
		.into_iter()
		.flatten()
		.find(|plan| plan["planId"] == plan_id)
		.unwrap_or_else(|| panic!("no plan {plan_id} among {plans}"));
	plan["pricePerBlock"]
		.as_str()
		.and_then(|price| price.parse().ok())
		.unwrap_or_else(|| panic!("no price of plan {plan_id} in {plan}"))
}

/// The id of the plan with the least memory, from `compute_getPlans`: in the dev and local
/// presets the tiny plan, small enough to boot a real VM in a test.
pub async fn tiny_plan(node: &Node) -> u32 {
	let plans = node.rpc("compute_getPlans", json!([])).await;
	least_memory_plan(&plans).unwrap_or_else(|| panic!("no active plan among {plans}"))
}

/// The id of the active plan with the least memory in a `compute_getPlans` answer.
pub fn least_memory_plan(plans: &Json) -> Option<u32> {
	plans
		.as_array()
		.into_iter()
		.flatten()
		.filter(|plan| plan["active"] == true)
		.min_by_key(|plan| plan["spec"]["memoryMb"].as_u64().unwrap_or(u64::MAX))
		.and_then(|plan| plan["planId"].as_u64())
		.and_then(|id| u32::try_from(id).ok())
}
