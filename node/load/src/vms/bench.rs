//! `compute-load vms bench`: latencies of VMs rented one after another as //Charlie.
//!
//! For each VM, the time from submitting `create_compute_request` until the request is `Running`
//! in a finalized block (the user's wait), and the guest's boot within it (the agent's
//! `compute_miner_guest_boot_seconds`, read from `--miner-metrics`); the rest is chain time. Then
//! a reboot, a stop and a delete of each, from submission to the finalized fulfilment, and the
//! agent's memory.

use std::time::Instant;

use compute_e2e_tests::keypair;

use super::{market::Market, processes, MarketArgs};
use crate::common::Error;

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
}

/// Runs `compute-load vms bench`.
pub async fn run(args: Args) -> Result<(), Error> {
	if args.count == 0 {
		return Err("--count must be at least 1".into());
	}
	let market = Market::open(args.market).await?;
	bench(&market, args.count, &args.miner_metrics).await
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
