//! VM names: `vm-<request_id>`, derived from the request id and parsed back.

use crate::RequestId;
use alloc::vec::Vec;

/// Longest VM name: `vm-` followed by the 20 digits of `u64::MAX`.
pub const MAX_VM_NAME_LEN: u32 = 23;

/// Prefix of every VM name; the rest is the request id in decimal.
pub const VM_NAME_PREFIX: &[u8] = b"vm-";

/// The name of the VM of a request: `vm-<request_id>`, derived, never chosen by a user; at
/// most [`MAX_VM_NAME_LEN`] bytes.
pub fn vm_name(request_id: RequestId) -> Vec<u8> {
	let mut digits = [0u8; 20];
	let mut n = request_id;
	let mut start = digits.len();
	loop {
		start -= 1;
		// `n % 10` is below 10, so the cast cannot truncate.
		digits[start] = b'0' + (n % 10) as u8;
		n /= 10;
		if n == 0 {
			break;
		}
	}
	let mut name = Vec::with_capacity(VM_NAME_PREFIX.len() + digits.len() - start);
	name.extend_from_slice(VM_NAME_PREFIX);
	name.extend_from_slice(&digits[start..]);
	name
}

/// Parses a VM name back to its request id; `None` unless it is exactly `vm-<request_id>` in
/// canonical form (no sign, no leading zeros).
pub fn request_id_of(vm_name: &[u8]) -> Option<RequestId> {
	let digits = vm_name.strip_prefix(VM_NAME_PREFIX)?;
	if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
		return None;
	}
	let mut id: RequestId = 0;
	for d in digits {
		if !d.is_ascii_digit() {
			return None;
		}
		id = id.checked_mul(10)?.checked_add(RequestId::from(d - b'0'))?;
	}
	Some(id)
}
