//! `compute-load tx`: finalized tx/s of transfers against compute calls in the same run, then of
//! the miner mix: each sender registers a node, claims its own request and fulfils it.

use compute_e2e_tests::{ipv4, none, NodeKey};
use serde_json::Value as Json;
use subxt::{
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
};
use subxt_signer::sr25519::Keypair;

use crate::common::{
	capacity, image, node_key, report, run_calls, unique_tag, Chain, Client, Error, DEFAULT_COUNT,
	SMALL_PLAN,
};

/// The flags of `compute-load tx`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	chain: Chain,
	/// Transactions of each kind: transfers and creates; the miner mix has as many nodes as
	/// there are senders, at most this many and at most the pool's free addresses.
	#[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
	count: usize,
}

/// Runs `compute-load tx`.
pub async fn run(args: Args) -> Result<(), Error> {
	let (client, rpc, senders) = args.chain.connect().await?;
	tx_mode(&client, &rpc, &senders, args.count).await
}

async fn tx_mode(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
) -> Result<(), Error> {
	let dest = senders[0].public_key().0;
	let transfer = |_: usize| {
		let to = Value::unnamed_variant("Id", [Value::from_bytes(dest)]);
		("Balances", "transfer_keep_alive", vec![to, Value::u128(1_000_000_000)])
	};
	let create = |_: usize| {
		(
			"Compute",
			"create_compute_request",
			vec![Value::u128(SMALL_PLAN), image(), none(), none()],
		)
	};
	println!("kind                          txs  rejected  finalized  seconds   tx/s  blocks  largest block");
	let t = run_calls(client, rpc, senders, n, &transfer).await?;
	report("balances.transfer_keep_alive", &t);
	let c = run_calls(client, rpc, senders, n, &create).await?;
	report("compute.create_compute_request", &c);
	println!("ratio create/transfer: {:.2}", c.per_second() / t.per_second());

	// The miner mix: each sender registers a node, claims its own request, fulfils it.
	let miners = senders.len().min(n).min(free_ips(rpc).await? as usize);
	let tag = unique_tag();
	let genesis = client.genesis_hash().0;
	let keys: Vec<NodeKey> = (0..miners).map(|i| node_key(tag, 1, i)).collect();
	let node_id = |i: usize| Value::from_bytes(keys[i].node_id());
	let register = |i: usize| {
		let proof = keys[i].registration_proof(genesis, senders[i % senders.len()].public_key().0);
		let ip = ipv4([10, 1, (i / 256) as u8, (i % 256) as u8]);
		(
			"Compute",
			"register_miner_node",
			vec![node_id(i), capacity(), ip, Value::from_bytes(proof)],
		)
	};
	let r = run_calls(client, rpc, &senders[..miners], miners, &register).await?;
	report("compute.register_miner_node", &r);
	let c = run_calls(client, rpc, &senders[..miners], miners, &create).await?;
	report("compute.create_compute_request", &c);
	let mut ids = Vec::with_capacity(miners);
	for who in &senders[..miners] {
		let ss58 = who.public_key().to_account_id().to_string();
		let list: Json = rpc.request("compute_getUserRequests", rpc_params![ss58]).await?;
		let pending = list.as_array().into_iter().flatten().filter(|r| r["status"] == "Pending");
		let id = pending
			.filter_map(|r| r["requestId"].as_u64())
			.max()
			.ok_or("no pending request")?;
		ids.push(id);
	}
	let claim = |i: usize| {
		let owner = Value::from_bytes(senders[i].public_key().0);
		(
			"Compute",
			"submit_compute_request_assignment",
			vec![node_id(i), Value::u128(SMALL_PLAN), Value::u128(ids[i].into()), owner],
		)
	};
	let a = run_calls(client, rpc, &senders[..miners], miners, &claim).await?;
	report("compute.submit_assignment", &a);
	let fulfil = |i: usize| {
		(
			"Compute",
			"fulfill_compute_request",
			vec![node_id(i), Value::u128(ids[i].into()), none(), none(), none()],
		)
	};
	let f = run_calls(client, rpc, &senders[..miners], miners, &fulfil).await?;
	report("compute.fulfill_compute_request", &f);
	Ok(())
}

/// The pool's free addresses.
async fn free_ips(rpc: &RpcClient) -> Result<u64, Error> {
	let pool: Json = rpc.request("compute_getIpPool", rpc_params![0]).await?;
	Ok(pool["freeCount"].as_u64().unwrap_or(0))
}
