//! What the renting modes share: the chain, the Compute events of its finalized blocks, the image
//! and the plan.

use std::{
	collections::HashMap,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

use compute_e2e_tests::{
	image, least_memory_plan, none, some, submit_finalized, FileServer, FinalizedTx,
};
use serde_json::Value as Json;
use subxt::{dynamic::Value, ext::scale_value::At, rpcs::RpcClient};
use subxt_signer::sr25519::Keypair;

use super::{serve::serve_guest, MarketArgs, MINER_TIMEOUT, TX_TIMEOUT};
use crate::common::{connect, Client, Error};

/// The Compute events of finalized blocks, by `(event name, request id)`: when the client saw
/// the block, and its number. Filled by a task following finalized blocks.
#[derive(Clone, Default)]
pub struct Events(Arc<Mutex<HashMap<EventKey, Seen>>>);

/// An event name and the request id it carries.
type EventKey = (String, u64);
/// When the client saw a finalized block, and its number.
type Seen = (Instant, u64);

impl Events {
	async fn follow(client: &Client) -> Result<Events, Error> {
		let events = Events::default();
		let seen = events.clone();
		let mut blocks = client.stream_blocks().await?;
		tokio::spawn(async move {
			while let Some(Ok(block)) = blocks.next().await {
				let now = Instant::now();
				let number = block.number();
				let Ok(at) = block.at().await else { continue };
				let Ok(list) = at.events().fetch().await else { continue };
				for event in list.iter().flatten() {
					if event.pallet_name() != "Compute" {
						continue;
					}
					let Ok(fields) = event.decode_fields_unchecked_as::<Value>() else { continue };
					if let Some(id) = fields.at("request_id").and_then(Value::as_u128) {
						let key = (event.event_name().to_string(), id as u64);
						seen.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (now, number));
					}
				}
			}
		});
		Ok(events)
	}

	/// Waits until event `name` of request `id` is in a finalized block; when it was seen.
	pub async fn wait(&self, name: &str, id: u64) -> Result<(Instant, u64), Error> {
		let started = Instant::now();
		loop {
			let found = self
				.0
				.lock()
				.unwrap_or_else(|e| e.into_inner())
				.get(&(name.into(), id))
				.copied();
			if let Some(found) = found {
				return Ok(found);
			}
			if started.elapsed() > MINER_TIMEOUT {
				return Err(format!("request {id}: no {name} within {MINER_TIMEOUT:?}").into());
			}
			tokio::time::sleep(Duration::from_millis(100)).await;
		}
	}

	/// Whichever of `names` request `id` gets first in a finalized block.
	pub async fn first_of(&self, names: &[&str], id: u64) -> Result<String, Error> {
		let started = Instant::now();
		loop {
			{
				let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
				if let Some(name) = names.iter().find(|n| seen.contains_key(&(n.to_string(), id))) {
					return Ok(name.to_string());
				}
			}
			if started.elapsed() > MINER_TIMEOUT {
				return Err(
					format!("request {id}: none of {names:?} within {MINER_TIMEOUT:?}").into()
				);
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}
}

/// What a user needs to rent: the chain, its events, the image and the plan.
pub struct Market {
	client: Client,
	rpc: RpcClient,
	pub events: Events,
	image: String,
	plan: u32,
	/// The user data URL of the requests made, if any.
	pub user_data: Option<String>,
	/// The server of the test guest when no `--image` was given: serves as long as the market
	/// lives.
	_guest: Option<FileServer>,
}

impl Market {
	/// Connects to the chain, follows its events, and serves the test guest unless `--image`
	/// names another image.
	pub async fn open(args: MarketArgs) -> Result<Market, Error> {
		let (client, rpc) = connect(&args.url).await?;
		let events = Events::follow(&client).await?;
		let (guest, image) = match args.image {
			Some(url) => (None, url),
			None => {
				let (server, _) = serve_guest(None)?;
				let url = server.url("guest.json");
				(Some(server), url)
			},
		};
		let plan = match args.plan {
			Some(plan) => plan,
			None => {
				let plans: Json =
					rpc.request("compute_getPlans", subxt::rpcs::rpc_params![]).await?;
				least_memory_plan(&plans).ok_or("the chain has no active plan")?
			},
		};
		Ok(Market { client, rpc, events, image, plan, user_data: None, _guest: guest })
	}

	/// Submits `Compute::call(fields)` signed by `who` and waits until it is finalized.
	pub async fn compute(
		&self,
		who: &Keypair,
		call: &str,
		fields: Vec<Value>,
	) -> Result<FinalizedTx, Error> {
		Ok(submit_finalized(&self.client, who, "Compute", call, fields, TX_TIMEOUT)
			.await
			.map_err(|e| format!("Compute::{call}: {e}"))?)
	}

	/// Creates a request; returns its id.
	pub async fn create(&self, who: &Keypair) -> Result<u64, Error> {
		let image = image("test-guest", &self.image);
		let user_data =
			self.user_data.as_deref().map_or_else(none, |url| some(Value::from_bytes(url)));
		let tx = self
			.compute(
				who,
				"create_compute_request",
				vec![Value::u128(self.plan.into()), image, user_data, none()],
			)
			.await?;
		let created =
			tx.event("Compute", "ComputeRequestCreated").ok_or("no ComputeRequestCreated")?;
		let id = created
			.fields
			.at("request_id")
			.and_then(Value::as_u128)
			.ok_or("no request id")?;
		Ok(id as u64)
	}

	/// Submits `call` on request `id` and waits for `done`; seconds from submission to the
	/// finalized block holding `done`.
	pub async fn operate(
		&self,
		who: &Keypair,
		call: &str,
		id: u64,
		done: &str,
	) -> Result<f64, Error> {
		let started = Instant::now();
		self.compute(who, call, vec![Value::u128(id.into())]).await?;
		let (seen, _) = self.events.wait(done, id).await?;
		Ok(seen.duration_since(started).as_secs_f64())
	}

	/// The address the chain gave request `id`'s VM, from its miner's list of requests.
	pub async fn address(&self, id: u64) -> Result<String, Error> {
		let request = self.request(id).await?;
		let miner = request["minerId"].as_str().ok_or("the request has no miner")?;
		let hosted: Json = self
			.rpc
			.request("compute_getMinerRequests", subxt::rpcs::rpc_params![miner])
			.await?;
		let entry = hosted.as_array().into_iter().flatten().find(|r| r["requestId"] == id);
		Ok(entry
			.and_then(|r| r["ipAssigned"].as_str())
			.ok_or("the request has no address")?
			.to_string())
	}

	/// The request as `compute_getComputeRequest` returns it.
	pub async fn request(&self, id: u64) -> Result<Json, Error> {
		Ok(self
			.rpc
			.request("compute_getComputeRequest", subxt::rpcs::rpc_params![id])
			.await?)
	}
}
