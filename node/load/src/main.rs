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
//!
//! One module per mode (`tx`, `rpc`, `fill`, `reports`, `state`, `vms`); what several of them
//! share (connecting, the senders, pre-signing, submitting, waiting for finality) is in
//! `common`.

use clap::{Parser, Subcommand};

use crate::common::Error;

mod common;
mod fill;
mod reports;
mod rpc;
mod state;
mod tx;
mod vms;

/// Measures what users feel on a running node (by default the dev node on ws://127.0.0.1:9944),
/// comparing compute work with a baseline measured side by side in one run.
#[derive(Parser)]
#[command(name = "compute-load", version)]
struct Cli {
	#[command(subcommand)]
	mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
	/// Finalized tx/s: transfers vs compute calls, then the miner mix (register a node, claim,
	/// fulfil).
	Tx(tx::Args),
	/// Req/s, p50/p99 of the `compute_*` methods vs `system_accountNextIndex`.
	Rpc(rpc::Args),
	/// Adds N live requests, M of them running VMs.
	Fill(fill::Args),
	/// Feeless node-signed metric reports vs transfers.
	Reports(reports::Args),
	/// Bytes of the Compute pallet's state per item.
	State(state::Args),
	/// Real VMs from a running compute-miner, rented as a user rents them.
	#[command(subcommand)]
	Vms(vms::Mode),
}

#[tokio::main]
async fn main() -> Result<(), Error> {
	match Cli::parse().mode {
		Mode::Tx(args) => tx::run(args).await,
		Mode::Rpc(args) => rpc::run(args).await,
		Mode::Fill(args) => fill::run(args).await,
		Mode::Reports(args) => reports::run(args).await,
		Mode::State(args) => state::run(args).await,
		Mode::Vms(mode) => vms::run(mode).await,
	}
}
