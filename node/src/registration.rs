//! `compute-node key sign-node-registration`: the proof a miner's `register_miner_node` carries,
//! signed with the node's own key (its libp2p node key), so the chain knows the account that
//! registers a node id controls that node.

use std::path::PathBuf;

use sc_cli::Error;
use sp_core::{crypto::Ss58Codec, ed25519, Pair, H256};
use sp_runtime::AccountId32;

/// Prints the node id of a node key and the proof that an account may register it.
#[derive(Debug, Clone, clap::Parser)]
pub struct SignNodeRegistrationCmd {
	/// The node's key file, as `compute-node key generate-node-key --file` writes it (hex or
	/// the raw 32-byte secret).
	#[arg(long, value_name = "FILE")]
	node_key_file: PathBuf,

	/// The account (SS58) that sends `register_miner_node` and owns the node.
	#[arg(long, value_name = "SS58")]
	account: String,

	/// The chain's genesis hash (0x-hex): `chain_getBlockHash` of block 0.
	#[arg(long, value_name = "HASH")]
	genesis_hash: String,
}

impl SignNodeRegistrationCmd {
	/// Signs and prints the node id (as the chain takes it and as libp2p prints it) and the
	/// proof.
	pub fn run(&self) -> Result<(), Error> {
		let pair = ed25519::Pair::from_seed(&read_node_key(&self.node_key_file)?);
		let account = AccountId32::from_ss58check(&self.account)
			.map_err(|e| Error::Input(format!("--account: {e:?}")))?;
		let genesis: H256 = self
			.genesis_hash
			.parse()
			.map_err(|e| Error::Input(format!("--genesis-hash: {e}")))?;
		let node_id = compute_primitives::ed25519_peer_id(&pair.public().0);
		let message = compute_primitives::node_registration_message(&genesis, &account, &node_id);
		let proof = pair.sign(&message);
		println!("node id (peer id): {}", bs58::encode(&node_id).into_string());
		println!(
			"node id (hex):     0x{}",
			sp_core::hexdisplay::HexDisplay::from(&node_id.as_slice())
		);
		println!("proof:             0x{}", sp_core::hexdisplay::HexDisplay::from(&proof.0));
		Ok(())
	}
}

/// The 32-byte secret of a node key file: raw bytes, or hex (as `generate-node-key` writes).
fn read_node_key(path: &PathBuf) -> Result<[u8; 32], Error> {
	let bytes = std::fs::read(path)
		.map_err(|e| Error::Input(format!("--node-key-file {}: {e}", path.display())))?;
	if let Ok(raw) = <[u8; 32]>::try_from(bytes.as_slice()) {
		return Ok(raw);
	}
	let text = String::from_utf8_lossy(&bytes);
	let decoded = sp_core::bytes::from_hex(text.trim())
		.map_err(|e| Error::Input(format!("--node-key-file {}: {e}", path.display())))?;
	decoded.try_into().map_err(|_| {
		Error::Input(format!("--node-key-file {}: a node key is 32 bytes", path.display()))
	})
}
