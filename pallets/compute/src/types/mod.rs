//! Domain types of the compute pallet.
//!
//! Everything here is bounded (`MaxEncodedLen`): variable data is a `BoundedVec` whose bound is one
//! of the pallet's `Max*` constants, passed in as a `Get<u32>` type parameter so the same types can
//! be named by the runtime API without depending on the pallet's `Config`.
use frame_support::BoundedVec;

/// Identifier of a compute request; taken from `NextRequestId` and never reused.
pub type RequestId = u64;

/// Identifier of a plan; plans are numbered 0, 1, 2, … in creation order.
pub type PlanId = u32;

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
mod node_key;
pub use node_key::*;
mod views;
pub use views::*;
