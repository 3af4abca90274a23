//! Page limits of the read API (`ComputeApi` and the `compute_*` RPC).
//!
//! The runtime also exposes both as the `Compute` pallet's metadata constants `DefaultPageSize`
//! and `MaxPageSize`.

/// Page size the read functions use when the caller gives no `limit`.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Largest page the read functions return, whatever `limit` asks for.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Most request ids one call of `ComputeApi::requests` reads: a list filtered by status may
/// fill its page only over several calls, each continuing where the last one stopped.
pub const MAX_REQUEST_SCAN: u32 = 2_000;
