//! What a hypervisor agent does to report metrics without a funded account: sign the report with
//! the node's own Ed25519 key (its libp2p `--node-key`) and submit
//! `Compute::report_signed_node_metrics` as a general (version 5) transaction that carries no
//! signature and pays no fee; the runtime authorizes it from the report's signature.

use compute_miner::report::EXTENSIONS;
use sp_core::{ed25519, Pair};
use subxt::{client::OnlineClientAtBlock, dynamic::Value, ext::codec::Encode, SubstrateConfig};

/// A client at one block (`client.at_current_block().await`): the metadata and genesis hash
/// the transaction is built for.
pub type ClientAt = OnlineClientAtBlock<SubstrateConfig>;

/// Domain separator the runtime puts first in every signed node report.
pub const NODE_REPORT_CONTEXT: &[u8; 20] = b"compute/node-metrics";

/// Domain separator the runtime puts first in a node's registration proof.
pub const NODE_REGISTRATION_CONTEXT: &[u8; 25] = b"compute/node-registration";

/// Prefix of the binary libp2p peer id of an Ed25519 key: identity multihash of the protobuf
/// `PublicKey { type: Ed25519, data }`.
const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// A miner node's Ed25519 key: the secret a node is started with as `--node-key <hex>`.
pub struct NodeKey(ed25519::Pair);

impl NodeKey {
	/// The key of `--node-key <hex>` (32-byte secret seed, hex without `0x`).
	pub fn from_node_key_hex(secret: &str) -> NodeKey {
		let bytes = sp_core::bytes::from_hex(secret).expect("hex node key");
		NodeKey::from_seed(bytes.try_into().expect("a node key is 32 bytes"))
	}

	/// The key with this 32-byte secret seed.
	pub fn from_seed(seed: [u8; 32]) -> NodeKey {
		NodeKey(ed25519::Pair::from_seed(&seed))
	}

	/// The node id the chain derives this key from: the binary libp2p peer id.
	pub fn node_id(&self) -> Vec<u8> {
		let mut id = ED25519_PEER_ID_PREFIX.to_vec();
		id.extend_from_slice(&self.0.public().0);
		id
	}

	/// The proof that `account` may register this node on the chain with genesis hash
	/// `genesis`: the last argument of `Compute::register_miner_node`, this key's signature of
	/// `(NODE_REGISTRATION_CONTEXT, genesis, account, node_id)`, SCALE-encoded.
	pub fn registration_proof(&self, genesis: [u8; 32], account: [u8; 32]) -> [u8; 64] {
		let message = (*NODE_REGISTRATION_CONTEXT, genesis, account, self.node_id()).encode();
		self.0.sign(&message).0
	}

	/// The peer id as libp2p prints it (base58), e.g. to compare with `system_localPeerId`.
	pub fn peer_id(&self) -> String {
		bs58::encode(self.node_id()).into_string()
	}

	/// The report `{ node_id, at, metrics }` and this key's signature of it for the chain
	/// `client` talks to: the two arguments of `Compute::report_signed_node_metrics`.
	///
	/// `tamper` flips one bit of the signature, for tests of refused reports.
	pub fn signed_report(
		&self,
		client: &ClientAt,
		at: u64,
		metrics: Value,
		tamper: bool,
	) -> (Value, [u8; 64]) {
		let report = Value::named_composite([
			("node_id", Value::from_bytes(self.node_id())),
			("at", Value::u128(at.into())),
			("metrics", metrics),
		]);
		// Encode the call with a blank signature: the report's SCALE bytes sit between the two
		// index bytes and the 64 signature bytes.
		let call = call_data(client, report.clone(), [0u8; 64]);
		let genesis = client.genesis_hash().expect("an online client knows the genesis hash");
		let mut message = NODE_REPORT_CONTEXT.to_vec();
		message.extend_from_slice(genesis.as_ref());
		message.extend_from_slice(&call[2..call.len() - 64]);
		let mut signature = self.0.sign(&message).0;
		if tamper {
			signature[0] ^= 1;
		}
		(report, signature)
	}

	/// The encoded call `Compute::report_signed_node_metrics` of [`Self::signed_report`].
	pub fn report_call(&self, client: &ClientAt, at: u64, metrics: Value, tamper: bool) -> Vec<u8> {
		let (report, signature) = self.signed_report(client, at, metrics, tamper);
		call_data(client, report, signature)
	}
}

/// Metrics as `Compute::report_node_metrics` and `report_signed_node_metrics` take them
/// (`last_updated` is set by the chain).
pub fn metrics_value(cpu_model: &str, vm_count: u32) -> Value {
	let u = |n: u64| Value::u128(n.into());
	Value::named_composite([
		("cpu_model", Value::from_bytes(cpu_model)),
		("cpu_cores", u(96)),
		("memory_total_mb", u(786_432)),
		("memory_free_mb", u(500_000)),
		("storage_total_gb", u(30_000)),
		("storage_free_gb", u(20_000)),
		("bandwidth_up_mbps", u(10_000)),
		("bandwidth_down_mbps", u(10_000)),
		("geolocation", Value::from_bytes("DE-Frankfurt")),
		("uptime_minutes", u(1_440)),
		("total_minutes", u(1_500)),
		("successful_vm_operations", u(42)),
		("failed_vm_operations", u(1)),
		("vm_count", u(vm_count.into())),
		("latency_ms", u(12)),
		("last_updated", u(0)),
	])
}

fn call_data(client: &ClientAt, report: Value, signature: [u8; 64]) -> Vec<u8> {
	let payload = subxt::dynamic::tx(
		"Compute",
		"report_signed_node_metrics",
		vec![report, Value::from_bytes(signature)],
	);
	client
		.transactions()
		.call_data(&payload)
		.expect("encode Compute::report_signed_node_metrics")
}

/// Wraps `call` in a general (version 5) transaction without signature: `0x45`, extension
/// version 0, each extension's explicit data (an immortal era, nonce 0 and tip 0; the others
/// carry none), then the call, all behind a compact length.
///
/// Panics if the runtime's extensions are not [`EXTENSIONS`] (the agent's, which builds the
/// same transactions), so a change there shows up here.
pub fn general_transaction(client: &ClientAt, call: &[u8]) -> Vec<u8> {
	let metadata = client.metadata();
	let names: Vec<String> = metadata
		.extrinsic()
		.transaction_extensions_by_version(0)
		.expect("extension version 0")
		.map(|extension| extension.identifier().to_string())
		.collect();
	assert_eq!(names, EXTENSIONS, "the runtime's transaction extensions changed");
	compute_miner::report::general_transaction(call)
}
