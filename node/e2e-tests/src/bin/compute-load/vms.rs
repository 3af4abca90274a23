//! `compute-load vms`: real VMs on a chain with a running `compute-miner`, rented as a user
//! rents them.
//!
//! ```text
//! compute-load vms serve [--port P]               # serve the test guest on 127.0.0.1 (8090)
//! compute-load vms rent  [--url URL] [--plan ID]  # rent one VM as //Charlie; print where it runs
//! compute-load vms bench [--url URL] [--count N]  # latencies of N VMs, one after another (5)
//! compute-load vms fill  [--url URL] [--count N]  # N VMs at once: how many run, how fast (8)
//! ```
//!
//! `scripts/dev.sh --miner` starts a dev chain, `compute-load vms serve` and a `compute-miner`
//! whose Prometheus endpoint is `--miner-metrics` (http://127.0.0.1:9617/metrics by default). The
//! guest is the test guest of `scripts/build-test-guest.sh` (a Debian kernel with a busybox
//! initramfs), served as a boot manifest; `rent`, `bench` and `fill` serve it themselves unless
//! `--image URL` names another image.
//!
//! `bench` measures, for each VM, the time from submitting `create_compute_request` until the
//! request is `Running` in a finalized block (the user's wait), and the guest's boot within it
//! (the agent's `compute_miner_guest_boot_seconds`); the rest is chain time: inclusion and
//! finality of the create, the claim, the address and the fulfilment. Then a reboot and a stop
//! of each, from submission to the finalized fulfilment, and the agent's memory.

use std::{
	collections::HashMap,
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use compute_e2e_tests::{
	keypair, submit_finalized, subxt, test_guest, At, FileServer, FinalizedTx, Value,
};
use serde_json::{json, Value as Json};
use subxt::{rpcs::RpcClient, OnlineClient, SubstrateConfig};
use subxt_signer::sr25519::Keypair;

type Client = OnlineClient<SubstrateConfig>;
type Error = Box<dyn std::error::Error + Send + Sync>;

/// The dev preset's tiny plan (1 vCPU, 256 MiB, 2 GiB).
const TINY_PLAN: u32 = 3;
/// Longest wait for a transaction to be finalized.
const TX_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for the miner to carry out a request.
const MINER_TIMEOUT: Duration = Duration::from_secs(600);

struct Args {
	mode: String,
	url: String,
	count: usize,
	plan: u32,
	port: u16,
	image: Option<String>,
	miner_metrics: String,
}

fn args(mut it: impl Iterator<Item = String>) -> Result<Args, Error> {
	let mode = it.next().ok_or(
		"usage: compute-load vms serve|rent|bench|fill [--url URL] [--count N] [--plan ID] [--port P] [--image URL] [--miner-metrics URL]",
	)?;
	let mut args = Args {
		count: if mode == "fill" { 8 } else { 5 },
		mode,
		url: "ws://127.0.0.1:9944".into(),
		plan: TINY_PLAN,
		port: 8090,
		image: None,
		miner_metrics: "http://127.0.0.1:9617/metrics".into(),
	};
	while let Some(flag) = it.next() {
		let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
		match flag.as_str() {
			"--url" => args.url = value,
			"--count" => args.count = value.parse()?,
			"--plan" => args.plan = value.parse()?,
			"--port" => args.port = value.parse()?,
			"--image" => args.image = Some(value),
			"--miner-metrics" => args.miner_metrics = value,
			other => return Err(format!("unknown flag {other}").into()),
		}
	}
	if args.count == 0 {
		return Err("--count must be at least 1".into());
	}
	Ok(args)
}

/// Runs `compute-load vms <mode> [flags]`; `it` yields the arguments after `vms`.
pub async fn run(it: impl Iterator<Item = String>) -> Result<(), Error> {
	let args = args(it)?;
	if args.mode == "serve" {
		let (server, dir) = serve_guest(Some(args.port))?;
		println!("serving the test guest from {} at {}", dir.display(), server.url("guest.json"));
		loop {
			tokio::time::sleep(Duration::from_secs(3600)).await;
		}
	}
	let rpc = RpcClient::from_insecure_url(&args.url).await?;
	let client = Client::from_rpc_client(rpc.clone()).await?;
	let events = Events::follow(&client).await?;
	let (_server, image) = match &args.image {
		Some(url) => (None, url.clone()),
		None => {
			let (server, _) = serve_guest(None)?;
			let url = server.url("guest.json");
			(Some(server), url)
		},
	};
	let market = Market { client, rpc, events, image, plan: args.plan };
	match args.mode.as_str() {
		"rent" => rent(&market).await,
		"bench" => bench(&market, args.count, &args.miner_metrics).await,
		"fill" => fill(&market, args.count).await,
		other => Err(format!("unknown mode {other}").into()),
	}
}

/// Serves the test guest (kernel, initrd and a boot manifest naming them) on 127.0.0.1, on
/// `port` or a free one; returns the server and the directory it serves.
fn serve_guest(port: Option<u16>) -> Result<(FileServer, PathBuf), Error> {
	let guest = test_guest();
	let dir = std::env::temp_dir().join(format!("compute-load-vms-{}", std::process::id()));
	std::fs::create_dir_all(&dir)?;
	for file in ["vmlinuz", "initrd.img"] {
		std::fs::copy(guest.join(file), dir.join(file))?;
	}
	let server = match port {
		Some(port) => FileServer::start_on(&dir, port)?,
		None => FileServer::start(&dir),
	};
	let manifest = json!({
		"kernel": server.url("vmlinuz"),
		"initrd": server.url("initrd.img"),
		"cmdline": "console=ttyS0 quiet",
	});
	std::fs::write(dir.join("guest.json"), manifest.to_string())?;
	Ok((server, dir))
}

/// The Compute events of finalized blocks, by `(event name, request id)`: when the client saw
/// the block, and its number. Filled by a task following finalized blocks.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<HashMap<EventKey, Seen>>>);

/// An event name and the request id it carries.
type EventKey = (String, u64);
/// When the client saw a finalized block, and its number.
type Seen = (Instant, u64);

impl Events {
	async fn follow(client: &Client) -> Result<Events, Error> {
		let events = Events::default();
		let seen = events.clone();
		let mut blocks = client.stream_blocks().await?;
		tokio::spawn(async move {
			while let Some(Ok(block)) = blocks.next().await {
				let now = Instant::now();
				let number = block.number();
				let Ok(at) = block.at().await else { continue };
				let Ok(list) = at.events().fetch().await else { continue };
				for event in list.iter().flatten() {
					if event.pallet_name() != "Compute" {
						continue;
					}
					let Ok(fields) = event.decode_fields_unchecked_as::<Value>() else { continue };
					if let Some(id) = fields.at("request_id").and_then(Value::as_u128) {
						let key = (event.event_name().to_string(), id as u64);
						seen.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (now, number));
					}
				}
			}
		});
		Ok(events)
	}

	/// Waits until event `name` of request `id` is in a finalized block; when it was seen.
	async fn wait(&self, name: &str, id: u64) -> Result<(Instant, u64), Error> {
		let started = Instant::now();
		loop {
			let found = self
				.0
				.lock()
				.unwrap_or_else(|e| e.into_inner())
				.get(&(name.into(), id))
				.copied();
			if let Some(found) = found {
				return Ok(found);
			}
			if started.elapsed() > MINER_TIMEOUT {
				return Err(format!("request {id}: no {name} within {MINER_TIMEOUT:?}").into());
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	/// Whichever of `names` request `id` gets first in a finalized block.
	async fn first_of(&self, names: &[&str], id: u64) -> Result<String, Error> {
		let started = Instant::now();
		loop {
			{
				let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
				if let Some(name) = names.iter().find(|n| seen.contains_key(&(n.to_string(), id))) {
					return Ok(name.to_string());
				}
			}
			if started.elapsed() > MINER_TIMEOUT {
				return Err(
					format!("request {id}: none of {names:?} within {MINER_TIMEOUT:?}").into()
				);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
}

/// What a user needs to rent: the chain, its events, the image and the plan.
struct Market {
	client: Client,
	rpc: RpcClient,
	events: Events,
	image: String,
	plan: u32,
}

impl Market {
	async fn compute(
		&self,
		who: &Keypair,
		call: &str,
		fields: Vec<Value>,
	) -> Result<FinalizedTx, Error> {
		Ok(submit_finalized(&self.client, who, "Compute", call, fields, TX_TIMEOUT)
			.await
			.map_err(|e| format!("Compute::{call}: {e}"))?)
	}

	/// Creates a request; returns its id.
	async fn create(&self, who: &Keypair) -> Result<u64, Error> {
		let image = Value::named_composite([
			("name", Value::from_bytes("test-guest")),
			("image_url", Value::from_bytes(&self.image)),
		]);
		let none = || Value::unnamed_variant("None", []);
		let tx = self
			.compute(
				who,
				"create_compute_request",
				vec![Value::u128(self.plan.into()), image, none(), none()],
			)
			.await?;
		let created =
			tx.event("Compute", "ComputeRequestCreated").ok_or("no ComputeRequestCreated")?;
		let id = created
			.fields
			.at("request_id")
			.and_then(Value::as_u128)
			.ok_or("no request id")?;
		Ok(id as u64)
	}

	/// Submits `call` on request `id` and waits for `done`; seconds from submission to the
	/// finalized block holding `done`.
	async fn operate(&self, who: &Keypair, call: &str, id: u64, done: &str) -> Result<f64, Error> {
		let started = Instant::now();
		self.compute(who, call, vec![Value::u128(id.into())]).await?;
		let (seen, _) = self.events.wait(done, id).await?;
		Ok(seen.duration_since(started).as_secs_f64())
	}

	/// The request as `compute_getComputeRequest` returns it.
	async fn request(&self, id: u64) -> Result<Json, Error> {
		Ok(self
			.rpc
			.request("compute_getComputeRequest", subxt::rpcs::rpc_params![id])
			.await?)
	}
}

async fn rent(market: &Market) -> Result<(), Error> {
	let user = keypair("//Charlie")?;
	let started = Instant::now();
	let id = market.create(&user).await?;
	println!("request {id} created; waiting for a miner");
	match market
		.events
		.first_of(&["ComputeRequestFulfilled", "ComputeRequestFailed"], id)
		.await?
		.as_str()
	{
		"ComputeRequestFulfilled" => {
			let request = market.request(id).await?;
			println!(
				"request {id} Running after {:.1} s: {}",
				started.elapsed().as_secs_f64(),
				serde_json::to_string_pretty(&request)?
			);
			Ok(())
		},
		_ => Err(format!("request {id} failed: {}", market.request(id).await?).into()),
	}
}

/// The sum and count of the agent's guest boot histogram.
async fn boot_histogram(url: &str) -> Result<(f64, u64), Error> {
	let text = http_get(url).await?;
	let value = |name: &str| {
		text.lines()
			.find_map(|l| l.strip_prefix(name))
			.and_then(|rest| rest.trim().parse::<f64>().ok())
	};
	let sum = value("compute_miner_guest_boot_seconds_sum").ok_or("no boot histogram")?;
	let count = value("compute_miner_guest_boot_seconds_count").ok_or("no boot histogram")?;
	Ok((sum, count as u64))
}

/// The body of a plain `http://host:port/path` GET.
async fn http_get(url: &str) -> Result<String, Error> {
	use tokio::io::{AsyncReadExt, AsyncWriteExt};
	let rest = url.strip_prefix("http://").ok_or("expected an http:// URL")?;
	let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
	let mut stream = tokio::net::TcpStream::connect(host).await?;
	stream
		.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
		.await?;
	let mut body = String::new();
	stream.read_to_string(&mut body).await?;
	Ok(body.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

/// Each running process whose name starts with `name`: its pid, resident and peak memory, KiB.
fn processes(name: &str) -> Vec<(u32, u64, u64)> {
	let mut out = Vec::new();
	for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
		let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
		let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
		if !comm.starts_with(name) {
			continue;
		}
		let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
		let kb = |key: &str| {
			status
				.lines()
				.find_map(|l| l.strip_prefix(key))
				.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
				.unwrap_or(0)
		};
		out.push((pid, kb("VmRSS:"), kb("VmHWM:")));
	}
	out
}

fn percentile(values: &[f64], p: f64) -> f64 {
	let mut sorted = values.to_vec();
	sorted.sort_by(|a, b| a.total_cmp(b));
	let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[index.min(sorted.len() - 1)]
}

fn summary(name: &str, values: &[f64]) {
	println!(
		"{name:<28} p50 {:>6.1} s   min {:>6.1} s   max {:>6.1} s   (n = {})",
		percentile(values, 0.5),
		percentile(values, 0.0),
		percentile(values, 1.0),
		values.len()
	);
}

async fn bench(market: &Market, count: usize, metrics: &str) -> Result<(), Error> {
	let user = keypair("//Charlie")?;
	let (mut total, mut boot, mut chain, mut blocks) = (vec![], vec![], vec![], vec![]);
	let (mut reboot, mut stop, mut delete) = (vec![], vec![], vec![]);
	for _ in 0..count {
		let (sum_before, count_before) = boot_histogram(metrics).await?;
		let started = Instant::now();
		let id = market.create(&user).await?;
		let created_block = market.events.wait("ComputeRequestCreated", id).await?.1;
		let (running, running_block) = market.events.wait("ComputeRequestFulfilled", id).await?;
		let (sum_after, count_after) = boot_histogram(metrics).await?;
		let wait = running.duration_since(started).as_secs_f64();
		let booted = sum_after - sum_before;
		println!(
			"request {id}: Running after {wait:.1} s ({} blocks after the create's), guest boot {booted:.1} s over {} boot(s)",
			running_block - created_block,
			count_after - count_before
		);
		total.push(wait);
		boot.push(booted);
		chain.push(wait - booted);
		blocks.push((running_block - created_block) as f64);
		reboot.push(
			market
				.operate(&user, "request_compute_reboot", id, "ComputeRebootRequestFulfilled")
				.await?,
		);
		stop.push(
			market
				.operate(&user, "request_compute_stop", id, "ComputeStopRequestFulfilled")
				.await?,
		);
		delete.push(
			market
				.operate(&user, "request_compute_delete", id, "ComputeDeletionRequestRemoved")
				.await?,
		);
	}
	println!();
	summary("request to Running", &total);
	summary("  guest boot", &boot);
	summary("  chain", &chain);
	println!("{:<28} p50 {:>6.0} blocks", "  create to fulfilment", percentile(&blocks, 0.5));
	summary("reboot to fulfilled", &reboot);
	summary("stop to fulfilled", &stop);
	summary("delete to removed", &delete);
	for (pid, rss, peak) in processes("compute-miner") {
		println!(
			"compute-miner pid {pid}: RSS {:.1} MiB, peak {:.1} MiB",
			rss as f64 / 1024.0,
			peak as f64 / 1024.0
		);
	}
	Ok(())
}

async fn fill(market: &Market, count: usize) -> Result<(), Error> {
	let users = (0..count)
		.map(|i| keypair(&format!("//Sender//{i}")))
		.collect::<Result<Vec<_>, _>>()?;
	let started = Instant::now();
	let created = futures::future::join_all(users.iter().map(|u| market.create(u))).await;
	let ids = created.into_iter().collect::<Result<Vec<_>, _>>()?;
	println!("{count} requests created in {:.1} s", started.elapsed().as_secs_f64());
	let outcomes = futures::future::join_all(ids.iter().map(|id| async move {
		let outcome = market
			.events
			.first_of(&["ComputeRequestFulfilled", "ComputeRequestFailed"], *id)
			.await;
		(outcome, started.elapsed().as_secs_f64())
	}))
	.await;
	let mut running = vec![];
	for (id, (outcome, at)) in ids.iter().zip(outcomes) {
		match outcome?.as_str() {
			"ComputeRequestFulfilled" => running.push(at),
			_ => println!("request {id} failed: {}", market.request(*id).await?),
		}
	}
	let qemu = processes("qemu-system");
	let (qemu_kb, qemus) = (qemu.iter().map(|(_, rss, _)| rss).sum::<u64>(), qemu.len());
	println!(
		"{} of {count} Running; the last after {:.1} s; {qemus} QEMU processes use {:.0} MiB resident",
		running.len(),
		running.iter().copied().fold(0.0, f64::max),
		qemu_kb as f64 / 1024.0
	);
	let deletions = users.iter().zip(&ids).map(|(user, id)| async move {
		if market.request(*id).await?["status"] != "Running" {
			return Ok(());
		}
		market
			.compute(user, "request_compute_delete", vec![Value::u128((*id).into())])
			.await
			.map(drop)
	});
	for deleted in futures::future::join_all(deletions).await {
		deleted?;
	}
	Ok(())
}
