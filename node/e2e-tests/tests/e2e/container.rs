//! The container image as operators run it: built around the binary this test run built
//! (docker/injected.Dockerfile), on a base image made from Debian's packages, run on the host's
//! network by a Docker engine with no bridge (see `compute_e2e_tests::Docker`).
//!
//! One container runs a dev chain and must: run as a non-root user, serve RPC on the host
//! network, report `healthy`, exit on SIGTERM before Docker's 10-second kill with its database
//! intact, and keep its state in a named volume for the next container: the same genesis and the
//! same block at the height it had, then new blocks on top. Then both compose files are checked
//! with Debian's docker-compose, and the host-network one runs the 4-validator network until
//! every node has finalized blocks.

use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

use compute_e2e_tests::{docker::output, free_port, node_bin, within, Docker, Node, TestDir};
use serde_json::json;

/// The whole scenario, image builds included.
const WHOLE_TEST: Duration = Duration::from_secs(900);
/// Longest wait for a container's node to serve RPC, or to produce the blocks asked for.
const NODE: Duration = Duration::from_secs(90);
/// `docker stop`'s grace period: SIGTERM, then SIGKILL after this many seconds.
const STOP_GRACE_SECS: u64 = 10;
/// Exit code of a process Docker had to SIGKILL (128 + 9).
const KILLED: &str = "137";
/// The image's health check start period (docker/injected.Dockerfile).
const HEALTH_START_PERIOD: Duration = Duration::from_secs(60);

/// The repository's `docker/` folder.
fn docker_dir() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docker")
}

/// Containers, volumes and compose projects of one test, removed when dropped (also when the
/// test fails).
struct Cleanup<'a> {
	docker: &'a Docker,
	containers: Vec<String>,
	volumes: Vec<String>,
	/// (compose file, project name)
	projects: Vec<(PathBuf, String)>,
	images: Vec<String>,
}

impl Drop for Cleanup<'_> {
	fn drop(&mut self) {
		for (file, project) in &self.projects {
			let mut down = compose(self.docker, file, project);
			let _ = down.args(["down", "--volumes", "--timeout", "5"]).output();
		}
		for name in &self.containers {
			if std::thread::panicking() {
				if let Ok(logs) = self.docker.run(&["logs", "--tail", "40", name]) {
					eprintln!("e2e: container {name} logs:\n{logs}");
				}
			}
			let _ = self.docker.run(&["rm", "-f", name]);
		}
		for name in &self.volumes {
			let _ = self.docker.run(&["volume", "rm", "-f", name]);
		}
		for name in &self.images {
			let _ = self.docker.run(&["rmi", name]);
		}
	}
}

/// Debian's docker-compose for `file` as project `project`, on the test's daemon.
fn compose(docker: &Docker, file: &Path, project: &str) -> std::process::Command {
	let mut command = std::process::Command::new("docker-compose");
	if let Some((key, value)) = docker.host_env() {
		command.env(key, value);
	}
	command.arg("-f").arg(file).args(["-p", project]);
	command
}

/// `docker inspect -f format name`.
fn inspect(docker: &Docker, name: &str, format: &str) -> String {
	docker.run(&["inspect", "-f", format, name]).unwrap_or_else(|e| panic!("{e}"))
}

/// Starts a dev-chain container `name` on `node`'s ports, with its base path in `volume`.
fn run_dev_node(docker: &Docker, name: &str, volume: &str, node: &Node, image: &str) {
	docker
		.run(&[
			"run",
			"--detach",
			"--name",
			name,
			"--network",
			"host",
			"--env",
			&format!("RPC_PORT={}", node.rpc_port),
			"--volume",
			&format!("{volume}:/data"),
			image,
			"--dev",
			"--base-path",
			"/data",
			"--no-telemetry",
			"--no-mdns",
			"--rpc-port",
			&node.rpc_port.to_string(),
			"--prometheus-port",
			&node.prometheus_port.to_string(),
			"--listen-addr",
			&format!("/ip4/127.0.0.1/tcp/{}", node.p2p_port),
		])
		.unwrap_or_else(|e| panic!("{e}"));
}

/// Waits until the node on `node`'s ports has a best block of at least `number`.
async fn best_at_least(node: &Node, number: u64) -> u64 {
	let deadline = Instant::now() + NODE;
	loop {
		if node.try_rpc("system_health", json!([])).await.is_ok() {
			let best = node.best_number().await;
			if best >= number {
				return best;
			}
		}
		assert!(Instant::now() < deadline, "no block #{number} within {NODE:?}");
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_image_runs_as_operators_run_it() {
	within(WHOLE_TEST, "the container scenario", run()).await;
}

async fn run() {
	let dir = TestDir::new("container");
	let docker = Docker::start().unwrap_or_else(|e| panic!("a Docker engine: {e}"));
	let started = Instant::now();
	docker.ensure_base_image().unwrap_or_else(|e| panic!("the base image: {e}"));
	let image = format!("compute-node:e2e-{}-{}", std::process::id(), free_port());
	let built = Instant::now();
	docker
		.build_injected(
			&docker_dir().join("injected.Dockerfile"),
			&node_bin(),
			&dir.path().join("context"),
			&image,
		)
		.unwrap_or_else(|e| panic!("the node image: {e}"));
	let size: u64 = inspect(&docker, &image, "{{.Size}}").parse().expect("an image size");
	eprintln!(
		"e2e: image {image}: {} MB, built in {:.1?} ({:.1?} with the base)",
		size / 1_000_000,
		built.elapsed(),
		started.elapsed()
	);
	let tag = format!("e2e-{}-{}", std::process::id(), free_port());
	let mut cleanup = Cleanup {
		docker: &docker,
		containers: vec![],
		volumes: vec![],
		projects: vec![],
		images: vec![image.clone()],
	};

	// A dev chain in a container, state in a named volume.
	let volume = format!("compute-{tag}");
	cleanup.volumes.push(volume.clone());
	let first = format!("compute-{tag}-first");
	cleanup.containers.push(first.clone());
	let node = Node::new("container", &[], None, &dir.path().join("container.log"));
	let container_started = Instant::now();
	run_dev_node(&docker, &first, &volume, &node, &image);

	// Not root, inside or as the image says.
	assert_eq!(inspect(&docker, &image, "{{.Config.User}}"), "compute");
	let uid = docker.run(&["exec", &first, "id", "-u"]).unwrap_or_else(|e| panic!("{e}"));
	assert_ne!(uid, "0", "the node runs as a non-root user");

	// RPC on the host network, blocks authored.
	let best = best_at_least(&node, 3).await;
	let genesis = node.block_hash(0).await.expect("the genesis hash");

	// Healthy within the start period: the first verdict after `starting` is `healthy`.
	let health = loop {
		let status = inspect(&docker, &first, "{{.State.Health.Status}}");
		if status != "starting" {
			break status;
		}
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let healthy_after = container_started.elapsed();
	assert_eq!(health, "healthy", "health: {}", inspect(&docker, &first, "{{json .State.Health}}"));
	assert!(healthy_after <= HEALTH_START_PERIOD, "healthy only after {healthy_after:.0?}");
	eprintln!("e2e: container healthy {healthy_after:.1?} after `docker run`");

	// SIGTERM: the node exits by itself before Docker would kill it.
	let best = best_at_least(&node, best + 1).await;
	let best_hash = node.block_hash(best).await.expect("the best block's hash");
	let stopping = Instant::now();
	docker
		.run(&["stop", "--time", &STOP_GRACE_SECS.to_string(), &first])
		.unwrap_or_else(|e| panic!("{e}"));
	let stop_took = stopping.elapsed();
	let exit = inspect(&docker, &first, "{{.State.ExitCode}}");
	assert_ne!(exit, KILLED, "the node ignored SIGTERM for {STOP_GRACE_SECS} s");
	assert_eq!(exit, "0", "a clean exit on SIGTERM");
	eprintln!("e2e: stopped by SIGTERM in {stop_took:.1?}, exit code {exit}");
	docker.run(&["rm", &first]).unwrap_or_else(|e| panic!("{e}"));

	// A new container on the same volume: the same chain, the same block at that height, and
	// new blocks on top.
	let second = format!("compute-{tag}-second");
	cleanup.containers.push(second.clone());
	run_dev_node(&docker, &second, &volume, &node, &image);
	best_at_least(&node, 0).await;
	assert_eq!(node.block_hash(0).await.as_deref(), Some(genesis.as_str()), "same genesis");
	assert_eq!(
		node.block_hash(best).await.as_deref(),
		Some(best_hash.as_str()),
		"block #{best} kept across containers"
	);
	let after = best_at_least(&node, best + 1).await;
	eprintln!("e2e: the second container went on from #{best} to #{after}");
	docker.run(&["rm", "--force", &second]).unwrap_or_else(|e| panic!("{e}"));

	// Both compose files are valid for Debian's docker-compose.
	for file in ["docker-compose.yml", "docker-compose.host.yml"] {
		let path = docker_dir().join(file);
		output(compose(&docker, &path, &format!("compute-{tag}")).args(["config", "--quiet"]))
			.unwrap_or_else(|e| panic!("{file}: {e}"));
	}

	// The host-network compose file: four validators finalize together.
	let file = docker_dir().join("docker-compose.host.yml");
	let project = format!("compute-{tag}-net");
	cleanup.projects.push((file.clone(), project.clone()));
	let mut nodes = Vec::new();
	let mut up = compose(&docker, &file, &project);
	up.env("COMPUTE_IMAGE", &image);
	for name in ["ALICE", "BOB", "CHARLIE", "DAVE"] {
		let node = Node::new(name, &[], None, &dir.path().join(format!("{name}.log")));
		up.env(format!("{name}_RPC_PORT"), node.rpc_port.to_string())
			.env(format!("{name}_P2P_PORT"), node.p2p_port.to_string())
			.env(format!("{name}_PROMETHEUS_PORT"), node.prometheus_port.to_string());
		nodes.push(node);
	}
	let network_up = Instant::now();
	output(up.args(["up", "--detach"])).unwrap_or_else(|e| panic!("compose up: {e}"));
	for node in &mut nodes {
		node.wait_finalized(2, NODE * 2).await;
		let peers = node.rpc("system_health", json!([])).await["peers"].as_u64();
		assert_eq!(peers, Some(3), "{} sees the other three", node.name());
	}
	eprintln!(
		"e2e: compose network finalized #2 on all 4 nodes {:.1?} after `up`",
		network_up.elapsed()
	);
	drop(cleanup);
}
