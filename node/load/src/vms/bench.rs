//! `compute-load vms bench`: latencies of VMs rented one after another as //Charlie.
//!
//! For each VM, the time from submitting `create_compute_request` until the renter logs in over
//! SSH at the VM's chain address (with the key the request's user data carries, from
//! `--netns`, by default the lab internet of `scripts/dev.sh --miner`), and until the request
//! is `Running` in a finalized block, with the guest's boot within it (the agent's
//! `compute_miner_guest_boot_seconds`, read from `--miner-metrics`); the rest is chain time.
//! Then a reboot, a stop and a delete of each, from submission to the finalized fulfilment, and
//! the agent's memory. A VM not reachable within [`LOGIN_AFTER_RUNNING`] of its fulfilment (a
//! miner in user mode, or no route from here) is counted as not reachable.

use std::{
	sync::Mutex,
	time::{Duration, Instant},
};

use compute_e2e_tests::keypair;

use super::{market::Market, processes, rent::LoginArgs, renter::Renter, MarketArgs};
use crate::common::Error;

/// How long after a VM's fulfilment logins are still tried.
const LOGIN_AFTER_RUNNING: Duration = Duration::from_secs(30);
/// Between login attempts.
const LOGIN_RETRY: Duration = Duration::from_millis(250);

/// The flags of `compute-load vms bench`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	market: MarketArgs,
	/// VMs to rent, one after another (at least 1).
	#[arg(long, value_name = "N", default_value_t = 5)]
	count: usize,
	/// The running compute-miner's Prometheus endpoint (a plain http:// URL), read for its guest
	/// boot histogram.
	#[arg(long, value_name = "URL", default_value = "http://127.0.0.1:9617/metrics")]
	miner_metrics: String,
	#[command(flatten)]
	login: LoginArgs,
}

/// Runs `compute-load vms bench`.
pub async fn run(args: Args) -> Result<(), Error> {
	if args.count == 0 {
		return Err("--count must be at least 1".into());
	}
	let renter = Renter::new(args.login.ssh_key.as_deref(), args.login.netns)?;
	let mut market = Market::open(args.market).await?;
	market.user_data = Some(renter.user_data_url.clone());
	bench(&market, &renter, args.count, &args.miner_metrics).await
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

/// When the renter first logged in to VM `id`, or `None` once [`LOGIN_AFTER_RUNNING`] passed
/// since `fulfilled` was set.
async fn reachable(
	market: &Market,
	renter: &Renter,
	id: u64,
	fulfilled: &Mutex<Option<Instant>>,
) -> Option<Instant> {
	let give_up = || {
		fulfilled
			.lock()
			.unwrap_or_else(|e| e.into_inner())
			.is_some_and(|at| at.elapsed() > LOGIN_AFTER_RUNNING)
	};
	let address = loop {
		if let Ok(address) = market.address(id).await {
			break address;
		}
		if give_up() {
			return None;
		}
		tokio::time::sleep(LOGIN_RETRY).await;
	};
	loop {
		if renter.try_login(&address).await {
			return Some(Instant::now());
		}
		if give_up() {
			return None;
		}
		tokio::time::sleep(LOGIN_RETRY).await;
	}
}

async fn bench(market: &Market, renter: &Renter, count: usize, metrics: &str) -> Result<(), Error> {
	let user = keypair("//Charlie")?;
	let (mut total, mut boot, mut chain, mut blocks) = (vec![], vec![], vec![], vec![]);
	let mut reached = vec![];
	let (mut reboot, mut stop, mut delete) = (vec![], vec![], vec![]);
	for _ in 0..count {
		let (sum_before, count_before) = boot_histogram(metrics).await?;
		let started = Instant::now();
		let id = market.create(&user).await?;
		let created_block = market.events.wait("ComputeRequestCreated", id).await?.1;
		let fulfilled = Mutex::new(None);
		let running = async {
			let seen = market.events.wait("ComputeRequestFulfilled", id).await;
			*fulfilled.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
			seen
		};
		let (running, login) = tokio::join!(running, reachable(market, renter, id, &fulfilled));
		let (running, running_block) = running?;
		match login {
			Some(at) => {
				let after = at.duration_since(started).as_secs_f64();
				println!("request {id}: logged in over SSH after {after:.1} s");
				reached.push(after);
			},
			None => println!("request {id}: no SSH login at its address from here"),
		}
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
	if reached.is_empty() {
		println!("request to reachable (SSH)   not reachable from here");
	} else {
		summary("request to reachable (SSH)", &reached);
	}
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
