//! JSON-RPC over plain HTTP/1.1 to a node on 127.0.0.1, with a connection per call, so a call
//! works the same before, during and after a node restart.

use std::{fmt, time::Duration};

use serde_json::{json, Value};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpStream,
};

/// Longest a single call may take (connect, send, read the whole answer).
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a JSON-RPC call failed.
#[derive(Debug, Clone)]
pub enum RpcError {
	/// No answer: connection refused, timeout, malformed HTTP or JSON.
	Transport(String),
	/// The node answered with a JSON-RPC error object.
	Rpc(Value),
}

impl fmt::Display for RpcError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			RpcError::Transport(e) => write!(f, "transport error: {e}"),
			RpcError::Rpc(e) => write!(f, "JSON-RPC error: {e}"),
		}
	}
}

/// One JSON-RPC call to `127.0.0.1:port`.
pub(crate) async fn call(port: u16, method: &str, params: Value) -> Result<Value, RpcError> {
	let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
	let response = tokio::time::timeout(CALL_TIMEOUT, http_post(port, &body))
		.await
		.map_err(|_| RpcError::Transport(format!("{method}: no answer in {CALL_TIMEOUT:?}")))?
		.map_err(RpcError::Transport)?;
	let mut response: Value = serde_json::from_str(&response)
		.map_err(|e| RpcError::Transport(format!("{method}: bad JSON ({e}): {response}")))?;
	match response.get_mut("error") {
		Some(error) => Err(RpcError::Rpc(error.take())),
		None => Ok(response["result"].take()),
	}
}

/// `bytes` as `0x`-prefixed lower-case hex, as JSON-RPC takes node ids, keys and extrinsics.
pub fn hex(bytes: &[u8]) -> String {
	sp_core::bytes::to_hex(bytes, false)
}

/// Decodes `0x`-prefixed hex bytes, as JSON-RPC answers metadata, storage values and extrinsics.
pub fn hex_bytes(s: &str) -> Vec<u8> {
	sp_core::bytes::from_hex(s).unwrap_or_else(|e| {
		let start: String = s.chars().take(40).collect();
		panic!("{start:?}… ({} chars) is not hex bytes: {e}", s.len())
	})
}

/// Parses a `0x`-prefixed hex number, as in block headers.
pub fn hex_u64(s: &str) -> u64 {
	u64::from_str_radix(s.trim_start_matches("0x"), 16)
		.unwrap_or_else(|e| panic!("{s:?} is not a hex number: {e}"))
}

/// POSTs `body` and returns the response body; the server closes the connection after answering.
async fn http_post(port: u16, body: &str) -> Result<String, String> {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
	let request = format!(
		"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
		 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	);
	stream.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
	let mut raw = Vec::new();
	stream.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;
	http_body(&raw)
}

/// The body of a raw HTTP/1.1 response (fixed length, chunked, or up to EOF).
fn http_body(raw: &[u8]) -> Result<String, String> {
	let split = raw
		.windows(4)
		.position(|w| w == b"\r\n\r\n")
		.ok_or_else(|| format!("truncated HTTP response ({} bytes)", raw.len()))?;
	let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
	let mut body = &raw[split + 4..];
	if !head.starts_with("http/1.1 200") && !head.starts_with("http/1.0 200") {
		let status = head.lines().next().unwrap_or_default().to_string();
		return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(body)));
	}
	let header = |name: &str| {
		head.lines().find_map(|l| {
			let (n, v) = l.split_once(':')?;
			(n.trim() == name).then(|| v.trim().to_string())
		})
	};
	let decoded;
	if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
		decoded = dechunk(body)?;
		body = &decoded;
	} else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
		body = body.get(..len).ok_or("body shorter than content-length")?;
	}
	String::from_utf8(body.to_vec()).map_err(|e| e.to_string())
}

/// Decodes a chunked transfer-encoded body.
fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
	let mut out = Vec::new();
	loop {
		let line_end = data.windows(2).position(|w| w == b"\r\n").ok_or("bad chunk header")?;
		let size_text = String::from_utf8_lossy(&data[..line_end]);
		let size_hex = size_text.split(';').next().unwrap_or_default().trim();
		let size = usize::from_str_radix(size_hex, 16).map_err(|e| format!("chunk size: {e}"))?;
		data = &data[line_end + 2..];
		if size == 0 {
			return Ok(out);
		}
		out.extend_from_slice(data.get(..size).ok_or("truncated chunk")?);
		data = data.get(size + 2..).ok_or("truncated chunk")?;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_fixed_length_and_chunked_bodies() {
		let fixed = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n{}{}extra";
		assert_eq!(http_body(fixed).as_deref(), Ok("{}{}"));
		let chunked =
			b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
		assert_eq!(http_body(chunked).as_deref(), Ok("{\"a\":1}"));
		assert!(http_body(b"HTTP/1.1 503 Service Unavailable\r\n\r\nbusy").is_err());
		assert_eq!(hex_u64("0x1a"), 26);
		assert_eq!(hex_bytes("0x01ff"), [1, 255]);
	}
}
