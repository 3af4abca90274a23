//! The weak-key rule ([`is_weak_node_key`]) checked against the curve itself.

use crate::is_weak_node_key;
use curve25519_dalek::{edwards::CompressedEdwardsY, EdwardsPoint, Scalar};
use sp_core::{ed25519, Pair};

/// The field prime 2^255 - 19, little-endian.
fn prime() -> [u8; 32] {
	let mut p = [0xff; 32];
	p[0] = 0xed;
	p[31] = 0x7f;
	p
}

/// Every encoding the rule refuses: each of the five small-order `y` values and each `y` from
/// the prime up to 2^255 - 1, with either sign bit.
pub fn weak_keys() -> Vec<[u8; 32]> {
	let mut keys = Vec::new();
	for point in torsion_points() {
		keys.push(point.compress().to_bytes());
	}
	for low in 0xed..=0xffu8 {
		let mut y = prime();
		y[0] = low;
		keys.push(y);
	}
	let flipped: Vec<_> = keys
		.iter()
		.map(|key| {
			let mut key = *key;
			key[31] ^= 0x80;
			key
		})
		.collect();
	keys.extend(flipped);
	keys.sort();
	keys.dedup();
	keys
}

/// The eight points of small order, found as the torsion parts of many points:
/// `P - (8⁻¹ mod ℓ)·(8P)`.
fn torsion_points() -> Vec<EdwardsPoint> {
	let inverse_of_eight = Scalar::from(8u8).invert();
	let mut found: Vec<EdwardsPoint> = Vec::new();
	for i in 0u32..400 {
		let candidate = sp_io::hashing::blake2_256(&i.to_le_bytes());
		let Some(point) = CompressedEdwardsY(candidate).decompress() else { continue };
		let torsion = point - inverse_of_eight * point.mul_by_cofactor();
		if !found.contains(&torsion) {
			found.push(torsion);
		}
	}
	assert_eq!(found.len(), 8, "all eight small-order points");
	found
}

#[test]
fn the_rule_refuses_exactly_small_order_and_non_canonical_keys() {
	let weak = weak_keys();
	// 8 points, the two with x = 0 also with the other (non-canonical) sign: 10; and
	// 19 encodings at or above the prime, with either sign: 38.
	assert_eq!(weak.len(), 48);
	for key in &weak {
		assert!(is_weak_node_key(key), "{key:02x?} is refused");
		match CompressedEdwardsY(*key).decompress() {
			Some(point) => assert!(
				point.is_small_order() || point.compress().to_bytes() != *key,
				"{key:02x?} is of small order or non-canonical"
			),
			// A `y` above the prime that reduces to no point at all.
			None => assert!(key[1..31].iter().all(|b| *b == 0xff)),
		}
	}
	// Keys of real key pairs, and their neighbours, are accepted.
	for seed in 0u8..64 {
		let public = ed25519::Pair::from_seed(&[seed; 32]).public().0;
		assert!(!is_weak_node_key(&public));
		let point = CompressedEdwardsY(public).decompress().unwrap();
		assert!(!point.is_small_order());
	}
	let mut below_prime = prime();
	below_prime[0] = 0xec - 1;
	assert!(!is_weak_node_key(&below_prime));
}
