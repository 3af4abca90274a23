//! `compute-load`: measures what users feel on a running node (by default the dev node on
//! ws://127.0.0.1:9944), comparing compute work with a baseline measured side by side in one run.
//!
//! ```text
//! compute-load tx   [--url URL] [--count N]        # finalized tx/s: transfers vs compute calls
//! compute-load rpc  [--url URL] [--count N] [--senders U] [--page P]
//!                                                  # req/s, p50/p99 of compute_* vs system_accountNextIndex
//! compute-load fill [--url URL] [--count N] [--senders U] [--running M]
//!                                                  # add N live requests, M of them running VMs
//! compute-load reports [--url URL] [--count N]     # feeless node-signed metric reports vs transfers
//! compute-load state [--url URL]                   # bytes of the Compute pallet's state per item
//! compute-load vms serve|rent|bench|fill [...]   # real VMs from a running compute-miner (`vms`)
//! ```
//!
//! Transactions are pre-signed from the dev preset's funded `//Sender//0..255` accounts (the first
//! `--senders`, 256 by default), then submitted as fast as the node accepts them; throughput is
//! counted from the moment the first is submitted until the last is in a finalized block.
//!
//! `fill` and `rpc` together compare a small chain with a large one like for like: `rpc` reads
//! pages of `--page` items (25 by default) of the first senders' requests and nodes, which
//! `fill` gives the same number of items in both. For example, 100 against 100,000 live
//! requests, each with a full address pool (every address held by a running VM):
//!
//! ```text
//! compute-load fill --senders 2 --count 100 --running 50 && compute-load rpc --senders 2
//! compute-load fill --count 99900 --running 9950        && compute-load rpc --senders 2
//! ```

use std::{
	collections::BTreeMap,
	sync::Arc,
	time::{Duration, Instant},
};

use compute_e2e_tests::{general_transaction, hex, keypair, metrics_value, NodeKey};
use serde_json::{json, Value as Json};
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;
use tokio::sync::Semaphore;

mod vms;

/// Funded accounts of the dev preset: `//Sender//0` … `//Sender//255`.
const SENDERS: u32 = 256;
/// Requests in flight at once.
const CONCURRENCY: usize = 64;
/// Longest wait for submitted transactions to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(300);
/// The dev preset's small plan.
const SMALL_PLAN: u128 = 0;
/// Transactions signed against one block in `fill`: few enough to be in blocks before they
/// leave their mortality window.
const FILL_CHUNK: usize = 8_000;
/// Addresses per `add_ips` call (the runtime's `MaxIpsPerCall`).
const IPS_PER_CALL: usize = 256;
/// Items per page when `fill` lists a pool or a user's requests (the runtime's `MAX_PAGE_SIZE`).
const LIST_PAGE: u32 = 500;

type Client = OnlineClient<SubstrateConfig>;
type Error = Box<dyn std::error::Error + Send + Sync>;

struct Args {
	mode: String,
	url: String,
	count: usize,
	/// How many of the funded senders to use.
	senders: usize,
	/// `fill`: how many of the new requests become running VMs.
	running: Option<usize>,
	/// `rpc`: items per page of the list methods.
	page: u32,
}

fn args(mode: String, mut it: impl Iterator<Item = String>) -> Result<Args, Error> {
	let mut args = Args {
		mode,
		url: "ws://127.0.0.1:9944".into(),
		count: 2_000,
		senders: SENDERS as usize,
		running: None,
		page: 25,
	};
	while let Some(flag) = it.next() {
		let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
		match flag.as_str() {
			"--url" => args.url = value,
			"--count" => args.count = value.parse()?,
			"--senders" => args.senders = value.parse()?,
			"--running" => args.running = Some(value.parse()?),
			"--page" => args.page = value.parse()?,
			other => return Err(format!("unknown flag {other}").into()),
		}
	}
	Ok(args)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
	let mut it = std::env::args().skip(1);
	let mode = it.next().ok_or(
		"usage: compute-load tx|rpc|fill|reports|state|vms [--url URL] [--count N] [--senders U] [--running M] [--page P]",
	)?;
	if mode == "vms" {
		return vms::run(it).await;
	}
	let args = args(mode, it)?;
	let rpc = RpcClient::from_insecure_url(&args.url).await?;
	let client = Client::from_rpc_client(rpc.clone()).await?;
	if args.senders == 0 || args.senders > SENDERS as usize {
		return Err(format!("--senders must be 1 to {SENDERS}").into());
	}
	let senders = (0..args.senders)
		.map(|i| keypair(&format!("//Sender//{i}")))
		.collect::<Result<Vec<_>, _>>()?;
	match args.mode.as_str() {
		"tx" => tx_mode(&client, &rpc, &senders, args.count).await,
		"rpc" => rpc_mode(&rpc, &senders, args.count, args.page).await,
		"fill" => {
			let running = args.running.unwrap_or(args.count / 10);
			fill(&client, &rpc, &senders, args.count, running).await
		},
		"reports" => reports_mode(&client, &rpc, &senders, args.count).await,
		"state" => state_mode(&rpc).await,
		other => Err(format!("unknown mode {other}").into()),
	}
}

/// A call: pallet, call name and fields.
type Call = (&'static str, &'static str, Vec<Value>);

/// One kind of transaction: the call for the `i`-th transaction, sent by `senders[i % len]`.
type CallFor<'a> = dyn Fn(usize) -> Call + 'a;

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
	let jobs: Vec<(usize, Call)> = (0..n).map(|i| (i % senders.len(), call(i))).collect();
	run_jobs(client, rpc, senders, jobs).await
}

/// Pre-signs each `(sender index, call)` job, submits them, and waits until every accepted one
/// is in a finalized block.
async fn run_jobs(
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

/// The storage key of a Compute pallet value (or the prefix of a map).
fn storage_prefix(item: &str) -> Vec<u8> {
	let mut key = sp_crypto_hashing::twox_128(b"Compute").to_vec();
	key.extend(sp_crypto_hashing::twox_128(item.as_bytes()));
	key
}

/// Adds `n` live requests, round-robin from the senders, and makes `running` of them running
/// VMs with an address each: every sender registers a node (once) and hosts its own requests,
/// and the pool is grown or shrunk (by the dev chain's sudo key, `//Alice`) so that these VMs
/// take every free address.
async fn fill(
	client: &Client,
	rpc: &RpcClient,
	senders: &[Keypair],
	n: usize,
	running: usize,
) -> Result<(), Error> {
	if running > n {
		return Err("--running is at most --count".into());
	}
	let started = Instant::now();
	println!("kind                          txs  rejected  finalized  seconds   tx/s  blocks  largest block");
	let genesis = client.genesis_hash().0;
	let mut missing = Vec::new();
	for (k, who) in senders.iter().enumerate() {
		if !node_registered(rpc, &fill_node_key(k)).await? {
			missing.push((k, who.public_key().0));
		}
	}
	let register: Vec<(usize, Call)> = missing
		.into_iter()
		.map(|(k, owner)| {
			let key = fill_node_key(k);
			let proof = key.registration_proof(genesis, owner);
			let ip = ipv4([10, 3, (k / 256) as u8, (k % 256) as u8]);
			let fields =
				vec![Value::from_bytes(key.node_id()), capacity(), ip, Value::from_bytes(proof)];
			(k, ("Compute", "register_miner_node", fields))
		})
		.collect();
	if !register.is_empty() {
		report("compute.register_miner_node", &run_jobs(client, rpc, senders, register).await?);
	}

	fit_pool(client, rpc, running).await?;

	let create = |_: usize| {
		(
			"Compute",
			"create_compute_request",
			vec![Value::u128(SMALL_PLAN), image(), none(), none()],
		)
	};
	for chunk in chunks(n) {
		report("compute.create_compute_request", &run(client, rpc, senders, chunk, &create).await?);
	}

	// The newest pending requests of each sender, taken round-robin, run on the sender's node.
	let mut pending = Vec::with_capacity(senders.len());
	for who in senders {
		pending.push(pending_requests(rpc, &who.public_key().to_account_id().to_string()).await?);
	}
	let mut vms = Vec::with_capacity(running);
	while vms.len() < running {
		let before = vms.len();
		for (k, ids) in pending.iter_mut().enumerate() {
			if vms.len() < running {
				if let Some(id) = ids.pop() {
					vms.push((k, id));
				}
			}
		}
		if vms.len() == before {
			return Err("fewer pending requests than --running".into());
		}
	}
	for chunk in vms.chunks(FILL_CHUNK) {
		let claims = chunk
			.iter()
			.map(|&(k, id)| {
				let owner = Value::from_bytes(senders[k].public_key().0);
				let node = Value::from_bytes(fill_node_key(k).node_id());
				let fields = vec![node, Value::u128(SMALL_PLAN), Value::u128(id.into()), owner];
				(k, ("Compute", "submit_compute_request_assignment", fields))
			})
			.collect();
		report("compute.submit_assignment", &run_jobs(client, rpc, senders, claims).await?);
		let fulfils = chunk
			.iter()
			.map(|&(k, id)| {
				let node = Value::from_bytes(fill_node_key(k).node_id());
				let fields = vec![node, Value::u128(id.into()), none(), none(), none()];
				(k, ("Compute", "fulfill_compute_request", fields))
			})
			.collect();
		report("compute.fulfill_compute_request", &run_jobs(client, rpc, senders, fulfils).await?);
	}
	let pool: Json = rpc.request("compute_getIpPool", rpc_params![0]).await?;
	println!(
		"filled in {:.0} s; pool: {} free, {} assigned",
		started.elapsed().as_secs_f64(),
		pool["freeCount"],
		pool["assignedCount"]
	);
	Ok(())
}

/// Splits `n` transactions into runs of at most [`FILL_CHUNK`].
fn chunks(n: usize) -> impl Iterator<Item = usize> {
	(0..n).step_by(FILL_CHUNK).map(move |start| FILL_CHUNK.min(n - start))
}

/// The node key `fill` registers for sender `k`: the same on every run, so that later runs
/// reuse the nodes and `rpc` finds them.
fn fill_node_key(k: usize) -> NodeKey {
	node_key(0, 3, k)
}

/// Whether a node is registered, read from `Compute::MinerNodes` (keyed by the SCALE-encoded
/// node id, hashed with `Blake2_128Concat`).
async fn node_registered(rpc: &RpcClient, key: &NodeKey) -> Result<bool, Error> {
	let id = key.node_id();
	let mut encoded = codec_compact_len(id.len());
	encoded.extend_from_slice(&id);
	let mut storage_key = storage_prefix("MinerNodes");
	storage_key.extend(sp_crypto_hashing::blake2_128(&encoded));
	storage_key.extend(&encoded);
	let value: Option<String> =
		rpc.request("state_getStorage", rpc_params![hex(&storage_key)]).await?;
	Ok(value.is_some())
}

/// The SCALE compact encoding of a length below 2^14.
fn codec_compact_len(len: usize) -> Vec<u8> {
	if len < 64 {
		vec![(len as u8) << 2]
	} else {
		let v = ((len as u16) << 2) | 1;
		v.to_le_bytes().to_vec()
	}
}

/// Grows or shrinks the pool's free addresses to exactly `want`, with sudo from `//Alice`.
async fn fit_pool(client: &Client, rpc: &RpcClient, want: usize) -> Result<(), Error> {
	let alice = [keypair("//Alice")?];
	let pool: Json = rpc.request("compute_getIpPool", rpc_params![0]).await?;
	let free = pool["freeCount"].as_u64().unwrap_or(0) as usize;
	let total = free + pool["assignedCount"].as_u64().unwrap_or(0) as usize;
	let sudo = |name: &str, fields: Vec<(&str, Value)>| -> Call {
		let call = Value::unnamed_variant("Compute", [Value::named_variant(name, fields)]);
		("Sudo", "sudo", vec![call])
	};
	let jobs: Vec<(usize, Call)> = if free < want {
		// New addresses in 198.18.0.0/15, numbered after every address the pool ever had here.
		let ips: Vec<Value> = (total..total + want - free)
			.map(|i| ipv4([198, 18 + (i >> 16) as u8 % 2, (i >> 8) as u8, i as u8]))
			.collect();
		ips.chunks(IPS_PER_CALL)
			.map(|chunk| {
				(0, sudo("add_ips", vec![("ips", Value::unnamed_composite(chunk.to_vec()))]))
			})
			.collect()
	} else {
		let mut ips = Vec::new();
		let mut start_after: Option<Json> = None;
		while ips.len() < free - want {
			let page: Json = rpc
				.request("compute_getIpPool", rpc_params![LIST_PAGE, start_after.clone()])
				.await?;
			let listed = page["free"].as_array().cloned().unwrap_or_default();
			if listed.is_empty() {
				break;
			}
			start_after = listed.last().cloned();
			ips.extend(listed);
		}
		ips.truncate(free - want);
		ips.into_iter()
			.map(|ip| -> Result<(usize, Call), Error> {
				let ip: std::net::IpAddr = ip.as_str().ok_or("address")?.parse()?;
				let std::net::IpAddr::V4(ip) = ip else { return Err("IPv6 in the pool".into()) };
				Ok((0, sudo("remove_ip", vec![("ip", ipv4(ip.octets()))])))
			})
			.collect::<Result<_, _>>()?
	};
	if !jobs.is_empty() {
		report("sudo(compute.add_ips|remove_ip)", &run_jobs(client, rpc, &alice, jobs).await?);
	}
	Ok(())
}

/// The ids of the pending requests of `owner` (SS58), oldest first.
async fn pending_requests(rpc: &RpcClient, owner: &str) -> Result<Vec<u64>, Error> {
	let mut ids = Vec::new();
	let mut start_after: Option<u64> = None;
	loop {
		let page: Json = rpc
			.request("compute_getUserRequests", rpc_params![owner, LIST_PAGE, start_after])
			.await?;
		let items = page.as_array().cloned().unwrap_or_default();
		for item in &items {
			let id = item["requestId"].as_u64().ok_or("request without id")?;
			if item["status"] == "Pending" {
				ids.push(id);
			}
			start_after = Some(id);
		}
		if items.len() < LIST_PAGE as usize {
			ids.sort();
			return Ok(ids);
		}
	}
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
const SHARED_ITEMS: [&str; 10] = [
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
	let prefix = hex(&storage_prefix(item));
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
