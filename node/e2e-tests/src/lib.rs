//! Harness for end-to-end tests of the built `compute-node`.
//!
//! Tests start real node processes on free loopback ports (with `--tmp`, or a base path that
//! survives restarts), talk JSON-RPC over HTTP to them ([`Node::rpc`]) and subxt over WebSocket
//! ([`connect`], [`submit_finalized`], [`storage`]), and kill them when the [`Node`] guard drops,
//! also when a test panics.
//!
//! This crate does not build the node (a test crate cannot depend on another package's binary):
//! `scripts/test.sh` builds it first, or run `cargo build --profile release --workspace`.
//! [`node_bin`] says where it is looked for.
//!
//! Everything the tests send goes to 127.0.0.1; every wait is bounded.

mod chain;
mod deadline;
pub mod docker;
mod lab;
mod miner;
mod network;
mod node;
mod node_report;
mod rpc;
mod test_dir;

pub use chain::{
	connect, events_between, finalized_at_least, keypair, storage, submit_bytes_finalized,
	submit_finalized, value_bytes, ChainEvent, Client, FinalizedTx, Hash, TxError,
};
pub use deadline::within;
pub use docker::Docker;
pub use lab::{Impairment, Lab};
pub use miner::{miner_bin, test_guest, FileServer, Miner};
pub use network::{peer_id, LocalNetwork, NODE_KEYS, VALIDATORS};
pub use node::{free_port, node_bin, Node};
pub use node_report::{general_transaction, metrics_value, ClientAt, NodeKey, NODE_REPORT_CONTEXT};
pub use rpc::{hex, hex_u64, RpcError};
pub use test_dir::TestDir;

/// Re-exports the tests need to build dynamic calls and keys without naming subxt's versions.
pub use subxt::{self, dynamic::Value, ext::scale_value::At};
pub use subxt_signer::{self, sr25519::dev};
