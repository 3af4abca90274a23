//! Node ids as Ed25519 keys: peer-id form, weak keys and the messages node keys sign.

use alloc::vec::Vec;
use codec::Encode;

/// Domain separator of node-signed reports: the first field of every signed message.
pub const NODE_REPORT_CONTEXT: [u8; 20] = *b"compute/node-metrics";

/// Prefix of a libp2p peer id of an Ed25519 key (`PeerId::to_bytes()`): an identity multihash
/// (`0x00`, length 36) of the protobuf `PublicKey { type: Ed25519, data: <32 bytes> }`.
pub const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// The Ed25519 public key a node id stands for, if any.
///
/// Two forms are recognised: the 38-byte binary libp2p peer id of an Ed25519 key (what
/// `PeerId::to_bytes()` returns for the node's network key) and a bare 32-byte Ed25519 public
/// key. Any other node id has no key, so nothing signed can be accepted for it.
pub fn node_public_key(node_id: &[u8]) -> Option<[u8; 32]> {
	let key = match node_id.len() {
		32 => node_id,
		38 => node_id.strip_prefix(&ED25519_PEER_ID_PREFIX[..])?,
		_ => return None,
	};
	key.try_into().ok()
}

/// Domain separator of a node's registration proof: the first field of the signed message
/// `(NODE_REGISTRATION_CONTEXT, genesis_hash, account, node_id)`.
pub const NODE_REGISTRATION_CONTEXT: [u8; 25] = *b"compute/node-registration";

/// The message a node's key signs to prove that `account` may register `node_id` on the chain
/// with genesis hash `genesis`: `(NODE_REGISTRATION_CONTEXT, genesis, account, node_id)`,
/// SCALE-encoded. The runtime and `compute-node key sign-node-registration` both build it here.
pub fn node_registration_message<Hash: Encode, AccountId: Encode>(
	genesis: &Hash,
	account: &AccountId,
	node_id: &[u8],
) -> Vec<u8> {
	(NODE_REGISTRATION_CONTEXT, genesis, account, node_id).encode()
}

/// The `y` coordinates (little-endian, sign bit cleared) of the eight Ed25519 points of small
/// order: 0, 1, -1 and the two of the points of order eight.
const SMALL_ORDER_Y: [[u8; 32]; 5] = [
	[0; 32],
	{
		let mut y = [0; 32];
		y[0] = 1;
		y
	},
	{
		let mut y = [0xff; 32];
		y[0] = 0xec;
		y[31] = 0x7f;
		y
	},
	[
		0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
		0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
		0x03, 0x7a,
	],
	[
		0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
		0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
		0xfc, 0x05,
	],
];

/// Whether `key` is an Ed25519 public key no signature proves anything for: a point of small
/// order (for which one signature verifies every message under the runtime's ZIP-215 rules) or
/// a non-canonical encoding (`y` at or above the field prime 2^255 - 19).
///
/// Both are decided on the bytes alone: `y` is the key with its top (sign) bit cleared; every
/// encoding of a small-order point has one of five `y` values, whatever its sign bit.
pub fn is_weak_node_key(key: &[u8; 32]) -> bool {
	let mut y = *key;
	y[31] &= 0x7f;
	// y >= p = 2^255 - 19: bytes 1..=30 all 0xff, byte 31 0x7f, byte 0 at least 0xed.
	let non_canonical = y[0] >= 0xed && y[1..31].iter().all(|b| *b == 0xff) && y[31] == 0x7f;
	non_canonical || SMALL_ORDER_Y.contains(&y)
}

/// The binary libp2p peer id of the Ed25519 key `public`: a node id [`node_public_key`] maps
/// back to `public`.
pub fn ed25519_peer_id(public: &[u8; 32]) -> [u8; 38] {
	let mut id = [0u8; 38];
	id[..6].copy_from_slice(&ED25519_PEER_ID_PREFIX);
	id[6..].copy_from_slice(public);
	id
}
