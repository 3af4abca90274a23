//! End-to-end tests of the built `compute-node`, in one test binary.
//!
//! Each module is one scenario against its own node or network on free loopback ports, so the
//! scenarios are independent and `cargo nextest` runs them side by side. One binary instead of
//! one per scenario compiles and links the harness and subxt's generic code once.

mod cloud_image;
mod container;
mod dashboard;
mod dynamic_calls;
mod faults;
mod finality;
mod lifecycle;
mod light_client;
mod miner;
mod miner_metadata;
mod node_reports;
mod reachable;
mod resilience;
mod rpc_limits;
mod smoke;
mod upgrade;
