//! `compute-load`: measures what users feel on a running node (by default the dev node on
//! ws://127.0.0.1:9944), comparing compute work with a baseline measured side by side in one run.
//!
//! ```text
//! compute-load tx   [--url URL] [--count N]        # finalized tx/s: transfers vs compute calls
//! compute-load rpc  [--url URL] [--count N]        # req/s, p50/p99 of compute_* vs system_accountNextIndex
//! compute-load fill [--url URL] [--count N]        # add N live requests (+ miners, IPs) to the chain
//! compute-load reports [--url URL] [--count N]     # feeless node-signed metric reports vs transfers
//! compute-load state [--url URL]                   # bytes of the Compute pallet's state per item
//! ```
//!
//! Transactions are pre-signed from the dev preset's funded `//Sender//0..255` accounts, then
//! submitted as fast as the node accepts them; throughput is counted from the moment the first is
//! submitted until the last is in a finalized block.

use std::{
	collections::BTreeMap,
	str::FromStr,
	sync::Arc,
	time::{Duration, Instant},
};

use compute_e2e_tests::{general_transaction, hex, metrics_value, NodeKey};
use serde_json::{json, Value as Json};
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};
use tokio::sync::Semaphore;

/// Funded accounts of the dev preset: `//Sender//0` … `//Sender//255`.
const SENDERS: u32 = 256;
/// Requests in flight at once.
const CONCURRENCY: usize = 64;
/// Longest wait for submitted transactions to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(300);
/// The dev preset's small plan.
const SMALL_PLAN: u128 = 0;

type Client = OnlineClient<SubstrateConfig>;
type Error = Box<dyn std::error::Error + Send + Sync>;

struct Args {
	mode: String,
	url: String,
	count: usize,
}

fn args() -> Result<Args, Error> {
	let mut it = std::env::args().skip(1);
	let mode = it
		.next()
		.ok_or("usage: compute-load tx|rpc|fill|reports|state [--url URL] [--count N]")?;
	let mut args = Args { mode, url: "ws://127.0.0.1:9944".into(), count: 2_000 };
	while let Some(flag) = it.next() {
		let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
		match flag.as_str() {
			"--url" => args.url = value,
			"--count" => args.count = value.parse()?,
			other => return Err(format!("unknown flag {other}").into()),
		}
	}
	Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
	let args = args()?;
	let rpc = RpcClient::from_insecure_url(&args.url).await?;
	let client = Client::from_rpc_client(rpc.clone()).await?;
	let mut senders = Vec::with_capacity(SENDERS as usize);
	for i in 0..SENDERS {
		let uri = SecretUri::from_str(&format!("//Sender//{i}")).map_err(|e| format!("{e:?}"))?;
		senders.push(Keypair::from_uri(&uri).map_err(|e| format!("{e:?}"))?);
	}
	match args.mode.as_str() {
		"tx" => tx_mode(&client, &rpc, &senders, args.count).await,
		"rpc" => rpc_mode(&rpc, &senders, args.count).await,
		"fill" => fill(&client, &rpc, &senders, args.count).await,
		"reports" => reports_mode(&client, &rpc, &senders, args.count).await,
		"state" => state_mode(&rpc).await,
		other => Err(format!("unknown mode {other}").into()),
	}
}

/// One kind of transaction: the call for the `i`-th transaction, sent by `senders[i % len]`.
type CallFor<'a> = dyn Fn(usize) -> (&'static str, &'static str, Vec<Value>) + 'a;

/// Result of one throughput run.
struct Throughput {
	submitted: usize,
	rejected: usize,
	finalized: usize,
	seconds: f64,
	blocks: u64,
	/// Most of these transactions in one block.
	largest_block: usize,
}

impl Throughput {
	fn per_second(&self) -> f64 {
		self.finalized as f64 / self.seconds
	}
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
	let t = run(client, rpc, senders, n, &transfer).await?;
	report("balances.transfer_keep_alive", &t);
	let c = run(client, rpc, senders, n, &create).await?;
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
	let r = run(client, rpc, &senders[..miners], miners, &register).await?;
	report("compute.register_miner_node", &r);
	let c = run(client, rpc, &senders[..miners], miners, &create).await?;
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
	let a = run(client, rpc, &senders[..miners], miners, &claim).await?;
	report("compute.submit_assignment", &a);
	let fulfil = |i: usize| {
		(
			"Compute",
			"fulfill_compute_request",
			vec![node_id(i), Value::u128(ids[i].into()), none(), none(), none()],
		)
	};
	let f = run(client, rpc, &senders[..miners], miners, &fulfil).await?;
	report("compute.fulfill_compute_request", &f);
	Ok(())
}

fn report(kind: &str, t: &Throughput) {
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
async fn run(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
	call: &CallFor<'_>,
) -> Result<Throughput, Error> {
	let mut nonces = BTreeMap::new();
	for (i, who) in senders.iter().enumerate() {
		let ss58 = who.public_key().to_account_id().to_string();
		let nonce: u64 = rpc.request("system_accountNextIndex", rpc_params![ss58]).await?;
		nonces.insert(i, nonce);
	}
	let at = client.at_current_block().await?;
	// One lane per sender, in nonce order.
	let mut lanes = vec![Vec::new(); senders.len().min(n)];
	for i in 0..n {
		let s = i % senders.len();
		let nonce = nonces.get_mut(&s).ok_or("sender")?;
		let (pallet, name, fields) = call(i);
		let payload = subxt::dynamic::tx(pallet, name, fields);
		let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(*nonce).build();
		let tx = at.transactions().create_signable_offline(&payload, params)?.sign(&senders[s])?;
		lanes[s].push(tx.into_encoded());
		*nonce += 1;
	}
	submit_all(rpc, lanes).await
}

/// Submits encoded transactions and waits until every accepted one is in a finalized block.
///
/// Each lane is submitted in order, one transaction after the pool answered for the previous
/// one, so a sender's nonces arrive in sequence and none waits in the pool's future queue;
/// `CONCURRENCY` lanes run at once.
async fn submit_all(rpc: &RpcClient, lanes: Vec<Vec<Vec<u8>>>) -> Result<Throughput, Error> {
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

/// A fresh node key, distinct per run `tag`, mode and index.
fn node_key(tag: u64, mode: u8, i: usize) -> NodeKey {
	let mut seed = [0u8; 32];
	seed[..8].copy_from_slice(&tag.to_le_bytes());
	seed[8..16].copy_from_slice(&(i as u64).to_le_bytes());
	seed[16] = mode;
	NodeKey::from_seed(seed)
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
	let r = run(client, rpc, senders, n, &register).await?;
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
	let t = run(client, rpc, senders, n, &transfer).await?;
	report("balances.transfer_keep_alive", &t);
	println!("ratio feeless report/transfer: {:.2}", f.per_second() / t.per_second());
	Ok(())
}

/// Requests and latency of one RPC method under load.
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
			rpc.request::<Json>(&method, builder).await.ok()?;
			Some(t.elapsed())
		}));
	}
	let mut latencies = Vec::with_capacity(n);
	for task in tasks {
		if let Some(l) = task.await? {
			latencies.push(l);
		}
	}
	let seconds = started.elapsed().as_secs_f64();
	latencies.sort();
	let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
	println!(
		"{name:<28}{:>7}{:>10.0}{:>10.2}{:>10.2}",
		latencies.len(),
		latencies.len() as f64 / seconds,
		pct(0.5),
		pct(0.99)
	);
	Ok(())
}

async fn rpc_mode(rpc: &RpcClient, senders: &[Keypair], n: usize) -> Result<(), Error> {
	let accounts: Vec<String> =
		senders.iter().map(|k| k.public_key().to_account_id().to_string()).collect();
	let requests: u64 = rpc
		.request("compute_getIpPool", rpc_params![0])
		.await
		.map(|p: Json| p["assignedCount"].as_u64().unwrap_or(0))?;
	println!("assigned IPs: {requests}");
	println!("method                         ok     req/s   p50 ms    p99 ms");
	measure(rpc, "system_accountNextIndex", n, |i| json!([accounts[i % accounts.len()]])).await?;
	measure(rpc, "compute_getNodeMetrics", n, |i| {
		json!([hex(format!("load-node-{i}").as_bytes())])
	})
	.await?;
	measure(rpc, "compute_getIpPool", n, |_| json!([50])).await?;
	measure(rpc, "compute_getUserRequests", n, |i| json!([accounts[i % accounts.len()], 50]))
		.await?;
	Ok(())
}

/// Adds `n` live requests from the senders, plus one miner per sender and enough IPs that every
/// miner can host VMs, so later measurements run against a full chain.
async fn fill(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
) -> Result<(), Error> {
	let create = |_: usize| {
		(
			"Compute",
			"create_compute_request",
			vec![Value::u128(SMALL_PLAN), image(), none(), none()],
		)
	};
	let t = run(client, rpc, senders, n, &create).await?;
	report("compute.create_compute_request", &t);
	Ok(())
}

async fn finalized_number(rpc: &RpcClient) -> Result<u64, Error> {
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

async fn free_ips(rpc: &RpcClient) -> Result<u64, Error> {
	let pool: Json = rpc.request("compute_getIpPool", rpc_params![0]).await?;
	Ok(pool["freeCount"].as_u64().unwrap_or(0))
}

fn unique_tag() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_secs())
		.unwrap_or(0)
}

fn image() -> Value {
	Value::named_composite([
		("name", Value::from_bytes("ubuntu-24.04")),
		(
			"image_url",
			Value::from_bytes("ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"),
		),
	])
}

fn capacity() -> Value {
	Value::named_composite([
		("vcpus", Value::u128(64)),
		("memory_mb", Value::u128(262_144)),
		("storage_gb", Value::u128(8_000)),
		("bandwidth_mbps", Value::u128(10_000)),
		("gpus", Value::u128(4)),
	])
}

fn ipv4(octets: [u8; 4]) -> Value {
	Value::unnamed_variant("V4", [Value::from_bytes(octets)])
}

fn none() -> Value {
	Value::unnamed_variant("None", [])
}

/// The Compute pallet's storage items that hold an entry per request.
const PER_REQUEST_ITEMS: [&str; 9] = [
	"ComputeRequests",
	"RequestRecords",
	"MinerComputeRequests",
	"MinerComputeDeletionRequests",
	"MinerComputeStopRequests",
	"MinerComputeBootRequests",
	"MinerComputeRebootRequests",
	"MinerComputeResizeRequests",
	"RentalExpiries",
];

/// The Compute pallet's other storage items.
const SHARED_ITEMS: [&str; 11] = [
	"NextRequestId",
	"UserRequestCount",
	"Plans",
	"NextPlanId",
	"MinerNodes",
	"NodeMetrics",
	"FreeIps",
	"IpStates",
	"IpPool",
	"ExpiryCursor",
];

/// Entries and bytes (keys and values) of one storage item of the Compute pallet at `at`.
async fn item_size(rpc: &RpcClient, item: &str, at: &Json) -> Result<(u64, u64), Error> {
	let mut prefix = sp_crypto_hashing::twox_128(b"Compute").to_vec();
	prefix.extend(sp_crypto_hashing::twox_128(item.as_bytes()));
	let prefix = hex(&prefix);
	let (mut entries, mut bytes) = (0u64, 0u64);
	let mut start: Option<String> = None;
	loop {
		let keys: Vec<String> = rpc
			.request("state_getKeysPaged", rpc_params![&prefix, 1000, start.clone(), at.clone()])
			.await?;
		for key in &keys {
			let size: Option<u64> =
				rpc.request("state_getStorageSize", rpc_params![key, at.clone()]).await?;
			entries += 1;
			bytes += (key.len() as u64 - 2) / 2 + size.unwrap_or(0);
		}
		if keys.len() < 1000 {
			return Ok((entries, bytes));
		}
		start = keys.last().cloned();
	}
}

/// Prints the size of the Compute pallet's state at the finalized head, per storage item, and
/// the bytes its per-request items take per live request.
async fn state_mode(rpc: &RpcClient) -> Result<(), Error> {
	let at: Json = rpc.request("chain_getFinalizedHead", rpc_params![]).await?;
	println!("{:<30}{:>9}{:>12}{:>10}", "item", "entries", "bytes", "per entry");
	let mut per_request = 0;
	let mut live = 0;
	for item in PER_REQUEST_ITEMS.iter().chain(SHARED_ITEMS.iter()) {
		let (entries, bytes) = item_size(rpc, item, &at).await?;
		println!(
			"{item:<30}{entries:>9}{bytes:>12}{:>10}",
			bytes.checked_div(entries).unwrap_or(0)
		);
		if PER_REQUEST_ITEMS.contains(item) {
			per_request += bytes;
		}
		if *item == "RequestRecords" {
			live = entries;
		}
	}
	println!(
		"{live} live requests: {} bytes of per-request items each (keys and values)",
		per_request.checked_div(live).unwrap_or(0)
	);
	Ok(())
}
