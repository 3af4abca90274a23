//! Images and user data: where they come from, fetching them into a content cache, and telling
//! a bootable image from a broken one.
//!
//! Sources are `ipfs://<cid>[/path]`, fetched from the configured gateway as
//! `<gateway>/ipfs/<cid>[/path]`, and plain `http(s)://` URLs, fetched as they are. What can be
//! verified is: a CID with the `raw` codec and a SHA2-256 digest is checked against the bytes,
//! and any source may end in `#sha256=<hex>`, which is checked too. A source with neither is
//! trusted to its gateway, as IPFS gateways are (a UnixFS DAG cannot be checked without
//! walking it).
//!
//! An image is one of:
//! - a qcow2 disk image (checked with `qemu-img check`), booted with its own bootloader;
//! - a raw disk image with an MBR or GPT, booted the same way;
//! - a boot manifest for small guests, JSON: `{"kernel": SOURCE, "initrd": SOURCE,
//!   "cmdline": TEXT}`, whose kernel (a bzImage) and initrd are fetched in turn and booted
//!   directly.

use std::{
	io,
	path::{Path, PathBuf},
	time::Duration,
};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::vm::Boot;

/// Largest image (or part of one) the agent fetches.
pub const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024 * 1024;
/// Longest time one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The kernel command line of a boot manifest that names none.
pub const DEFAULT_CMDLINE: &str = "console=tty0 console=ttyS0";
/// Multicodec of raw bytes in a CID.
const RAW_CODEC: u64 = 0x55;
/// Multihash code of SHA2-256.
const SHA2_256: u64 = 0x12;

/// Why an image could not be used; the text is what the user reads on chain.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
	/// The source is not something the agent can fetch.
	#[error("unsupported source {0}")]
	Unsupported(String),
	/// The fetch failed.
	#[error("cannot fetch {0}: {1}")]
	Fetch(String, String),
	/// The bytes are not what the source says.
	#[error("{0} does not match its digest")]
	Digest(String),
	/// The bytes are not a bootable image.
	#[error("{0} is not a bootable image: {1}")]
	Corrupt(String, String),
	/// A local file operation failed.
	#[error("image cache: {0}")]
	Io(#[from] io::Error),
}

/// Where to fetch a source, and the SHA2-256 digest it must have, if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
	/// The HTTP(S) URL to fetch.
	pub url: String,
	/// The digest the bytes must have.
	pub sha256: Option<[u8; 32]>,
}

/// Resolves a source against the IPFS gateway.
pub fn locate(source: &str, gateway: &str) -> Result<Location, ImageError> {
	let unsupported = || ImageError::Unsupported(source.to_string());
	let (body, fragment) = match source.split_once('#') {
		Some((body, fragment)) => (body, Some(fragment)),
		None => (source, None),
	};
	let mut sha256 = match fragment {
		Some(fragment) => {
			let hex = fragment.strip_prefix("sha256=").ok_or_else(unsupported)?;
			Some(parse_digest(hex).ok_or_else(unsupported)?)
		},
		None => None,
	};
	let url = if let Some(rest) = body.strip_prefix("ipfs://") {
		let (cid_text, path) = rest.split_once('/').unwrap_or((rest, ""));
		let cid = cid::Cid::try_from(cid_text).map_err(|_| unsupported())?;
		let hash = cid.hash();
		if path.is_empty() && cid.codec() == RAW_CODEC && hash.code() == SHA2_256 {
			let digest: [u8; 32] = hash.digest().try_into().map_err(|_| unsupported())?;
			if sha256.is_some_and(|given| given != digest) {
				return Err(unsupported());
			}
			sha256 = Some(digest);
		}
		let path = if path.is_empty() { String::new() } else { format!("/{path}") };
		format!("{}/ipfs/{cid_text}{path}", gateway.trim_end_matches('/'))
	} else if body.starts_with("http://") || body.starts_with("https://") {
		body.to_string()
	} else {
		return Err(unsupported());
	};
	Ok(Location { url, sha256 })
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
	if hex.len() != 64 {
		return None;
	}
	let mut out = [0u8; 32];
	for (i, byte) in out.iter_mut().enumerate() {
		*byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
	}
	Some(out)
}

/// Numbers the fetches of this process, naming their partial files.
static NEXT_FETCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Fetches sources into a content cache: one file per source, named by the SHA2-256 of the
/// source text, written aside and renamed when complete, so a crash leaves no half file.
#[derive(Clone)]
pub struct Fetcher {
	cache: PathBuf,
	gateway: String,
}

impl Fetcher {
	/// A fetcher caching in `cache`, fetching `ipfs://` sources from `gateway`.
	pub fn new(cache: PathBuf, gateway: String) -> Fetcher {
		Fetcher { cache, gateway }
	}

	/// The cached file of `source`, fetched (and verified) first if needed.
	pub async fn fetch(&self, source: &str) -> Result<PathBuf, ImageError> {
		let location = locate(source, &self.gateway)?;
		let key = hex(&Sha256::digest(source.as_bytes()));
		let path = self.cache.join(&key);
		if tokio::fs::try_exists(&path).await? {
			return Ok(path);
		}
		tokio::fs::create_dir_all(&self.cache).await?;
		// Its own partial file per fetch: two VMs fetching one source at once both write a
		// whole file, and the second rename replaces the first with the same bytes.
		let fetch = NEXT_FETCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		let partial = self.cache.join(format!("{key}.{}-{fetch}.part", std::process::id()));
		let digest = tokio::time::timeout(FETCH_TIMEOUT, download(&location.url, &partial))
			.await
			.map_err(|_| ImageError::Fetch(source.to_string(), "timed out".into()))?
			.map_err(|e| ImageError::Fetch(source.to_string(), e));
		let digest = match digest {
			Ok(digest) => digest,
			Err(e) => {
				let _ = tokio::fs::remove_file(&partial).await;
				return Err(e);
			},
		};
		if location.sha256.is_some_and(|want| want != digest) {
			let _ = tokio::fs::remove_file(&partial).await;
			return Err(ImageError::Digest(source.to_string()));
		}
		tokio::fs::rename(&partial, &path).await?;
		Ok(path)
	}

	/// Small sources (user data) read whole: at most `limit` bytes.
	pub async fn fetch_bytes(&self, source: &str, limit: usize) -> Result<Vec<u8>, ImageError> {
		let path = self.fetch(source).await?;
		let bytes = tokio::fs::read(&path).await?;
		if bytes.len() > limit {
			return Err(ImageError::Corrupt(
				source.to_string(),
				format!("more than {limit} bytes"),
			));
		}
		Ok(bytes)
	}

	/// Fetches an image and works out how to boot it.
	pub async fn boot_of(&self, source: &str) -> Result<Boot, ImageError> {
		let path = self.fetch(source).await?;
		let corrupt = |why: &str| ImageError::Corrupt(source.to_string(), why.to_string());
		let head = read_head(&path, 4096).await?;
		if head.starts_with(b"QFI\xfb") {
			qemu_img_check(&path).await.map_err(|e| corrupt(&e))?;
			return Ok(Boot::Disk { base: path, format: "qcow2".into() });
		}
		if head.first() == Some(&b'{') {
			let manifest: Manifest = serde_json::from_slice(&tokio::fs::read(&path).await?)
				.map_err(|e| corrupt(&e.to_string()))?;
			let kernel = Box::pin(self.fetch(&manifest.kernel)).await?;
			let initrd = Box::pin(self.fetch(&manifest.initrd)).await?;
			let kernel_head = read_head(&kernel, 0x206).await?;
			if kernel_head.get(0x202..0x206) != Some(b"HdrS".as_slice()) {
				return Err(ImageError::Corrupt(manifest.kernel, "not a Linux bzImage".into()));
			}
			let initrd_head = read_head(&initrd, 6).await?;
			let known = [b"\x1f\x8b".as_slice(), b"070701", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ"];
			if !known.iter().any(|magic| initrd_head.starts_with(magic)) {
				return Err(ImageError::Corrupt(manifest.initrd, "not an initrd".into()));
			}
			let cmdline = manifest.cmdline.unwrap_or_else(|| DEFAULT_CMDLINE.to_string());
			return Ok(Boot::Kernel { kernel, initrd, cmdline });
		}
		let mbr = head.get(510..512) == Some(&[0x55, 0xaa]);
		let gpt = head.get(512..520) == Some(b"EFI PART".as_slice());
		if mbr || gpt {
			return Ok(Boot::Disk { base: path, format: "raw".into() });
		}
		Err(corrupt("no qcow2 header, boot manifest, MBR or GPT"))
	}
}

/// A boot manifest (see the module docs).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
	kernel: String,
	initrd: String,
	cmdline: Option<String>,
}

async fn read_head(path: &Path, len: usize) -> io::Result<Vec<u8>> {
	use tokio::io::AsyncReadExt;
	let file = tokio::fs::File::open(path).await?;
	let mut head = Vec::with_capacity(len);
	file.take(len as u64).read_to_end(&mut head).await?;
	Ok(head)
}

async fn qemu_img_check(path: &Path) -> Result<(), String> {
	let out = tokio::process::Command::new("qemu-img")
		.args(["check", "-q", "-f", "qcow2"])
		.arg(path)
		.output()
		.await
		.map_err(|e| e.to_string())?;
	if out.status.success() {
		Ok(())
	} else {
		Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
	}
}

/// Downloads `url` to `path`, following redirects, and returns the SHA2-256 of the bytes.
async fn download(url: &str, path: &Path) -> Result<[u8; 32], String> {
	let https = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()
		.map_err(|e| e.to_string())?
		.https_or_http()
		.enable_http1()
		.build();
	let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
	let mut url = url.to_string();
	for _ in 0..5 {
		let uri: hyper::Uri =
			url.parse().map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
		let response = client.get(uri).await.map_err(|e| e.to_string())?;
		let status = response.status();
		if status.is_redirection() {
			let location = response
				.headers()
				.get(hyper::header::LOCATION)
				.and_then(|v| v.to_str().ok())
				.ok_or("redirect without a location")?;
			url = location.to_string();
			continue;
		}
		if !status.is_success() {
			return Err(format!("HTTP {status}"));
		}
		let mut body = response.into_body();
		let mut file = tokio::fs::File::create(path).await.map_err(|e| e.to_string())?;
		let (mut hasher, mut total) = (Sha256::new(), 0u64);
		while let Some(frame) = body.frame().await {
			let frame = frame.map_err(|e| e.to_string())?;
			if let Some(chunk) = frame.data_ref() {
				total += chunk.len() as u64;
				if total > MAX_IMAGE_BYTES {
					return Err(format!("more than {MAX_IMAGE_BYTES} bytes"));
				}
				hasher.update(chunk);
				file.write_all(chunk).await.map_err(|e| e.to_string())?;
			}
		}
		file.sync_all().await.map_err(|e| e.to_string())?;
		return Ok(hasher.finalize().into());
	}
	Err("too many redirects".into())
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	const GATEWAY: &str = "http://127.0.0.1:8080/";

	#[test]
	fn ipfs_sources_go_to_the_gateway() {
		let cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
		let location = locate(&format!("ipfs://{cid}/disk.qcow2"), GATEWAY).expect("ipfs");
		assert_eq!(location.url, format!("http://127.0.0.1:8080/ipfs/{cid}/disk.qcow2"));
		assert_eq!(location.sha256, None, "a dag-pb CID is trusted to its gateway");
	}

	#[test]
	fn raw_cids_carry_their_digest() {
		// CIDv1, raw codec, SHA2-256 of the empty string.
		let empty = Sha256::digest(b"");
		let mut multihash = vec![0x12, 0x20];
		multihash.extend_from_slice(&empty);
		let cid = cid::Cid::new_v1(
			RAW_CODEC,
			cid::multihash::Multihash::from_bytes(&multihash).expect("mh"),
		);
		let location = locate(&format!("ipfs://{cid}"), GATEWAY).expect("raw cid");
		assert_eq!(location.sha256, Some(empty.into()));
	}

	#[test]
	fn urls_may_pin_a_digest() {
		let digest = "ab".repeat(32);
		let location =
			locate(&format!("https://example.org/a.img#sha256={digest}"), GATEWAY).expect("url");
		assert_eq!(location.url, "https://example.org/a.img");
		assert_eq!(location.sha256, Some([0xab; 32]));
	}

	#[test]
	fn other_sources_are_refused() {
		for bad in
			["ftp://x/y", "ipfs://not-a-cid", "file:///etc/passwd", "https://x/y#md5=00", "/tmp/a"]
		{
			assert!(matches!(locate(bad, GATEWAY), Err(ImageError::Unsupported(_))), "{bad}");
		}
	}
}
