//! A `compute-miner` process and what it needs in a test: the test guest, a loopback HTTP server
//! for its images, and a guard that kills the agent and every QEMU it started.

use std::{
	fs::OpenOptions,
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Arc,
	thread,
	time::Duration,
};

/// File name of the agent binary, built beside the node.
const MINER_BIN_NAME: &str = "compute-miner";
/// How many of the agent log's last lines a failing test prints.
const LOG_TAIL_LINES: usize = 60;

/// Path of the built `compute-miner`: beside the node binary [`crate::node_bin`] found.
pub fn miner_bin() -> PathBuf {
	let node = crate::node_bin();
	let path = node.with_file_name(MINER_BIN_NAME);
	assert!(path.is_file(), "{} not found: build the workspace first", path.display());
	path
}

/// The test guest's directory (`vmlinuz`, `initrd.img`), built from Debian packages by
/// `scripts/build-test-guest.sh` (cached; `scripts/setup.sh` makes sure apt knows the kernel).
pub fn test_guest() -> PathBuf {
	built_by("build-test-guest.sh")
}

/// A Debian 12 cloud disk image (qcow2) with Debian's own cloud-init, built from Debian packages
/// by `scripts/build-debian-guest.sh` (cached).
pub fn debian_guest() -> PathBuf {
	built_by("build-debian-guest.sh")
}

/// The path `scripts/<script>` prints when it succeeds.
fn built_by(script: &str) -> PathBuf {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(script);
	let out = Command::new(&path).output().unwrap_or_else(|e| panic!("run {script}: {e}"));
	assert!(out.status.success(), "{script} failed: {}", String::from_utf8_lossy(&out.stderr));
	PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A plain HTTP/1.0 file server on 127.0.0.1 for one directory, on its own thread: GET of
/// `/<name>` answers the file, anything else 404. It stops with the process.
pub struct FileServer {
	/// The port it listens on.
	pub port: u16,
}

impl FileServer {
	/// Serves the files of `dir` on a free port.
	pub fn start(dir: &Path) -> FileServer {
		Self::start_on(dir, 0).expect("bind the file server")
	}

	/// Serves the files of `dir` on `port` (0: a free one).
	pub fn start_on(dir: &Path, port: u16) -> std::io::Result<FileServer> {
		let listener = TcpListener::bind(("127.0.0.1", port))?;
		let port = listener.local_addr()?.port();
		let dir = Arc::new(dir.to_path_buf());
		thread::spawn(move || {
			for stream in listener.incoming().flatten() {
				let dir = dir.clone();
				thread::spawn(move || serve(stream, &dir));
			}
		});
		Ok(FileServer { port })
	}

	/// The URL of file `name`.
	pub fn url(&self, name: &str) -> String {
		format!("http://127.0.0.1:{}/{name}", self.port)
	}
}

fn serve(mut stream: TcpStream, dir: &Path) {
	let mut request = [0u8; 4096];
	let n = stream.read(&mut request).unwrap_or(0);
	let text = String::from_utf8_lossy(&request[..n]);
	let path = text
		.split_whitespace()
		.nth(1)
		.unwrap_or("/")
		.trim_start_matches('/')
		.to_string();
	let file = (!path.contains('/') && !path.is_empty())
		.then(|| std::fs::read(dir.join(&path)).ok())
		.flatten();
	let _ = match file {
		Some(body) => stream
			.write_all(
				format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes(),
			)
			.and_then(|_| stream.write_all(&body)),
		None => stream.write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
	};
}

/// A running `compute-miner`, killed (with every QEMU under its work directory) on drop.
pub struct Miner {
	child: Option<Child>,
	config: PathBuf,
	work_dir: PathBuf,
	log: PathBuf,
}

impl Miner {
	/// Starts the agent with configuration file `config`, whose work directory is `work_dir`;
	/// its log is `log`.
	pub fn start(config: &Path, work_dir: &Path, log: &Path) -> Miner {
		let mut miner = Miner {
			child: None,
			config: config.to_path_buf(),
			work_dir: work_dir.to_path_buf(),
			log: log.to_path_buf(),
		};
		miner.spawn();
		miner
	}

	/// Starts the agent again (after [`Miner::kill`]).
	pub fn spawn(&mut self) {
		let log = OpenOptions::new().create(true).append(true).open(&self.log).expect("miner log");
		let child = Command::new(miner_bin())
			.arg("--config")
			.arg(&self.config)
			.env("RUST_LOG", "info")
			.stdin(Stdio::null())
			.stdout(log.try_clone().expect("log"))
			.stderr(log)
			.spawn()
			.expect("start compute-miner");
		self.child = Some(child);
	}

	/// `kill -9` of the agent alone: its VMs keep running.
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Sends SIGTERM and waits up to `timeout` for the agent to exit; returns whether it did.
	pub fn terminate(&mut self, timeout: Duration) -> bool {
		let Some(child) = self.child.as_mut() else { return true };
		let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		let deadline = std::time::Instant::now() + timeout;
		while std::time::Instant::now() < deadline {
			if let Ok(Some(_)) = child.try_wait() {
				self.child = None;
				return true;
			}
			thread::sleep(Duration::from_millis(100));
		}
		false
	}

	/// The agent's log so far.
	pub fn log_text(&self) -> String {
		std::fs::read_to_string(&self.log).unwrap_or_default()
	}

	/// The directory of VM `request_id`.
	pub fn vm_dir(&self, request_id: u64) -> PathBuf {
		self.work_dir.join("vms").join(request_id.to_string())
	}

	/// The pid of VM `request_id`'s QEMU, if it runs.
	pub fn qemu_pid(&self, request_id: u64) -> Option<u32> {
		qemu_pid(&self.vm_dir(request_id))
	}

	/// The host port forwarded to VM `request_id`'s port 22, from its `vm.json`.
	pub fn forward_port(&self, request_id: u64) -> u16 {
		let path = self.vm_dir(request_id).join("vm.json");
		let vm: serde_json::Value =
			serde_json::from_slice(&std::fs::read(&path).expect("vm.json")).expect("json");
		let port = vm["forward_port"].as_u64().expect("a forward port");
		u16::try_from(port).expect("a port")
	}

	/// The serial console of VM `request_id`.
	pub fn console(&self, request_id: u64) -> String {
		std::fs::read_to_string(self.vm_dir(request_id).join("console.log")).unwrap_or_default()
	}
}

/// The value of metric `name` (with its labels, as in `compute_miner_runtime_compatible{role="claim"}`)
/// on the agent's Prometheus endpoint at 127.0.0.1:`port`, if the agent serves it.
pub fn miner_metric(port: u16, name: &str) -> Option<f64> {
	use std::io::{Read, Write};
	let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
	stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
	stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
	let mut answer = String::new();
	stream.read_to_string(&mut answer).ok()?;
	answer.lines().find_map(|line| {
		let (metric, value) = line.rsplit_once(' ')?;
		(metric == name).then(|| value.parse().ok()).flatten()
	})
}

/// The pid in a VM directory's `qemu.pid`, if that process is alive.
fn qemu_pid(dir: &Path) -> Option<u32> {
	let pid: u32 = std::fs::read_to_string(dir.join("qemu.pid")).ok()?.trim().parse().ok()?;
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
	let zombie = stat
		.rsplit_once(')')
		.is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
	(!zombie).then_some(pid)
}

impl Drop for Miner {
	/// Kills the agent and its VMs, then has the agent remove what it made outside its work
	/// directory (`--uninstall`: the VM namespace, the control groups).
	fn drop(&mut self) {
		self.kill();
		let vms = self.work_dir.join("vms");
		let pids: Vec<u32> = std::fs::read_dir(&vms)
			.into_iter()
			.flatten()
			.flatten()
			.filter_map(|entry| qemu_pid(&entry.path()))
			.collect();
		for pid in &pids {
			let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
		}
		let deadline = std::time::Instant::now() + Duration::from_secs(10);
		while pids.iter().any(|pid| Path::new(&format!("/proc/{pid}")).exists())
			&& std::time::Instant::now() < deadline
		{
			thread::sleep(Duration::from_millis(100));
		}
		let _ = std::fs::remove_dir_all(&vms);
		let uninstalled = Command::new(miner_bin())
			.arg("--config")
			.arg(&self.config)
			.arg("--uninstall")
			.stdin(Stdio::null())
			.output();
		match uninstalled {
			Ok(out) if out.status.success() => {},
			Ok(out) => eprintln!(
				"e2e: compute-miner --uninstall: {}",
				String::from_utf8_lossy(&out.stderr).trim()
			),
			Err(e) => eprintln!("e2e: compute-miner --uninstall: {e}"),
		}
		if std::thread::panicking() {
			// CI keeps only the test's output: the log's end goes there too.
			let log = std::fs::read_to_string(&self.log).unwrap_or_default();
			let lines: Vec<&str> = log.lines().collect();
			let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
			eprintln!("e2e: compute-miner log: {}, ending with:\n{tail}", self.log.display());
		}
	}
}
