//! subxt over WebSocket, fully dynamic: the metadata is fetched from the node at run time, calls
//! and storage keys are built from names and `Value`s, events decode to `Value`s.

use std::{
	fmt,
	time::{Duration, Instant},
};

use subxt::{
	client::OnlineClientAtBlockT,
	dynamic::Value,
	error::{DispatchError, TransactionEventsError},
	ext::scale_encode::EncodeAsFields,
	transactions::{DynamicPayload, TransactionProgress, TransactionStatus},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;

use crate::{ClientAt, Node};

/// A subxt client of the compute chain. `SubstrateConfig` fits the runtime: 32-byte account ids,
/// `MultiSignature`, BlakeTwo256, and the standard transaction extensions (the address type's
/// index part is never used: accounts are addressed as `MultiAddress::Id`).
pub type Client = OnlineClient<SubstrateConfig>;

/// A block hash.
pub type Hash = subxt::utils::H256;

/// How long [`connect`] retries while the node's RPC server comes up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Connects subxt to the node's WebSocket RPC, retrying for up to a minute.
pub async fn connect(node: &Node) -> Client {
	let url = node.ws_url();
	let deadline = Instant::now() + CONNECT_TIMEOUT;
	loop {
		match Client::from_insecure_url(&url).await {
			Ok(client) => return client,
			Err(e) if Instant::now() >= deadline => {
				panic!("{}: subxt could not connect to {url}: {e}", node.name())
			},
			Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
		}
	}
}

/// The client at its finalized head once that head is block `min` or later. subxt follows
/// finality over its own subscription, which can lag the node's `chain_getFinalizedHead` by a
/// moment, so a test that waited for a block over HTTP waits here too before reading at it.
pub async fn finalized_at_least(client: &Client, min: u64, timeout: Duration) -> ClientAt {
	let deadline = Instant::now() + timeout;
	loop {
		let at = client.at_current_block().await.expect("client at its finalized head");
		if at.block_number() >= min {
			return at;
		}
		assert!(
			Instant::now() < deadline,
			"subxt's finalized head stayed at #{} (waited {timeout:?} for #{min})",
			at.block_number()
		);
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
}

/// One event of a block, decoded from the metadata.
#[derive(Debug, Clone)]
pub struct ChainEvent {
	/// Pallet name, e.g. `Compute`.
	pub pallet: String,
	/// Event name, e.g. `ComputeRequestCreated`.
	pub name: String,
	/// The fields: a composite, named (`fields.at("request_id")`) or unnamed (`fields.at(0)`).
	pub fields: Value,
}

/// A transaction in a finalized block.
#[derive(Debug, Clone)]
pub struct FinalizedTx {
	/// The block that holds it.
	pub block_hash: Hash,
	/// That block's number.
	pub block_number: u64,
	/// The transaction's hash (blake2-256 of its encoding).
	pub extrinsic_hash: Hash,
	/// The events the transaction emitted, in order (fee, pallet events, `ExtrinsicSuccess`).
	pub events: Vec<ChainEvent>,
}

impl FinalizedTx {
	/// The first event `pallet::name`, if emitted.
	pub fn event(&self, pallet: &str, name: &str) -> Option<&ChainEvent> {
		self.events.iter().find(|e| e.pallet == pallet && e.name == name)
	}

	/// The first event `pallet::name`; panics listing the events when it was not emitted.
	pub fn expect_event(&self, pallet: &str, name: &str) -> &ChainEvent {
		self.event(pallet, name)
			.unwrap_or_else(|| panic!("no {pallet}::{name} among {:?}", self.events))
	}
}

/// Why a transaction did not end in a finalized block with success.
#[derive(Debug)]
pub enum TxError {
	/// It was dispatched and failed: a pallet's error as `Pallet::Error` (e.g.
	/// `Compute::PlanNotFound`), any other dispatch error as subxt words it (e.g. `Bad origin.`).
	Dispatch(String),
	/// Anything else: rejected by the pool, encoding, connection, timeout.
	Other(String),
}

impl fmt::Display for TxError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			TxError::Dispatch(e) => write!(f, "dispatch error: {e}"),
			TxError::Other(e) => write!(f, "{e}"),
		}
	}
}

/// Signs `pallet::call(fields)` with `signer` (a dev key such as `dev::alice()`), submits it, and
/// waits up to `timeout` for it to be in a finalized block; returns the block and its events, or
/// the dispatch error. `fields` is anything `EncodeAsFields`: a tuple of values in call order,
/// `Vec<Value>`, or named fields.
///
/// The nonce is read at the finalized head, so wait for one transaction of an account before
/// sending its next (as this function does).
pub async fn submit_finalized<Fields: EncodeAsFields>(
	client: &Client,
	signer: &Keypair,
	pallet: &str,
	call: &str,
	fields: Fields,
	timeout: Duration,
) -> Result<FinalizedTx, TxError> {
	let other =
		|what: &str, e: &dyn fmt::Display| TxError::Other(format!("{pallet}::{call}: {what}: {e}"));
	let payload: DynamicPayload<Fields> = subxt::dynamic::tx(pallet, call, fields);
	let label = format!("{pallet}::{call}");
	let work = async {
		let at = client
			.at_current_block()
			.await
			.map_err(|e| other("client at finalized head", &e))?;
		let progress = at
			.transactions()
			.sign_and_submit_then_watch_default(&payload, signer)
			.await
			.map_err(|e| other("submit", &e))?;
		finalized(progress, &label).await
	};
	tokio::time::timeout(timeout, work)
		.await
		.map_err(|_| TxError::Other(format!("{label}: not finalized within {timeout:?}")))?
}

/// Signs `pallet::call(fields)` with `signer`, submits it, and waits up to `timeout` for it to
/// be in a best block, where it must have succeeded; returns that block's number. For chains
/// whose finality stalls: the nonce is read at the finalized head, so send at most one
/// transaction per account while finality stalls.
pub async fn submit_in_best_block<Fields: EncodeAsFields>(
	client: &Client,
	signer: &Keypair,
	pallet: &str,
	call: &str,
	fields: Fields,
	timeout: Duration,
) -> Result<u64, TxError> {
	let label = format!("{pallet}::{call}");
	let other = |what: &str, e: &dyn fmt::Display| TxError::Other(format!("{label}: {what}: {e}"));
	let payload: DynamicPayload<Fields> = subxt::dynamic::tx(pallet, call, fields);
	let work = async {
		let at = client
			.at_current_block()
			.await
			.map_err(|e| other("client at finalized head", &e))?;
		let mut progress = at
			.transactions()
			.sign_and_submit_then_watch_default(&payload, signer)
			.await
			.map_err(|e| other("submit", &e))?;
		while let Some(status) = progress.next().await {
			let in_block = match status.map_err(|e| other("watch", &e))? {
				TransactionStatus::InBestBlock(in_block)
				| TransactionStatus::InFinalizedBlock(in_block) => in_block,
				TransactionStatus::Error { message }
				| TransactionStatus::Invalid { message }
				| TransactionStatus::Dropped { message } => return Err(other("pool", &message)),
				_ => continue,
			};
			in_block
				.wait_for_success()
				.await
				.map_err(|e| TxError::Dispatch(e.to_string()))?;
			let at = in_block.at().await.map_err(|e| other("client at block", &e))?;
			return Ok(at.block_number());
		}
		Err(other("watch", &"the status stream ended"))
	};
	tokio::time::timeout(timeout, work)
		.await
		.map_err(|_| TxError::Other(format!("{label}: not in a block within {timeout:?}")))?
}

/// [`submit_finalized`] of `Compute::call(fields)`, which must succeed: returns the finalized
/// transaction, or panics with the error. Where a test expects the call to fail, use
/// [`submit_finalized`] and check its error.
pub async fn compute_call<Fields: EncodeAsFields>(
	client: &Client,
	signer: &Keypair,
	call: &str,
	fields: Fields,
	timeout: Duration,
) -> FinalizedTx {
	submit_finalized(client, signer, "Compute", call, fields, timeout)
		.await
		.unwrap_or_else(|e| panic!("Compute::{call}: {e}"))
}

/// Submits an encoded transaction (e.g. a general transaction built by
/// [`crate::general_transaction`]) and waits up to `timeout` for it to be in a finalized block,
/// like [`submit_finalized`]; `label` names it in errors.
pub async fn submit_bytes_finalized(
	client: &Client,
	transaction: Vec<u8>,
	label: &str,
	timeout: Duration,
) -> Result<FinalizedTx, TxError> {
	let work = async {
		let at = client
			.at_current_block()
			.await
			.map_err(|e| TxError::Other(format!("{label}: client at finalized head: {e}")))?;
		let progress = at
			.transactions()
			.from_bytes(transaction)
			.submit_and_watch()
			.await
			.map_err(|e| TxError::Other(format!("{label}: submit: {e}")))?;
		finalized(progress, label).await
	};
	tokio::time::timeout(timeout, work)
		.await
		.map_err(|_| TxError::Other(format!("{label}: not finalized within {timeout:?}")))?
}

/// Follows a submitted transaction into a finalized block; its events, or its dispatch error.
async fn finalized<C: OnlineClientAtBlockT<SubstrateConfig>>(
	progress: TransactionProgress<SubstrateConfig, C>,
	label: &str,
) -> Result<FinalizedTx, TxError> {
	let other = |what: &str, e: &dyn fmt::Display| TxError::Other(format!("{label}: {what}: {e}"));
	let in_block = progress.wait_for_finalized().await.map_err(|e| other("watch", &e))?;
	let events = in_block.wait_for_success().await.map_err(|e| match e {
		TransactionEventsError::ExtrinsicFailed(DispatchError::Module(e)) => {
			TxError::Dispatch(e.to_string())
		},
		TransactionEventsError::ExtrinsicFailed(e) => TxError::Dispatch(e.to_string()),
		e => other("events", &e),
	})?;
	let block_number =
		in_block.at().await.map_err(|e| other("client at block", &e))?.block_number();
	let events = events
		.iter()
		.map(|ev| {
			let ev = ev.map_err(|e| other("decode event", &e))?;
			Ok(ChainEvent {
				pallet: ev.pallet_name().to_string(),
				name: ev.event_name().to_string(),
				fields: ev
					.decode_fields_unchecked_as::<Value>()
					.map_err(|e| other("decode event fields", &e))?,
			})
		})
		.collect::<Result<Vec<_>, TxError>>()?;
	Ok(FinalizedTx {
		block_hash: in_block.block_hash(),
		block_number,
		extrinsic_hash: in_block.extrinsic_hash(),
		events,
	})
}

/// Reads `pallet::entry(keys…)` at block `at` (the finalized head when `None`): `None` when
/// there is no value. Keys are `Value`s in key order, e.g. `Value::from_bytes(account_id)` and
/// `Value::u128(request_id.into())`.
pub async fn storage(
	client: &Client,
	at: Option<Hash>,
	pallet: &str,
	entry: &str,
	keys: Vec<Value>,
) -> Result<Option<Value>, String> {
	let at = match at {
		Some(hash) => client.at_block(hash).await,
		None => client.at_current_block().await,
	}
	.map_err(|e| format!("client at block: {e}"))?;
	let address = subxt::dynamic::storage::<Vec<Value>, Value>(pallet, entry);
	let value = at
		.storage()
		.try_fetch(address, keys)
		.await
		.map_err(|e| format!("{pallet}::{entry}: {e}"))?;
	value
		.map(|v| v.decode().map_err(|e| format!("{pallet}::{entry}: decode: {e}")))
		.transpose()
}

/// The events of finalized blocks `from..=to`, each with its block number, in order.
pub async fn events_between(
	client: &Client,
	from: u64,
	to: u64,
) -> Result<Vec<(u64, ChainEvent)>, String> {
	let mut out = Vec::new();
	for number in from..=to {
		let at = client.at_block(number).await.map_err(|e| format!("block {number}: {e}"))?;
		let events = at
			.events()
			.fetch()
			.await
			.map_err(|e| format!("events of block {number}: {e}"))?;
		for event in events.iter() {
			let event = event.map_err(|e| format!("decode an event of block {number}: {e}"))?;
			out.push((
				number,
				ChainEvent {
					pallet: event.pallet_name().to_string(),
					name: event.event_name().to_string(),
					fields: event
						.decode_fields_unchecked_as::<Value>()
						.map_err(|e| format!("decode event fields of block {number}: {e}"))?,
				},
			));
		}
	}
	Ok(out)
}

/// The bytes of a decoded byte array or of a newtype around one (such as `AccountId32`).
pub fn value_bytes(value: &Value) -> Vec<u8> {
	use subxt::ext::scale_value::At;
	let array = match value.at(0) {
		Some(first) if first.as_u128().is_none() => first,
		_ => value,
	};
	(0..)
		.map_while(|i| array.at(i))
		.map(|byte| byte.as_u128().and_then(|b| u8::try_from(b).ok()).expect("a byte"))
		.collect()
}

/// A key pair from its secret URI (`//Alice`, `//Sender//3`, a mnemonic).
pub fn keypair(uri: &str) -> Result<Keypair, String> {
	let uri: subxt_signer::SecretUri = uri.parse().map_err(|e| format!("{uri}: {e:?}"))?;
	Keypair::from_uri(&uri).map_err(|e| format!("{e:?}"))
}
