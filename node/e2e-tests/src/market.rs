//! What renters and miners do in the scenarios with a real `compute-miner`: rent a VM, wait for
//! the agent to carry out what the chain asks, and add up the rent a VM paid.

use std::time::Duration;

use serde_json::{json, Value as Json};
use subxt_signer::sr25519::{dev, Keypair};

use crate::{
	compute_call, compute_request, events_between, image, none, some, submit_finalized, until,
	value_bytes, At, ChainEvent, Client, FinalizedTx, Node, Value,
};

/// Creates `who`'s request of plan `plan` for the image at `image_url` with the user data at
/// `user_data`, if any, waiting up to `timeout` for it to be finalized; returns its id and the
/// block that holds it.
pub async fn create_request(
	client: &Client,
	who: &Keypair,
	plan: u32,
	image_url: &str,
	user_data: Option<&str>,
	timeout: Duration,
) -> (u64, u64) {
	let cloud_init = user_data.map_or_else(none, |url| some(Value::from_bytes(url)));
	let fields = vec![Value::u128(plan.into()), image("test-guest", image_url), cloud_init, none()];
	let tx = compute_call(client, who, "create_compute_request", fields, timeout).await;
	let created = tx.expect_event("Compute", "ComputeRequestCreated");
	let id = created.fields.at("request_id").and_then(Value::as_u128).expect("a request id");
	(u64::try_from(id).expect("a u64 id"), tx.block_number)
}

/// Request `id` as `compute_getMinerRequests` of node `node_id` (`0x`-hex) lists it, if it does.
pub async fn miner_request(node: &Node, node_id: &str, id: u64) -> Option<Json> {
	let list = node.rpc("compute_getMinerRequests", json!([node_id])).await;
	list.as_array()?.iter().find(|r| r["requestId"] == id).cloned()
}

/// Waits up to `timeout` until request `id` on node `node_id` has `status` with nothing queued
/// on it; returns it as `compute_getMinerRequests` lists it.
pub async fn settled(node: &Node, node_id: &str, id: u64, status: &str, timeout: Duration) -> Json {
	until(timeout, &format!("request {id} {status}, nothing queued"), || async move {
		let r = compute_request(node, id).await;
		let m = miner_request(node, node_id, id).await?;
		let pending = &m["pendingOperations"];
		let idle = pending["stop"] == false
			&& pending["boot"] == false
			&& pending["reboot"] == false
			&& pending["resize"].is_null()
			&& pending["delete"] == false;
		(r["status"] == status && idle).then_some(m)
	})
	.await
}

/// For request `id`, from the events of finalized blocks `from..=to`: the block its VM was
/// fulfilled in, and the rent paid to the miner (`//Bob`) over every settlement and payment
/// claim.
pub async fn rent_paid(client: &Client, id: u64, from: u64, to: u64) -> (u64, u128) {
	let events = events_between(client, from, to).await.expect("events");
	let of_request = |e: &ChainEvent| {
		e.pallet == "Compute"
			&& e.fields.at("request_id").and_then(Value::as_u128) == Some(id.into())
	};
	let fulfilled = events
		.iter()
		.find(|(_, e)| e.name == "ComputeRequestFulfilled" && of_request(e))
		.map(|(number, _)| *number)
		.expect("the fulfilment");
	let bob = dev::bob().public_key().0.to_vec();
	let paid = events
		.iter()
		.filter(|(_, e)| e.name == "ComputePaymentSettled" && of_request(e))
		.map(|(_, e)| {
			let miner = e.fields.at("miner").map(value_bytes);
			assert_eq!(miner.as_ref(), Some(&bob), "paid to the miner");
			e.fields.at("amount").and_then(Value::as_u128).expect("an amount")
		})
		.sum();
	(fulfilled, paid)
}

/// The metadata (version 15) of the runtime at the node's best block.
pub async fn runtime_metadata(node: &Node) -> Vec<u8> {
	const VERSION: u32 = 15;
	let version = crate::hex(&VERSION.to_le_bytes());
	let answer = node.rpc("state_call", json!(["Metadata_metadata_at_version", version])).await;
	let bytes = crate::hex_bytes(answer.as_str().expect("hex"));
	// `Option<OpaqueMetadata>`: `Some`, a compact length, then the metadata.
	assert_eq!(bytes.first(), Some(&1), "the runtime has metadata version {VERSION}");
	let mut rest = &bytes[1..];
	let len = <subxt::ext::codec::Compact<u32> as subxt::ext::codec::Decode>::decode(&mut rest)
		.expect("length")
		.0 as usize;
	assert_eq!(rest.len(), len, "one metadata blob");
	rest.to_vec()
}

/// Sends `Compute::<call>` with `fields` as root (`Sudo::sudo`, signed by Alice, the dev
/// chains' sudo key) and waits up to `timeout` until it is final.
pub async fn sudo_compute(
	client: &Client,
	call: &str,
	fields: Vec<(&str, Value)>,
	timeout: Duration,
) -> FinalizedTx {
	let inner = Value::unnamed_variant("Compute", [Value::named_variant(call, fields)]);
	submit_finalized(client, &dev::alice(), "Sudo", "sudo", vec![inner], timeout)
		.await
		.unwrap_or_else(|e| panic!("sudo(compute.{call}): {e}"))
}

/// A new plan of `spec` (see [`crate::plan_spec`]) at `price` per block, made by root; its id.
pub async fn create_plan(client: &Client, spec: Value, price: u128, timeout: Duration) -> u32 {
	let fields = vec![("spec", spec), ("price_per_block", Value::u128(price))];
	let made = sudo_compute(client, "create_plan", fields, timeout).await;
	let plan = made.expect_event("Compute", "PlanCreated");
	let plan = plan.fields.at("plan_id").and_then(Value::as_u128).expect("a plan id");
	u32::try_from(plan).expect("a plan id")
}
