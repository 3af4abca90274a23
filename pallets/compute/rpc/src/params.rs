//! Parsing of `compute_*` parameters. Every parameter arrives as raw JSON so that a malformed
//! one is reported with its name (JSON-RPC -32602), never as a generic decode failure.

use core::str::FromStr;

use jsonrpsee::types::ErrorObjectOwned;
use pallet_compute::IpAddress;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sp_core::crypto::Ss58Codec;

use crate::error::invalid_param;

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

/// `0x`-prefixed hex bytes, e.g. a node id.
pub fn hex_bytes(name: &str, value: Value) -> Result<Vec<u8>, ErrorObjectOwned> {
	let text: String = required(name, value)?;
	let digits = text
		.strip_prefix("0x")
		.ok_or_else(|| invalid_param(name, "expected 0x-prefixed hex"))?;
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

/// `bytes`, if at most `max` long: a longer node id or VM name cannot exist on chain.
pub fn bounded(bytes: Vec<u8>, name: &str, max: u32) -> Result<Vec<u8>, ErrorObjectOwned> {
	if bytes.len() > max as usize {
		return Err(invalid_param(name, format!("longer than {max} bytes")));
	}
	Ok(bytes)
}

/// An SS58 account address.
pub fn account<AccountId: Ss58Codec>(
	name: &str,
	value: Value,
) -> Result<AccountId, ErrorObjectOwned> {
	let text: String = required(name, value)?;
	AccountId::from_ss58check(&text).map_err(|e| invalid_param(name, format!("{e:?}")))
}

/// An IPv4 or IPv6 address in text form.
pub fn ip(name: &str, value: Option<Value>) -> Result<Option<IpAddress>, ErrorObjectOwned> {
	let Some(text) = optional::<String>(name, value)? else { return Ok(None) };
	let parsed = std::net::IpAddr::from_str(&text).map_err(|e| invalid_param(name, e))?;
	Ok(Some(match parsed {
		std::net::IpAddr::V4(v4) => IpAddress::V4(v4.octets()),
		std::net::IpAddr::V6(v6) => IpAddress::V6(v6.octets()),
	}))
}
