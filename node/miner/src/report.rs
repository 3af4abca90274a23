//! Metric reports from the real host, signed with the node key and sent as a feeless general
//! transaction (`Compute::report_signed_node_metrics`): the runtime authorizes it from the
//! signature, so the node needs no funded account for it.

use std::path::Path;

use subxt::ext::codec::Encode;

use crate::{
	chain::{self, runtime, Chain},
	host,
	metrics::Metrics,
	node_key::NodeKey,
};

type NodeMetricsData = runtime::runtime_types::pallet_compute::types::node::NodeMetricsData<u32>;
/// The signed report's payload.
pub type Report = runtime::runtime_types::pallet_compute::types::node::NodeMetricsReport<u32>;

/// The transaction extensions of the runtime, in order: a general transaction carries their
/// explicit data, and a change of them shows up as an error here instead of a refused report.
pub const EXTENSIONS: [&str; 9] = [
	"AuthorizeCall",
	"CheckNonZeroSender",
	"CheckSpecVersion",
	"CheckTxVersion",
	"CheckGenesis",
	"CheckMortality",
	"CheckNonce",
	"CheckWeight",
	"ChargeTransactionPayment",
];

fn text(s: String) -> runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec<u8> {
	runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(s.into_bytes())
}

/// This host's metrics now (`last_updated` is set by the chain).
pub fn host_metrics(work_dir: &Path, vm_count: u32, metrics: &Metrics) -> NodeMetricsData {
	let (memory_total, memory_free) = host::memory_mb();
	let (disk_total, disk_free) = host::disk_gb(work_dir);
	let (ok, failed) = metrics.totals();
	let uptime_minutes = host::uptime_secs() / 60;
	NodeMetricsData {
		cpu_model: text(host::cpu_model()),
		cpu_cores: host::cores(),
		memory_total_mb: memory_total.into(),
		memory_free_mb: memory_free.into(),
		storage_total_gb: disk_total.into(),
		storage_free_gb: disk_free.into(),
		bandwidth_up_mbps: host::DEFAULT_BANDWIDTH_MBPS,
		bandwidth_down_mbps: host::DEFAULT_BANDWIDTH_MBPS,
		geolocation: text(String::new()),
		uptime_minutes,
		total_minutes: uptime_minutes,
		successful_vm_operations: ok,
		failed_vm_operations: failed,
		vm_count,
		latency_ms: 0,
		last_updated: 0,
	}
}

/// A report with every field zero or empty, for checking the call's shape.
pub fn empty_report() -> Report {
	let empty = || text(String::new());
	let metrics = NodeMetricsData {
		cpu_model: empty(),
		cpu_cores: 0,
		memory_total_mb: 0,
		memory_free_mb: 0,
		storage_total_gb: 0,
		storage_free_gb: 0,
		bandwidth_up_mbps: 0,
		bandwidth_down_mbps: 0,
		geolocation: empty(),
		uptime_minutes: 0,
		total_minutes: 0,
		successful_vm_operations: 0,
		failed_vm_operations: 0,
		vm_count: 0,
		latency_ms: 0,
		last_updated: 0,
	};
	Report { node_id: empty(), at: 0, metrics }
}

/// Signs `metrics` as made at block `at` and submits the report.
pub async fn submit(
	chain: &Chain,
	key: &NodeKey,
	at: u64,
	metrics: NodeMetricsData,
) -> Result<(), chain::Error> {
	let report = Report {
		node_id: runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
			key.node_id(),
		),
		at: at.try_into()?,
		metrics,
	};
	let client = chain.at_best_block().await?;
	// The report's SCALE bytes sit between the call's two index bytes and its 64 signature
	// bytes: encode the call with a blank signature to get them.
	let blank = runtime::tx().compute().report_signed_node_metrics(report.clone(), [0u8; 64]);
	let blank = client.transactions().call_data(&blank)?;
	let encoded_report = blank.get(2..blank.len().saturating_sub(64)).ok_or("short call")?;
	let mut message = compute_primitives::NODE_REPORT_CONTEXT.to_vec();
	message.extend_from_slice(&chain.genesis());
	message.extend_from_slice(encoded_report);
	let call = runtime::tx().compute().report_signed_node_metrics(report, key.sign(&message));
	let call_data = client.transactions().call_data(&call)?;
	let names: Vec<String> = client
		.metadata()
		.extrinsic()
		.transaction_extensions_by_version(0)
		.ok_or("the runtime has no transaction extensions of version 0")?
		.map(|extension| extension.identifier().to_string())
		.collect();
	if names != EXTENSIONS {
		return Err(format!("the runtime's transaction extensions changed: {names:?}").into());
	}
	chain.submit_encoded(&general_transaction(&call_data)).await
}

/// Wraps encoded `call` data in a general (version 5) transaction without signature: `0x45`,
/// extension version 0, each of [`EXTENSIONS`]' explicit data (an immortal era, nonce 0 and
/// tip 0; the others carry none), then the call, all behind a compact length.
pub fn general_transaction(call: &[u8]) -> Vec<u8> {
	let mut body = vec![0b0100_0000 | 5, 0, 0x00, 0x00, 0x00];
	body.extend_from_slice(call);
	let mut transaction = subxt::ext::codec::Compact(body.len() as u32).encode();
	transaction.extend(body);
	transaction
}
