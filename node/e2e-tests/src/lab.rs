//! A private network of hosts for fault tests, made of network namespaces the test creates and
//! removes itself: nothing outside them is touched, and no address outside them is a target.
//!
//! Each host is a namespace `compute-<name>-<pid>-<i>` whose `eth0` is a TUN device with the
//! address 10.99.0.(10+i)/24. The lab's router (threads of the test process) reads every packet
//! a host sends out of its `eth0`, and writes it into the destination host's `eth0`, after the
//! faults in force:
//! - [`Lab::impair`]: delay ± jitter and random loss on a host's outgoing packets (what
//!   `tc netem` would do on its egress; this machine's kernel has no `sch_netem`), so each
//!   direction of every link gets it once. Packets of one link keep their order.
//! - [`Lab::cut`]: a host reaches no one and no one reaches it;
//! - [`Lab::partition`]: some hosts and the others no longer reach each other; [`Lab::split`]
//!   is the partition into the first half of the hosts and the second.
//!
//! The test process stays in its own namespace: [`Lab::forward`] relays a loopback port of the
//! test's namespace to the same port on a host's loopback, through a thread that opens its
//! connections from inside the host's namespace. JSON-RPC and subxt reach every node as
//! `127.0.0.1:<port>`, as they do on the plain loopback network.

use std::{
	collections::BinaryHeap,
	io,
	net::{Ipv4Addr, Shutdown, TcpListener, TcpStream},
	path::Path,
	process::Command,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Condvar, Mutex,
	},
	thread::JoinHandle,
	time::{Duration, Instant},
};

/// A host's interface on the lab network.
const HOST_IF: &str = "eth0";
/// The lab network's first three octets; host `i` is `.10 + i`.
const NETWORK: [u8; 3] = [10, 99, 0];
const FIRST_HOST: u8 = 10;
/// How long a reader or forwarder sleeps when it has nothing to do, before it looks again
/// (and at its stop flag).
const IDLE: Duration = Duration::from_millis(1);
const ACCEPT_IDLE: Duration = Duration::from_millis(100);
/// Largest packet read from a host (the TUN device's MTU is 1500).
const MAX_PACKET: usize = 65_536;

/// Runs `ip args…`; the error names the command and what it printed.
fn ip(args: &[&str]) -> Result<(), String> {
	let out = Command::new("ip")
		.args(args)
		.output()
		.map_err(|e| format!("ip {args:?}: {e}"))?;
	if out.status.success() {
		Ok(())
	} else {
		Err(format!("ip {args:?}: {}", String::from_utf8_lossy(&out.stderr).trim()))
	}
}

/// The faults on one host's outgoing packets.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Impairment {
	/// Added to every packet's trip.
	pub delay: Duration,
	/// The added delay varies uniformly within `delay ± jitter`.
	pub jitter: Duration,
	/// Share of packets dropped, 0.0 to 1.0.
	pub loss: f64,
}

/// The router's state: what each host may reach, and how.
#[derive(Default)]
struct Faults {
	impairments: Vec<Impairment>,
	cut: Vec<bool>,
	/// While partitioned, which hosts are in the group of [`Lab::partition`].
	group: Option<Vec<bool>>,
	/// When the last packet of each link (from, to) is due, so a link keeps its order.
	last_due: Vec<Vec<Instant>>,
	rng: u64,
}

impl Faults {
	/// A xorshift64* step: a number in `0.0..1.0`.
	fn random(&mut self) -> f64 {
		self.rng ^= self.rng >> 12;
		self.rng ^= self.rng << 25;
		self.rng ^= self.rng >> 27;
		(self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
	}

	/// When a packet from `from` to `to`, read now, is to be delivered, or `None` if dropped.
	fn route(&mut self, from: usize, to: usize) -> Option<Instant> {
		let apart = self.group.as_ref().is_some_and(|group| group[from] != group[to]);
		if self.cut[from] || self.cut[to] || apart {
			return None;
		}
		let impairment = self.impairments[from];
		if impairment.loss > 0.0 && self.random() < impairment.loss {
			return None;
		}
		let jitter = impairment.jitter.as_secs_f64() * (2.0 * self.random() - 1.0);
		let delay = (impairment.delay.as_secs_f64() + jitter).max(0.0);
		let due = (Instant::now() + Duration::from_secs_f64(delay)).max(self.last_due[from][to]);
		self.last_due[from][to] = due;
		Some(due)
	}
}

/// A packet waiting for its time.
struct Due {
	at: Instant,
	seq: u64,
	to: usize,
	packet: Vec<u8>,
}

impl PartialEq for Due {
	fn eq(&self, other: &Self) -> bool {
		(self.at, self.seq) == (other.at, other.seq)
	}
}
impl Eq for Due {}
impl PartialOrd for Due {
	fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
		Some(self.cmp(other))
	}
}
impl Ord for Due {
	/// Earliest first in a max-heap.
	fn cmp(&self, other: &Self) -> std::cmp::Ordering {
		(other.at, other.seq).cmp(&(self.at, self.seq))
	}
}

/// What the router's threads share.
struct Shared {
	devices: Vec<tun::Device>,
	faults: Mutex<Faults>,
	queue: Mutex<(BinaryHeap<Due>, u64)>,
	wake: Condvar,
	stop: AtomicBool,
}

/// The lab: its namespaces, router and forwarders, all removed when dropped.
pub struct Lab {
	prefix: String,
	hosts: usize,
	shared: Arc<Shared>,
	threads: Vec<JoinHandle<()>>,
}

impl Lab {
	/// Makes `hosts` hosts (2 to 200). `name` goes into the namespaces' names with this
	/// process's id, so labs of concurrent tests never meet.
	pub fn new(name: &str, hosts: usize) -> Result<Lab, String> {
		assert!((2..=200).contains(&hosts), "a lab has 2 to 200 hosts");
		let prefix = format!("compute-{name}-{}", std::process::id());
		let mut devices = Vec::new();
		let mut made = Vec::new();
		let result = (|| {
			for i in 0..hosts {
				let ns = format!("{prefix}-{i}");
				ip(&["netns", "add", &ns])?;
				made.push(ns.clone());
				ip(&["-n", &ns, "link", "set", "lo", "up"])?;
				devices.push(in_netns(&ns, move || {
					let mut config = tun::Configuration::default();
					config
						.tun_name(HOST_IF)
						.address(Lab::address(i))
						.netmask((255, 255, 255, 0))
						.up();
					let device = tun::create(&config).map_err(|e| format!("TUN device: {e}"))?;
					device.set_nonblock().map_err(|e| format!("non-blocking TUN device: {e}"))?;
					Ok(device)
				})?);
			}
			Ok::<(), String>(())
		})();
		if let Err(e) = result {
			for ns in made {
				let _ = ip(&["netns", "delete", &ns]);
			}
			return Err(e);
		}
		let seed = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_nanos() as u64)
			.unwrap_or(0x9e37_79b9_7f4a_7c15)
			| 1;
		let faults = Faults {
			impairments: vec![Impairment::default(); hosts],
			cut: vec![false; hosts],
			group: None,
			last_due: vec![vec![Instant::now(); hosts]; hosts],
			rng: seed,
		};
		let shared = Arc::new(Shared {
			devices,
			faults: Mutex::new(faults),
			queue: Mutex::new((BinaryHeap::new(), 0)),
			wake: Condvar::new(),
			stop: AtomicBool::new(false),
		});
		let mut threads = Vec::new();
		for from in 0..hosts {
			let shared = shared.clone();
			threads.push(std::thread::spawn(move || read_host(&shared, from, hosts)));
		}
		let deliverer = shared.clone();
		threads.push(std::thread::spawn(move || deliver(&deliverer)));
		Ok(Lab { prefix, hosts, shared, threads })
	}

	/// Number of hosts.
	pub fn hosts(&self) -> usize {
		self.hosts
	}

	/// Host `i`'s namespace, for `ip netns exec`.
	pub fn netns(&self, i: usize) -> String {
		format!("{}-{i}", self.prefix)
	}

	/// Host `i`'s address on the lab network.
	pub fn address(i: usize) -> Ipv4Addr {
		let [a, b, c] = NETWORK;
		Ipv4Addr::new(a, b, c, FIRST_HOST + u8::try_from(i).unwrap_or(u8::MAX - FIRST_HOST))
	}

	/// The host an address belongs to.
	fn host_of(address: [u8; 4], hosts: usize) -> Option<usize> {
		let [a, b, c, d] = address;
		let i = usize::from(d.checked_sub(FIRST_HOST)?);
		([a, b, c] == NETWORK && i < hosts).then_some(i)
	}

	/// Delays and drops host `i`'s outgoing packets from now on (replacing earlier faults of
	/// this kind); [`Impairment::default`] clears them.
	pub fn impair(&self, i: usize, impairment: Impairment) {
		self.faults().impairments[i] = impairment;
	}

	/// Cuts host `i` off from every other host.
	pub fn cut(&self, i: usize) {
		self.faults().cut[i] = true;
	}

	/// Connects host `i` again.
	pub fn heal(&self, i: usize) {
		self.faults().cut[i] = false;
	}

	/// Splits the hosts into two halves that no longer reach each other.
	pub fn split(&self) {
		self.partition(&(0..self.hosts / 2).collect::<Vec<_>>());
	}

	/// Parts the hosts in `group` from the others: each side reaches only its own.
	pub fn partition(&self, group: &[usize]) {
		self.faults().group = Some((0..self.hosts).map(|i| group.contains(&i)).collect());
	}

	/// Joins the two sides of a partition again.
	pub fn join(&self) {
		self.faults().group = None;
	}

	fn faults(&self) -> std::sync::MutexGuard<'_, Faults> {
		self.shared.faults.lock().unwrap_or_else(|e| e.into_inner())
	}

	/// Relays `127.0.0.1:port` of the test's namespace to `127.0.0.1:port` in host `i`, until
	/// the lab is dropped.
	pub fn forward(&mut self, i: usize, port: u16) -> Result<(), String> {
		let listener = TcpListener::bind(("127.0.0.1", port))
			.map_err(|e| format!("listen on 127.0.0.1:{port}: {e}"))?;
		listener
			.set_nonblocking(true)
			.map_err(|e| format!("non-blocking listener: {e}"))?;
		let ns = self.netns(i);
		let netns = open_netns(&ns)?;
		let shared = self.shared.clone();
		let (ready_tx, ready_rx) = std::sync::mpsc::channel();
		let handle = std::thread::spawn(move || {
			// This thread's new sockets are made in host `i`'s namespace; the listener, made
			// before, stays in the test's.
			let entered = enter_netns(&netns, &ns);
			let failed = entered.is_err();
			let _ = ready_tx.send(entered);
			if failed {
				return;
			}
			while !shared.stop.load(Ordering::Relaxed) {
				match listener.accept() {
					Ok((client, _)) => {
						let _ = client.set_nonblocking(false);
						if let Ok(upstream) = TcpStream::connect(("127.0.0.1", port)) {
							relay(client, upstream);
						}
					},
					Err(_) => std::thread::sleep(ACCEPT_IDLE),
				}
			}
		});
		ready_rx.recv().map_err(|e| format!("forwarder of host {i}: {e}"))??;
		self.threads.push(handle);
		Ok(())
	}
}

/// The handle of named network namespace `ns` (`ip netns add` made it).
fn open_netns(ns: &str) -> Result<std::fs::File, String> {
	std::fs::File::open(Path::new("/run/netns").join(ns))
		.map_err(|e| format!("open namespace {ns}: {e}"))
}

/// Moves the calling thread into namespace `netns` (named `ns`): the sockets and devices it
/// creates from now on are made there.
fn enter_netns(netns: &std::fs::File, ns: &str) -> Result<(), String> {
	nix::sched::setns(netns, nix::sched::CloneFlags::CLONE_NEWNET)
		.map_err(|e| format!("enter namespace {ns}: {e}"))
}

/// Runs `make` on a thread inside namespace `ns` (what it creates is created there) and returns
/// its result.
pub(crate) fn in_netns<T: Send + 'static>(
	ns: &str,
	make: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
	let netns = open_netns(ns)?;
	let ns = ns.to_string();
	std::thread::spawn(move || {
		enter_netns(&netns, &ns)?;
		make()
	})
	.join()
	.map_err(|_| "a lab thread panicked".to_string())?
}

/// Reads the packets host `from` sends, and queues each for its destination and time.
fn read_host(shared: &Shared, from: usize, hosts: usize) {
	let mut buf = vec![0u8; MAX_PACKET];
	while !shared.stop.load(Ordering::Relaxed) {
		let len = match shared.devices[from].recv(&mut buf) {
			Ok(len) => len,
			Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
				std::thread::sleep(IDLE);
				continue;
			},
			Err(_) => {
				std::thread::sleep(IDLE);
				continue;
			},
		};
		let packet = &buf[..len];
		// IPv4 only (version nibble 4); the destination address is at bytes 16..20.
		let Some(to) = packet
			.get(16..20)
			.filter(|_| packet[0] >> 4 == 4)
			.and_then(|d| Lab::host_of([d[0], d[1], d[2], d[3]], hosts))
		else {
			continue;
		};
		let due = shared.faults.lock().unwrap_or_else(|e| e.into_inner()).route(from, to);
		if let Some(at) = due {
			let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
			queue.1 += 1;
			let seq = queue.1;
			queue.0.push(Due { at, seq, to, packet: packet.to_vec() });
			shared.wake.notify_one();
		}
	}
}

/// Writes each queued packet into its destination host when its time comes.
fn deliver(shared: &Shared) {
	let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
	while !shared.stop.load(Ordering::Relaxed) {
		let now = Instant::now();
		match queue.0.peek().map(|due| due.at) {
			Some(at) if at <= now => {
				if let Some(due) = queue.0.pop() {
					let _ = shared.devices[due.to].send(&due.packet);
				}
			},
			next => {
				let wait = next.map_or(ACCEPT_IDLE, |at| at - now).min(ACCEPT_IDLE);
				queue = shared.wake.wait_timeout(queue, wait).unwrap_or_else(|e| e.into_inner()).0;
			},
		}
	}
}

/// Copies bytes both ways between `a` and `b` until either side closes, on two threads.
fn relay(a: TcpStream, b: TcpStream) {
	let (Ok(a2), Ok(b2)) = (a.try_clone(), b.try_clone()) else { return };
	std::thread::spawn(move || pipe(a, b2));
	std::thread::spawn(move || pipe(b, a2));
}

/// Copies `from` into `to`, then shuts both down so the other direction ends too.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
	let _ = io::copy(&mut from, &mut to);
	let _ = to.shutdown(Shutdown::Both);
	let _ = from.shutdown(Shutdown::Both);
}

impl Drop for Lab {
	fn drop(&mut self) {
		self.shared.stop.store(true, Ordering::Relaxed);
		self.shared.wake.notify_all();
		for handle in self.threads.drain(..) {
			let _ = handle.join();
		}
		// Every process still in a namespace is killed, then the namespaces go; the TUN
		// devices go with the router's last reference.
		for i in 0..self.hosts {
			let ns = self.netns(i);
			if let Ok(out) = Command::new("ip").args(["netns", "pids", &ns]).output() {
				for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
					let _ = Command::new("kill").args(["-KILL", pid]).status();
				}
			}
			let _ = ip(&["netns", "delete", &ns]);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn faults(hosts: usize) -> Faults {
		Faults {
			impairments: vec![Impairment::default(); hosts],
			cut: vec![false; hosts],
			group: None,
			last_due: vec![vec![Instant::now(); hosts]; hosts],
			rng: 7,
		}
	}

	#[test]
	fn cuts_and_partitions_drop_exactly_the_packets_they_should() {
		let mut f = faults(4);
		assert!(f.route(0, 3).is_some());
		f.group = Some(vec![true, false, false, true]);
		assert!(f.route(0, 3).is_some(), "same side");
		assert!(f.route(1, 2).is_some(), "same side");
		assert!(f.route(0, 1).is_none() && f.route(2, 3).is_none(), "across");
		f.group = None;
		f.cut[2] = true;
		assert!(f.route(2, 0).is_none() && f.route(0, 2).is_none());
		assert!(f.route(0, 1).is_some());
	}

	#[test]
	fn impairment_delays_within_its_jitter_keeps_order_and_loses_its_share() {
		let mut f = faults(2);
		let delay = Duration::from_millis(200);
		let jitter = Duration::from_millis(50);
		f.impairments[0] = Impairment { delay, jitter, loss: 0.02 };
		let (mut lost, mut last) = (0, Instant::now());
		for _ in 0..10_000 {
			let now = Instant::now();
			match f.route(0, 1) {
				None => lost += 1,
				Some(due) => {
					assert!(due >= last, "in order");
					assert!(due <= now + delay + jitter + Duration::from_millis(50));
					last = due;
				},
			}
		}
		assert!((100..=300).contains(&lost), "2% of 10,000 lost, not {lost}");
		assert!(f.route(1, 0).is_some_and(|due| due <= Instant::now()), "only egress of 0");
	}

	#[test]
	fn addresses_map_to_hosts() {
		assert_eq!(Lab::address(3), Ipv4Addr::new(10, 99, 0, 13));
		assert_eq!(Lab::host_of([10, 99, 0, 13], 4), Some(3));
		assert_eq!(Lab::host_of([10, 99, 0, 14], 4), None);
		assert_eq!(Lab::host_of([10, 99, 1, 10], 4), None);
		assert_eq!(Lab::host_of([10, 99, 0, 9], 4), None);
	}
}
