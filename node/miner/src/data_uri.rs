//! User data carried in the request itself: a `data:` URI (RFC 2397),
//! `data:[<media type>][;base64],<data>`.
//!
//! A request names its user data by source, in at most the chain's `MaxStringLen` bytes (256):
//! a short `#cloud-config` with one SSH key fits inline, so a renter needs no server to host
//! it (the dashboard writes its requests so). What is inline is public on chain, as every
//! request is. Images are never inline: they do not fit.

use base64::Engine;

/// The bytes `source` carries, if it is a `data:` URI; `Err` says why one does not decode.
pub fn decode(source: &str) -> Option<Result<Vec<u8>, String>> {
	let rest = source.strip_prefix("data:")?;
	let Some((header, data)) = rest.split_once(',') else {
		return Some(Err("a data: URI without a comma before its data".into()));
	};
	let data = percent_decode(data);
	Some(match header.ends_with(";base64") {
		true => data.and_then(|text| {
			base64::engine::general_purpose::STANDARD
				.decode(text)
				.map_err(|e| format!("the data: URI's base64 does not decode: {e}"))
		}),
		false => data,
	})
}

/// `text` with its `%XX` escapes decoded.
fn percent_decode(text: &str) -> Result<Vec<u8>, String> {
	let bytes = text.as_bytes();
	let mut out = Vec::with_capacity(bytes.len());
	let mut i = 0;
	while let Some(&byte) = bytes.get(i) {
		if byte != b'%' {
			out.push(byte);
			i += 1;
			continue;
		}
		let escape = bytes
			.get(i + 1..i + 3)
			.and_then(|hex| std::str::from_utf8(hex).ok())
			.and_then(|hex| u8::from_str_radix(hex, 16).ok())
			.ok_or_else(|| format!("a bad %-escape at byte {i} of the data: URI's data"))?;
		out.push(escape);
		i += 3;
	}
	Ok(out)
}

#[cfg(test)]
mod tests {
	use super::decode;

	#[test]
	fn base64_and_percent_encoded_data_decode() {
		let config = "#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA renter\n";
		let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, config);
		assert_eq!(
			decode(&format!("data:text/cloud-config;base64,{b64}")),
			Some(Ok(config.as_bytes().to_vec()))
		);
		assert_eq!(decode("data:,a%20b%0Ac"), Some(Ok(b"a b\nc".to_vec())));
		assert_eq!(decode("data:text/plain;charset=utf-8,plain"), Some(Ok(b"plain".to_vec())));
	}

	#[test]
	fn other_sources_are_not_data_uris_and_bad_ones_say_why() {
		assert_eq!(decode("https://example.org/user-data"), None);
		assert_eq!(decode("ipfs://bafy"), None);
		let why = |uri: &str| match decode(uri) {
			Some(Err(why)) => why,
			other => panic!("{uri} decoded to {other:?}"),
		};
		assert!(why("data:text/plain").contains("comma"));
		assert!(why("data:,%zz").contains("%-escape"));
		assert!(why("data:;base64,***").contains("base64"));
	}
}
