//! One `compute-node` process: its ports, arguments, base path and log, and the guard that kills
//! it on drop.

use std::{
	fs::OpenOptions,
	io::Write,
	net::{Ipv4Addr, TcpListener},
	path::{Path, PathBuf},
	process::{Child, Command, ExitStatus, Stdio},
	sync::Mutex,
	time::{Duration, Instant},
};

use serde_json::{json, Value};

use crate::rpc::{self, hex_u64, RpcError};

/// File name of the node binary.
const NODE_BIN_NAME: &str = "compute-node";
/// The one build profile of the project (`PROFILE` in scripts/env.sh).
const PROFILE: &str = "release";
/// Environment variable that overrides where the node binary is.
const NODE_BIN_ENV: &str = "COMPUTE_NODE_BIN";
/// Pause between two polls of a node.
const POLL: Duration = Duration::from_millis(500);

/// Path of the built `compute-node`, the first that exists of: `$COMPUTE_NODE_BIN`; the binary
/// beside this test executable (same target dir and profile); `$CARGO_TARGET_DIR/release/`;
/// `<workspace>/target/release/`. Panics with how to build it when there is none.
pub fn node_bin() -> PathBuf {
	let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
	let mut candidates = Vec::new();
	if let Some(path) = std::env::var_os(NODE_BIN_ENV) {
		candidates.push(PathBuf::from(path));
	}
	// Test executables live in `<target>/<profile>/deps/`.
	if let Some(profile_dir) = std::env::current_exe()
		.ok()
		.and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
	{
		candidates.push(profile_dir.join(NODE_BIN_NAME));
	}
	if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
		candidates.push(workspace.join(target).join(PROFILE).join(NODE_BIN_NAME));
	}
	candidates.push(workspace.join("target").join(PROFILE).join(NODE_BIN_NAME));
	candidates.iter().find(|p| p.is_file()).cloned().unwrap_or_else(|| {
		panic!(
			"{NODE_BIN_NAME} not found (looked at {candidates:?}); build it first: \
			 `source scripts/env.sh && cargo build --profile release --workspace` \
			 (scripts/test.sh does), or set {NODE_BIN_ENV}"
		)
	})
}

/// Ports handed out by [`free_port`] in this process, so no two nodes get the same one.
static HANDED_OUT: Mutex<Vec<u16>> = Mutex::new(Vec::new());

/// A loopback TCP port that was free a moment ago and not handed out before in this process.
pub fn free_port() -> u16 {
	let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
	loop {
		let port = TcpListener::bind("127.0.0.1:0")
			.and_then(|l| l.local_addr())
			.expect("bind an ephemeral loopback port")
			.port();
		if !handed_out.contains(&port) {
			handed_out.push(port);
			return port;
		}
	}
}

/// A `compute-node` process on fixed loopback ports. It keeps its ports, arguments and base path
/// across [`Node::kill`] and [`Node::spawn`], so a restart is the same node; it is killed when
/// dropped.
pub struct Node {
	name: String,
	args: Vec<String>,
	base_path: Option<PathBuf>,
	log: PathBuf,
	child: Option<Child>,
	exit: Option<ExitStatus>,
	killed: bool,
	starts: u32,
	/// Whether the log is the harness's own temp file, removed on drop (kept on panic).
	temp_log: bool,
	/// The network namespace the node runs in and its address there, or `None` for the
	/// test's own namespace (libp2p on 127.0.0.1).
	netns: Option<(String, Ipv4Addr)>,
	/// JSON-RPC port (HTTP and WebSocket).
	pub rpc_port: u16,
	/// libp2p port.
	pub p2p_port: u16,
	/// Prometheus port.
	pub prometheus_port: u16,
}

impl Node {
	/// A node named `name` (used in its log's name) that will run with `args`, with fresh ports,
	/// and state under `base_path` (or `--tmp` when `None`); not started yet.
	pub fn new(name: &str, args: &[&str], base_path: Option<&Path>, log: &Path) -> Node {
		Node {
			name: name.to_string(),
			args: args.iter().map(|a| a.to_string()).collect(),
			base_path: base_path.map(Path::to_path_buf),
			log: log.to_path_buf(),
			child: None,
			exit: None,
			killed: false,
			starts: 0,
			temp_log: false,
			netns: None,
			rpc_port: free_port(),
			p2p_port: free_port(),
			prometheus_port: free_port(),
		}
	}

	/// Starts `compute-node` with `args` and `--tmp`; the log goes to the system temp dir and is
	/// removed on drop, unless the test is panicking.
	pub fn start(name: &str, args: &[&str]) -> Node {
		let log = std::env::temp_dir().join(format!(
			"compute-e2e-{name}-{}-{}.log",
			std::process::id(),
			free_port()
		));
		let mut node = Node::new(name, args, None, &log);
		node.temp_log = true;
		node.spawn();
		node
	}

	/// Starts `compute-node` with `args` and `--base-path base_path`; the log is `<base_path>.log`.
	pub fn start_at(name: &str, args: &[&str], base_path: &Path) -> Node {
		let log = base_path.with_extension("log");
		let mut node = Node::new(name, args, Some(base_path), &log);
		node.spawn();
		node
	}

	/// The name given at creation.
	pub fn name(&self) -> &str {
		&self.name
	}

	/// The arguments of the next start (the harness adds ports, base path and quiet defaults).
	pub fn args(&self) -> &[String] {
		&self.args
	}

	/// Replaces the arguments of the next start.
	pub fn set_args<S: AsRef<str>>(&mut self, args: &[S]) {
		self.args = args.iter().map(|a| a.as_ref().to_string()).collect();
	}

	/// The `--base-path`, if the node has one.
	pub fn base_path(&self) -> Option<&Path> {
		self.base_path.as_deref()
	}

	/// `<base>/chains/<chain_id>/keystore`, where the node keeps its keys.
	pub fn keystore_dir(&self, chain_id: &str) -> PathBuf {
		let base = self.base_path.as_ref().expect("a node with --tmp has no fixed keystore dir");
		base.join("chains").join(chain_id).join("keystore")
	}

	/// The log file (stdout and stderr of every start, appended).
	pub fn log_path(&self) -> &Path {
		&self.log
	}

	/// WebSocket JSON-RPC URL.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// Runs the node in network namespace `netns` from its next start, with libp2p on `address`
	/// there (JSON-RPC and Prometheus stay on the namespace's loopback; see `Lab::forward`).
	pub fn set_netns(&mut self, netns: &str, address: Ipv4Addr) {
		self.netns = Some((netns.to_string(), address));
	}

	/// The address libp2p listens on: 127.0.0.1, or the node's address in its namespace.
	pub fn p2p_address(&self) -> Ipv4Addr {
		self.netns.as_ref().map_or(Ipv4Addr::LOCALHOST, |(_, address)| *address)
	}

	/// `/ip4/<p2p address>/tcp/<p2p port>/p2p/<peer_id>`: this node as a bootnode of others.
	pub fn multiaddr(&self, peer_id: &str) -> String {
		format!("/ip4/{}/tcp/{}/p2p/{peer_id}", self.p2p_address(), self.p2p_port)
	}

	/// Starts the process (again); its output is appended to the log after a marker line.
	pub fn spawn(&mut self) {
		assert!(self.child.is_none(), "{} is already running", self.name);
		self.starts += 1;
		let mut log = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)
			.unwrap_or_else(|e| panic!("open {}: {e}", self.log.display()));
		let _ = writeln!(log, "==== e2e: start #{} of {}: {:?}", self.starts, self.name, self.args);
		let stderr = log.try_clone().expect("clone log file handle");
		let mut command = match &self.netns {
			// `ip netns exec` enters the namespace and execs the node: the child is the node.
			Some((netns, _)) => {
				let mut command = Command::new("ip");
				command.args(["netns", "exec", netns]).arg(node_bin());
				command
			},
			None => Command::new(node_bin()),
		};
		command.args(&self.args);
		match &self.base_path {
			Some(base) => command.arg("--base-path").arg(base),
			None => command.arg("--tmp"),
		};
		command
			.args(["--no-telemetry", "--no-mdns", "--rpc-methods", "unsafe"])
			.args(["--rpc-port", &self.rpc_port.to_string()])
			.args(["--prometheus-port", &self.prometheus_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/{}/tcp/{}", self.p2p_address(), self.p2p_port)])
			.stdin(Stdio::null())
			.stdout(log)
			.stderr(stderr);
		self.exit = None;
		self.killed = false;
		self.child = Some(command.spawn().expect("spawn compute-node"));
	}

	/// `kill -9`: SIGKILL, then reap. No-op when not running.
	pub fn kill(&mut self) {
		self.killed = true;
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			self.exit = child.wait().ok();
		}
	}

	/// Whether the harness killed the node (and has not started it again since).
	pub fn was_killed(&self) -> bool {
		self.killed
	}

	/// Whether the process is running (reaps it if it exited).
	pub fn is_running(&mut self) -> bool {
		self.exit_status().is_none() && self.child.is_some()
	}

	/// The exit status, once the process has exited.
	pub fn exit_status(&mut self) -> Option<ExitStatus> {
		if let Some(child) = self.child.as_mut() {
			if let Ok(Some(status)) = child.try_wait() {
				self.exit = Some(status);
				self.child = None;
			}
		}
		self.exit
	}

	/// Waits up to `timeout` for the process to exit by itself.
	pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
		let deadline = Instant::now() + timeout;
		while Instant::now() < deadline {
			if let Some(status) = self.exit_status() {
				return Some(status);
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		self.exit_status()
	}

	/// Everything the node printed, all starts.
	pub fn log_text(&self) -> String {
		String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
	}

	/// The last `lines` lines of the log, for failure messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let text = self.log_text();
		let all: Vec<&str> = text.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// The log of the latest start only.
	pub fn last_start_log(&self) -> String {
		let text = self.log_text();
		let marker = format!("==== e2e: start #{} of {}", self.starts, self.name);
		text.rfind(&marker).map(|i| text[i..].to_string()).unwrap_or(text)
	}

	/// Waits until the latest start's log satisfies `done` and returns that log; after `timeout`
	/// returns the log as it is. The node writes its log through a buffer, so a line can appear
	/// some time after the event it reports (e.g. after RPC is already served).
	pub async fn wait_for_log(&self, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
		let deadline = Instant::now() + timeout;
		loop {
			let log = self.last_start_log();
			if done(&log) || Instant::now() >= deadline {
				return log;
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// One JSON-RPC call.
	pub async fn try_rpc(&self, method: &str, params: Value) -> Result<Value, RpcError> {
		rpc::call(self.rpc_port, method, params).await
	}

	/// One JSON-RPC call that must succeed; panics with the log's tail otherwise.
	pub async fn rpc(&self, method: &str, params: Value) -> Value {
		self.try_rpc(method, params).await.unwrap_or_else(|e| {
			panic!("{}: {method} failed: {e}\n--- log tail:\n{}", self.name, self.log_tail(40))
		})
	}

	/// Waits until the node answers JSON-RPC; `Err` says why not (it exited, or the timeout).
	pub async fn try_wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
		let deadline = Instant::now() + timeout;
		loop {
			if let Some(status) = self.exit_status() {
				return Err(format!("{} exited ({status}) before serving RPC", self.name));
			}
			if self.try_rpc("system_health", json!([])).await.is_ok() {
				return Ok(());
			}
			if Instant::now() >= deadline {
				return Err(format!("{} did not serve RPC within {timeout:?}", self.name));
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	}

	/// Waits until the node answers JSON-RPC; panics with the log's tail otherwise.
	pub async fn wait_ready(&mut self, timeout: Duration) {
		if let Err(e) = self.try_wait_ready(timeout).await {
			panic!("{e}\n--- log tail:\n{}", self.log_tail(40));
		}
	}

	/// Hash of the finalized head.
	pub async fn finalized_hash(&self) -> String {
		self.rpc("chain_getFinalizedHead", json!([]))
			.await
			.as_str()
			.expect("hash")
			.to_string()
	}

	/// Number of the block `hash`.
	pub async fn block_number(&self, hash: &str) -> u64 {
		let header = self.rpc("chain_getHeader", json!([hash])).await;
		hex_u64(header["number"].as_str().unwrap_or_else(|| panic!("no header for {hash}")))
	}

	/// Number of the finalized head.
	pub async fn finalized_number(&self) -> u64 {
		let hash = self.finalized_hash().await;
		self.block_number(&hash).await
	}

	/// Number of the best block.
	pub async fn best_number(&self) -> u64 {
		let header = self.rpc("chain_getHeader", json!([])).await;
		hex_u64(header["number"].as_str().expect("header number"))
	}

	/// Hash of the canonical block at `number`, if the node has it.
	pub async fn block_hash(&self, number: u64) -> Option<String> {
		self.rpc("chain_getBlockHash", json!([number]))
			.await
			.as_str()
			.map(str::to_string)
	}

	/// Waits until the finalized head reaches `number`; returns the finalized number then.
	/// Panics with the log's tail on timeout or if the node exits.
	pub async fn wait_finalized(&mut self, number: u64, timeout: Duration) -> u64 {
		let deadline = Instant::now() + timeout;
		let mut last = None;
		loop {
			if let Some(status) = self.exit_status() {
				panic!("{} exited ({status})\n--- log tail:\n{}", self.name, self.log_tail(40));
			}
			if let Ok(hash) = self.try_rpc("chain_getFinalizedHead", json!([])).await {
				if let Some(header) = self
					.try_rpc("chain_getHeader", json!([hash]))
					.await
					.ok()
					.filter(|h| !h.is_null())
				{
					let finalized = hex_u64(header["number"].as_str().unwrap_or("0x0"));
					if finalized >= number {
						return finalized;
					}
					last = Some(finalized);
				}
			}
			assert!(
				Instant::now() < deadline,
				"{}: finalized head did not reach #{number} within {timeout:?} (last seen {last:?})\
				 \n--- log tail:\n{}",
				self.name,
				self.log_tail(40)
			);
			tokio::time::sleep(POLL).await;
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		self.kill();
		if std::thread::panicking() {
			eprintln!("e2e: log of {}: {}", self.name, self.log.display());
		} else if self.temp_log {
			let _ = std::fs::remove_file(&self.log);
		}
	}
}
