//! Chain specifications. Genesis content lives in the runtime's presets; this file only names them.

use compute_runtime::{currency, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// A chain specification of the compute chain.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and SS58 prefix, shown by wallets.
fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), currency::TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), currency::DECIMALS.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn spec(name: &str, id: &str, chain_type: ChainType, preset: &str) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| "Development wasm not available".to_string())?;
	Ok(ChainSpec::builder(wasm, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: Alice alone authors and finalizes.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	spec("Development", "dev", ChainType::Development, sp_genesis_builder::DEV_RUNTIME_PRESET)
}

/// `--chain local`: Alice, Bob, Charlie and Dave are the authorities.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	spec(
		"Local Testnet",
		"local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
