//! `compute-node`: the full node of the compute chain.

#![allow(
	clippy::result_large_err,
	reason = "the node returns the SDK's own `sc_cli::Error` and `sc_service::Error`"
)]

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
