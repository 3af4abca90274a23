//! Harness for end-to-end tests of the built `compute-node`.
//!
//! Tests start real node processes on free loopback ports (with `--tmp`, or a base path that
//! survives restarts), talk JSON-RPC over HTTP to them ([`Node::rpc`]) and subxt over WebSocket
//! ([`connect`], [`submit_finalized`], [`storage`]), and kill them when the [`Node`] guard drops,
//! also when a test panics. The helpers the tests share live here once: the Compute pallet's call
//! arguments ([`image`], [`plan_spec`], [`ipv4`], [`some`], [`none`]), a call that must succeed
//! ([`compute_call`]), reads of its `compute_*` RPC ([`compute_request`], [`plan_price`]), and hex
//! ([`hex`], [`hex_bytes`], [`hex_u64`]).
//!
//! This crate does not build the node (a test crate cannot depend on another package's binary):
//! `scripts/test.sh` builds it first, or run `cargo build --profile release --workspace`.
//! [`node_bin`] says where it is looked for.
//!
//! Everything the tests send goes to 127.0.0.1; every wait is bounded.

mod browser;
mod chain;
mod compute_rpc;
mod deadline;
pub mod docker;
mod internet;
mod lab;
mod market;
mod miner;
mod miner_setup;
mod network;
mod node;
mod node_report;
mod rpc;
mod test_dir;
mod values;

pub use browser::{run_browser_tests, screenshots_dir, BrowserRun};
pub use chain::{
	compute_call, connect, events_between, finalized_at_least, keypair, storage,
	submit_bytes_finalized, submit_finalized, submit_in_best_block, value_bytes, ChainEvent,
	Client, FinalizedTx, Hash, TxError,
};
pub use compute_rpc::{compute_request, least_memory_plan, plan_price, tiny_plan};
pub use deadline::{until, within};
pub use docker::Docker;
pub use internet::{Accepted, Internet, Serve, Server};
pub use lab::{Impairment, Lab};
pub use market::{
	create_plan, create_request, miner_request, rent_paid, runtime_metadata, settled, sudo_compute,
};
pub use miner::{debian_guest, miner_bin, miner_metric, test_guest, FileServer, Miner};
pub use miner_setup::{GuestServer, MinerSetup, RenterKey};
pub use network::{peer_id, LocalNetwork, NODE_KEYS, VALIDATORS};
pub use node::{free_port, node_bin, Node};
pub use node_report::{general_transaction, metrics_value, ClientAt, NodeKey, NODE_REPORT_CONTEXT};
pub use rpc::{hex, hex_bytes, hex_u64, RpcError};
pub use test_dir::TestDir;
pub use values::{image, ipv4, none, plan_spec, some};

/// Re-exports the tests need to build dynamic calls and keys without naming subxt's versions.
pub use subxt::{self, dynamic::Value, ext::scale_value::At};
pub use subxt_signer::{self, sr25519::dev};
