//! `compute-load fill`: adds live requests, some of them running VMs, each on a node registered
//! for its sender, with the pool fitted so that these VMs take every free address. Run again with
//! the same `--senders`, it reuses the nodes; `rpc` reads them.

use std::time::Instant;

use compute_e2e_tests::{hex, ipv4, keypair, none, NodeKey};
use serde_json::Value as Json;
use subxt::{
	dynamic::Value,
	rpcs::{rpc_params, RpcClient},
};
use subxt_signer::sr25519::Keypair;

use crate::common::{
	capacity, compute_constant, image, node_key, report, run_calls, run_jobs, storage_prefix, Call,
	Chain, Client, Error, DEFAULT_COUNT, SMALL_PLAN,
};

/// Transactions signed against one block in `fill`: few enough to be in blocks before they
/// leave their mortality window.
const FILL_CHUNK: usize = 8_000;

/// The flags of `compute-load fill`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	chain: Chain,
	/// New live requests, round-robin from the senders.
	#[arg(long, value_name = "N", default_value_t = DEFAULT_COUNT)]
	count: usize,
	/// How many of the new requests become running VMs with an address each: at most
	/// `--count`, and a tenth of `--count` (rounded down) by default.
	#[arg(long, value_name = "M")]
	running: Option<usize>,
}

/// Runs `compute-load fill`.
pub async fn run(args: Args) -> Result<(), Error> {
	let (client, rpc, senders) = args.chain.connect().await?;
	let running = args.running.unwrap_or(args.count / 10);
	fill(&client, &rpc, &senders, args.count, running).await
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
		report(
			"compute.create_compute_request",
			&run_calls(client, rpc, senders, chunk, &create).await?,
		);
	}

	// The newest pending requests of each sender, taken round-robin, run on the sender's node.
	let mut pending = Vec::with_capacity(senders.len());
	for who in senders {
		pending.push(
			pending_requests(client, rpc, &who.public_key().to_account_id().to_string()).await?,
		);
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
pub fn fill_node_key(k: usize) -> NodeKey {
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
	let (ips_per_call, page_size) = (
		compute_constant(client, "MaxIpsPerCall").await?,
		compute_constant(client, "MaxPageSize").await?,
	);
	let sudo = |name: &str, fields: Vec<(&str, Value)>| -> Call {
		let call = Value::unnamed_variant("Compute", [Value::named_variant(name, fields)]);
		("Sudo", "sudo", vec![call])
	};
	let jobs: Vec<(usize, Call)> = if free < want {
		// New addresses in 198.18.0.0/15, numbered after every address the pool ever had here.
		let ips: Vec<Value> = (total..total + want - free)
			.map(|i| ipv4([198, 18 + (i >> 16) as u8 % 2, (i >> 8) as u8, i as u8]))
			.collect();
		ips.chunks(ips_per_call as usize)
			.map(|chunk| {
				(0, sudo("add_ips", vec![("ips", Value::unnamed_composite(chunk.to_vec()))]))
			})
			.collect()
	} else {
		let mut ips = Vec::new();
		let mut start_after: Option<Json> = None;
		while ips.len() < free - want {
			let page: Json = rpc
				.request("compute_getIpPool", rpc_params![page_size, start_after.clone()])
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
async fn pending_requests(
	client: &Client,
	rpc: &RpcClient,
	owner: &str,
) -> Result<Vec<u64>, Error> {
	let page_size = compute_constant(client, "MaxPageSize").await?;
	let mut ids = Vec::new();
	let mut start_after: Option<u64> = None;
	loop {
		let page: Json = rpc
			.request("compute_getUserRequests", rpc_params![owner, page_size, start_after])
			.await?;
		let items = page.as_array().cloned().unwrap_or_default();
		for item in &items {
			let id = item["requestId"].as_u64().ok_or("request without id")?;
			if item["status"] == "Pending" {
				ids.push(id);
			}
			start_after = Some(id);
		}
		if items.len() < page_size as usize {
			ids.sort();
			return Ok(ids);
		}
	}
}
