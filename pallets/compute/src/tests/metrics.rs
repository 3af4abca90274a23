//! Node metrics reports.

use super::*;
use frame_support::{assert_noop, assert_ok};

pub fn metrics() -> NodeMetricsOf<Test> {
	NodeMetricsData {
		cpu_model: text("EPYC 9654"),
		cpu_cores: 96,
		memory_total_mb: 786_432,
		memory_free_mb: 500_000,
		storage_total_gb: 30_000,
		storage_free_gb: 12_000,
		bandwidth_up_mbps: 10_000,
		bandwidth_down_mbps: 10_000,
		geolocation: text("DE-Frankfurt"),
		uptime_minutes: 1_000,
		total_minutes: 1_200,
		successful_vm_operations: 42,
		failed_vm_operations: 1,
		vm_count: 3,
		latency_ms: 12,
		last_updated: 999,
	}
}

#[test]
fn report_node_metrics_stores_the_report_with_the_block() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		run_to_block(7);
		assert_ok!(Compute::report_node_metrics(signed(MINER_1), n1.clone(), metrics()));
		assert_last(Event::NodeMetricsReported { node_id: n1.clone() });
		let stored = Compute::node_metrics(n1.clone()).unwrap();
		assert_eq!(stored.last_updated, 7);
		assert_eq!(stored.cpu_model, text("EPYC 9654"));
		// Deregistration drops the metrics.
		assert_ok!(Compute::deregister_miner_node(signed(MINER_1), n1.clone()));
		assert_eq!(Compute::node_metrics(n1), None);
	});
}

#[test]
fn report_node_metrics_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let n1 = register(MINER_1, "n1");
		assert_noop!(
			Compute::report_node_metrics(signed(MINER_2), n1.clone(), metrics()),
			Error::<Test>::NotMinerNodeOwner
		);
		assert_noop!(
			Compute::report_node_metrics(signed(MINER_1), node("nx"), metrics()),
			Error::<Test>::MinerNodeNotFound
		);
		let mut bad = metrics();
		bad.memory_free_mb = bad.memory_total_mb + 1;
		assert_noop!(
			Compute::report_node_metrics(signed(MINER_1), n1.clone(), bad),
			Error::<Test>::InvalidMetrics
		);
		let mut bad = metrics();
		bad.uptime_minutes = bad.total_minutes + 1;
		assert_noop!(
			Compute::report_node_metrics(signed(MINER_1), n1, bad),
			Error::<Test>::InvalidMetrics
		);
	});
}
