//! `compute-node`: the full node of the compute chain.

mod chain_spec;
mod cli;
mod command;
mod key_check;
mod registration;
mod rpc;
mod service;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;

fn main() -> sc_cli::Result<()> {
	command::run()
}
