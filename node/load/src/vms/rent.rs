//! `compute-load vms rent`: rents one VM as //Charlie, with the renter's SSH key in its user
//! data, and prints its address and the command that logs in to it.

use std::{path::PathBuf, time::Instant};

use compute_e2e_tests::keypair;

use super::{market::Market, renter::Renter, MarketArgs};
use crate::common::Error;

/// The flags of the modes that log in to their VMs.
#[derive(clap::Args)]
pub struct LoginArgs {
	/// The renter's SSH public key (an OpenSSH `.pub` file). By default a key pair made once
	/// for renting on dev chains, `~/.cache/compute-chain/renter/renter_ed25519`.
	#[arg(long, value_name = "FILE")]
	pub ssh_key: Option<PathBuf>,
	/// The network namespace to log in from; by default `compute-dev-internet` (the lab
	/// internet of `scripts/dev.sh --miner`) when it exists.
	#[arg(long, value_name = "NAME")]
	pub netns: Option<String>,
}

/// The flags of `compute-load vms rent`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	market: MarketArgs,
	#[command(flatten)]
	login: LoginArgs,
}

/// Runs `compute-load vms rent`.
pub async fn run(args: Args) -> Result<(), Error> {
	let renter = Renter::new(args.login.ssh_key.as_deref(), args.login.netns)?;
	let mut market = Market::open(args.market).await?;
	market.user_data = Some(renter.user_data_url.clone());
	rent(&market, &renter).await
}

async fn rent(market: &Market, renter: &Renter) -> Result<(), Error> {
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
			let address = market.address(id).await?;
			println!(
				"request {id} Running after {:.1} s at {address}: {}",
				started.elapsed().as_secs_f64(),
				serde_json::to_string_pretty(&request)?
			);
			println!("log in:\n  {}", renter.login_command(&address));
			Ok(())
		},
		_ => Err(format!("request {id} failed: {}", market.request(id).await?).into()),
	}
}
