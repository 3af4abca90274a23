//! `compute-load vms fill`: VMs rented all at once, one per `//Sender//N` account: how many run,
//! how fast, and the memory of their QEMU processes; then the running ones are deleted.

use std::time::Instant;

use compute_e2e_tests::keypair;
use subxt::dynamic::Value;

use super::{market::Market, processes, MarketArgs};
use crate::common::Error;

/// The flags of `compute-load vms fill`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	market: MarketArgs,
	/// VMs to rent at once, from `//Sender//0` on (at least 1).
	#[arg(long, value_name = "N", default_value_t = 8)]
	count: usize,
}

/// Runs `compute-load vms fill`.
pub async fn run(args: Args) -> Result<(), Error> {
	if args.count == 0 {
		return Err("--count must be at least 1".into());
	}
	let market = Market::open(args.market).await?;
	fill(&market, args.count).await
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
