//! `compute-load vms`: real VMs on a chain with a running `compute-miner`, rented as a user
//! rents them.
//!
//! ```text
//! compute-load vms serve [--port P]               # serve the test guest on 127.0.0.1 (8090)
//! compute-load vms rent  [--url URL] [--plan ID] [--ssh-key PUB] [--netns NS]
//!                                                 # rent one VM as //Charlie; print how to log in
//! compute-load vms bench [--url URL] [--count N]  # latencies of N VMs, one after another (5)
//!                         [--ssh-key PUB] [--netns NS]
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

use std::time::Duration;

use clap::Subcommand;

use crate::common::{Error, DEFAULT_URL};

mod bench;
mod fill;
mod market;
mod rent;
mod renter;
mod serve;

/// Longest wait for a transaction to be finalized.
const TX_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest wait for the miner to carry out a request.
const MINER_TIMEOUT: Duration = Duration::from_secs(600);

/// The modes of `compute-load vms`.
#[derive(Subcommand)]
pub enum Mode {
	/// Serves the test guest (a boot manifest, its kernel and initrd) on 127.0.0.1 until stopped.
	Serve(serve::Args),
	/// Rents one VM as //Charlie with an SSH key, and prints its address and how to log in.
	Rent(rent::Args),
	/// Latencies of N VMs rented as //Charlie, one after another: to Running (guest boot and
	/// chain time), reboot, stop and delete; then the agent's memory.
	Bench(bench::Args),
	/// N VMs at once, one per `//Sender//N` account: how many run, how fast, and QEMU's memory.
	Fill(fill::Args),
}

/// The flags of the modes that rent: the chain, the plan and the image.
#[derive(clap::Args)]
pub struct MarketArgs {
	/// The node's JSON-RPC WebSocket URL.
	#[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
	url: String,
	/// The plan of every VM rented; by default the active plan with the least memory (the dev
	/// preset's tiny plan: 1 vCPU, 256 MiB, 2 GiB).
	#[arg(long, value_name = "ID")]
	plan: Option<u32>,
	/// The image to rent, the URL of a boot manifest; by default the test guest
	/// (`scripts/build-test-guest.sh`), served by this run on a free port of 127.0.0.1.
	#[arg(long, value_name = "URL")]
	image: Option<String>,
}

/// Runs `compute-load vms <mode>`.
pub async fn run(mode: Mode) -> Result<(), Error> {
	match mode {
		Mode::Serve(args) => serve::run(args).await,
		Mode::Rent(args) => rent::run(args).await,
		Mode::Bench(args) => bench::run(args).await,
		Mode::Fill(args) => fill::run(args).await,
	}
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
