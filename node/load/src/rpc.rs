//! `compute-load rpc`: requests per second and p50/p99 latency of each `compute_*` method against
//! `system_accountNextIndex`, on the senders' accounts and the nodes `fill` registered for them,
//! with the items per answer, so that runs on different chains can be checked to compare like for
//! like (see `fill`).

use std::{sync::Arc, time::Instant};

use compute_e2e_tests::hex;
use serde_json::{json, Value as Json};
use subxt::rpcs::{rpc_params, RpcClient};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Semaphore;

use crate::{
	common::{storage_prefix, Chain, Error, CONCURRENCY, DEFAULT_COUNT},
	fill::fill_node_key,
};

/// The flags of `compute-load rpc`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	chain: Chain,
	/// Calls of each method.
	#[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
	count: usize,
	/// Items per page of the list methods.
	#[arg(long, value_name = "P", default_value_t = 25)]
	page: u32,
}

/// Runs `compute-load rpc`.
pub async fn run(args: Args) -> Result<(), Error> {
	let (_client, rpc, senders) = args.chain.connect().await?;
	rpc_mode(&rpc, &senders, args.count, args.page).await
}

/// Items in one RPC answer: a list's length, an IP pool page's addresses, 1 for any other
/// value and 0 for `null`.
fn items(answer: &Json) -> usize {
	match answer {
		Json::Null => 0,
		Json::Array(list) => list.len(),
		Json::Object(map) if map.contains_key("freeCount") => {
			let len = |field: &str| map.get(field).and_then(Json::as_array).map_or(0, Vec::len);
			len("free") + len("assigned")
		},
		_ => 1,
	}
}

/// Requests, latency and items per answer of one RPC method under load.
async fn measure(
	rpc: &RpcClient,
	name: &str,
	n: usize,
	params: impl Fn(usize) -> Json,
) -> Result<(), Error> {
	let gate = Arc::new(Semaphore::new(CONCURRENCY / 8));
	let started = Instant::now();
	let mut tasks = Vec::with_capacity(n);
	for i in 0..n {
		let (rpc, gate, method, p) = (rpc.clone(), gate.clone(), name.to_string(), params(i));
		tasks.push(tokio::spawn(async move {
			let _permit = gate.acquire().await;
			let t = Instant::now();
			let mut builder = subxt::rpcs::client::RpcParams::new();
			for v in p.as_array().cloned().unwrap_or_default() {
				builder.push(v).ok()?;
			}
			let answer = rpc.request::<Json>(&method, builder).await.ok()?;
			Some((t.elapsed(), items(&answer)))
		}));
	}
	let mut latencies = Vec::with_capacity(n);
	let mut returned = 0;
	for task in tasks {
		if let Some((latency, items)) = task.await? {
			latencies.push(latency);
			returned += items;
		}
	}
	if latencies.is_empty() {
		return Err(format!("every {name} call failed").into());
	}
	let seconds = started.elapsed().as_secs_f64();
	latencies.sort();
	let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
	println!(
		"{name:<28}{:>7}{:>10.0}{:>10.2}{:>10.2}{:>8.1}",
		latencies.len(),
		latencies.len() as f64 / seconds,
		pct(0.5),
		pct(0.99),
		returned as f64 / latencies.len() as f64
	);
	Ok(())
}

/// `n` calls of each `compute_*` method against `system_accountNextIndex`, on the senders'
/// accounts and their `fill` nodes, lists in pages of `page`. Prints the items per answer, so
/// that runs on different chains can be checked to compare like for like.
async fn rpc_mode(rpc: &RpcClient, senders: &[Keypair], n: usize, page: u32) -> Result<(), Error> {
	let accounts: Vec<String> =
		senders.iter().map(|k| k.public_key().to_account_id().to_string()).collect();
	let nodes: Vec<String> = (0..senders.len()).map(|k| hex(&fill_node_key(k).node_id())).collect();
	let pool: Json = rpc.request("compute_getIpPool", rpc_params![0]).await?;
	let next: u64 = rpc
		.request::<Json>("state_getStorage", rpc_params![hex(&storage_prefix("NextRequestId"))])
		.await?
		.as_str()
		.and_then(|v| sp_core::bytes::from_hex(v).ok())
		.and_then(|b| b.try_into().ok())
		.map(u64::from_le_bytes)
		.unwrap_or(0);
	// Requests of the first sender and VMs of its node, for the single-item lookups.
	let mine: Json =
		rpc.request("compute_getUserRequests", rpc_params![&accounts[0], page]).await?;
	let ids: Vec<u64> = mine
		.as_array()
		.into_iter()
		.flatten()
		.filter_map(|r| r["requestId"].as_u64())
		.collect();
	let hosted: Json =
		rpc.request("compute_getMinerRequests", rpc_params![&nodes[0], page]).await?;
	let vms: Vec<u64> = hosted
		.as_array()
		.into_iter()
		.flatten()
		.filter_map(|r| r["requestId"].as_u64())
		.collect();
	if ids.is_empty() || vms.is_empty() {
		return Err("the first sender has no requests or no VMs: run `fill` first".into());
	}
	println!(
		"requests ever made: {next}; pool: {} free, {} assigned; page size {page}",
		pool["freeCount"], pool["assignedCount"]
	);
	println!("method                         ok     req/s   p50 ms    p99 ms   items");
	let of = |list: &[String], i: usize| list[i % list.len()].clone();
	measure(rpc, "system_accountNextIndex", n, |i| json!([of(&accounts, i)])).await?;
	measure(rpc, "compute_getNodeMetrics", n, |i| json!([of(&nodes, i)])).await?;
	measure(rpc, "compute_getComputeRequest", n, |i| json!([ids[i % ids.len()]])).await?;
	measure(rpc, "compute_getVmIp", n, |i| json!([format!("vm-{}", vms[i % vms.len()])])).await?;
	measure(rpc, "compute_getIpPool", n, |_| json!([page])).await?;
	measure(rpc, "compute_getUserRequests", n, |i| json!([of(&accounts, i), page])).await?;
	measure(rpc, "compute_getMinerRequests", n, |i| json!([of(&nodes, i), page])).await?;
	measure(rpc, "compute_getPlans", n, |_| json!([page])).await?;
	Ok(())
}
