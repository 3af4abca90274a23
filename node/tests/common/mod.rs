//! Harness for end-to-end tests: starts the built `compute-node` on free loopback ports with
//! `--tmp`, talks JSON-RPC over HTTP to it, and kills it when the guard drops (also on panic).

#![allow(dead_code)]

use std::{
	io::{BufRead, BufReader, Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

use serde_json::{json, Value};

/// The node binary cargo built for these tests.
pub fn node_bin() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_compute-node"))
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> u16 {
	let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
	listener.local_addr().expect("local address").port()
}

/// A running node; killed on drop.
pub struct Node {
	child: Child,
	/// JSON-RPC port (HTTP and WebSocket).
	pub rpc_port: u16,
	/// libp2p port.
	pub p2p_port: u16,
	/// Prometheus port.
	pub prometheus_port: u16,
	/// Where the node's log goes.
	pub log: PathBuf,
}

impl Node {
	/// Starts `compute-node` with `args` plus fresh loopback ports and `--tmp`.
	pub fn start(name: &str, args: &[&str]) -> Node {
		let (rpc_port, p2p_port, prometheus_port) = (free_port(), free_port(), free_port());
		let log = std::env::temp_dir().join(format!("compute-e2e-{name}-{rpc_port}.log"));
		let log_file = std::fs::File::create(&log).expect("create node log");
		let child = Command::new(node_bin())
			.args(args)
			.args(["--tmp", "--no-telemetry", "--no-mdns", "--rpc-methods", "unsafe"])
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--prometheus-port", &prometheus_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.stdout(Stdio::null())
			.stderr(log_file)
			.spawn()
			.expect("spawn compute-node");
		Node { child, rpc_port, p2p_port, prometheus_port, log }
	}

	/// One JSON-RPC call; `Err` carries the JSON-RPC error object or a transport error.
	pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, Value> {
		let body =
			json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params }).to_string();
		let response = http_post(self.rpc_port, &body).map_err(|e| json!({ "transport": e }))?;
		let mut response: Value =
			serde_json::from_str(&response).map_err(|e| json!({ "decode": e.to_string() }))?;
		match response.get_mut("error") {
			Some(error) => Err(error.take()),
			None => Ok(response["result"].take()),
		}
	}

	/// One JSON-RPC call that must succeed.
	pub fn rpc(&self, method: &str, params: Value) -> Value {
		self.try_rpc(method, params)
			.unwrap_or_else(|e| panic!("{method} failed: {e}; log: {}", self.log_tail()))
	}

	/// Waits until the node answers JSON-RPC.
	pub fn wait_ready(&self, timeout: Duration) {
		let deadline = Instant::now() + timeout;
		while self.try_rpc("system_health", json!([])).is_err() {
			assert!(Instant::now() < deadline, "node did not serve RPC: {}", self.log_tail());
			std::thread::sleep(Duration::from_millis(250));
		}
	}

	/// Number of the best or finalized block.
	pub fn head_number(&self, finalized: bool) -> u64 {
		let hash = if finalized {
			self.rpc("chain_getFinalizedHead", json!([]))
		} else {
			self.rpc("chain_getBlockHash", json!([]))
		};
		let header = self.rpc("chain_getHeader", json!([hash]));
		hex_u64(header["number"].as_str().expect("header number"))
	}

	/// Waits until the finalized head reaches `number`.
	pub fn wait_finalized(&self, number: u64, timeout: Duration) {
		let deadline = Instant::now() + timeout;
		loop {
			if self.head_number(true) >= number {
				return;
			}
			assert!(
				Instant::now() < deadline,
				"finalized head did not reach #{number}: {}",
				self.log_tail()
			);
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	/// The libp2p peer id, from `system_localPeerId`.
	pub fn peer_id(&self) -> String {
		self.rpc("system_localPeerId", json!([])).as_str().expect("peer id").to_string()
	}

	/// The last lines of the node's log, for failure messages.
	pub fn log_tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// Parses a `0x`-prefixed hex number.
pub fn hex_u64(s: &str) -> u64 {
	u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex number")
}

/// Decodes `0x`-prefixed hex bytes.
pub fn hex_bytes(s: &str) -> Vec<u8> {
	let s = s.trim_start_matches("0x");
	(0..s.len())
		.step_by(2)
		.map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex byte"))
		.collect()
}

/// A minimal HTTP/1.1 POST of a JSON body to 127.0.0.1:`port`; returns the response body.
fn http_post(port: u16, body: &str) -> Result<String, String> {
	let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
	stream
		.set_read_timeout(Some(Duration::from_secs(30)))
		.map_err(|e| e.to_string())?;
	write!(
		stream,
		"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
		 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	)
	.map_err(|e| e.to_string())?;
	let mut reader = BufReader::new(stream);
	let mut content_length = None;
	loop {
		let mut line = String::new();
		reader.read_line(&mut line).map_err(|e| e.to_string())?;
		let line = line.trim_end();
		if line.is_empty() {
			break;
		}
		if let Some((name, value)) = line.split_once(':') {
			if name.eq_ignore_ascii_case("content-length") {
				content_length = value.trim().parse::<usize>().ok();
			}
		}
	}
	let mut body = Vec::new();
	match content_length {
		Some(n) => {
			body.resize(n, 0);
			reader.read_exact(&mut body).map_err(|e| e.to_string())?;
		},
		None => {
			reader.read_to_end(&mut body).map_err(|e| e.to_string())?;
		},
	}
	String::from_utf8(body).map_err(|e| e.to_string())
}
