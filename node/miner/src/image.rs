//! Images and user data: where they come from, fetching them into a content cache, and telling
//! a bootable image from a broken one.
//!
//! Sources are `ipfs://<cid>[/path]` (or a bare `<cid>[/path]`), fetched from the configured
//! gateway as `<gateway>/ipfs/<cid>[/path]`, and plain `http(s)://` URLs, fetched as they are,
//! only from public addresses ([`crate::source_guard`]) and at most as many bytes as the plan's
//! disk holds. What can be
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
use hyper_util::{
	client::legacy::{connect::HttpConnector, Client},
	rt::TokioExecutor,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{
	source_guard::{self, Exempt, SourceResolver},
	vm::Boot,
};

/// Bytes in a GiB: a fetched image may be as large as the plan's disk.
pub const GIB: u64 = 1024 * 1024 * 1024;
/// Longest time one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Most redirects one fetch follows.
const MAX_REDIRECTS: usize = 5;
/// Largest boot manifest (a few lines of JSON) the agent reads.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;
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
	/// User data inline in a `data:` URI that does not decode.
	#[error("the inline user data: {0}")]
	Inline(String),
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
	// A bare CID is an IPFS CID, as `cloud_init_cid`'s name says.
	let is_cid = |text: &str| {
		!text.contains(':') && cid::Cid::try_from(text.split('/').next().unwrap_or("")).is_ok()
	};
	let ipfs = match body.strip_prefix("ipfs://") {
		Some(rest) => Some(rest),
		None => is_cid(body).then_some(body),
	};
	let url = if let Some(rest) = ipfs {
		let (cid_text, path) = rest.split_once('/').unwrap_or((rest, ""));
		let cid = cid::Cid::try_from(cid_text).map_err(|_| unsupported())?;
		// The path stays inside the CID's tree on the gateway.
		let climbs = |segment: &str| {
			let segment = segment.to_ascii_lowercase().replace("%2e", ".");
			segment == "." || segment == ".." || segment.contains('\\') || segment.contains("%2f")
		};
		if path.split('/').any(climbs) || path.contains('?') {
			return Err(unsupported());
		}
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
	exempt: Exempt,
}

impl Fetcher {
	/// A fetcher caching in `cache`, fetching `ipfs://` sources from `gateway`, and fetching
	/// from non-public addresses only on the gateway and the hosts of `exempt`.
	pub fn new(cache: PathBuf, gateway: String, exempt: Exempt) -> Fetcher {
		Fetcher { cache, gateway, exempt }
	}

	/// The cached file of `source`, fetched (and verified) first if needed: at most `limit`
	/// bytes.
	pub async fn fetch(&self, source: &str, limit: u64) -> Result<PathBuf, ImageError> {
		let location = locate(source, &self.gateway)?;
		let key = hex(&Sha256::digest(source.as_bytes()));
		let path = self.cache.join(&key);
		if let Some(cached) = tokio::fs::metadata(&path).await.ok().filter(|m| m.is_file()) {
			// Cached for another request, whose limit may have been larger.
			if cached.len() > limit {
				return Err(ImageError::Fetch(
					source.to_string(),
					format!("more than {limit} bytes"),
				));
			}
			return Ok(path);
		}
		tokio::fs::create_dir_all(&self.cache).await?;
		// Its own partial file per fetch: two VMs fetching one source at once both write a
		// whole file, and the second rename replaces the first with the same bytes.
		let fetch = NEXT_FETCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		let partial = self.cache.join(format!("{key}.{}-{fetch}.part", std::process::id()));
		let download = download(&location.url, &partial, limit, &self.exempt);
		let digest = tokio::time::timeout(FETCH_TIMEOUT, download)
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

	/// Small sources (user data) read whole: at most `limit` bytes. A `data:` URI
	/// ([`crate::data_uri`]) carries its bytes itself.
	pub async fn fetch_bytes(&self, source: &str, limit: usize) -> Result<Vec<u8>, ImageError> {
		if let Some(inline) = crate::data_uri::decode(source) {
			return inline.map_err(ImageError::Inline);
		}
		let path = self.fetch(source, limit as u64).await?;
		let bytes = tokio::fs::read(&path).await?;
		if bytes.len() > limit {
			return Err(ImageError::Corrupt(
				source.to_string(),
				format!("more than {limit} bytes"),
			));
		}
		Ok(bytes)
	}

	/// Fetches an image of at most `limit` bytes (each part of a boot manifest too) and works
	/// out how to boot it.
	pub async fn boot_of(&self, source: &str, limit: u64) -> Result<Boot, ImageError> {
		let path = self.fetch(source, limit).await?;
		let corrupt = |why: &str| ImageError::Corrupt(source.to_string(), why.to_string());
		let head = read_head(&path, 4096).await?;
		if head.starts_with(b"QFI\xfb") {
			qemu_img_check(&path).await.map_err(|e| corrupt(&e))?;
			return Ok(Boot::Disk { base: path, format: "qcow2".into() });
		}
		if head.first() == Some(&b'{') {
			// A manifest is a few lines: a bigger file is not read into memory.
			if tokio::fs::metadata(&path).await?.len() > MAX_MANIFEST_BYTES {
				return Err(corrupt(&format!(
					"a boot manifest of more than {MAX_MANIFEST_BYTES} bytes"
				)));
			}
			let manifest: Manifest = serde_json::from_slice(&tokio::fs::read(&path).await?)
				.map_err(|e| corrupt(&e.to_string()))?;
			let kernel = Box::pin(self.fetch(&manifest.kernel, limit)).await?;
			let initrd = Box::pin(self.fetch(&manifest.initrd, limit)).await?;
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
	let mut command = tokio::process::Command::new("qemu-img");
	command
		.args(["check", "-q", "-f", "qcow2"])
		.arg(path)
		.stdin(std::process::Stdio::null());
	let out = crate::network::tap::output_without_taps(&mut command)
		.await
		.map_err(|e| e.to_string())?;
	if out.status.success() {
		Ok(())
	} else {
		Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
	}
}

/// Downloads `url` to `path`, at most `limit` bytes, following redirects, and returns the
/// SHA2-256 of the bytes. Each hop is fetched only from a public address unless its host is
/// `exempt` ([`crate::source_guard`]). Errors say why a source was refused or not fetched,
/// never what a refused address would have answered.
async fn download(url: &str, path: &Path, limit: u64, exempt: &Exempt) -> Result<[u8; 32], String> {
	let mut url = url.to_string();
	for _ in 0..=MAX_REDIRECTS {
		let uri: hyper::Uri =
			url.parse().map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?;
		if !matches!(uri.scheme_str(), Some("http" | "https")) {
			return Err("not an http(s) URL".into());
		}
		let exempt = exempt.covers(&uri);
		if !exempt {
			source_guard::check_literal(&uri)?;
		}
		let response = client(SourceResolver { public_only: !exempt })?.get(uri.clone()).await;
		let response = response.map_err(|e| error_chain(&e))?;
		let status = response.status();
		if status.is_redirection() {
			let location = response
				.headers()
				.get(hyper::header::LOCATION)
				.and_then(|v| v.to_str().ok())
				.ok_or("redirect without a location")?;
			url = redirect_target(&uri, location);
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
				if total > limit {
					return Err(format!("more than {limit} bytes"));
				}
				hasher.update(chunk);
				file.write_all(chunk).await.map_err(|e| e.to_string())?;
			}
		}
		file.sync_all().await.map_err(|e| e.to_string())?;
		return Ok(hasher.finalize().into());
	}
	Err(format!("more than {MAX_REDIRECTS} redirects"))
}

/// An HTTP(S) client whose names resolve with `resolver`.
fn client(
	resolver: SourceResolver,
) -> Result<Client<hyper_rustls::HttpsConnector<HttpConnector<SourceResolver>>, Empty<Bytes>>, String>
{
	let mut http = HttpConnector::new_with_resolver(resolver);
	http.enforce_http(false);
	let https = hyper_rustls::HttpsConnectorBuilder::new()
		.with_native_roots()
		.map_err(|e| e.to_string())?
		.https_or_http()
		.enable_http1()
		.wrap_connector(http);
	Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// Where a redirect from `from` to `location` goes: `location` itself, or resolved against
/// `from` when it is relative.
fn redirect_target(from: &hyper::Uri, location: &str) -> String {
	let scheme = from.scheme_str().unwrap_or("http");
	if location.starts_with("//") {
		return format!("{scheme}:{location}");
	}
	let before_query = location.split(['?', '#']).next().unwrap_or_default();
	if before_query.contains("://") {
		return location.to_string();
	}
	let authority = from.authority().map(|a| a.as_str()).unwrap_or_default();
	match location.strip_prefix('/') {
		Some(_) => format!("{scheme}://{authority}{location}"),
		None => {
			let dir = from.path().rsplit_once('/').map_or("", |(dir, _)| dir);
			format!("{scheme}://{authority}{dir}/{location}")
		},
	}
}

/// An error with its causes, the way a person reads it.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
	let mut text = error.to_string();
	let mut cause = error.source();
	while let Some(inner) = cause {
		text.push_str(": ");
		text.push_str(&inner.to_string());
		cause = inner.source();
	}
	text
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
	fn a_bare_cid_is_an_ipfs_cid() {
		let cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
		let bare = locate(&format!("{cid}/user-data"), GATEWAY).expect("a bare CID");
		let ipfs = locate(&format!("ipfs://{cid}/user-data"), GATEWAY).expect("ipfs");
		assert_eq!(bare, ipfs);
	}

	/// Serves on 127.0.0.1 what `answer` gives for each request's path, as raw HTTP; returns
	/// the port and a counter of the connections it took.
	async fn serve(
		answer: impl Fn(&str) -> String + Send + Sync + 'static,
	) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
		use tokio::io::AsyncReadExt;
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
		let port = listener.local_addr().expect("address").port();
		let taken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
		let count = taken.clone();
		tokio::spawn(async move {
			while let Ok((mut stream, _)) = listener.accept().await {
				count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
				let mut request = vec![0u8; 4096];
				let read = stream.read(&mut request).await.unwrap_or(0);
				let request = String::from_utf8_lossy(&request[..read]).into_owned();
				let path = request.split(' ').nth(1).unwrap_or("/").to_string();
				let _ = stream.write_all(answer(&path).as_bytes()).await;
			}
		});
		(port, taken)
	}

	fn ok(body: &str) -> String {
		format!(
			"HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
			body.len()
		)
	}

	fn redirect(to: &str) -> String {
		format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	}

	#[tokio::test]
	async fn a_redirect_to_a_private_address_is_refused_before_connecting() {
		let (inside, reached) = serve(|_| ok("the miner's secret")).await;
		let target = format!("http://127.0.0.1:{inside}/secret");
		let (outside, _) = serve(move |_| redirect(&target)).await;
		// Only the first server is exempt, as an operator's image server would be.
		let exempt =
			Exempt::new("http://127.0.0.1:1", &[format!("127.0.0.1:{outside}")]).expect("valid");
		let dir = std::env::temp_dir().join(format!("redirect-{}", std::process::id()));
		let error = download(&format!("http://127.0.0.1:{outside}/image"), &dir, 1000, &exempt)
			.await
			.expect_err("refused");
		assert!(error.contains(source_guard::REFUSED), "{error}");
		assert!(!error.contains("secret") && !error.contains("loopback"), "{error}");
		assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0, "never connected");
		assert!(!dir.exists(), "nothing written");
	}

	#[tokio::test]
	async fn names_and_addresses_of_private_hosts_are_refused() {
		let (port, reached) = serve(|_| ok("inside")).await;
		let exempt = Exempt::default();
		let dir = std::env::temp_dir().join(format!("private-{}", std::process::id()));
		for url in [format!("http://localhost:{port}/"), format!("http://127.0.0.1:{port}/")] {
			let error = download(&url, &dir, 1000, &exempt).await.expect_err("refused");
			assert!(error.contains(source_guard::REFUSED), "{url}: {error}");
		}
		assert_eq!(reached.load(std::sync::atomic::Ordering::SeqCst), 0, "never connected");
	}

	#[tokio::test]
	async fn an_exempt_host_serves_within_the_limit_and_relative_redirects_stay_on_it() {
		let (port, _) = serve(|path| match path {
			"/start" => redirect("/files/image"),
			"/files/image" => ok("0123456789"),
			_ => ok(&"x".repeat(2000)),
		})
		.await;
		let exempt = Exempt::new(&format!("http://127.0.0.1:{port}"), &[]).expect("valid");
		let dir = std::env::temp_dir().join(format!("exempt-{}", std::process::id()));
		let digest = download(&format!("http://127.0.0.1:{port}/start"), &dir, 10, &exempt)
			.await
			.expect("fetched");
		assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(b"0123456789")));
		assert_eq!(std::fs::read(&dir).expect("written"), b"0123456789");
		let error = download(&format!("http://127.0.0.1:{port}/big"), &dir, 1000, &exempt)
			.await
			.expect_err("too big");
		assert_eq!(error, "more than 1000 bytes");
		let _ = std::fs::remove_file(&dir);
	}

	#[tokio::test]
	async fn cached_files_obey_the_limit_and_manifests_stay_small() {
		let cache = std::env::temp_dir().join(format!("image-cache-{}", std::process::id()));
		std::fs::create_dir_all(&cache).expect("cache");
		let fetcher = Fetcher::new(cache.clone(), GATEWAY.into(), Exempt::default());
		let cached = |source: &str, bytes: Vec<u8>| {
			std::fs::write(cache.join(hex(&Sha256::digest(source.as_bytes()))), bytes)
				.expect("put");
		};
		// Cached for a request with a larger disk: another request's limit still holds.
		cached("https://images.example/big.img", vec![0; 2000]);
		let error = fetcher.fetch("https://images.example/big.img", 1000).await.expect_err("big");
		assert!(error.to_string().ends_with("more than 1000 bytes"), "{error}");
		assert!(fetcher.fetch("https://images.example/big.img", 2000).await.is_ok());
		// A file that starts like a manifest but is huge is not read into memory.
		let mut huge = b"{\"kernel\": \"".to_vec();
		huge.resize(MAX_MANIFEST_BYTES as usize + 1, b'x');
		cached("https://images.example/huge.json", huge);
		let error = fetcher
			.boot_of("https://images.example/huge.json", GIB)
			.await
			.expect_err("huge");
		assert!(error.to_string().contains("boot manifest of more than"), "{error}");
		std::fs::remove_dir_all(cache).ok();
	}

	#[test]
	fn redirects_resolve_like_a_browser() {
		let from: hyper::Uri = "https://images.example/a/b/disk.img".parse().expect("uri");
		assert_eq!(redirect_target(&from, "/c"), "https://images.example/c");
		assert_eq!(redirect_target(&from, "c.img"), "https://images.example/a/b/c.img");
		assert_eq!(redirect_target(&from, "//cdn.example/x"), "https://cdn.example/x");
		assert_eq!(redirect_target(&from, "http://cdn.example/x"), "http://cdn.example/x");
		assert_eq!(
			redirect_target(&from, "c.img?next=http://x"),
			"https://images.example/a/b/c.img?next=http://x"
		);
	}

	#[test]
	fn other_sources_are_refused() {
		let cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
		for climb in ["/../x", "/a/%2e%2E/x", "/./x", "/a%2fb", "/x?y=1"] {
			let source = format!("ipfs://{cid}{climb}");
			assert!(
				matches!(locate(&source, GATEWAY), Err(ImageError::Unsupported(_))),
				"{source}"
			);
		}
		for bad in
			["ftp://x/y", "ipfs://not-a-cid", "file:///etc/passwd", "https://x/y#md5=00", "/tmp/a"]
		{
			assert!(matches!(locate(bad, GATEWAY), Err(ImageError::Unsupported(_))), "{bad}");
		}
	}
}
