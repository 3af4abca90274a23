//! `compute-load reports`: node-signed metric reports, feeless, against transfers in the same run.

use std::time::Duration;

use compute_e2e_tests::{general_transaction, ipv4, metrics_value, NodeKey};
use subxt::{dynamic::Value, rpcs::RpcClient};
use subxt_signer::sr25519::Keypair;

use crate::common::{
	capacity, finalized_number, node_key, report, run_calls, submit_all, unique_tag, Chain, Client,
	Error, CONCURRENCY, DEFAULT_COUNT,
};

/// The flags of `compute-load reports`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	chain: Chain,
	/// Nodes registered (each sends one report), and transfers of the baseline.
	#[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
	count: usize,
}

/// Runs `compute-load reports`.
pub async fn run(args: Args) -> Result<(), Error> {
	let (client, rpc, senders) = args.chain.connect().await?;
	reports_mode(&client, &rpc, &senders, args.count).await
}

/// Node-signed metric reports, feeless, against transfers in the same run: registers `n` nodes
/// under the peer ids of fresh keys (round-robin over the senders), then each node sends one
/// report as a general transaction, then `n` transfers run as the baseline.
async fn reports_mode(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
) -> Result<(), Error> {
	let tag = unique_tag();
	let keys: Vec<NodeKey> = (0..n).map(|i| node_key(tag, 2, i)).collect();
	let genesis = client.genesis_hash().0;
	println!("kind                          txs  rejected  finalized  seconds   tx/s  blocks  largest block");
	let register = |i: usize| {
		let ip = ipv4([10, 2, (i / 256) as u8, (i % 256) as u8]);
		let proof = keys[i].registration_proof(genesis, senders[i % senders.len()].public_key().0);
		(
			"Compute",
			"register_miner_node",
			vec![Value::from_bytes(keys[i].node_id()), capacity(), ip, Value::from_bytes(proof)],
		)
	};
	let r = run_calls(client, rpc, senders, n, &register).await?;
	report("compute.register_miner_node", &r);

	// Reports must be made after the block of the registration: wait for the next one.
	let registered = finalized_number(rpc).await?;
	while finalized_number(rpc).await? <= registered {
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	let at = client.at_current_block().await?;
	let mut lanes = vec![Vec::new(); CONCURRENCY.min(n)];
	for (i, key) in keys.iter().enumerate() {
		let call = key.report_call(&at, at.block_number(), metrics_value("load", 0), false);
		lanes[i % CONCURRENCY].push(general_transaction(&at, &call));
	}
	let f = submit_all(rpc, lanes).await?;
	report("compute.report_signed (free)", &f);

	let dest = senders[0].public_key().0;
	let transfer = |_: usize| {
		let to = Value::unnamed_variant("Id", [Value::from_bytes(dest)]);
		("Balances", "transfer_keep_alive", vec![to, Value::u128(1_000_000_000)])
	};
	let t = run_calls(client, rpc, senders, n, &transfer).await?;
	report("balances.transfer_keep_alive", &t);
	println!("ratio feeless report/transfer: {:.2}", f.per_second() / t.per_second());
	Ok(())
}
