//! The agent's loop: at every finalized block, bring this host's VMs in line with the chain.
//!
//! Reconciliation is level-triggered: each finalized block, the agent reads every request its
//! node hosts (all pages) and compares them with the VM directories on disk. Whatever differs
//! is driven towards the chain's state by one task per VM (a VM with a task running is left
//! alone until it finishes), so a restarted agent, a reconnect or a missed block all end in the
//! same place:
//! - a VM directory whose request is gone is destroyed (QEMU, disk and seed);
//! - an `InProgress` request is provisioned, or provisioning carries on where it stopped;
//! - a `Running` VM whose QEMU is down is started again (at most [`MAX_RESTARTS`] times in a
//!   row, each within [`RESTART_WINDOW`] of the last, then reported failed); a running QEMU is
//!   adopted as it is;
//! - a queued operation is carried out, then fulfilled on chain.
//!
//! Claims, payment claims and metric reports happen on the same beat.

use std::{
	collections::{BTreeSet, HashMap},
	net::{IpAddr, Ipv4Addr},
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::Duration,
};

use tokio::task::JoinHandle;

use crate::{
	chain::{self, runtime, Chain, Hosted, Open, PlanSpec},
	config::{Accelerator, Config},
	image::Fetcher,
	metrics::Metrics,
	node_key::NodeKey,
	reserve::{InFlight, Reservation},
	seed::{Seed, MAX_USER_DATA},
	vm::{self, Accel, VmConfig, VmDir},
};

/// Times a `Running` VM whose QEMU died is started again before it is reported failed.
pub const MAX_RESTARTS: u32 = 3;
/// A VM that stayed up this long since its last unexpected restart (or that its owner booted
/// or resized since) has its restart count reset: occasional crashes never fail a VM, a crash
/// loop does.
pub const RESTART_WINDOW: Duration = Duration::from_secs(3600);
/// The file in a VM's directory that counts its unexpected restarts.
const RESTARTS_FILE: &str = "restarts";
/// Longest wait for a guest to power down on an ACPI request before QEMU is quit.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Tries at taking an address from the pool before giving up for this block.
const ADDRESS_TRIES: usize = 5;

/// The agent's state shared with its VM tasks.
pub struct Agent {
	config: Config,
	/// The current connection (replaced on a reconnect).
	chain: std::sync::RwLock<Chain>,
	node_key: NodeKey,
	node_id: Vec<u8>,
	fetcher: Fetcher,
	vms_dir: PathBuf,
	/// The accelerator to use, once known (`auto` decides at the first boot).
	accel: std::sync::Mutex<Option<Accel>>,
	/// One task per VM being worked on.
	tasks: std::sync::Mutex<HashMap<u64, JoinHandle<()>>>,
	/// When set (SIGTERM), no new requests are claimed.
	draining: AtomicBool,
	/// The last finalized block seen.
	head: AtomicU64,
	/// Addresses this agent's VM tasks are taking from the pool right now.
	addresses_in_flight: InFlight<Ipv4Addr>,
	/// Host ports chosen for new VMs whose configuration is not saved yet.
	ports_in_flight: InFlight<u16>,
	/// Prometheus metrics.
	pub metrics: Metrics,
}

impl Agent {
	/// An agent for `config`, talking to the chain through `chain`.
	pub fn new(config: Config, chain: Chain, node_key: NodeKey, metrics: Metrics) -> Arc<Agent> {
		let node_id = node_key.node_id();
		let fetcher = Fetcher::new(config.cache_dir(), config.ipfs_gateway.clone());
		let vms_dir = config.work_dir.join("vms");
		let accel = match config.accelerator {
			Accelerator::Kvm => Some(Accel::Kvm),
			Accelerator::Tcg => Some(Accel::Tcg),
			Accelerator::Auto => probed_accel(&config.work_dir),
		};
		Arc::new(Agent {
			config,
			chain: std::sync::RwLock::new(chain),
			node_key,
			node_id,
			fetcher,
			vms_dir,
			accel: std::sync::Mutex::new(accel),
			tasks: std::sync::Mutex::new(HashMap::new()),
			draining: AtomicBool::new(false),
			head: AtomicU64::new(0),
			addresses_in_flight: InFlight::default(),
			ports_in_flight: InFlight::default(),
			metrics,
		})
	}

	/// The current connection.
	fn chain(&self) -> Chain {
		self.chain.read().unwrap_or_else(|e| e.into_inner()).clone()
	}

	/// Uses a new connection from now on, and returns the agent.
	pub fn reconnected(self: &Arc<Self>, chain: Chain) -> Arc<Agent> {
		*self.chain.write().unwrap_or_else(|e| e.into_inner()) = chain;
		self.clone()
	}

	/// Waits until no VM task runs, or `timeout` passed.
	pub async fn wait_idle(&self, timeout: Duration) {
		let started = std::time::Instant::now();
		while started.elapsed() < timeout {
			let busy = {
				let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
				tasks.retain(|_, task| !task.is_finished());
				!tasks.is_empty()
			};
			if !busy {
				return;
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}

	/// Stops claiming new requests (the VMs keep running).
	pub fn drain(&self) {
		self.draining.store(true, Ordering::SeqCst);
	}

	/// The node id this agent registers and serves.
	pub fn node_id(&self) -> &[u8] {
		&self.node_id
	}

	/// Registers the node if it is not, and checks that the registered capacity is the
	/// configured one.
	pub async fn ensure_registered(&self) -> Result<(), chain::Error> {
		std::fs::create_dir_all(&self.vms_dir)?;
		let want = crate::host::capacity(&self.config.capacity, &self.config.work_dir);
		match self.chain().node_capacity(&self.node_id).await? {
			Some(have) => {
				if have != want {
					return Err(format!(
						"the node is registered with capacity {have:?}, but this host offers {want:?}: \
						 set the capacity in the configuration to the registered one, or deregister \
						 the node (with no VMs on it) and start again"
					)
					.into());
				}
				tracing::info!(node = %self.node_key.peer_id(), "node registered, capacity {want:?}");
			},
			None => {
				let proof = self
					.node_key
					.registration_proof(self.chain().genesis(), self.chain().account().0);
				let call = runtime::tx().compute().register_miner_node(
					runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(
						self.node_id.clone(),
					),
					chain::to_runtime(want),
					chain::ip_address(self.config.hypervisor_ip),
					proof,
				);
				self.chain().submit(&call).await?;
				tracing::info!(node = %self.node_key.peer_id(), "node registered with capacity {want:?}");
			},
		}
		Ok(())
	}

	/// Follows finalized blocks until the connection fails; reconciles at each.
	pub async fn follow(self: &Arc<Self>) -> Result<(), chain::Error> {
		let mut open: HashMap<u64, Open> = self
			.chain()
			.open_requests()
			.await?
			.into_iter()
			.map(|o| (o.request_id, o))
			.collect();
		let mut blocks = self.chain().client.stream_blocks().await?;
		// A report must be made after the node's registration block: the first one is tried at
		// each block until it is accepted, then one every `metrics_interval_blocks`.
		let mut next_report = 0;
		while let Some(block) = blocks.next().await {
			let block = block?;
			let number = block.number();
			self.head.store(number, Ordering::SeqCst);
			self.metrics.chain_head.set(number as i64);
			for created in self.chain().created_in(&block).await? {
				open.insert(created.request_id, created);
			}
			let hash = format!("{:?}", block.hash());
			let hosted = self.chain().hosted(&self.node_id, &hash).await?;
			self.reconcile(&hosted);
			self.claim(&mut open, &hosted).await;
			if number % self.config.payment_interval_blocks == 0 && !hosted.is_empty() {
				let agent = self.clone();
				let max = hosted.len() as u32;
				tokio::spawn(async move { agent.claim_payments(max).await });
			}
			if number >= next_report {
				next_report = match self.report_metrics(hosted.len()).await {
					true => number.saturating_add(self.config.metrics_interval_blocks),
					false => number.saturating_add(1),
				};
			}
		}
		Err("the finalized block stream ended".into())
	}

	/// Starts the work each hosted request needs, and destroys local VMs the chain no longer
	/// knows.
	fn reconcile(self: &Arc<Self>, hosted: &[Hosted]) {
		let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
		tasks.retain(|_, task| !task.is_finished());
		let known: BTreeSet<u64> = hosted.iter().map(|h| h.request_id).collect();
		for id in local_vms(&self.vms_dir) {
			if !known.contains(&id) && !tasks.contains_key(&id) {
				let agent = self.clone();
				tasks.insert(id, tokio::spawn(async move { agent.destroy(id).await }));
			}
		}
		for request in hosted {
			if tasks.contains_key(&request.request_id) {
				continue;
			}
			let Some(work) = self.work_for(request) else { continue };
			let (agent, request) = (self.clone(), request.clone());
			tasks.insert(
				request.request_id,
				tokio::spawn(async move { agent.run(work, request).await }),
			);
		}
		let running = hosted.iter().filter(|h| h.status == "Running").count();
		self.metrics.vms.with_label_values(&["running"]).set(running as i64);
		self.metrics.vms.with_label_values(&["hosted"]).set(hosted.len() as i64);
	}

	/// What request `request` needs now, if anything.
	fn work_for(&self, request: &Hosted) -> Option<Work> {
		let dir = VmDir::new(&self.vms_dir, request.request_id);
		let up = dir.running_pid(&format!("vm-{}", request.request_id)).is_some();
		work_for(&request.status, &request.pending, up)
	}

	/// Carries out `work` on `request`, logging and counting the outcome.
	async fn run(self: Arc<Self>, work: Work, request: Hosted) {
		let id = request.request_id;
		let kind = work.name();
		let result = match work {
			Work::Provision => self.provision(&request).await,
			Work::Stop => self.stop(&request).await,
			Work::Boot => self.boot(&request).await,
			Work::Reboot => self.reboot(&request).await,
			Work::Resize => self.resize(&request).await,
			Work::Delete => self.delete(id).await,
			Work::Restart => self.restart(&request).await,
		};
		match result {
			Ok(()) => {
				tracing::info!(request = id, "{kind}: done");
				self.metrics.operations.with_label_values(&[kind, "ok"]).inc();
			},
			Err(error) => {
				tracing::warn!(request = id, "{kind}: {error}");
				self.metrics.operations.with_label_values(&[kind, "error"]).inc();
			},
		}
	}

	fn node(&self) -> runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec<u8> {
		runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(self.node_id.clone())
	}

	/// Creates the VM of an `InProgress` request, or carries on creating it, then fulfils it.
	/// A broken image or a guest that does not boot is reported as the request's failure.
	async fn provision(&self, request: &Hosted) -> Result<(), chain::Error> {
		let id = request.request_id;
		let dir = VmDir::new(&self.vms_dir, id);
		let config = match dir.load_config()? {
			Some(config) => config,
			None => match self.prepare(request, &dir).await {
				Ok(config) => config,
				Err(Prepare::Failed(reason)) => return self.fail(id, &dir, None, &reason).await,
				Err(Prepare::Retry(error)) => return Err(error),
			},
		};
		if let Err(reason) = self.ensure_booted(&config, &dir).await {
			return self.fail(id, &dir, Some(&config), &reason).await;
		}
		let call = runtime::tx().compute().fulfill_compute_request(
			self.node(),
			id,
			Some(bounded_bytes(config.name())),
			Some(chain::ip_address(self.config.hypervisor_ip)),
			Some(config.vnc_port()),
		);
		self.chain().submit(&call).await
	}

	/// Fetches what a new VM needs, takes its address and writes its files.
	async fn prepare(&self, request: &Hosted, dir: &VmDir) -> Result<VmConfig, Prepare> {
		let boot = self
			.fetcher
			.boot_of(&request.image_url)
			.await
			.map_err(|e| Prepare::Failed(e.to_string()))?;
		let user_data = match &request.cloud_init {
			Some(source) => self
				.fetcher
				.fetch_bytes(source, MAX_USER_DATA)
				.await
				.map_err(|e| Prepare::Failed(format!("user data: {e}")))?,
			None => Vec::new(),
		};
		let address = match &request.ip {
			Some(ip) => ip
				.parse::<Ipv4Addr>()
				.map_err(|e| Prepare::Failed(format!("address {ip}: {e}")))?,
			None => self.take_address(request.request_id).await.map_err(Prepare::Retry)?,
		};
		// Reserved until the configuration below, which claims them, is saved.
		let (vnc, forward) = self
			.ports()
			.ok_or_else(|| Prepare::Retry("no free VNC or forward port".into()))?;
		let (vnc_port, forward_port) = (vnc.item, forward.item);
		let config = VmConfig {
			request_id: request.request_id,
			vcpus: request.spec.vcpus,
			memory_mb: request.spec.memory_mb,
			storage_gb: request.spec.storage_gb,
			boot,
			address,
			vnc_display: vnc_port.saturating_sub(crate::config::VNC_BASE_PORT),
			forward_port,
			accel: Accel::Tcg,
		};
		std::fs::create_dir_all(dir.root()).map_err(|e| Prepare::Retry(e.into()))?;
		let (gateway, dns) = config.gateway_and_dns();
		let seed = Seed { hostname: config.name(), address, prefix: 24, gateway, dns, user_data };
		seed.write(&dir.seed()).map_err(|e| Prepare::Retry(e.into()))?;
		vm::create_disk(&config, dir)
			.await
			.map_err(|e| Prepare::Retry(e.to_string().into()))?;
		dir.save_config(&config).map_err(|e| Prepare::Retry(e.into()))?;
		Ok(config)
	}

	/// Takes a free address from the pool for VM `request_id`, trying another one when another
	/// miner took it first. The agent's own VM tasks never try the same address at once: each
	/// reserves its candidate in `addresses_in_flight` until its transaction is final.
	async fn take_address(&self, request_id: u64) -> Result<Ipv4Addr, chain::Error> {
		let page = self.config.max_vms as usize + ADDRESS_TRIES;
		for _ in 0..ADDRESS_TRIES {
			let pool = self.chain().rpc("compute_getIpPool", serde_json::json!([page])).await?;
			let free: Vec<Ipv4Addr> = pool["free"]
				.as_array()
				.into_iter()
				.flatten()
				.filter_map(|ip| ip.as_str()?.parse().ok())
				.collect();
			if free.is_empty() {
				return Err("the address pool is empty".into());
			}
			let Some(reservation) =
				Reservation::address(&self.addresses_in_flight, &free, request_id)
			else {
				return Err("every free address on the page is being taken by another VM".into());
			};
			let ip = reservation.item;
			let call = runtime::tx().compute().assign_ip_to_vm(
				bounded_bytes(format!("vm-{request_id}")),
				chain::ip_address(IpAddr::V4(ip)),
			);
			match self.chain().submit(&call).await {
				Ok(()) => return Ok(ip),
				Err(error) => tracing::info!(
					request = request_id,
					"address {ip} not taken ({error}); trying another"
				),
			}
		}
		Err("no address could be taken from the pool".into())
	}

	/// A free VNC port and a free forward port, used by no local VM and chosen by no other VM
	/// task; each stays reserved until the returned guards are dropped.
	fn ports(&self) -> Option<(Reservation<'_, u16>, Reservation<'_, u16>)> {
		let mut taken = BTreeSet::new();
		for id in local_vms(&self.vms_dir) {
			if let Ok(Some(config)) = VmDir::new(&self.vms_dir, id).load_config() {
				taken.insert(config.vnc_port());
				taken.insert(config.forward_port);
			}
		}
		let choose = |range: &std::ops::RangeInclusive<u16>| {
			Reservation::take(&self.ports_in_flight, |reserved| {
				crate::host::free_port(range, &taken.union(reserved).copied().collect())
			})
		};
		let vnc = choose(&self.config.vnc_ports.0)?;
		let forward = choose(&self.config.forward_ports.0)?;
		Some((vnc, forward))
	}

	/// Boots the VM unless its QEMU runs and the guest finished booting; with `auto`, the first
	/// boot probes KVM and falls back to TCG.
	async fn ensure_booted(&self, config: &VmConfig, dir: &VmDir) -> Result<(), String> {
		if dir.running_pid(&config.name()).is_some() {
			// Adopted: the guest may still be booting.
			let from = 0;
			return vm::wait_booted(config, dir, from, self.boot_timeout())
				.await
				.map(drop)
				.map_err(|e| e.to_string());
		}
		self.start_and_wait(config, dir).await
	}

	/// Starts QEMU and waits for the guest to boot, choosing the accelerator if not known yet.
	async fn start_and_wait(&self, config: &VmConfig, dir: &VmDir) -> Result<(), String> {
		let known = *self.accel.lock().unwrap_or_else(|e| e.into_inner());
		let accel = match known {
			Some(accel) => accel,
			None => {
				let mut probe = config.clone();
				probe.accel = Accel::Kvm;
				let timeout = Duration::from_secs(self.config.kvm_probe_secs);
				let usable = std::path::Path::new("/dev/kvm").exists()
					&& self.boot_guest(&probe, dir, timeout).await.is_ok();
				let accel = if usable { Accel::Kvm } else { Accel::Tcg };
				tracing::info!("accelerator: {accel:?} (KVM probed with a real boot)");
				*self.accel.lock().unwrap_or_else(|e| e.into_inner()) = Some(accel);
				let name = if usable { "kvm" } else { "tcg" };
				if let Err(error) = std::fs::write(self.config.work_dir.join(ACCEL_FILE), name) {
					tracing::warn!("could not keep the accelerator choice: {error}");
				}
				if usable {
					self.save_accel(config, dir, accel).map_err(|e| e.to_string())?;
					return Ok(());
				}
				let _ = vm::kill(&probe, dir).await;
				accel
			},
		};
		let mut config = config.clone();
		config.accel = accel;
		self.save_accel(&config, dir, accel).map_err(|e| e.to_string())?;
		self.boot_guest(&config, dir, self.boot_timeout()).await
	}

	fn save_accel(&self, config: &VmConfig, dir: &VmDir, accel: Accel) -> std::io::Result<()> {
		let mut config = config.clone();
		config.accel = accel;
		dir.save_config(&config)
	}

	/// Starts QEMU and waits until the guest booted.
	async fn boot_guest(
		&self,
		config: &VmConfig,
		dir: &VmDir,
		timeout: Duration,
	) -> Result<(), String> {
		let from = dir.console_len();
		vm::start(config, dir).await.map_err(|e| e.to_string())?;
		match vm::wait_booted(config, dir, from, timeout).await {
			Ok(took) => {
				tracing::info!(request = config.request_id, "guest booted in {took:?}");
				self.metrics.guest_boot.observe(took.as_secs_f64());
				Ok(())
			},
			Err(error) => {
				let _ = vm::kill(config, dir).await;
				Err(error.to_string())
			},
		}
	}

	fn boot_timeout(&self) -> Duration {
		Duration::from_secs(self.config.boot_timeout_secs)
	}

	/// Reports request `id` failed with `reason` and removes everything made for it.
	async fn fail(
		&self,
		id: u64,
		dir: &VmDir,
		config: Option<&VmConfig>,
		reason: &str,
	) -> Result<(), chain::Error> {
		tracing::warn!(request = id, "provisioning failed: {reason}");
		if let Some(config) = config {
			vm::kill(config, dir).await?;
		}
		dir.remove()?;
		let call = runtime::tx().compute().report_compute_request_failure(
			self.node(),
			id,
			bounded_bytes(truncate(reason)),
		);
		self.chain().submit(&call).await
	}

	/// The VM's saved configuration; a hosted VM without one has nothing to operate on.
	fn config_of(&self, id: u64) -> Result<(VmConfig, VmDir), chain::Error> {
		let dir = VmDir::new(&self.vms_dir, id);
		let config = dir.load_config()?.ok_or_else(|| format!("no local VM for request {id}"))?;
		Ok((config, dir))
	}

	async fn stop(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		let clean = vm::power_down(&config, &dir, STOP_TIMEOUT).await?;
		if !clean {
			tracing::info!(request = request.request_id, "guest ignored the power-down; QEMU quit");
		}
		if request.pending.stop {
			let call =
				runtime::tx().compute().fulfill_stop_request(self.node(), request.request_id);
			self.chain().submit(&call).await?;
		}
		Ok(())
	}

	async fn boot_vm(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		self.start_and_wait(&config, &dir).await?;
		forget_restarts(&dir);
		Ok(())
	}

	async fn boot(&self, request: &Hosted) -> Result<(), chain::Error> {
		self.boot_vm(request).await?;
		let call = runtime::tx().compute().fulfill_boot_request(self.node(), request.request_id);
		self.chain().submit(&call).await
	}

	async fn reboot(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		let from = dir.console_len();
		vm::reset(&dir).await?;
		vm::wait_booted(&config, &dir, from, self.boot_timeout()).await?;
		let call = runtime::tx().compute().fulfill_reboot_request(self.node(), request.request_id);
		self.chain().submit(&call).await
	}

	/// Stops the VM, grows its disk, and starts it again (if it ran) with the new plan.
	async fn resize(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (mut config, dir) = self.config_of(request.request_id)?;
		let plan_id = request.pending.resize.ok_or("no resize queued")?;
		let spec = self.plan_spec(plan_id).await?;
		let was_running = dir.running_pid(&config.name()).is_some();
		vm::power_down(&config, &dir, STOP_TIMEOUT).await?;
		if spec.storage_gb > config.storage_gb {
			vm::grow_disk(&dir, spec.storage_gb).await?;
			config.storage_gb = spec.storage_gb;
		}
		config.vcpus = spec.vcpus;
		config.memory_mb = spec.memory_mb;
		dir.save_config(&config)?;
		if was_running {
			self.start_and_wait(&config, &dir).await?;
		}
		forget_restarts(&dir);
		let call = runtime::tx().compute().fulfill_resize_request(self.node(), request.request_id);
		self.chain().submit(&call).await
	}

	/// Starts a `Running` VM whose QEMU is gone, up to [`MAX_RESTARTS`] times; then reports it
	/// failed.
	async fn restart(&self, request: &Hosted) -> Result<(), chain::Error> {
		let id = request.request_id;
		let (config, dir) = match self.config_of(id) {
			Ok(found) => found,
			Err(_) => {
				return self
					.fail(
						id,
						&VmDir::new(&self.vms_dir, id),
						None,
						"the VM's disk is gone from its host",
					)
					.await
			},
		};
		let restarts_file = dir.root().join(RESTARTS_FILE);
		let counted = std::fs::read_to_string(&restarts_file).ok();
		let age = std::fs::metadata(&restarts_file)
			.and_then(|m| m.modified())
			.ok()
			.and_then(|t| t.elapsed().ok());
		let restarts = restarts_in_a_row(counted.as_deref(), age);
		if restarts >= MAX_RESTARTS {
			let reason = format!("the VM stopped unexpectedly {} times", restarts + 1);
			return self.fail(id, &dir, Some(&config), &reason).await;
		}
		std::fs::write(&restarts_file, (restarts + 1).to_string())?;
		tracing::warn!(
			request = id,
			"QEMU is down; starting it again ({} of {MAX_RESTARTS})",
			restarts + 1
		);
		self.start_and_wait(&config, &dir).await?;
		Ok(())
	}

	/// Removes the VM and fulfils its deletion.
	async fn delete(&self, id: u64) -> Result<(), chain::Error> {
		self.destroy(id).await;
		let call = runtime::tx().compute().fulfill_deletion_request(self.node(), id);
		self.chain().submit(&call).await
	}

	/// Ends QEMU and removes the VM's files.
	async fn destroy(&self, id: u64) {
		let dir = VmDir::new(&self.vms_dir, id);
		if let Ok(Some(config)) = dir.load_config() {
			if let Err(error) = vm::kill(&config, &dir).await {
				tracing::warn!(request = id, "could not end QEMU: {error}");
				return;
			}
		}
		match dir.remove() {
			Ok(()) => tracing::info!(request = id, "local VM removed"),
			Err(error) => tracing::warn!(request = id, "could not remove the VM's files: {error}"),
		}
	}

	/// The resources of plan `plan_id`.
	async fn plan_spec(&self, plan_id: u32) -> Result<PlanSpec, chain::Error> {
		let at = self.chain().client.at_current_block().await?;
		let entry = at.storage().entry(runtime::storage().compute().plans())?;
		let plan = entry
			.try_fetch((plan_id,))
			.await?
			.ok_or_else(|| format!("no plan {plan_id}"))?
			.decode()?;
		Ok(chain::from_runtime(plan.spec))
	}

	/// Claims open requests that fit: the plan is claimed by this node's policy, the owner
	/// named no other node, and the free capacity and VM count allow it.
	async fn claim(&self, open: &mut HashMap<u64, Open>, hosted: &[Hosted]) {
		if self.draining.load(Ordering::SeqCst) || open.is_empty() {
			return;
		}
		let capacity = crate::host::capacity(&self.config.capacity, &self.config.work_dir);
		let mut used = hosted
			.iter()
			.try_fold(PlanSpec::default(), |used, h| used.checked_add(&h.spec))
			.unwrap_or(capacity);
		let mut count = hosted.len() as u32;
		let mut plans: HashMap<u32, PlanSpec> = HashMap::new();
		let mut ids: Vec<u64> = open.keys().copied().collect();
		ids.sort();
		let mut claims = tokio::task::JoinSet::new();
		for id in ids {
			let Some(request) = open.get(&id).cloned() else { continue };
			if count >= self.config.max_vms {
				break;
			}
			if request.miner_id.as_ref().is_some_and(|m| *m != self.node_id)
				|| !(self.config.plans.is_empty() || self.config.plans.contains(&request.plan_id))
			{
				open.remove(&id);
				continue;
			}
			// At most `MaxPlans` plans: each is read once per block, not once per request.
			let spec = match plans.get(&request.plan_id) {
				Some(spec) => *spec,
				None => {
					let Ok(spec) = self.plan_spec(request.plan_id).await else { continue };
					plans.insert(request.plan_id, spec);
					spec
				},
			};
			let Some(with) = used.checked_add(&spec).filter(|with| with.fits_within(&capacity))
			else {
				continue;
			};
			open.remove(&id);
			let call = runtime::tx().compute().submit_compute_request_assignment(
				self.node(),
				request.plan_id,
				id,
				request.owner,
			);
			// Claims of one block go out together and share a block. One that fails (another
			// node was faster) frees nothing here: the next block's hosted list counts again.
			let chain = self.chain();
			claims.spawn(async move { (id, chain.submit(&call).await) });
			count += 1;
			used = with;
		}
		while let Some(claimed) = claims.join_next().await {
			match claimed {
				Ok((id, Ok(()))) => tracing::info!(request = id, "claimed"),
				Ok((id, Err(error))) => tracing::info!(request = id, "not claimed: {error}"),
				Err(error) => tracing::warn!("a claim task failed: {error}"),
			}
		}
	}

	/// Claims the rent owed on up to `max` hosted VMs.
	async fn claim_payments(&self, max: u32) {
		let call = runtime::tx().compute().claim_compute_payments(self.node(), max);
		match self.chain().submit(&call).await {
			Ok(()) => tracing::info!("rent claimed"),
			Err(error) => tracing::info!("no rent claimed: {error}"),
		}
	}

	/// Reports this host's metrics, signed with the node key, as a feeless transaction; whether
	/// the pool took the report.
	async fn report_metrics(&self, vms: usize) -> bool {
		let head = self.head.load(Ordering::SeqCst);
		let metrics = crate::report::host_metrics(&self.config.work_dir, vms as u32, &self.metrics);
		match crate::report::submit(&self.chain(), &self.node_key, head, metrics).await {
			Ok(()) => {
				tracing::debug!("metrics reported");
				true
			},
			Err(error) => {
				tracing::info!("metrics not reported: {error}");
				false
			},
		}
	}
}

/// Unexpected restarts of a VM that count towards [`MAX_RESTARTS`]: the number in its restarts
/// file (`counted`), unless the last of them was longer than [`RESTART_WINDOW`] ago (`age`).
pub fn restarts_in_a_row(counted: Option<&str>, age: Option<Duration>) -> u32 {
	match (counted.and_then(|t| t.trim().parse().ok()), age) {
		(Some(n), Some(age)) if age < RESTART_WINDOW => n,
		_ => 0,
	}
}

/// Resets a VM's restart count after its owner started it.
fn forget_restarts(dir: &VmDir) {
	let _ = std::fs::remove_file(dir.root().join(RESTARTS_FILE));
}

/// What a hosted request in `status` with `pending` operations needs, given whether its QEMU
/// runs (`up`): a deletion first, then provisioning, a stop, a resize, a reboot; a `Running` VM
/// that is down is restarted, a `Stopped` one that runs is stopped.
pub fn work_for(status: &str, pending: &crate::chain::Pending, up: bool) -> Option<Work> {
	if pending.delete {
		return Some(Work::Delete);
	}
	match status {
		"InProgress" => Some(Work::Provision),
		"Running" if pending.stop => Some(Work::Stop),
		"Running" | "Stopped" if pending.resize.is_some() => Some(Work::Resize),
		"Running" if pending.reboot => Some(Work::Reboot),
		"Running" if !up => Some(Work::Restart),
		"Stopped" if pending.boot => Some(Work::Boot),
		"Stopped" if up => Some(Work::Stop),
		_ => None,
	}
}

/// File in the work directory that keeps what the KVM probe found (`kvm` or `tcg`).
pub const ACCEL_FILE: &str = "accelerator";

/// What an earlier KVM probe found, if it ran.
fn probed_accel(work_dir: &std::path::Path) -> Option<Accel> {
	match std::fs::read_to_string(work_dir.join(ACCEL_FILE)).ok()?.trim() {
		"kvm" => Some(Accel::Kvm),
		"tcg" => Some(Accel::Tcg),
		_ => None,
	}
}

/// Work a VM task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
	/// Create the VM (or carry on creating it) and fulfil the request.
	Provision,
	/// Power the guest down (and fulfil a queued stop).
	Stop,
	/// Start the stopped VM and fulfil the boot.
	Boot,
	/// Reset the guest and fulfil the reboot.
	Reboot,
	/// Stop, grow, start with the new plan, and fulfil the resize.
	Resize,
	/// Remove the VM and fulfil the deletion.
	Delete,
	/// Start a `Running` VM whose QEMU is gone.
	Restart,
}

impl Work {
	fn name(self) -> &'static str {
		match self {
			Work::Provision => "provision",
			Work::Stop => "stop",
			Work::Boot => "boot",
			Work::Reboot => "reboot",
			Work::Resize => "resize",
			Work::Delete => "delete",
			Work::Restart => "restart",
		}
	}
}

/// Why preparing a VM did not finish.
enum Prepare {
	/// The request cannot be served (the text is the reason reported on chain).
	Failed(String),
	/// Something local or on chain failed; the next block tries again.
	Retry(chain::Error),
}

/// The request ids of the VM directories under `vms_dir`.
fn local_vms(vms_dir: &std::path::Path) -> Vec<u64> {
	std::fs::read_dir(vms_dir)
		.into_iter()
		.flatten()
		.flatten()
		.filter_map(|entry| entry.file_name().to_str()?.parse().ok())
		.collect()
}

/// Text as the chain's bounded strings take it.
fn bounded_bytes(
	text: String,
) -> runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec<u8> {
	runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(text.into_bytes())
}

/// A failure reason short enough for the chain's strings.
fn truncate(reason: &str) -> String {
	let mut out = String::new();
	for c in reason.chars() {
		if out.len() + c.len_utf8() > crate::MAX_REASON_BYTES {
			break;
		}
		out.push(c);
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::chain::Pending;

	#[test]
	fn deletion_comes_first() {
		let pending = Pending { delete: true, stop: true, reboot: true, ..Default::default() };
		for status in ["InProgress", "Running", "Stopped"] {
			assert_eq!(work_for(status, &pending, true), Some(Work::Delete));
		}
	}

	#[test]
	fn each_state_gets_its_work() {
		let none = Pending::default();
		let stop = Pending { stop: true, ..Default::default() };
		let boot = Pending { boot: true, ..Default::default() };
		let reboot = Pending { reboot: true, ..Default::default() };
		let resize = Pending { resize: Some(0), ..Default::default() };
		assert_eq!(work_for("InProgress", &none, false), Some(Work::Provision));
		assert_eq!(work_for("InProgress", &none, true), Some(Work::Provision));
		assert_eq!(work_for("Running", &none, true), None);
		assert_eq!(work_for("Running", &none, false), Some(Work::Restart));
		assert_eq!(work_for("Running", &stop, true), Some(Work::Stop));
		assert_eq!(work_for("Running", &reboot, true), Some(Work::Reboot));
		assert_eq!(work_for("Running", &resize, true), Some(Work::Resize));
		assert_eq!(work_for("Stopped", &resize, false), Some(Work::Resize));
		assert_eq!(work_for("Stopped", &none, false), None);
		assert_eq!(
			work_for("Stopped", &none, true),
			Some(Work::Stop),
			"a stopped VM is not left running"
		);
		assert_eq!(work_for("Stopped", &boot, false), Some(Work::Boot));
		assert_eq!(work_for("Pending", &none, false), None);
	}

	#[test]
	fn restarts_count_only_in_a_row() {
		let recent = Some(Duration::from_secs(60));
		let old = Some(RESTART_WINDOW + Duration::from_secs(1));
		assert_eq!(restarts_in_a_row(None, None), 0, "never restarted");
		assert_eq!(restarts_in_a_row(Some("2\n"), recent), 2);
		assert_eq!(restarts_in_a_row(Some("3"), old), 0, "up for longer than the window");
		assert_eq!(restarts_in_a_row(Some("garbage"), recent), 0);
		assert_eq!(restarts_in_a_row(Some("2"), None), 0, "no time known");
	}
}
