//! The agent's loop: bring this host's VMs in line with the chain, at every finalized block,
//! and start new ones as early as the best block allows.
//!
//! Reconciliation is level-triggered: each finalized block, the agent reads every request its
//! node hosts (all pages, at that block's hash) and compares them with the VM directories on
//! disk. Whatever differs is driven towards the chain's state by one task per VM (a VM with a
//! task running is left alone until it finishes), so a restarted agent, a reconnect or a missed
//! block all end in the same place.
//!
//! New VMs do not wait for finality. At each best block the agent claims the requests created
//! in it, sending each claim with its VM's address (see [`claims`]), and starts creating the VMs
//! of requests that are `InProgress` on its node with an address. So a VM boots about one block
//! after its request's claim is in a block, and its fulfilment is sent when it has booted. What
//! the agent does at a best block is undone if that block is not finalized: its transactions are
//! then invalid, the VM's task ends when its fulfilment fails, and the next finalized block
//! removes the VM, since neither the finalized nor the best block has its request. Everything
//! else (operations, restarts, removals) waits for finality.
//!
//! What each request needs is decided by the pure [`work_for`]; the work itself lives in files
//! named after it:
//! - [`claims`]: which open requests this node takes;
//! - [`provision`]: creating the VM of an `InProgress` request (address, ports, files) and
//!   fulfilling it, or reporting its failure;
//! - [`boot`]: starting QEMU and waiting for the guest, choosing the accelerator;
//! - [`resources`]: what a VM holds on the host besides its files (its tap in routed mode, its
//!   control group), made before each QEMU start and removed when it goes;
//! - [`operations`]: the owner's stop, boot, reboot, resize and deletion, restarts of VMs whose
//!   QEMU died (with a restart budget), and removal of VMs the chain no longer knows;
//! - [`reports`]: rent claims and the node's metric reports, on the same beat.
//!
//! Data read from the chain that does not decode is never taken as "nothing to do": a page that
//! does not decode stops the block's work, and a request that makes no sense leaves its VM
//! alone and stops claims; both are logged as errors and counted in
//! `compute_miner_chain_refused_total`.

mod boot;
mod claims;
mod operations;
mod provision;
mod reports;
mod resources;

use std::{
	collections::{BTreeMap, BTreeSet, HashMap},
	net::Ipv4Addr,
	path::PathBuf,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	time::Duration,
};

use tokio::task::JoinHandle;

use crate::{
	chain::{self, runtime, Chain, Hosted, HostedRead, Open, Pending, Status},
	config::{Accelerator, Config},
	image::Fetcher,
	interface::Role,
	metrics::Metrics,
	node_key::NodeKey,
	reserve::InFlight,
	vm::{Accel, VmDir},
};

pub use boot::ACCEL_FILE;
pub use operations::{restarts_in_a_row, MAX_RESTARTS, RESTART_WINDOW};
pub use resources::{prepare_host, uninstall};

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
	/// The claims sent, until the finalized chain shows their outcome (see [`claims`]).
	claims_sent: std::sync::Mutex<BTreeMap<u64, claims::Sent>>,
	/// The requests the node hosts at the best block last read; `None` before the first read,
	/// while no VM is removed.
	best_hosted: std::sync::Mutex<Option<BTreeSet<u64>>>,
	/// Addresses this agent's VM tasks are taking from the pool right now.
	addresses_in_flight: InFlight<Ipv4Addr>,
	/// Host ports chosen for new VMs whose configuration is not saved yet.
	ports_in_flight: InFlight<u16>,
	/// The routed network, in that mode.
	routed: Option<crate::network::routed::Routed>,
	/// The VMs' control groups.
	cgroups: crate::cgroup::Cgroups,
	/// Prometheus metrics.
	pub metrics: Metrics,
}

impl Agent {
	/// An agent for `config`, talking to the chain through `chain`.
	pub fn new(config: Config, chain: Chain, node_key: NodeKey, metrics: Metrics) -> Arc<Agent> {
		let node_id = node_key.node_id();
		// `Config::validate` refused a configuration whose exemptions do not parse; none is the
		// safe side anyway.
		let exempt = crate::source_guard::Exempt::new(&config.ipfs_gateway, &config.fetch_allow)
			.unwrap_or_default();
		let fetcher = Fetcher::new(config.cache_dir(), config.ipfs_gateway.clone(), exempt);
		let vms_dir = config.work_dir.join("vms");
		let accel = match config.accelerator {
			Accelerator::Kvm => Some(Accel::Kvm),
			Accelerator::Tcg => Some(Accel::Tcg),
			Accelerator::Auto => boot::probed_accel(&config.work_dir),
		};
		// `Config::validate` refused routed settings that do not check out.
		let routed =
			config.network.routed().ok().flatten().map(crate::network::routed::Routed::new);
		let cgroups = crate::cgroup::Cgroups::new(&config.work_dir);
		Arc::new(Agent {
			routed,
			cgroups,
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
			claims_sent: Default::default(),
			best_hosted: Default::default(),
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

	/// Says what the runtime the agent last checked allows, in the log and in metrics, and
	/// warns when metric reports, the node's heartbeats, are too far apart for its
	/// `HeartbeatTimeout`: one lost report would make the node look silent and its VMs stop
	/// paying rent.
	pub fn report_runtime(&self) {
		let check = self.chain().interface();
		self.metrics.runtime(&check);
		if check.incompatible.is_empty() {
			tracing::info!("{check}");
		} else {
			tracing::error!(
				"{check}. The agent does none of that until it is rebuilt for this runtime (what \
				 it cannot do as a host, it leaves as it is: its VMs keep running)"
			);
		}
		let Some(timeout) = check.limits.heartbeat_timeout else { return };
		let interval = self.config.metrics_interval_blocks;
		if interval.saturating_mul(2) > u64::from(timeout) {
			tracing::warn!(
				"metrics_interval_blocks is {interval}, but the chain counts a node silent {timeout} \
				 blocks after its latest report, and pays no rent for its VMs while it is: report \
				 at least twice per timeout"
			);
		}
	}

	/// Registers the node if it is not, and checks that the registered capacity is the
	/// configured one.
	pub async fn ensure_registered(&self) -> Result<(), chain::Error> {
		std::fs::create_dir_all(&self.vms_dir)?;
		if !self.chain().interface().allows(Role::Register) {
			tracing::error!("the node's registration cannot be checked on this runtime");
			return Ok(());
		}
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
				self.chain().submit(&call, None).await?;
				tracing::info!(node = %self.node_key.peer_id(), "node registered with capacity {want:?}");
			},
		}
		Ok(())
	}

	/// Follows the chain until the connection fails: reconciles at each finalized block
	/// ([`Agent::on_finalized`]), and claims and starts provisioning at each best block
	/// ([`Agent::on_best`]).
	///
	/// At each block whose runtime is new to the agent, the agent checks its interface against
	/// it ([`Chain::runtime_at`]) and does only what the runtime allows.
	pub async fn follow(self: &Arc<Self>) -> Result<(), chain::Error> {
		// The stream of finalized blocks starts with those the node still has in memory, older
		// ones among them: a block before the finalized head at start is not acted on, or a
		// restarted agent would read the state from before its last claims and remove their
		// VMs. After that, each block is newer than the last.
		let acted = self.chain().client.at_current_block().await?.block_number().saturating_sub(1);
		let mut state = Following { open: None, acted, next_report: 0, acted_spec: None };
		let mut finalized = self.chain().client.stream_blocks().await?;
		let mut best = self.chain().client.stream_best_blocks().await?;
		loop {
			tokio::select! {
				biased;
				block = finalized.next() => match block {
					Some(block) => self.on_finalized(block?, &mut state).await?,
					None => return Err("the finalized block stream ended".into()),
				},
				block = best.next() => match block {
					Some(Ok(block)) => self.on_best(block, &mut state).await,
					// A best block may be gone already (pruned with its fork): the next one is
					// read instead.
					Some(Err(error)) => tracing::debug!("best block not read: {error}"),
					None => return Err("the best block stream ended".into()),
				},
			}
		}
	}

	/// At a finalized block: reconciles every hosted request with its VM, removes VMs the chain
	/// no longer knows, claims, claims rent and reports metrics.
	async fn on_finalized(
		self: &Arc<Self>,
		block: subxt::client::Block<subxt::SubstrateConfig>,
		state: &mut Following,
	) -> Result<(), chain::Error> {
		let number = block.number();
		if number <= state.acted {
			tracing::debug!(block = number, "not newer than block {}: skipped", state.acted);
			return Ok(());
		}
		state.acted = number;
		self.head.store(number, Ordering::SeqCst);
		self.metrics.chain_head.set(number as i64);
		let at = block.at().await?;
		if self.chain().runtime_at(&at).is_some() {
			self.report_runtime();
		}
		let interface = self.chain().interface();
		if !interface.allows(Role::Host) {
			return Ok(());
		}
		if state.acted_spec != Some(at.spec_version()) {
			if self.chain().migrations_pending(&at).await? {
				tracing::info!(
					block = number,
					"this block set the runtime's code; its storage migrates in the next block, \
					 so nothing is read at this one"
				);
				// Its events were made by the old runtime and would be decoded with the new
				// one's types: the open requests are scanned again instead.
				state.open = None;
				return Ok(());
			}
			state.acted_spec = Some(at.spec_version());
		}
		match interface.allows(Role::Claim) {
			true => self.follow_open(&mut state.open, &at).await,
			false => state.open = None,
		}
		let Some(read) = self.read_hosted(&at).await else { return Ok(()) };
		self.settle_claims(&read.requests, number);
		self.reconcile(&read);
		if let (true, Some(open)) = (read.refused.is_empty(), &mut state.open) {
			self.claim(open, &read.requests, &at).await;
		}
		let hosted = &read.requests;
		if number.is_multiple_of(self.config.payment_interval_blocks) && !hosted.is_empty() {
			let agent = self.clone();
			let max = hosted.len() as u32;
			tokio::spawn(async move { agent.claim_payments(max).await });
		}
		if number >= state.next_report {
			state.next_report = match self.report_metrics(hosted.len()).await {
				true => number.saturating_add(self.config.metrics_interval_blocks),
				false => number.saturating_add(1),
			};
		}
		Ok(())
	}

	/// At a new best block: claims the requests created in it that fit, and starts creating
	/// the VMs of requests `InProgress` on the node with their address.
	///
	/// Nothing here removes or changes a VM: a VM started for a block that does not become
	/// final is removed by [`Agent::reconcile`] once neither the finalized block nor the best
	/// one has its request, and its task ended (the fulfilment it waits for fails with the
	/// block). Only blocks of the runtime the last finalized block was acted on with are used.
	/// What cannot be read here (a best block can be pruned with its fork at any time) is left
	/// to the next best block, or to the finalized one.
	async fn on_best(
		self: &Arc<Self>,
		block: subxt::client::Block<subxt::SubstrateConfig>,
		state: &mut Following,
	) {
		let number = block.number();
		let interface = self.chain().interface();
		let at = match block.at().await {
			Ok(at) if state.acted_spec == Some(at.spec_version()) => at,
			Ok(_) => return,
			Err(error) => return tracing::debug!(block = number, "best block not read: {error}"),
		};
		if !interface.allows(Role::Host) {
			return;
		}
		let read = match self.chain().hosted(&self.node_id, &at).await {
			Ok(read) => read,
			Err(error) => {
				return tracing::debug!(block = number, "hosted requests not read at best: {error}")
			},
		};
		*self.best_hosted.lock().unwrap_or_else(|e| e.into_inner()) = Some(
			read.requests
				.iter()
				.map(|h| h.request_id)
				.chain(read.refused.iter().map(|(id, _)| *id))
				.collect(),
		);
		self.provision_early(&read.requests);
		if !interface.allows(Role::Claim) || !read.refused.is_empty() {
			return;
		}
		let Some(open) = &mut state.open else { return };
		match self.chain().created_in(&at).await {
			Ok(created) => open.extend(created.into_iter().map(|o| (o.request_id, o))),
			Err(error) => {
				tracing::debug!(
					block = number,
					"requests created in this best block not read: {error}"
				)
			},
		}
		self.claim(open, &read.requests, &at).await;
	}

	/// The requests the node hosts at finalized block `at`; `None` (logged and counted) when
	/// they could not all be read, so that nothing is done on them.
	async fn read_hosted(
		&self,
		at: &subxt::client::OnlineClientAtBlock<subxt::SubstrateConfig>,
	) -> Option<HostedRead> {
		let number = at.block_number();
		match self.chain().hosted(&self.node_id, at).await {
			Ok(read) => {
				for (request, reason) in &read.refused {
					tracing::error!(block = number, request, "hosted request refused: {reason}");
					self.metrics.chain_refused.with_label_values(&["request"]).inc();
				}
				Some(read)
			},
			Err(error) => {
				// Nothing is done on data that could not be read: no VM is touched, nothing
				// is claimed; the next block reads again.
				tracing::error!(block = number, "hosted requests not read: {error}");
				self.metrics.chain_refused.with_label_values(&["page"]).inc();
				None
			},
		}
	}

	/// Brings the open requests up to block `at`: a full scan when there are none yet, else the
	/// requests created in that block. A read that fails leaves none, so the next block scans
	/// again.
	async fn follow_open(
		&self,
		open: &mut Option<HashMap<u64, Open>>,
		at: &subxt::client::OnlineClientAtBlock<subxt::SubstrateConfig>,
	) {
		let read = match open.take() {
			Some(mut known) => self.chain().created_in(at).await.map(|created| {
				known.extend(created.into_iter().map(|o| (o.request_id, o)));
				known
			}),
			None => self
				.chain()
				.open_requests()
				.await
				.map(|scan| scan.into_iter().map(|o| (o.request_id, o)).collect()),
		};
		match read {
			Ok(read) => *open = Some(read),
			Err(error) => tracing::warn!(
				block = at.block_number(),
				"open requests not read ({error}); they are scanned again at the next block"
			),
		}
	}

	/// Starts the work each hosted request needs, and destroys local VMs the chain no longer
	/// knows: neither this finalized block nor the last best block read has their request, and
	/// no task works on them. The VMs of refused requests are left alone.
	fn reconcile(self: &Arc<Self>, read: &HostedRead) {
		let hosted = &read.requests;
		let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
		tasks.retain(|_, task| !task.is_finished());
		let known: BTreeSet<u64> = hosted
			.iter()
			.map(|h| h.request_id)
			.chain(read.refused.iter().map(|(id, _)| *id))
			.collect();
		// Before the first read of a best block (the agent just started), a VM whose claim is
		// only in a best block is not told from one whose request is gone: none is removed.
		let best = self.best_hosted.lock().unwrap_or_else(|e| e.into_inner()).clone();
		for id in local_vms(&self.vms_dir) {
			let at_best = best.as_ref().is_none_or(|best| best.contains(&id));
			if !known.contains(&id) && !at_best && !tasks.contains_key(&id) {
				tracing::info!(
					request = id,
					hosted = ?known,
					"the node no longer hosts this request: removing its VM"
				);
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
		let running = hosted.iter().filter(|h| h.status == Status::Running).count();
		self.metrics.vms.with_label_values(&["running"]).set(running as i64);
		self.metrics.vms.with_label_values(&["hosted"]).set(hosted.len() as i64);
	}

	/// Starts creating the VMs of `hosted` requests (read at a best block) that are
	/// `InProgress` with their address and have no task yet.
	fn provision_early(self: &Arc<Self>, hosted: &[Hosted]) {
		let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
		tasks.retain(|_, task| !task.is_finished());
		for request in hosted {
			let ready = request.ip.is_some() && self.work_for(request) == Some(Work::Provision);
			if !ready || tasks.contains_key(&request.request_id) {
				continue;
			}
			let (agent, request) = (self.clone(), request.clone());
			tasks.insert(
				request.request_id,
				tokio::spawn(async move { agent.run(Work::Provision, request).await }),
			);
		}
	}

	/// What request `request` needs now, if anything.
	fn work_for(&self, request: &Hosted) -> Option<Work> {
		let dir = VmDir::new(&self.vms_dir, request.request_id);
		let up = dir.running_pid(&format!("vm-{}", request.request_id)).is_some();
		work_for(request.status, &request.pending, up)
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
			Work::Delete => self.delete(&request).await,
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
}

/// What a hosted request in `status` with `pending` operations needs, given whether its QEMU
/// runs (`up`): a deletion first, then provisioning, a stop, a resize, a reboot; a `Running` VM
/// that is down is restarted, a `Stopped` one that runs is stopped.
pub fn work_for(status: Status, pending: &Pending, up: bool) -> Option<Work> {
	if pending.delete {
		return Some(Work::Delete);
	}
	match status {
		Status::InProgress => Some(Work::Provision),
		Status::Running if pending.stop => Some(Work::Stop),
		Status::Running | Status::Stopped if pending.resize.is_some() => Some(Work::Resize),
		Status::Running if pending.reboot => Some(Work::Reboot),
		Status::Running if !up => Some(Work::Restart),
		Status::Stopped if pending.boot => Some(Work::Boot),
		Status::Stopped if up => Some(Work::Stop),
		Status::Running | Status::Stopped => None,
	}
}

/// Where [`Agent::follow`] is in the chain.
struct Following {
	/// The pending requests, while the runtime allows claiming: a full scan first, then the
	/// requests created in each block.
	open: Option<HashMap<u64, Open>>,
	/// The last finalized block acted on.
	acted: u64,
	/// The first finalized block at which the next metric report is due. A report must be made
	/// after the node's registration block: the first one is tried at each block until it is
	/// accepted, then one every `metrics_interval_blocks`.
	next_report: u64,
	/// The runtime of the last finalized block acted on: a block with another one is checked
	/// for migrations still to run, and best blocks of another one are not acted on.
	acted_spec: Option<u32>,
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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn deletion_comes_first() {
		let pending = Pending { delete: true, stop: true, reboot: true, ..Default::default() };
		for status in [Status::InProgress, Status::Running, Status::Stopped] {
			assert_eq!(work_for(status, &pending, true), Some(Work::Delete));
		}
	}

	#[test]
	fn each_state_gets_its_work() {
		let none = Pending::default();
		let stop = Pending { stop: true, ..Default::default() };
		let boot = Pending { boot: true, ..Default::default() };
		let reboot = Pending { reboot: true, ..Default::default() };
		let resize =
			Pending { resize: Some(crate::chain::PlanSpec::default()), ..Default::default() };
		assert_eq!(work_for(Status::InProgress, &none, false), Some(Work::Provision));
		assert_eq!(work_for(Status::InProgress, &none, true), Some(Work::Provision));
		assert_eq!(work_for(Status::Running, &none, true), None);
		assert_eq!(work_for(Status::Running, &none, false), Some(Work::Restart));
		assert_eq!(work_for(Status::Running, &stop, true), Some(Work::Stop));
		assert_eq!(work_for(Status::Running, &reboot, true), Some(Work::Reboot));
		assert_eq!(work_for(Status::Running, &resize, true), Some(Work::Resize));
		assert_eq!(work_for(Status::Stopped, &resize, false), Some(Work::Resize));
		assert_eq!(work_for(Status::Stopped, &none, false), None);
		assert_eq!(
			work_for(Status::Stopped, &none, true),
			Some(Work::Stop),
			"a stopped VM is not left running"
		);
		assert_eq!(work_for(Status::Stopped, &boot, false), Some(Work::Boot));
	}
}
