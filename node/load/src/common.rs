//! What several modes share: the node's URL and the senders' flags, connecting, pre-signing from
//! the dev `//Sender//N` accounts, submitting and waiting for finality, and the calls' values.

use std::{
	collections::BTreeMap,
	sync::Arc,
	time::{Duration, Instant},
};

use compute_e2e_tests::{hex, keypair, plan_spec, NodeKey};
use serde_json::Value as Json;
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Semaphore;

/// The dev node's JSON-RPC: every mode's `--url` by default.
pub const DEFAULT_URL: &str = "ws://127.0.0.1:9944";
/// `--count` of the modes that submit transactions or RPC calls, by default.
pub const DEFAULT_COUNT: usize = 2_000;
/// Funded accounts of the dev preset: `//Sender//0` … `//Sender//255`.
pub const SENDERS: u32 = 256;
/// Requests in flight at once.
pub const CONCURRENCY: usize = 64;
/// Longest wait for submitted transactions to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(300);
/// The dev preset's small plan.
pub const SMALL_PLAN: u128 = 0;

pub type Client = OnlineClient<SubstrateConfig>;
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The flags of the modes that sign from the dev senders: which node, and how many senders.
#[derive(clap::Args)]
pub struct Chain {
	/// The node's JSON-RPC WebSocket URL.
	#[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
	pub url: String,
	/// How many of the dev preset's funded `//Sender//N` accounts sign, from `//Sender//0`
	/// (1 to 256).
	#[arg(long, value_name = "U", default_value_t = SENDERS as usize)]
	pub senders: usize,
}

impl Chain {
	/// Connects to the node and derives the first `--senders` dev senders' keys.
	pub async fn connect(&self) -> Result<(Client, RpcClient, Vec<Keypair>), Error> {
		let (client, rpc) = connect(&self.url).await?;
		if self.senders == 0 || self.senders > SENDERS as usize {
			return Err(format!("--senders must be 1 to {SENDERS}").into());
		}
		let senders = (0..self.senders)
			.map(|i| keypair(&format!("//Sender//{i}")))
			.collect::<Result<Vec<_>, _>>()?;
		Ok((client, rpc, senders))
	}
}

/// A JSON-RPC client of the node at `url`, and a subxt client over it.
pub async fn connect(url: &str) -> Result<(Client, RpcClient), Error> {
	let rpc = RpcClient::from_insecure_url(url).await?;
	let client = Client::from_rpc_client(rpc.clone()).await?;
	Ok((client, rpc))
}

/// A call: pallet, call name and fields.
pub type Call = (&'static str, &'static str, Vec<Value>);

/// One kind of transaction: the call for the `i`-th transaction, sent by `senders[i % len]`.
pub type CallFor<'a> = dyn Fn(usize) -> Call + 'a;

/// Result of one throughput run.
pub struct Throughput {
	submitted: usize,
	rejected: usize,
	finalized: usize,
	seconds: f64,
	blocks: u64,
	/// Most of these transactions in one block.
	largest_block: usize,
}

impl Throughput {
	pub fn per_second(&self) -> f64 {
		self.finalized as f64 / self.seconds
	}
}

/// Prints one line of a throughput table.
pub fn report(kind: &str, t: &Throughput) {
	println!(
		"{kind:<30}{:>5}{:>10}{:>11}{:>9.1}{:>7.1}{:>8}{:>15}",
		t.submitted,
		t.rejected,
		t.finalized,
		t.seconds,
		t.per_second(),
		t.blocks,
		t.largest_block
	);
}

/// Pre-signs `n` calls round-robin over `senders`, submits them, and waits until every accepted
/// one is in a finalized block.
pub async fn run_calls(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
	call: &CallFor<'_>,
) -> Result<Throughput, Error> {
	let jobs: Vec<(usize, Call)> = (0..n).map(|i| (i % senders.len(), call(i))).collect();
	run_jobs(client, rpc, senders, jobs).await
}

/// Pre-signs each `(sender index, call)` job, submits them, and waits until every accepted one
/// is in a finalized block.
pub async fn run_jobs(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	jobs: Vec<(usize, Call)>,
) -> Result<Throughput, Error> {
	let mut nonces = BTreeMap::new();
	let at = client.at_current_block().await?;
	// One lane per sender, in nonce order.
	let mut lanes: BTreeMap<usize, Vec<Vec<u8>>> = BTreeMap::new();
	for (s, (pallet, name, fields)) in jobs {
		let who = senders.get(s).ok_or("no such sender")?;
		let nonce = match nonces.get_mut(&s) {
			Some(nonce) => nonce,
			None => {
				let ss58 = who.public_key().to_account_id().to_string();
				let next: u64 = rpc.request("system_accountNextIndex", rpc_params![ss58]).await?;
				nonces.entry(s).or_insert(next)
			},
		};
		let payload = subxt::dynamic::tx(pallet, name, fields);
		let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(*nonce).build();
		let tx = at.transactions().create_signable_offline(&payload, params)?.sign(who)?;
		lanes.entry(s).or_default().push(tx.into_encoded());
		*nonce += 1;
	}
	submit_all(rpc, lanes.into_values().collect()).await
}

/// Submits encoded transactions and waits until every accepted one is in a finalized block.
///
/// Each lane is submitted in order, one transaction after the pool answered for the previous
/// one, so a sender's nonces arrive in sequence and none waits in the pool's future queue;
/// `CONCURRENCY` lanes run at once.
pub async fn submit_all(rpc: &RpcClient, lanes: Vec<Vec<Vec<u8>>>) -> Result<Throughput, Error> {
	let n = lanes.iter().map(Vec::len).sum();
	let start_block = finalized_number(rpc).await?;
	let started = Instant::now();
	let gate = Arc::new(Semaphore::new(CONCURRENCY));
	let mut tasks = Vec::with_capacity(lanes.len());
	for lane in lanes {
		let (rpc, gate) = (rpc.clone(), gate.clone());
		tasks.push(tokio::spawn(async move {
			let _permit = gate.acquire().await;
			let mut accepted = 0;
			for tx in lane {
				let xt = hex(&tx);
				let ok =
					rpc.request::<Json>("author_submitExtrinsic", rpc_params![xt]).await.is_ok();
				accepted += usize::from(ok);
			}
			accepted
		}));
	}
	let mut accepted = 0;
	for task in tasks {
		accepted += task.await?;
	}

	let mut finalized = 0;
	let mut largest_block = 0;
	let mut seen = start_block;
	while finalized < accepted {
		if started.elapsed() > FINALITY_TIMEOUT {
			return Err(
				format!("{finalized}/{accepted} finalized after {FINALITY_TIMEOUT:?}").into()
			);
		}
		let head = finalized_number(rpc).await?;
		while seen < head {
			seen += 1;
			let in_block = signed_in_block(rpc, seen).await?;
			largest_block = largest_block.max(in_block);
			finalized += in_block;
		}
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
	Ok(Throughput {
		submitted: n,
		rejected: n - accepted,
		finalized,
		seconds: started.elapsed().as_secs_f64(),
		blocks: seen - start_block,
		largest_block,
	})
}

/// The number of the finalized head.
pub async fn finalized_number(rpc: &RpcClient) -> Result<u64, Error> {
	let hash: Json = rpc.request("chain_getFinalizedHead", rpc_params![]).await?;
	let header: Json = rpc.request("chain_getHeader", rpc_params![hash]).await?;
	Ok(u64::from_str_radix(
		header["number"].as_str().unwrap_or("0x0").trim_start_matches("0x"),
		16,
	)?)
}

/// Signed extrinsics in block `number` (all but the timestamp inherent).
async fn signed_in_block(rpc: &RpcClient, number: u64) -> Result<usize, Error> {
	let hash: Json = rpc.request("chain_getBlockHash", rpc_params![number]).await?;
	let block: Json = rpc.request("chain_getBlock", rpc_params![hash]).await?;
	let count = block["block"]["extrinsics"].as_array().map(Vec::len).unwrap_or(0);
	Ok(count.saturating_sub(1))
}

/// A fresh node key, distinct per run `tag`, mode and index.
pub fn node_key(tag: u64, mode: u8, i: usize) -> NodeKey {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&tag.to_le_bytes());
	seed[8..16].copy_from_slice(&(i as u64).to_le_bytes());
	seed[16] = mode;
	NodeKey::from_seed(seed)
}

/// A tag distinct per run (the Unix time in seconds), for [`node_key`].
pub fn unique_tag() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or(0)
}

/// The storage key of a Compute pallet value (or the prefix of a map).
pub fn storage_prefix(item: &str) -> Vec<u8> {
	let mut key = sp_crypto_hashing::twox_128(b"Compute").to_vec();
	key.extend(sp_crypto_hashing::twox_128(item.as_bytes()));
	key
}

/// The image of every request the transaction modes create.
pub fn image() -> Value {
	compute_e2e_tests::image(
		"ubuntu-24.04",
		"ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
	)
}

/// The capacity of every node the transaction modes register: 64 vCPUs, 256 GiB of memory,
/// 8,000 GiB of storage, 10 Gbit/s, 4 GPUs.
pub fn capacity() -> Value {
	plan_spec(64, 262_144, 8_000, 10_000, 4)
}

/// The `Compute` pallet's metadata constant `name` (a `u32` limit the chain enforces, such as
/// `MaxPageSize` or `MaxIpsPerCall`), at the finalized head.
pub async fn compute_constant(client: &Client, name: &str) -> Result<u32, Error> {
	let at = client.at_current_block().await?;
	Ok(at.constants().entry(subxt::dynamic::constant::<u32>("Compute", name))?)
}
