//! Errors of the `compute_*` methods.
//!
//! | code | meaning |
//! |---|---|
//! | -32602 | a parameter is malformed; the message names it |
//! | 9000 | the runtime API call failed (e.g. unknown block hash or state pruned); `data` says why |

use jsonrpsee::types::{error::INVALID_PARAMS_CODE, ErrorObjectOwned};

/// The runtime API call failed. Codes 9000–9099 are reserved for the compute RPC.
pub const RUNTIME_ERROR: i32 = 9000;

/// Longest explanation in an error message, in characters: a decoder's message may quote the
/// whole parameter, which may be megabytes long.
pub const MAX_WHY_CHARS: usize = 160;

/// A malformed parameter `name`: JSON-RPC "invalid params".
pub fn invalid_param(name: &str, why: impl core::fmt::Display) -> ErrorObjectOwned {
	let why = why.to_string();
	let why = match why.char_indices().nth(MAX_WHY_CHARS) {
		Some((cut, _)) => format!("{}…", &why[..cut]),
		None => why,
	};
	ErrorObjectOwned::owned(
		INVALID_PARAMS_CODE,
		format!("invalid parameter `{name}`: {why}"),
		None::<()>,
	)
}

/// A failed runtime API call.
pub fn runtime_error(e: impl core::fmt::Debug) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(RUNTIME_ERROR, "runtime API call failed", Some(format!("{e:?}")))
}
