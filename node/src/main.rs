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

/// Runs the command line; an error is printed as its message (not its debug form) with exit
/// code 1, so an operator reads what went wrong and what to do.
fn main() -> std::process::ExitCode {
	match command::run() {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("Error: {error}");
			std::process::ExitCode::FAILURE
		},
	}
}
