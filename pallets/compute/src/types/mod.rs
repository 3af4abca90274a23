//! Domain types of the compute pallet.
//!
//! Everything here is bounded (`MaxEncodedLen`): variable data is a `BoundedVec` whose bound is one
//! of the pallet's `Max*` constants, passed in as a `Get<u32>` type parameter so the same types can
//! be named by the runtime API without depending on the pallet's `Config`.
use frame_support::BoundedVec;

pub use compute_primitives::{
	ed25519_peer_id, is_weak_node_key, node_public_key, node_registration_message, PlanId,
	RequestId, DEFAULT_PAGE_SIZE, ED25519_PEER_ID_PREFIX, MAX_PAGE_SIZE, MAX_REQUEST_SCAN,
	NODE_REGISTRATION_CONTEXT, NODE_REPORT_CONTEXT,
};

/// A miner node's id (e.g. its libp2p peer id), at most `MaxNodeIdLen` bytes.
pub type NodeId<MaxLen> = BoundedVec<u8, MaxLen>;

/// Bytes of text bounded by `MaxStringLen` (image name/url, CID, job id, reason, …).
pub type BoundedString<MaxLen> = BoundedVec<u8, MaxLen>;

mod vm_name;
pub use vm_name::*;
mod plan;
pub use plan::*;
mod ip;
pub use ip::*;
mod request;
pub use request::*;
mod billing;
pub use billing::*;
mod node;
pub use node::*;
mod views;
pub use views::*;
