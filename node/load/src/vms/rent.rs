//! `compute-load vms rent`: rents one VM as //Charlie and prints where it runs.

use std::time::Instant;

use compute_e2e_tests::keypair;

use super::{market::Market, MarketArgs};
use crate::common::Error;

/// Runs `compute-load vms rent`.
pub async fn run(args: MarketArgs) -> Result<(), Error> {
	let market = Market::open(args).await?;
	rent(&market).await
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
