//! The node's Ed25519 key: its libp2p node key, whose peer id is the node id on chain.

use std::path::Path;

use sp_core::{ed25519, Pair};

/// A miner node's key.
pub struct NodeKey(ed25519::Pair);

impl NodeKey {
	/// Reads a node key file, as `compute-node key generate-node-key --file` writes it: the
	/// 32-byte secret as hex, or raw.
	pub fn from_file(path: &Path) -> Result<NodeKey, String> {
		let bytes = std::fs::read(path).map_err(|e| format!("node key {}: {e}", path.display()))?;
		let seed: [u8; 32] = match <[u8; 32]>::try_from(bytes.as_slice()) {
			Ok(raw) => raw,
			Err(_) => sp_core::bytes::from_hex(String::from_utf8_lossy(&bytes).trim())
				.map_err(|e| format!("node key {}: {e}", path.display()))?
				.try_into()
				.map_err(|_| format!("node key {}: a node key is 32 bytes", path.display()))?,
		};
		Ok(NodeKey::from_seed(seed))
	}

	/// The key with this secret seed.
	pub fn from_seed(seed: [u8; 32]) -> NodeKey {
		NodeKey(ed25519::Pair::from_seed(&seed))
	}

	/// The node id: the binary libp2p peer id of the key.
	pub fn node_id(&self) -> Vec<u8> {
		compute_primitives::ed25519_peer_id(&self.0.public().0).to_vec()
	}

	/// The peer id as libp2p prints it.
	pub fn peer_id(&self) -> String {
		bs58::encode(self.node_id()).into_string()
	}

	/// The proof `register_miner_node` takes: this key's signature of the registration message
	/// for `account` on the chain with genesis hash `genesis`.
	pub fn registration_proof(&self, genesis: [u8; 32], account: [u8; 32]) -> [u8; 64] {
		let message =
			compute_primitives::node_registration_message(&genesis, &account, &self.node_id());
		self.sign(&message)
	}

	/// Signs `message`.
	pub fn sign(&self, message: &[u8]) -> [u8; 64] {
		self.0.sign(message).0
	}
}
