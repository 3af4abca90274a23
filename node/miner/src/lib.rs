//! `compute-miner`: the hypervisor agent of a compute chain. It registers its node, claims
//! requests that fit, turns them into QEMU VMs, carries out the operations their owners queue,
//! claims its rent and reports its host's metrics, and never leaves a VM, disk or address
//! behind. New VMs start from the best block; everything else acts on finalized chain state
//! (see [`agent`]).

pub mod agent;
pub mod cgroup;
pub mod chain;
pub mod config;
pub mod data_uri;
pub mod host;
pub mod image;
pub mod interface;
pub mod metrics;
pub mod network;
pub mod node_key;
pub mod qmp;
pub mod report;
pub mod reserve;
pub mod seed;
pub mod source_guard;
pub mod vm;
