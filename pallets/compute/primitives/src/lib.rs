//! Types and encodings of the compute market that the chain and every client share: the pallet,
//! its runtime API and RPC, the node, the `compute-miner` agent and the tools.
//!
//! `no_std`, with no dependency on FRAME, so an off-chain program can use them without the
//! runtime. What the chain *enforces* (bounds, deposits, timeouts) is read from the runtime's
//! metadata constants; what is here is the shape of the data and the fixed encodings.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod ip;
mod node_key;
mod paging;
mod plan;
mod vm_name;

pub use ip::IpAddress;
pub use node_key::*;
pub use paging::*;
pub use plan::PlanSpec;
pub use vm_name::*;

/// Identifier of a compute request; taken from `NextRequestId` and never reused.
pub type RequestId = u64;

/// Identifier of a plan; plans are numbered 0, 1, 2, … in creation order.
pub type PlanId = u32;
