//! `compute-load vms rent`: rents one VM as //Charlie, with the renter's SSH key in its user
//! data, and prints its address and the command that logs in to it.

use std::{
	path::{Path, PathBuf},
	time::Instant,
};

use compute_e2e_tests::{keypair, FileServer, RenterKey};

use super::{market::Market, MarketArgs};
use crate::common::Error;

/// The namespace `scripts/dev.sh --miner` makes as the lab internet of a dev chain: the one
/// place on such a host the pool's addresses are reachable from.
pub const DEV_INTERNET: &str = "compute-dev-internet";

/// The flags of `compute-load vms rent`.
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	market: MarketArgs,
	/// The renter's SSH public key (an OpenSSH `.pub` file). By default a key pair made once
	/// for renting on dev chains, `~/.cache/compute-chain/renter/renter_ed25519`.
	#[arg(long, value_name = "FILE")]
	ssh_key: Option<PathBuf>,
	/// The network namespace to log in from; by default `compute-dev-internet` when it exists.
	#[arg(long, value_name = "NAME")]
	netns: Option<String>,
}

/// Runs `compute-load vms rent`.
pub async fn run(args: Args) -> Result<(), Error> {
	let (public, private) = renter_key(args.ssh_key.as_deref())?;
	// The user data, served next to the image: cloud-init installs the key for root.
	let dir = std::env::temp_dir().join(format!("compute-load-rent-{}", std::process::id()));
	std::fs::create_dir_all(&dir)?;
	std::fs::write(dir.join("user-data"), user_data(&public))?;
	let server = FileServer::start(&dir);
	let mut market = Market::open(args.market).await?;
	market.user_data = Some(server.url("user-data"));
	let netns = args.netns.or_else(|| {
		Path::new("/run/netns").join(DEV_INTERNET).exists().then(|| DEV_INTERNET.into())
	});
	let result = rent(&market, private.as_deref(), netns.as_deref()).await;
	let _ = std::fs::remove_dir_all(&dir);
	result
}

/// Cloud-init user data that authorizes `public_key`.
pub fn user_data(public_key: &str) -> String {
	format!("#cloud-config\nssh_authorized_keys:\n  - {}\n", public_key.trim())
}

/// The public key to rent with, and the private key file to log in with when it is known.
fn renter_key(given: Option<&Path>) -> Result<(String, Option<PathBuf>), Error> {
	if let Some(path) = given {
		let public = std::fs::read_to_string(path)
			.map_err(|e| format!("SSH key {}: {e}", path.display()))?;
		let private = path.with_extension("");
		let private = (private != path && private.is_file()).then_some(private);
		return Ok((public.trim().to_string(), private));
	}
	let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
	let dir = Path::new(&home).join(".cache/compute-chain/renter");
	let private = dir.join("renter_ed25519");
	if !private.is_file() {
		std::fs::create_dir_all(&dir)?;
		RenterKey::generate(&dir);
	}
	let public = std::fs::read_to_string(private.with_extension("pub"))?;
	Ok((public.trim().to_string(), Some(private)))
}

async fn rent(market: &Market, private: Option<&Path>, netns: Option<&str>) -> Result<(), Error> {
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
			let prefix = netns.map(|ns| format!("ip netns exec {ns} ")).unwrap_or_default();
			let identity = private.map(|p| format!("-i {} ", p.display())).unwrap_or_default();
			println!("log in:\n  {prefix}ssh {identity}root@{address}");
			Ok(())
		},
		_ => Err(format!("request {id} failed: {}", market.request(id).await?).into()),
	}
}
