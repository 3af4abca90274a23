//! Dynamic [`Value`]s of the arguments the Compute pallet's calls take, for calls built by name
//! ([`crate::submit_finalized`], [`crate::compute_call`]).

use subxt::dynamic::Value;

/// `Some(value)`, for an `Option` argument.
pub fn some(value: Value) -> Value {
	Value::unnamed_variant("Some", [value])
}

/// `None`, for an `Option` argument.
pub fn none() -> Value {
	Value::unnamed_variant("None", [])
}

/// `IpAddress::V4(octets)`: a hypervisor's address, as `register_miner_node` and
/// `fulfill_compute_request` take it.
pub fn ipv4(octets: [u8; 4]) -> Value {
	Value::unnamed_variant("V4", [Value::from_bytes(octets)])
}

/// `PlanSpec { vcpus, memory_mb, storage_gb, bandwidth_mbps, gpus }` (memory in MiB, storage in
/// GiB, bandwidth in Mbit/s): a node's capacity, as `register_miner_node` takes it.
pub fn plan_spec(
	vcpus: u32,
	memory_mb: u32,
	storage_gb: u32,
	bandwidth_mbps: u32,
	gpus: u32,
) -> Value {
	let u = |n: u32| Value::u128(n.into());
	Value::named_composite([
		("vcpus", u(vcpus)),
		("memory_mb", u(memory_mb)),
		("storage_gb", u(storage_gb)),
		("bandwidth_mbps", u(bandwidth_mbps)),
		("gpus", u(gpus)),
	])
}

/// The image metadata `{ name, image_url }` of `create_compute_request`.
pub fn image(name: &str, image_url: &str) -> Value {
	Value::named_composite([
		("name", Value::from_bytes(name)),
		("image_url", Value::from_bytes(image_url)),
	])
}
