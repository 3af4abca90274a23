//! `compute-miner`: see the crate docs and `node/miner/README.md`.

use std::{str::FromStr, sync::Arc, time::Duration};

use clap::Parser;
use compute_miner::{
	agent::Agent,
	chain::Chain,
	config::{Cli, Config},
	metrics::Metrics,
	node_key::NodeKey,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Wait between reconnects to the chain.
const RECONNECT_DELAY: Duration = Duration::from_secs(3);
/// How long a SIGTERM waits for operations in flight.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() {
	// Colours only on a terminal: a log file or the journal gets plain text.
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
		)
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
		.init();
	if let Err(error) = run().await {
		tracing::error!("{error}");
		std::process::exit(1);
	}
}

async fn run() -> Result<(), String> {
	let cli = Cli::parse();
	let config = Config::load(&cli)?;
	if cli.uninstall {
		return compute_miner::agent::uninstall(&config).await;
	}
	let node_key = NodeKey::from_file(&config.node_key_file)?;
	let signer = account(&config)?;
	std::fs::create_dir_all(&config.work_dir)
		.map_err(|e| format!("work dir {}: {e}", config.work_dir.display()))?;
	let metrics = Metrics::new();
	if config.prometheus_port != 0 {
		let addr = ([127, 0, 0, 1], config.prometheus_port).into();
		let registry = metrics.registry.clone();
		tokio::spawn(async move {
			if let Err(error) = substrate_prometheus_endpoint::init_prometheus(addr, registry).await
			{
				tracing::warn!("Prometheus endpoint: {error}");
			}
		});
	}
	tracing::info!(node = %node_key.peer_id(), chain = %config.chain, "compute-miner starting");
	compute_miner::agent::prepare_host(&config).await?;
	let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
		.map_err(|e| e.to_string())?;
	let mut node_key = Some(node_key);
	let mut agent: Option<Arc<Agent>> = None;
	loop {
		let connected = async {
			let chain = Chain::connect(&config.chain, signer.clone()).await?;
			let current = match &agent {
				Some(agent) => agent.reconnected(chain),
				None => {
					let key = node_key.take().ok_or("node key")?;
					let created = Agent::new(config.clone(), chain, key, metrics.clone());
					agent = Some(created.clone());
					created
				},
			};
			current.report_runtime();
			current.ensure_registered().await?;
			current.follow().await
		};
		tokio::select! {
			result = connected => {
				if let Err(error) = result {
					if error.to_string().contains("is registered with capacity") {
						return Err(error.to_string());
					}
					tracing::warn!("chain connection: {error}; reconnecting");
				}
				tokio::time::sleep(RECONNECT_DELAY).await;
			},
			_ = terminate.recv() => {
				tracing::info!("SIGTERM: no new claims; the VMs keep running");
				if let Some(agent) = &agent {
					agent.drain();
					agent.wait_idle(DRAIN_TIMEOUT).await;
				}
				return Ok(());
			},
		}
	}
}

/// The miner account's key pair, from `account_file` or `account`.
fn account(config: &Config) -> Result<Keypair, String> {
	let uri = match (&config.account_file, &config.account) {
		(Some(path), _) => std::fs::read_to_string(path)
			.map_err(|e| format!("account file {}: {e}", path.display()))?
			.trim()
			.to_string(),
		(None, Some(uri)) => uri.clone(),
		(None, None) => return Err("no miner account".into()),
	};
	let uri = SecretUri::from_str(&uri).map_err(|e| format!("account: {e:?}"))?;
	Keypair::from_uri(&uri).map_err(|e| format!("account: {e:?}"))
}
