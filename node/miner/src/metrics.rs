//! The agent's Prometheus metrics, served on 127.0.0.1.

use substrate_prometheus_endpoint::{
	prometheus::{
		exponential_buckets, Histogram, HistogramOpts, IntCounterVec, IntGauge, IntGaugeVec, Opts,
	},
	register, Registry,
};

/// Everything the agent exports.
#[derive(Clone)]
pub struct Metrics {
	/// The registry the endpoint serves.
	pub registry: Registry,
	/// VMs by state (`hosted`, `running`).
	pub vms: IntGaugeVec,
	/// Operations by kind and result.
	pub operations: IntCounterVec,
	/// The last finalized block the agent acted on.
	pub chain_head: IntGauge,
	/// Seconds from starting QEMU to the guest's cloud-init final message, per boot.
	pub guest_boot: Histogram,
	/// Chain data the agent could not read and so did not act on, by what it was (`page`: a
	/// whole page of hosted requests; `request`: one hosted request).
	pub chain_refused: IntCounterVec,
	/// The `spec_version` of the runtime at the last finalized block the agent acted on.
	pub runtime_spec_version: IntGauge,
	/// Whether that runtime allows each of the agent's roles (`host`, `claim`, `register`):
	/// 1 when every call, read and constant the role needs is compatible, else 0.
	pub runtime_compatible: IntGaugeVec,
}

impl Metrics {
	/// Registers the metrics in a new registry.
	pub fn new() -> Metrics {
		let registry =
			Registry::new_custom(Some("compute_miner".into()), None).expect("a valid prefix");
		let vms = IntGaugeVec::new(Opts::new("vms", "VMs on this host, by state"), &["state"])
			.expect("valid gauge");
		let operations = IntCounterVec::new(
			Opts::new("operations_total", "VM operations carried out, by kind and result"),
			&["kind", "result"],
		)
		.expect("valid counter");
		let chain_head =
			IntGauge::new("chain_finalized_head", "The last finalized block the agent acted on")
				.expect("valid gauge");
		let guest_boot = Histogram::with_opts(
			HistogramOpts::new(
				"guest_boot_seconds",
				"Seconds from starting QEMU until the guest finished booting",
			)
			.buckets(exponential_buckets(1.0, 1.5, 16).expect("valid buckets")),
		)
		.expect("valid histogram");
		let chain_refused = IntCounterVec::new(
			Opts::new(
				"chain_refused_total",
				"Chain data the agent could not decode and did not act on, by what it was",
			),
			&["what"],
		)
		.expect("valid counter");
		let runtime_spec_version = IntGauge::new(
			"runtime_spec_version",
			"The spec_version of the runtime at the last finalized block the agent acted on",
		)
		.expect("valid gauge");
		let runtime_compatible = IntGaugeVec::new(
			Opts::new(
				"runtime_compatible",
				"1 when the runtime allows the agent's role (host, claim, register), else 0",
			),
			&["role"],
		)
		.expect("valid gauge");
		Metrics {
			runtime_spec_version: register(runtime_spec_version, &registry)
				.expect("registered once"),
			runtime_compatible: register(runtime_compatible, &registry).expect("registered once"),
			chain_refused: register(chain_refused, &registry).expect("registered once"),
			guest_boot: register(guest_boot, &registry).expect("registered once"),
			vms: register(vms, &registry).expect("registered once"),
			operations: register(operations, &registry).expect("registered once"),
			chain_head: register(chain_head, &registry).expect("registered once"),
			registry,
		}
	}

	/// Exports the result of checking the agent's interface against a runtime.
	pub fn runtime(&self, check: &crate::interface::Check) {
		self.runtime_spec_version.set(check.spec_version.into());
		for role in crate::interface::Role::ALL {
			let allowed = i64::from(check.allows(role));
			self.runtime_compatible.with_label_values(&[role.name()]).set(allowed);
		}
	}

	/// Operations that succeeded and failed, over all kinds.
	pub fn totals(&self) -> (u64, u64) {
		let mut ok = 0;
		let mut failed = 0;
		for family in self.registry.gather() {
			if !family.get_name().ends_with("operations_total") {
				continue;
			}
			for metric in family.get_metric() {
				let result = metric.get_label().iter().find(|l| l.get_name() == "result");
				let value = metric.get_counter().get_value() as u64;
				match result.map(|l| l.get_value()) {
					Some("ok") => ok += value,
					_ => failed += value,
				}
			}
		}
		(ok, failed)
	}
}

impl Default for Metrics {
	fn default() -> Self {
		Self::new()
	}
}
