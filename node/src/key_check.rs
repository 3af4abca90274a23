//! Startup checks of the keystore. Its path must be a folder (or not exist yet): anything else
//! stops the node with a message naming the path, not an I/O error alone.
//!
//! For validators: does the keystore hold a usable key of the current Aura and
//! GRANDPA authority sets? Without one the node follows the chain but never authors a block or
//! votes on finality, and nothing else says so. The check signs with each candidate key, so a key
//! file that exists but cannot be read (corrupt, wrong scheme) counts as missing.

use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_consensus_aura::AuraApi;
use sp_consensus_grandpa::GrandpaApi;
use sp_core::{
	crypto::{key_types, ByteArray},
	ed25519, sr25519,
};
use sp_keystore::{Keystore, KeystorePtr};

use crate::service::FullClient;

/// Log target of the check.
const LOG_TARGET: &str = "compute-node::keys";
/// What the check signs; the signature is thrown away.
const PROBE: &[u8] = b"compute-node key check";

/// Refuses a keystore path taken by something other than a folder.
pub(crate) fn keystore_path_is_a_folder(
	keystore: &sc_service::config::KeystoreConfig,
) -> sc_cli::Result<()> {
	match keystore {
		sc_service::config::KeystoreConfig::Path { path, .. }
			if path.exists() && !path.is_dir() =>
		{
			Err(sc_cli::Error::Input(format!(
				"the keystore path {} is not a folder: move that file away (the node then creates \
				 the folder) or give --keystore-path a folder",
				path.display()
			)))
		},
		_ => Ok(()),
	}
}

/// Logs a warning for each authority set (Aura, GRANDPA) of the best block that the keystore
/// holds no usable key of; logs the key it found otherwise.
pub(crate) fn warn_without_authority_keys(client: &FullClient, keystore: &KeystorePtr) {
	let info = client.info();
	let (best, number) = (info.best_hash, info.best_number);
	let api = client.runtime_api();

	let aura = api.authorities(best).map(|set| {
		let usable = set.iter().find(|id| {
			sr25519::Public::from_slice(id.as_slice()).is_ok_and(|public| {
				matches!(keystore.sr25519_sign(key_types::AURA, &public, PROBE), Ok(Some(_)))
			})
		});
		(set.len(), usable.map(|id| id.to_string()))
	});
	report("Aura", aura, number, "author blocks", "aura --scheme sr25519");

	let grandpa = api.grandpa_authorities(best).map(|set| {
		let usable = set.iter().find(|(id, _weight)| {
			ed25519::Public::from_slice(id.as_slice()).is_ok_and(|public| {
				matches!(keystore.ed25519_sign(key_types::GRANDPA, &public, PROBE), Ok(Some(_)))
			})
		});
		(set.len(), usable.map(|(id, _)| id.to_string()))
	});
	report("GRANDPA", grandpa, number, "vote on finality", "gran --scheme ed25519");
}

/// Logs the outcome for one authority set: its size and the usable key found, if any.
fn report(
	set: &str,
	outcome: Result<(usize, Option<String>), sp_api::ApiError>,
	number: impl std::fmt::Display,
	duty: &str,
	key_args: &str,
) {
	match outcome {
		Ok((_, Some(key))) => {
			log::info!(target: LOG_TARGET, "🔑 {set} key of this validator: {key}")
		},
		Ok((size, None)) => log::warn!(
			target: LOG_TARGET,
			"⚠️  The keystore holds no usable key of the {size} {set} authorities at block \
			 #{number}: this validator will not {duty}. Insert its key (`compute-node key insert \
			 --key-type {key_args}`) and check the key files in the keystore folder.",
		),
		Err(e) => log::warn!(target: LOG_TARGET, "Could not read the {set} authorities: {e}"),
	}
}
