//! What a VM holds on the host besides its files: its place on the network (a tap in routed
//! mode, see [`crate::network`]) and its control group (see [`crate::cgroup`]). Made before
//! each QEMU start, removed when the VM goes, and all of it removed on uninstall.

use std::net::Ipv4Addr;

use super::{local_vms, Agent};
use crate::{
	cgroup::Cgroups,
	config::Config,
	network::{
		routed::{Guest, Routed},
		rules, tap,
	},
	vm::{self, Nic, VmConfig, VmDir},
};

/// Starts of a VM whose ports were taken, before its start fails.
const PORT_TRIES: usize = 3;

/// Whether QEMU's error says a port it was to listen on is taken.
fn port_taken(error: &str) -> bool {
	error.contains("host forwarding rule") || error.contains("Address already in use")
}

/// Makes (or, after a restart, checks) the VM network of `config`, with the VMs already on
/// this host. Run once at start, before any VM is worked on.
pub async fn prepare_host(config: &Config) -> Result<(), String> {
	// QEMUs already running (started by an agent without control groups, or left between
	// their start and their confinement by a crash) are confined before anything else.
	let vms_dir = config.work_dir.join("vms");
	let cgroups = Cgroups::new(&config.work_dir);
	let local = local_vms(&vms_dir);
	cgroups.remove_others(&local);
	let mut guests: Vec<(String, Ipv4Addr)> = Vec::new();
	for id in local {
		let dir = VmDir::new(&vms_dir, id);
		let Ok(Some(vm)) = dir.load_config() else { continue };
		if let Some(pid) = dir.running_pid(&vm.name()) {
			cgroups
				.confine(id, pid, vm.memory_mb, vm.vcpus)
				.map_err(|e| format!("VM {id}: limiting it to its plan: {e}"))?;
		}
		if let Nic::Tap { name } = vm.nic {
			guests.push((name, vm.address));
		}
	}
	let Some(settings) = config.network.routed()? else {
		tracing::warn!(
			"network mode \"user\": guests are reachable only through host forwards on \
			 127.0.0.1, not by their renters"
		);
		return Ok(());
	};
	let routed = Routed::new(settings);
	routed.setup(&guests).await?;
	let s = routed.settings();
	tracing::info!(
		"network mode \"routed\": namespace {}, uplink {} ({} via {}), pool {}, {} VMs on taps",
		s.namespace,
		s.uplink,
		s.address,
		s.gateway,
		s.pool,
		guests.len()
	);
	Ok(())
}

impl Agent {
	/// The NIC a new VM gets, and the prefix length, gateway and DNS servers of its network
	/// configuration.
	pub(super) fn new_nic(
		&self,
		request_id: u64,
	) -> Result<(Nic, u8, Ipv4Addr, Vec<Ipv4Addr>), String> {
		match &self.routed {
			Some(routed) => {
				let name = rules::tap_name(request_id)
					.ok_or_else(|| format!("request id {request_id} is too long for a tap name"))?;
				let s = routed.settings();
				Ok((Nic::Tap { name }, s.pool.len, s.guest_gateway, s.nameservers.clone()))
			},
			None => Err("user mode has no tap".into()),
		}
	}

	/// Starts the VM's QEMU with its network attached, and confines it to its plan.
	pub(super) async fn start_qemu(&self, config: &VmConfig, dir: &VmDir) -> Result<u32, String> {
		let _spawning = tap::SPAWN.lock().await;
		let pid = match (&config.nic, &self.routed) {
			(Nic::Tap { name }, Some(routed)) => {
				routed
					.attach(Guest {
						tap: name,
						address: config.address,
						bandwidth_mbps: config.bandwidth_mbps,
					})
					.await?;
				let tap = tap::Tap::open(&routed.settings().namespace, name)?;
				vm::start(config, dir, Some(&tap)).await.map_err(|e| e.to_string())?
			},
			(Nic::Tap { name }, None) => {
				return Err(format!(
					"the VM is on tap {name}, but the agent runs in network mode \"user\""
				))
			},
			(Nic::User, _) => self.start_user_mode(config, dir).await?,
		};
		if let Err(error) =
			self.cgroups.confine(config.request_id, pid, config.memory_mb, config.vcpus)
		{
			let _ = vm::kill(config, dir).await;
			return Err(format!("limiting the VM to its plan: {error}"));
		}
		Ok(pid)
	}

	/// Starts the QEMU of a VM on the user-mode network. Its VNC and forward ports were free
	/// when chosen, but another process may have bound one since: then QEMU cannot listen and
	/// exits, and the VM gets other free ports (saved in its `vm.json`) and starts again.
	async fn start_user_mode(&self, config: &VmConfig, dir: &VmDir) -> Result<u32, String> {
		let mut config = config.clone();
		for _ in 1..PORT_TRIES {
			match vm::start(&config, dir, None).await {
				Err(vm::BootError::Qemu(error)) if port_taken(&error) => {
					let (vnc, forward) = self
						.ports(true)
						.ok_or_else(|| format!("{error}; and no other free port"))?;
					tracing::info!(
						request = config.request_id,
						"a port of the VM was taken ({error}); moving to VNC {} and forward {}",
						vnc.item,
						forward.as_ref().map_or(0, |f| f.item)
					);
					config.vnc_display = vnc.item.saturating_sub(crate::config::VNC_BASE_PORT);
					config.forward_port = forward.as_ref().map_or(0, |f| f.item);
					dir.save_config(&config).map_err(|e| e.to_string())?;
				},
				other => return other.map_err(|e| e.to_string()),
			}
		}
		vm::start(&config, dir, None).await.map_err(|e| e.to_string())
	}

	/// Removes the VM's tap and control group (its QEMU must be gone).
	pub(super) async fn release(&self, config: &VmConfig) -> Result<(), String> {
		if let (Nic::Tap { name }, Some(routed)) = (&config.nic, &self.routed) {
			routed.detach(name, config.address).await?;
		}
		self.cgroups
			.remove(config.request_id)
			.map_err(|e| format!("control group: {e}"))
	}
}

/// Removes the VM namespace and the agent's control groups (`--uninstall`), when no VM is
/// left in the work directory.
pub async fn uninstall(config: &Config) -> Result<(), String> {
	let vms_dir = config.work_dir.join("vms");
	let left = local_vms(&vms_dir);
	if !left.is_empty() {
		return Err(format!(
			"{} VMs are still in {}: delete them on chain first (the agent removes their files)",
			left.len(),
			vms_dir.display()
		));
	}
	if let Some(settings) = config.network.routed()? {
		let namespace = settings.namespace.clone();
		Routed::new(settings).remove().await?;
		tracing::info!("removed network namespace {namespace}");
	}
	Cgroups::new(&config.work_dir)
		.remove_all()
		.map_err(|e| format!("control groups: {e}"))
}

#[cfg(test)]
mod tests {
	use super::port_taken;

	#[test]
	fn qemus_port_errors_are_told_from_others() {
		// QEMU 10's words when the forward's or the VNC server's port is bound already.
		assert!(port_taken(
			"qemu-system-x86_64: -netdev user,id=n0,hostfwd=tcp:127.0.0.1:22001-:22: Could not set up host forwarding rule 'tcp:127.0.0.1:22001-:22'"
		));
		assert!(port_taken(
			"qemu-system-x86_64: -vnc 127.0.0.1:1: Failed to find an available port: Address already in use"
		));
		assert!(!port_taken(
			"qemu-system-x86_64: -drive file=disk.qcow2: Could not open 'disk.qcow2'"
		));
	}
}
