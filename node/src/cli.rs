//! Command-line interface: the stock Substrate commands plus `benchmark`.

use sc_cli::RunCmd;

/// Subcommands of `compute-node`; without one, the node runs.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management tools.
	#[command(subcommand)]
	Key(KeyCmd),

	/// Build a chain specification. Deprecated: use `export-chain-spec`.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Sub-commands concerned with benchmarking.
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Db meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// `compute-node key`: Substrate's key tools and the miner's registration proof.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCmd {
	/// The standard key tools (`generate-node-key`, `inspect-node-key`, `insert`, ...).
	#[command(flatten)]
	Standard(sc_cli::KeySubcommand),

	/// Sign the proof that an account may register a miner node: the node key's signature
	/// that `register_miner_node` carries.
	SignNodeRegistration(crate::registration::SignNodeRegistrationCmd),
}

/// The command line of `compute-node`.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; when absent the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node.
	#[clap(flatten)]
	pub run: RunCmd,
}
