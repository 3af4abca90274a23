//! `compute-load state`: the size of the Compute pallet's state at the finalized head, per
//! storage item, and the bytes its per-request items take per live request.

use compute_e2e_tests::hex;
use serde_json::Value as Json;
use subxt::rpcs::{rpc_params, RpcClient};

use crate::common::{storage_prefix, Error, DEFAULT_URL};

/// Keys per `state_getKeysPaged` call.
const KEYS_PAGE: usize = 1000;

/// The flags of `compute-load state`.
#[derive(clap::Args)]
pub struct Args {
	/// The node's JSON-RPC WebSocket URL.
	#[arg(long, value_name = "URL", default_value = DEFAULT_URL)]
	url: String,
}

/// Runs `compute-load state`.
pub async fn run(args: Args) -> Result<(), Error> {
	let rpc = RpcClient::from_insecure_url(&args.url).await?;
	state_mode(&rpc).await
}

/// The Compute pallet's storage items that hold an entry per request.
const PER_REQUEST_ITEMS: [&str; 9] = [
	"ComputeRequests",
	"RequestRecords",
	"MinerComputeRequests",
	"MinerComputeDeletionRequests",
	"MinerComputeStopRequests",
	"MinerComputeBootRequests",
	"MinerComputeRebootRequests",
	"MinerComputeResizeRequests",
	"RentalExpiries",
];

/// The Compute pallet's other storage items.
const SHARED_ITEMS: [&str; 10] = [
	"NextRequestId",
	"UserRequestCount",
	"Plans",
	"NextPlanId",
	"MinerNodes",
	"NodeMetrics",
	"FreeIps",
	"IpStates",
	"IpPool",
	"ExpiryCursor",
];

/// Entries and bytes (keys and values) of one storage item of the Compute pallet at `at`.
async fn item_size(rpc: &RpcClient, item: &str, at: &Json) -> Result<(u64, u64), Error> {
	let prefix = hex(&storage_prefix(item));
	let (mut entries, mut bytes) = (0u64, 0u64);
	let mut start: Option<String> = None;
	loop {
		let keys: Vec<String> = rpc
			.request(
				"state_getKeysPaged",
				rpc_params![&prefix, KEYS_PAGE, start.clone(), at.clone()],
			)
			.await?;
		for key in &keys {
			let size: Option<u64> =
				rpc.request("state_getStorageSize", rpc_params![key, at.clone()]).await?;
			entries += 1;
			bytes += (key.len() as u64 - 2) / 2 + size.unwrap_or(0);
		}
		if keys.len() < KEYS_PAGE {
			return Ok((entries, bytes));
		}
		start = keys.last().cloned();
	}
}

/// Prints the size of the Compute pallet's state at the finalized head, per storage item, and
/// the bytes its per-request items take per live request.
async fn state_mode(rpc: &RpcClient) -> Result<(), Error> {
	let at: Json = rpc.request("chain_getFinalizedHead", rpc_params![]).await?;
	println!("{:<30}{:>9}{:>12}{:>10}", "item", "entries", "bytes", "per entry");
	let mut per_request = 0;
	let mut live = 0;
	for item in PER_REQUEST_ITEMS.iter().chain(SHARED_ITEMS.iter()) {
		let (entries, bytes) = item_size(rpc, item, &at).await?;
		println!(
			"{item:<30}{entries:>9}{bytes:>12}{:>10}",
			bytes.checked_div(entries).unwrap_or(0)
		);
		if PER_REQUEST_ITEMS.contains(item) {
			per_request += bytes;
		}
		if *item == "RequestRecords" {
			live = entries;
		}
	}
	println!(
		"{live} live requests: {} bytes of per-request items each (keys and values)",
		per_request.checked_div(live).unwrap_or(0)
	);
	Ok(())
}
