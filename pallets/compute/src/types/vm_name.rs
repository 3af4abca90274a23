//! VM names as the pallet stores them (the encoding is in `compute-primitives`).

use super::*;
use frame_support::{pallet_prelude::ConstU32, BoundedVec};

pub use compute_primitives::{request_id_of, MAX_VM_NAME_LEN, VM_NAME_PREFIX};

/// Name of the VM of a request: `vm-<request_id>`, derived, never chosen by a user.
pub type VmName = BoundedVec<u8, ConstU32<MAX_VM_NAME_LEN>>;

/// Derives the VM name of a request: `vm-<request_id>`.
pub fn vm_name_of(request_id: RequestId) -> VmName {
	// At most MAX_VM_NAME_LEN bytes, so this never truncates.
	BoundedVec::truncate_from(compute_primitives::vm_name(request_id))
}
