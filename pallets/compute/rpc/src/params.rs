//! Parsing of `compute_*` parameters. Every parameter arrives as raw JSON so that a malformed
//! one is reported with its name (JSON-RPC -32602), never as a generic decode failure.
//!
//! Text is measured before it is decoded: an over-long account, node id, VM name, address or
//! block hash is refused in time independent of what it holds (SS58 decoding, for one, takes
//! time quadratic in the text's length).

use core::str::FromStr;

use compute_primitives::{IpAddress, RequestId};
use jsonrpsee::types::ErrorObjectOwned;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sp_core::crypto::Ss58Codec;

use crate::error::invalid_param;

/// Longest SS58 address accepted: a 32-byte account with a two-byte network prefix and its
/// two-byte checksum is 50 base-58 characters; the rest is headroom for longer account types.
pub const MAX_SS58_LEN: usize = 64;

/// Longest textual IP address: an IPv6 address with an embedded IPv4 one, 45 characters.
pub const MAX_IP_TEXT_LEN: usize = 45;

/// Longest `at` block hash accepted: `0x` and the hex digits of a 64-byte hash.
pub const MAX_HASH_TEXT_LEN: usize = 2 + 2 * 64;

/// An optional parameter: absent or `null` gives `None`.
pub fn optional<T: DeserializeOwned>(
	name: &str,
	value: Option<Value>,
) -> Result<Option<T>, ErrorObjectOwned> {
	match value {
		None | Some(Value::Null) => Ok(None),
		Some(v) => serde_json::from_value(v).map(Some).map_err(|e| invalid_param(name, e)),
	}
}

/// A required parameter.
pub fn required<T: DeserializeOwned>(name: &str, value: Value) -> Result<T, ErrorObjectOwned> {
	serde_json::from_value(value).map_err(|e| invalid_param(name, e))
}

/// A JSON string of at most `max` bytes, refused by its length before anything reads it.
pub fn text(name: &str, value: Value, max: usize) -> Result<String, ErrorObjectOwned> {
	match value {
		Value::String(text) if text.len() > max => {
			Err(invalid_param(name, format!("longer than {max} characters")))
		},
		Value::String(text) => Ok(text),
		other => Err(invalid_param(name, format!("expected a string, got {}", kind(&other)))),
	}
}

/// The JSON type of `value`, for error messages.
fn kind(value: &Value) -> &'static str {
	match value {
		Value::Null => "null",
		Value::Bool(_) => "a boolean",
		Value::Number(_) => "a number",
		Value::String(_) => "a string",
		Value::Array(_) => "an array",
		Value::Object(_) => "an object",
	}
}

/// `0x`-prefixed hex of at most `max` bytes, e.g. a node id: a longer one cannot exist on
/// chain.
pub fn hex_bytes(name: &str, value: Value, max: u32) -> Result<Vec<u8>, ErrorObjectOwned> {
	let max_digits = (max as usize).saturating_mul(2);
	let text = text(name, value, max_digits.saturating_add(2))?;
	let digits = text
		.strip_prefix("0x")
		.ok_or_else(|| invalid_param(name, "expected 0x-prefixed hex"))?;
	if digits.len() > max_digits {
		return Err(invalid_param(name, format!("longer than {max} bytes")));
	}
	if digits.len() % 2 != 0 {
		return Err(invalid_param(name, "odd number of hex digits"));
	}
	(0..digits.len())
		.step_by(2)
		.map(|i| {
			digits
				.get(i..i + 2)
				.and_then(|pair| u8::from_str_radix(pair, 16).ok())
				.ok_or_else(|| invalid_param(name, "invalid hex digit"))
		})
		.collect()
}

/// UTF-8 text of at most `max` bytes, as bytes, e.g. a VM name.
pub fn bounded_text(name: &str, value: Value, max: u32) -> Result<Vec<u8>, ErrorObjectOwned> {
	Ok(text(name, value, max as usize)?.into_bytes())
}

/// An SS58 account address.
pub fn account<AccountId: Ss58Codec>(
	name: &str,
	value: Value,
) -> Result<AccountId, ErrorObjectOwned> {
	let text = text(name, value, MAX_SS58_LEN)?;
	AccountId::from_ss58check(&text).map_err(|e| invalid_param(name, format!("{e:?}")))
}

/// An IPv4 or IPv6 address in text form.
pub fn ip(name: &str, value: Option<Value>) -> Result<Option<IpAddress>, ErrorObjectOwned> {
	let text = match value {
		None | Some(Value::Null) => return Ok(None),
		Some(value) => text(name, value, MAX_IP_TEXT_LEN)?,
	};
	let parsed = std::net::IpAddr::from_str(&text).map_err(|e| invalid_param(name, e))?;
	Ok(Some(parsed.into()))
}

/// A block hash (`0x`-hex), or `None`.
pub fn block_hash<Hash: DeserializeOwned>(
	name: &str,
	value: Option<Value>,
) -> Result<Option<Hash>, ErrorObjectOwned> {
	match value {
		None | Some(Value::Null) => Ok(None),
		Some(value) => {
			required(name, Value::String(text(name, value, MAX_HASH_TEXT_LEN)?)).map(Some)
		},
	}
}

/// The parameters of a page of a node's requests.
pub struct NodePage {
	/// `nodeId`.
	pub node_id: Vec<u8>,
	/// `limit`.
	pub limit: Option<u32>,
	/// `startAfter`: a request id.
	pub start_after: Option<RequestId>,
}

/// Parses a [`NodePage`]; `nodeId` is at most `max_node_id` bytes.
pub fn node_page(
	node_id: Value,
	limit: Option<Value>,
	start_after: Option<Value>,
	max_node_id: u32,
) -> Result<NodePage, ErrorObjectOwned> {
	Ok(NodePage {
		node_id: hex_bytes("nodeId", node_id, max_node_id)?,
		limit: optional("limit", limit)?,
		start_after: optional("startAfter", start_after)?,
	})
}
