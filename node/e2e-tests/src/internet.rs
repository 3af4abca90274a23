//! A lab "internet" for a miner in routed mode, made of network namespaces the test creates and
//! removes itself.
//!
//! - The internet is a namespace `compute-inet-<pid>` whose `inet0` has [`Internet::ADDRESS`]
//!   (198.51.100.1/24) and a route to the chain's pool (192.0.2.0/24) via the miner's uplink
//!   address, [`Internet::UPLINK_ADDRESS`]. Its loopback also holds [`Internet::PRIVATE`]
//!   (10.77.0.1), standing for the miner host's other networks.
//! - `inet0`'s peer is left, without an address, in the test's namespace as
//!   [`Internet::uplink`]: the miner's uplink, which the agent moves into its own namespace
//!   ([`Internet::vm_namespace`]).
//!
//! Both namespaces go when this guard drops (the agent's with everything in it, the veth pair
//! with them), also when a test panics. Every address used lives only inside them.

use std::{
	io::{Read, Write},
	net::{Ipv4Addr, TcpListener},
	process::{Command, Output, Stdio},
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Mutex,
	},
	thread::JoinHandle,
	time::{Duration, Instant},
};

use crate::{lab::in_netns, RenterKey};

/// What a lab server does with each connection.
#[derive(Clone, Copy, Debug)]
pub enum Serve {
	/// Writes `hello <peer address>\n` and closes.
	Hello,
	/// Reads this many bytes (or to the end), timing them, and closes (a guest's upload).
	Sink(usize),
	/// Writes this many bytes and closes (a guest's download).
	Source(usize),
}

/// A connection a lab server took.
#[derive(Clone, Debug)]
pub struct Accepted {
	/// The peer's address.
	pub peer: Ipv4Addr,
	/// Bytes read from it.
	pub bytes: usize,
	/// From its first byte read to its last.
	pub span: Duration,
	/// The bytes of its first read (a burst before any shaping).
	pub first: usize,
}

/// A TCP server on a thread inside a namespace; it stops when dropped.
pub struct Server {
	accepted: Arc<Mutex<Vec<Accepted>>>,
	stop: Arc<AtomicBool>,
	thread: Option<JoinHandle<()>>,
}

impl Server {
	/// Starts a server inside namespace `ns` on `address:port`.
	pub fn start(ns: &str, address: Ipv4Addr, port: u16, serve: Serve) -> Server {
		let listener = in_netns(ns, move || {
			let listener = TcpListener::bind((address, port)).map_err(|e| e.to_string())?;
			listener.set_nonblocking(true).map_err(|e| e.to_string())?;
			Ok(listener)
		})
		.unwrap_or_else(|e| panic!("server on {address}:{port} in {ns}: {e}"));
		let accepted = Arc::new(Mutex::new(Vec::new()));
		let stop = Arc::new(AtomicBool::new(false));
		let (list, stopped) = (accepted.clone(), stop.clone());
		let thread = std::thread::spawn(move || {
			while !stopped.load(Ordering::Relaxed) {
				let Ok((mut stream, peer)) = listener.accept() else {
					std::thread::sleep(Duration::from_millis(20));
					continue;
				};
				let std::net::IpAddr::V4(peer) = peer.ip() else { continue };
				let _ = stream.set_nonblocking(false);
				let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
				let mut record = Accepted { peer, bytes: 0, span: Duration::ZERO, first: 0 };
				match serve {
					Serve::Hello => {
						let _ = stream.write_all(format!("hello {peer}\n").as_bytes());
					},
					Serve::Source(len) => {
						let _ = stream.write_all(&vec![0u8; len]);
					},
					Serve::Sink(len) => {
						let mut buf = vec![0u8; 65536];
						let mut started = None;
						while record.bytes < len {
							let Ok(n) = stream.read(&mut buf) else { break };
							if n == 0 {
								break;
							}
							let first = *started.get_or_insert_with(Instant::now);
							if record.bytes == 0 {
								record.first = n;
							}
							record.bytes += n;
							record.span = first.elapsed();
						}
					},
				}
				list.lock().unwrap_or_else(|e| e.into_inner()).push(record);
			}
		});
		Server { accepted, stop, thread: Some(thread) }
	}

	/// The connections taken so far.
	pub fn accepted(&self) -> Vec<Accepted> {
		self.accepted.lock().unwrap_or_else(|e| e.into_inner()).clone()
	}
}

impl Drop for Server {
	fn drop(&mut self) {
		self.stop.store(true, Ordering::Relaxed);
		if let Some(thread) = self.thread.take() {
			let _ = thread.join();
		}
	}
}

/// The lab internet and the names of the miner's uplink and VM namespace.
pub struct Internet {
	ns: String,
	uplink: String,
	vm_namespace: String,
}

impl Internet {
	/// The internet's address on the uplink's network.
	pub const ADDRESS: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 1);
	/// The miner's address on the uplink (its VM namespace's), with the network's length.
	pub const UPLINK_ADDRESS: &'static str = "198.51.100.2/24";
	/// An address of the "host's other networks", which guests must not reach.
	pub const PRIVATE: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
	/// The chain's pool (the dev preset's), routed to the miner.
	pub const POOL: &'static str = "192.0.2.0/24";

	/// Makes the internet namespace and the uplink pair.
	pub fn new() -> Internet {
		let pid = std::process::id();
		let internet = Internet {
			ns: format!("compute-inet-{pid}"),
			uplink: format!("cup{pid}"),
			vm_namespace: format!("cvms{pid}"),
		};
		let ns = internet.ns.as_str();
		ip(&["netns", "add", ns]);
		ip(&[
			"link",
			"add",
			&internet.uplink,
			"type",
			"veth",
			"peer",
			"name",
			"inet0",
			"netns",
			ns,
		]);
		ip(&["-n", ns, "link", "set", "lo", "up"]);
		ip(&["-n", ns, "addr", "add", &format!("{}/24", Self::ADDRESS), "dev", "inet0"]);
		ip(&["-n", ns, "addr", "add", &format!("{}/32", Self::PRIVATE), "dev", "lo"]);
		ip(&["-n", ns, "link", "set", "inet0", "up"]);
		let via = Self::UPLINK_ADDRESS.split('/').next().expect("an address");
		ip(&["-n", ns, "route", "add", Self::POOL, "via", via]);
		internet
	}

	/// The internet's namespace.
	pub fn namespace(&self) -> &str {
		&self.ns
	}

	/// The uplink's name in the test's namespace, for the agent's `[network] uplink`.
	pub fn uplink(&self) -> &str {
		&self.uplink
	}

	/// The name the agent's VM namespace gets.
	pub fn vm_namespace(&self) -> &str {
		&self.vm_namespace
	}

	/// The agent's `[network]` table for this lab.
	pub fn network_config(&self) -> String {
		format!(
			"\n[network]\nmode = \"routed\"\nnamespace = \"{}\"\nuplink = \"{}\"\naddress = \"{}\"\ngateway = \"{}\"\npool = \"{}\"\nnameservers = []\n",
			self.vm_namespace,
			self.uplink,
			Self::UPLINK_ADDRESS,
			Self::ADDRESS,
			Self::POOL
		)
	}

	/// Runs `program args…` inside namespace `ns`.
	pub fn exec_in(ns: &str, program: &str, args: &[&str]) -> Output {
		Command::new("ip")
			.args(["netns", "exec", ns, program])
			.args(args)
			.stdin(Stdio::null())
			.output()
			.unwrap_or_else(|e| panic!("ip netns exec {ns} {program}: {e}"))
	}

	/// Runs `command` as root on the guest at `address` over SSH from the internet, as its
	/// renter would, with `key`: its standard output, or why not.
	pub fn ssh(&self, key: &RenterKey, address: &str, command: &str) -> Result<String, String> {
		let out = Command::new("ip")
			.args(["netns", "exec", &self.ns, "ssh", "-i"])
			.arg(&key.private)
			.args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10"])
			.args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
			.args(["-o", "LogLevel=ERROR", &format!("root@{address}"), command])
			.stdin(Stdio::null())
			.output()
			.map_err(|e| format!("ssh: {e}"))?;
		match out.status.success() {
			true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
			false => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
		}
	}

	/// Whether a TCP connection from the internet to `address:port` succeeds within 3 s.
	pub fn connects(&self, address: &str, port: u16) -> bool {
		let target: std::net::SocketAddr = format!("{address}:{port}").parse().expect("address");
		in_netns(&self.ns, move || {
			Ok(std::net::TcpStream::connect_timeout(&target, Duration::from_secs(3)).is_ok())
		})
		.unwrap_or(false)
	}
}

impl Default for Internet {
	fn default() -> Self {
		Internet::new()
	}
}

impl Drop for Internet {
	fn drop(&mut self) {
		for ns in [&self.vm_namespace, &self.ns] {
			if std::path::Path::new("/run/netns").join(ns).exists() {
				let _ = Command::new("ip").args(["netns", "del", ns]).status();
			}
		}
		let _ = Command::new("ip")
			.args(["link", "del", &self.uplink])
			.stderr(Stdio::null())
			.status();
	}
}

/// Runs `ip args…`, which must succeed.
fn ip(args: &[&str]) {
	let out = Command::new("ip").args(args).output().expect("ip");
	assert!(out.status.success(), "ip {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
