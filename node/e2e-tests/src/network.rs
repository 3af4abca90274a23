//! The 4-validator `--chain local` network (Alice, Bob, Charlie, Dave) with fixed node keys and
//! base paths in one folder, so any node can be killed and restarted as itself.

use std::{
	io::Write,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::Duration,
};

use crate::{
	lab::Lab,
	node::{free_port, node_bin},
	Node, TestDir,
};

/// The authorities of `--chain local`, in genesis order; each is also the node's `--<name>` flag.
pub const VALIDATORS: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// Fixed libp2p node keys (ed25519 secrets) of the validators, as in `scripts/local-testnet.sh`
/// and `docker/docker-compose.yml`: for local networks only, never for a real one.
pub const NODE_KEYS: [&str; 4] = [
	"0000000000000000000000000000000000000000000000000000000000000001",
	"0000000000000000000000000000000000000000000000000000000000000002",
	"0000000000000000000000000000000000000000000000000000000000000003",
	"0000000000000000000000000000000000000000000000000000000000000004",
];

/// The libp2p peer id of a node key (hex secret), by `compute-node key inspect-node-key`.
pub fn peer_id(node_key: &str) -> String {
	let mut child = Command::new(node_bin())
		.args(["key", "inspect-node-key"])
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("spawn compute-node key inspect-node-key");
	child
		.stdin
		.take()
		.expect("stdin")
		.write_all(node_key.as_bytes())
		.expect("write node key");
	let out = child.wait_with_output().expect("run compute-node key inspect-node-key");
	assert!(out.status.success(), "inspect-node-key: {}", String::from_utf8_lossy(&out.stderr));
	String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The four validators of `--chain local`, each with its fixed node key, its own base path
/// `<dir>/<name>` and log `<dir>/<name>.log`, and every other validator as a bootnode.
pub struct LocalNetwork {
	/// Alice, Bob, Charlie, Dave (indexes as in [`VALIDATORS`]). Declared before `dir` so the
	/// nodes are killed before their folder is removed.
	pub nodes: Vec<Node>,
	/// The folder of base paths and logs.
	pub dir: TestDir,
	peer_ids: Vec<String>,
	/// Each validator's WebSocket listen port, when the network serves light clients in
	/// browsers ([`LocalNetwork::start_with_websockets`]).
	ws_ports: Option<Vec<u16>>,
}

impl LocalNetwork {
	/// Starts all four validators on loopback; `name` names the folder.
	pub fn start(name: &str) -> LocalNetwork {
		let mut network = LocalNetwork::new(name);
		network.spawn(|_| true);
		network
	}

	/// Starts all four validators, each also listening for peers over WebSocket on loopback
	/// (`--listen-addr /ip4/127.0.0.1/tcp/<port>/ws`), as a browser's light client needs; see
	/// [`LocalNetwork::chain_spec_for_light_clients`].
	pub fn start_with_websockets(name: &str) -> LocalNetwork {
		let mut network = LocalNetwork::new(name);
		network.ws_ports = Some(VALIDATORS.iter().map(|_| free_port()).collect());
		network.spawn(|_| true);
		network
	}

	/// Writes the raw `local` chain spec to `path` with the validators' WebSocket addresses as
	/// its boot nodes: what a light client needs to join. Only for a network started with
	/// [`LocalNetwork::start_with_websockets`].
	pub fn chain_spec_for_light_clients(&self, path: &Path) {
		let ports = self.ws_ports.as_ref().expect("a network started with WebSocket listeners");
		let out = Command::new(node_bin())
			.args(["build-spec", "--chain", "local", "--raw", "--disable-default-bootnode"])
			.stderr(Stdio::null())
			.output()
			.expect("compute-node build-spec");
		assert!(out.status.success(), "compute-node build-spec --chain local --raw failed");
		let mut spec: serde_json::Value =
			serde_json::from_slice(&out.stdout).expect("the chain spec is JSON");
		let boot_nodes: Vec<String> = ports
			.iter()
			.zip(&self.peer_ids)
			.map(|(port, peer)| format!("/ip4/127.0.0.1/tcp/{port}/ws/p2p/{peer}"))
			.collect();
		spec["bootNodes"] = serde_json::json!(boot_nodes);
		std::fs::write(path, serde_json::to_vec_pretty(&spec).expect("JSON"))
			.unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
	}

	/// Starts only the validators in `names` (the others are down, as if killed; `spawn` one
	/// later with [`LocalNetwork::node_mut`]); `name` names the folder.
	pub fn start_only(name: &str, names: &[&str]) -> LocalNetwork {
		let mut network = LocalNetwork::new(name);
		network.spawn(|who| names.contains(&who));
		network
	}

	/// Starts all four validators, validator `i` on host `i` of `lab`, its JSON-RPC relayed to
	/// the same port on the test's loopback. Hosts after the fourth are left for other nodes
	/// (see [`LocalNetwork::full_node_in`]).
	pub fn start_in(name: &str, lab: &mut Lab) -> LocalNetwork {
		assert!(lab.hosts() >= VALIDATORS.len(), "one host per validator");
		let mut network = LocalNetwork::new(name);
		for (i, node) in network.nodes.iter_mut().enumerate() {
			node.set_netns(&lab.netns(i), Lab::address(i));
			lab.forward(i, node.rpc_port).unwrap_or_else(|e| panic!("{e}"));
		}
		network.spawn(|_| true);
		network
	}

	/// Starts a full node that is no validator, `name`, on host `i` of `lab` (one after the
	/// validators'), with every validator as a bootnode: a peer that keeps the validators of its
	/// side of a partition online, so they author blocks.
	pub fn full_node_in(&self, name: &str, lab: &Lab, i: usize) -> Node {
		assert!(i >= VALIDATORS.len() && i < lab.hosts(), "a host of its own");
		let base = self.dir.path().join(name);
		let mut node = Node::new(name, &[], Some(&base), &base.with_extension("log"));
		node.set_netns(&lab.netns(i), Lab::address(i));
		let mut args = vec!["--chain".to_string(), "local".to_string()];
		for (j, validator) in self.nodes.iter().enumerate() {
			args.extend(["--bootnodes".to_string(), validator.multiaddr(&self.peer_ids[j])]);
		}
		node.set_args(&args);
		node.spawn();
		node
	}

	/// The four validators, not started yet.
	fn new(name: &str) -> LocalNetwork {
		let dir = TestDir::new(name);
		let peer_ids: Vec<String> = NODE_KEYS.iter().map(|k| peer_id(k)).collect();
		let nodes: Vec<Node> = VALIDATORS
			.iter()
			.map(|who| {
				let base = dir.path().join(who);
				Node::new(who, &[], Some(&base), &base.with_extension("log"))
			})
			.collect();
		LocalNetwork { nodes, dir, peer_ids, ws_ports: None }
	}

	/// Gives every validator its usual arguments and starts those `up` picks; the others count
	/// as killed.
	fn spawn(&mut self, up: impl Fn(&str) -> bool) {
		for (i, who) in VALIDATORS.iter().enumerate() {
			let args = self.validator_args(i);
			self.nodes[i].set_args(&args);
			if up(who) {
				self.nodes[i].spawn();
			} else {
				self.nodes[i].kill();
			}
		}
	}

	/// The usual arguments of validator `i`: `--chain local --<name> --validator`, its node key,
	/// the other validators as bootnodes, and its WebSocket listen address when the network
	/// serves light clients.
	pub fn validator_args(&self, i: usize) -> Vec<String> {
		let mut args: Vec<String> =
			["--chain", "local", &format!("--{}", VALIDATORS[i]), "--validator"]
				.iter()
				.map(|s| s.to_string())
				.collect();
		args.extend(["--node-key".to_string(), NODE_KEYS[i].to_string()]);
		args.extend(self.bootnodes_for(i));
		if let Some(ports) = &self.ws_ports {
			let address = self.nodes[i].p2p_address();
			args.extend([
				"--listen-addr".to_string(),
				format!("/ip4/{address}/tcp/{}/ws", ports[i]),
			]);
		}
		args
	}

	/// `--bootnodes <multiaddr>` for every validator other than `i`.
	pub fn bootnodes_for(&self, i: usize) -> Vec<String> {
		let mut args = Vec::new();
		for (j, node) in self.nodes.iter().enumerate().filter(|(j, _)| *j != i) {
			args.push("--bootnodes".to_string());
			args.push(node.multiaddr(&self.peer_ids[j]));
		}
		args
	}

	/// The validator called `name` (`"alice"` …).
	pub fn node(&self, name: &str) -> &Node {
		&self.nodes[Self::index(name)]
	}

	/// The validator called `name`, mutably.
	pub fn node_mut(&mut self, name: &str) -> &mut Node {
		&mut self.nodes[Self::index(name)]
	}

	/// Index of `name` in [`VALIDATORS`].
	pub fn index(name: &str) -> usize {
		VALIDATORS
			.iter()
			.position(|v| *v == name)
			.unwrap_or_else(|| panic!("no validator {name}"))
	}

	/// The base path of validator `name`.
	pub fn base_path(&self, name: &str) -> PathBuf {
		self.dir.path().join(name)
	}

	/// Waits until every node that was not killed answers JSON-RPC.
	pub async fn wait_ready(&mut self, timeout: Duration) {
		for node in self.nodes.iter_mut() {
			if !node.was_killed() {
				node.wait_ready(timeout).await;
			}
		}
	}

	/// Waits until every node that was not killed has finalized `number`.
	pub async fn wait_finalized(&mut self, number: u64, timeout: Duration) {
		for node in self.nodes.iter_mut() {
			if !node.was_killed() {
				node.wait_finalized(number, timeout).await;
			}
		}
	}
}
