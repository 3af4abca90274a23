//! What the agent uses of the runtime, checked against the metadata of the runtime it talks to.
//!
//! The agent's calls, storage reads, runtime API calls and constants are generated from the
//! metadata it was built with (`metadata/compute-runtime.scale`). A runtime upgrade can change
//! any of them. subxt refuses to use an item whose shape differs from the running runtime's, so
//! the agent never submits a call that is wrong for the runtime; this module says in advance
//! which of the agent's [`Role`]s the runtime still allows, so that the agent stops doing what it
//! cannot finish instead of failing halfway.
//!
//! The agent checks at every connection and whenever a finalized block carries a new
//! `spec_version`: it logs the result (an error naming each incompatible item), and exports it
//! as `compute_miner_runtime_spec_version` and `compute_miner_runtime_compatible{role}`.

use std::fmt;

use scale_info::TypeDef;

use subxt::{
	client::{ClientAtBlock, OfflineClientAtBlockT},
	metadata::Metadata,
	transactions::Payload,
	SubstrateConfig,
};

use crate::chain::{
	runtime::{
		self, runtime_types::bounded_collections::bounded_vec::BoundedVec,
		runtime_types::compute_primitives::ip::IpAddress,
	},
	to_runtime,
};

/// What the agent does, each needing its own part of the runtime's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
	/// Running the VMs the node hosts: reading them (and telling a block whose storage has not
	/// migrated yet), fulfilling their operations, reporting failures, claiming rent and
	/// reporting metrics. Without it the agent changes nothing on the chain or on the host: the
	/// VMs keep running as they are.
	Host,
	/// Taking new requests: reading the open ones and the plans, and claiming.
	Claim,
	/// Registering the node and checking its registration.
	Register,
}

impl Role {
	/// Every role, in the order they are reported.
	pub const ALL: [Role; 3] = [Role::Host, Role::Claim, Role::Register];

	/// The role's name in logs and metric labels.
	pub fn name(self) -> &'static str {
		match self {
			Role::Host => "host",
			Role::Claim => "claim",
			Role::Register => "register",
		}
	}
}

/// An item of the runtime's interface the agent cannot use as it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatible {
	/// The role that needs it.
	pub role: Role,
	/// What it is, e.g. `call Compute.fulfill_stop_request`.
	pub item: String,
	/// Why subxt refused it.
	pub reason: String,
}

/// The result of checking the agent's interface against one runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
	/// The runtime's `spec_version`.
	pub spec_version: u32,
	/// Every item the agent cannot use; empty when the runtime is fully compatible.
	pub incompatible: Vec<Incompatible>,
	/// The runtime's limits, read from its constants (an upgrade may change them).
	pub limits: Limits,
}

/// Limits the chain enforces, read from the `Compute` pallet's metadata constants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
	/// `MaxPageSize`: the most items one page of the read API holds (zero when the constant is
	/// incompatible, and then [`Role::Host`] is not allowed).
	pub max_page_size: u32,
	/// `MaxStringLen`: the longest text, a failure reason among them (zero when the constant is
	/// incompatible, and then [`Role::Host`] is not allowed).
	pub max_string_len: u32,
	/// `HeartbeatTimeout`: blocks after its latest report until the node counts as silent and
	/// its VMs stop paying rent. Runtimes before spec 106 have none; the agent only uses it to
	/// advise on its report interval.
	pub heartbeat_timeout: Option<u32>,
}

impl Check {
	/// Whether the runtime allows `role`: every item it needs is compatible.
	pub fn allows(&self, role: Role) -> bool {
		!self.incompatible.iter().any(|i| i.role == role)
	}

	/// Checks everything the agent uses against the metadata at `at`.
	pub fn of<C: OfflineClientAtBlockT<SubstrateConfig>>(
		at: &ClientAtBlock<SubstrateConfig, C>,
	) -> Check {
		let mut check = Check {
			spec_version: at.spec_version(),
			incompatible: Vec::new(),
			limits: Limits::default(),
		};
		// Only the shape of a call is checked, not its arguments: any will do.
		let tx = runtime::tx().compute();
		let node = || BoundedVec(Vec::new());
		let ip = || IpAddress::V4([0; 4]);
		let account = subxt::utils::AccountId32([0; 32]);
		let report = crate::report::empty_report();
		check.call(at, Role::Host, tx.fulfill_compute_request(node(), 0, None, None, None));
		check.call(at, Role::Host, tx.assign_ip_to_vm(node(), ip()));
		check.call(at, Role::Host, tx.report_compute_request_failure(node(), 0, node()));
		check.call(at, Role::Host, tx.fulfill_stop_request(node(), 0));
		check.call(at, Role::Host, tx.fulfill_boot_request(node(), 0));
		check.call(at, Role::Host, tx.fulfill_reboot_request(node(), 0));
		check.call(at, Role::Host, tx.fulfill_resize_request(node(), 0));
		check.call(at, Role::Host, tx.fulfill_deletion_request(node(), 0));
		check.call(at, Role::Host, tx.claim_compute_payments(node(), 0));
		check.call(at, Role::Host, tx.report_signed_node_metrics(report, [0; 64]));
		check.call(at, Role::Claim, tx.submit_compute_request_assignment(node(), 0, 0, account));
		check.call(
			at,
			Role::Register,
			tx.register_miner_node(node(), to_runtime(Default::default()), ip(), [0; 64]),
		);
		let storage = runtime::storage().compute();
		check.note(
			Role::Claim,
			"storage Compute.ComputeRequests".into(),
			at.storage().validate(storage.compute_requests()),
		);
		check.note(
			Role::Claim,
			"storage Compute.Plans".into(),
			at.storage().validate(storage.plans()),
		);
		// The node record is read by field name (see `Chain::node_capacity`): it grows between
		// releases, and only its `capacity` matters here.
		let capacity = record_field(at.metadata_ref(), "MinerNodes", "capacity");
		check.note(Role::Register, "storage Compute.MinerNodes, field capacity".into(), capacity);
		check.note(
			Role::Host,
			"storage System.LastRuntimeUpgrade".into(),
			at.storage().validate(runtime::storage().system().last_runtime_upgrade()),
		);
		let api = runtime::runtime_apis().compute_api().hosted_requests(Vec::new(), None, None);
		check.note(
			Role::Host,
			"runtime API ComputeApi.hosted_requests".into(),
			at.runtime_apis().validate(api),
		);
		let constants = runtime::constants().compute();
		let max_page_size = at.constants().entry(constants.max_page_size());
		let max_string_len = at.constants().entry(constants.max_string_len());
		check.limits = Limits {
			max_page_size: *max_page_size.as_ref().unwrap_or(&0),
			max_string_len: *max_string_len.as_ref().unwrap_or(&0),
			heartbeat_timeout: at.constants().entry(constants.heartbeat_timeout()).ok(),
		};
		check.note(Role::Host, "constant Compute.MaxPageSize".into(), max_page_size.map(drop));
		check.note(Role::Host, "constant Compute.MaxStringLen".into(), max_string_len.map(drop));
		check
	}

	fn call<C: OfflineClientAtBlockT<SubstrateConfig>, P: Payload>(
		&mut self,
		at: &ClientAtBlock<SubstrateConfig, C>,
		role: Role,
		call: P,
	) {
		let item = format!("call {}.{}", call.pallet_name(), call.call_name());
		self.note(role, item, at.transactions().validate(&call));
	}

	fn note(&mut self, role: Role, item: String, result: Result<(), impl fmt::Display>) {
		if let Err(reason) = result {
			self.incompatible.push(Incompatible { role, item, reason: reason.to_string() });
		}
	}
}

/// Whether the value of storage entry `Compute.<entry>` is a record with a field named `field`.
fn record_field(metadata: &Metadata, entry: &str, field: &str) -> Result<(), String> {
	let entry = metadata
		.pallet_by_name("Compute")
		.and_then(|pallet| pallet.storage())
		.and_then(|storage| storage.entry_by_name(entry))
		.ok_or("no such storage entry")?;
	let value = metadata
		.types()
		.resolve(entry.value_ty())
		.ok_or("its type is not in the metadata")?;
	match &value.type_def {
		TypeDef::Composite(record)
			if record.fields.iter().any(|f| f.name.as_deref() == Some(field)) =>
		{
			Ok(())
		},
		_ => Err(format!("its value has no field {field}")),
	}
}

impl fmt::Display for Check {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		if self.incompatible.is_empty() {
			return write!(
				f,
				"runtime spec {}: every call, read and constant the agent uses is compatible",
				self.spec_version
			);
		}
		let roles: Vec<&str> =
			Role::ALL.into_iter().filter(|r| !self.allows(*r)).map(Role::name).collect();
		write!(f, "runtime spec {}: this agent cannot {}: ", self.spec_version, roles.join(", "))?;
		let items: Vec<String> =
			self.incompatible.iter().map(|i| format!("{} ({})", i.item, i.reason)).collect();
		write!(f, "{}", items.join("; "))
	}
}

#[cfg(test)]
mod tests {
	use std::sync::Arc;

	use scale_info::TypeDefPrimitive;
	use subxt::{
		client::{OfflineClient, OfflineClientAtBlock},
		config::substrate::SpecVersionForRange,
	};

	use super::*;

	/// The metadata the agent was built with.
	const BUILT_FOR: &[u8] = include_bytes!("../metadata/compute-runtime.scale");
	/// The metadata of the previous release, spec 105, which had no heartbeats.
	const SPEC_105: &[u8] = include_bytes!("../metadata/compute-runtime-105.scale");

	/// An offline client at a block of a runtime with `metadata`.
	fn at(metadata: Metadata, spec_version: u32) -> OfflineClientAtBlock<SubstrateConfig> {
		let range = SpecVersionForRange { block_range: 0..1, spec_version, transaction_version: 1 };
		let config = SubstrateConfig::builder()
			.set_spec_version_for_block_ranges([range])
			.set_metadata_for_spec_versions([(spec_version, Arc::new(metadata))])
			.build();
		OfflineClient::new_with_config(config).at_block(0u64).expect("a block")
	}

	fn decode(bytes: &[u8]) -> Metadata {
		Metadata::decode_from(bytes).expect("metadata")
	}

	#[test]
	fn the_runtime_the_agent_was_built_for_allows_everything() {
		let check = Check::of(&at(decode(BUILT_FOR), 106));
		assert_eq!(check.incompatible, []);
		assert!(Role::ALL.into_iter().all(|role| check.allows(role)));
		let limits = check.limits;
		assert!(limits.max_page_size > 0 && limits.max_string_len > 0);
		assert!(limits.heartbeat_timeout.is_some_and(|timeout| timeout > 0));
	}

	/// Miners update their agent before the chain upgrades: this agent works on the previous
	/// release too. Its node record had no heartbeat, which the agent does not read.
	#[test]
	fn the_previous_release_allows_everything_and_has_no_heartbeat_timeout() {
		let check = Check::of(&at(decode(SPEC_105), 105));
		assert_eq!(check.incompatible, []);
		let now = Check::of(&at(decode(BUILT_FOR), 106)).limits;
		assert_eq!(check.limits, Limits { heartbeat_timeout: None, ..now });
	}

	/// A runtime where `fulfill_stop_request` takes another argument type and the node record
	/// lost its `capacity`: the agent may neither host nor register, and still may claim.
	#[test]
	fn a_changed_call_or_record_disallows_the_role_that_needs_it() {
		let mut metadata = decode(BUILT_FOR);
		let compute = metadata.pallet_by_name("Compute").expect("the pallet");
		let calls = compute.call_ty_id().expect("calls");
		let storage = compute.storage().expect("storage");
		let node = storage.entry_by_name("MinerNodes").expect("MinerNodes").value_ty();
		let types = metadata.types_mut();
		let boolean = types
			.types
			.iter()
			.find(|t| matches!(t.ty.type_def, TypeDef::Primitive(TypeDefPrimitive::Bool)))
			.expect("a bool")
			.id;
		for entry in &mut types.types {
			match &mut entry.ty.type_def {
				TypeDef::Variant(calls_def) if entry.id == calls => {
					let stop =
						calls_def.variants.iter_mut().find(|v| v.name == "fulfill_stop_request");
					stop.expect("the call").fields[1].ty = boolean.into();
				},
				TypeDef::Composite(record) if entry.id == node => {
					let capacity =
						record.fields.iter_mut().find(|f| f.name.as_deref() == Some("capacity"));
					capacity.expect("the field").name = Some("capacity_v2".into());
				},
				_ => {},
			}
		}
		let check = Check::of(&at(metadata, 107));
		let items: Vec<(Role, &str)> =
			check.incompatible.iter().map(|i| (i.role, i.item.as_str())).collect();
		assert_eq!(
			items,
			[
				(Role::Host, "call Compute.fulfill_stop_request"),
				(Role::Register, "storage Compute.MinerNodes, field capacity"),
			]
		);
		assert!(!check.allows(Role::Host) && !check.allows(Role::Register));
		assert!(check.allows(Role::Claim));
		let said = check.to_string();
		assert!(said.starts_with("runtime spec 107: this agent cannot host, register: "), "{said}");
		assert!(said.contains("its value has no field capacity"), "{said}");
	}
}
