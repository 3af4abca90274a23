//! The plan's memory and vCPUs, enforced on the host with a control group per VM.
//!
//! QEMU's `-m` bounds what the guest sees; the cgroup bounds what the whole QEMU process may
//! take from the host: the guest's memory plus [`OVERHEAD_MB`] for QEMU itself (TCG's code
//! buffer, device emulation, the VNC server), and `vcpus` cores of CPU time. A QEMU over its
//! memory limit is ended by the kernel's OOM killer, and the agent restarts the VM (see
//! `agent/operations.rs`).
//!
//! Each VM's group is `compute-miner/<agent>/vm-<id>`, `<agent>` naming the work directory,
//! so agents with different work directories never share groups. Both cgroup layouts work:
//! v2 (`memory.max`, `cpu.max`) and v1 (the `memory` and `cpu` hierarchies,
//! `memory.limit_in_bytes`, `cpu.cfs_quota_us`).

use std::{
	io,
	path::{Path, PathBuf},
};

use sha2::{Digest, Sha256};

/// What QEMU needs besides the guest's memory, MiB: TCG's 64 MiB code buffer (`tb-size=64`)
/// and about as much again for QEMU itself, with room to spare.
pub const OVERHEAD_MB: u64 = 192;
/// The CPU scheduler's period, microseconds; a VM gets `vcpus` periods of time per period.
const CPU_PERIOD_US: u64 = 100_000;
/// Where cgroup file systems are mounted.
const CGROUP_ROOT: &str = "/sys/fs/cgroup";

/// The control groups of one agent's VMs.
#[derive(Debug, Clone)]
pub struct Cgroups {
	/// One directory per controller hierarchy (one on v2; `memory` and `cpu` on v1), each the
	/// agent's parent group.
	parents: Vec<(Controller, PathBuf)>,
}

/// Which files a hierarchy limits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
	/// cgroup v2: memory and CPU in one group.
	Unified,
	/// cgroup v1 `memory`.
	Memory,
	/// cgroup v1 `cpu`.
	Cpu,
}

impl Cgroups {
	/// The groups of the agent whose work directory is `work_dir`.
	pub fn new(work_dir: &Path) -> Cgroups {
		let canonical = work_dir.canonicalize().unwrap_or_else(|_| work_dir.to_path_buf());
		let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
		let agent: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
		let group = Path::new("compute-miner").join(agent);
		let root = Path::new(CGROUP_ROOT);
		let parents = if root.join("cgroup.controllers").exists() {
			vec![(Controller::Unified, root.join(&group))]
		} else {
			vec![
				(Controller::Memory, root.join("memory").join(&group)),
				(Controller::Cpu, root.join("cpu").join(&group)),
			]
		};
		Cgroups { parents }
	}

	/// Puts process `pid` (a VM's QEMU) into VM `request_id`'s group, limited to `memory_mb`
	/// plus [`OVERHEAD_MB`] and `vcpus` cores. Run again after a resize, it sets the new limits.
	pub fn confine(&self, request_id: u64, pid: u32, memory_mb: u32, vcpus: u32) -> io::Result<()> {
		let memory = (u64::from(memory_mb) + OVERHEAD_MB) * 1024 * 1024;
		let quota = u64::from(vcpus.max(1)) * CPU_PERIOD_US;
		for (controller, parent) in &self.parents {
			let group = vm_group(parent, request_id);
			if *controller == Controller::Unified {
				enable_controllers(parent)?;
			}
			std::fs::create_dir_all(&group)?;
			match controller {
				Controller::Unified => {
					write(&group, "memory.max", &memory.to_string())?;
					write(&group, "memory.swap.max", "0").or_else(ignore_missing)?;
					write(&group, "cpu.max", &format!("{quota} {CPU_PERIOD_US}"))?;
				},
				Controller::Memory => {
					// What QEMU touched before the move stays charged where it was: little, as
					// the guest has not run yet.
					write(&group, "memory.limit_in_bytes", &memory.to_string())?;
				},
				Controller::Cpu => {
					write(&group, "cpu.cfs_period_us", &CPU_PERIOD_US.to_string())?;
					write(&group, "cpu.cfs_quota_us", &quota.to_string())?;
				},
			}
			write(&group, "cgroup.procs", &pid.to_string())?;
		}
		Ok(())
	}

	/// The highest memory use of VM `request_id`'s group so far, bytes, where the kernel keeps
	/// it (`memory.peak`, `memory.max_usage_in_bytes`).
	pub fn peak_memory(&self, request_id: u64) -> Option<u64> {
		self.parents.iter().find_map(|(controller, parent)| {
			let group = vm_group(parent, request_id);
			let file = match controller {
				Controller::Unified => "memory.peak",
				Controller::Memory => "memory.max_usage_in_bytes",
				Controller::Cpu => return None,
			};
			std::fs::read_to_string(group.join(file)).ok()?.trim().parse().ok()
		})
	}

	/// Removes VM `request_id`'s group once its QEMU is gone (a group with a process in it
	/// stays; what is already gone is not an error).
	pub fn remove(&self, request_id: u64) -> io::Result<()> {
		for (_, parent) in &self.parents {
			match std::fs::remove_dir(vm_group(parent, request_id)) {
				Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
				_ => {},
			}
		}
		Ok(())
	}

	/// Removes the groups of VMs not in `vms` (left by a VM whose files went while the agent
	/// could not clean up after it); a group with a process left in it stays.
	pub fn remove_others(&self, vms: &[u64]) {
		for (_, parent) in &self.parents {
			for child in std::fs::read_dir(parent).into_iter().flatten().flatten() {
				let name = child.file_name().to_string_lossy().into_owned();
				let Some(id) = name.strip_prefix("vm-").and_then(|id| id.parse().ok()) else {
					continue;
				};
				if !vms.contains(&id) && std::fs::remove_dir(child.path()).is_ok() {
					tracing::info!("removed control group {name}, which no VM on this host has");
				}
			}
		}
	}

	/// Removes the agent's groups, the VMs' (which must have no process left) and their
	/// parents (uninstalling).
	pub fn remove_all(&self) -> io::Result<()> {
		self.remove_others(&[]);
		for (_, parent) in &self.parents {
			// A VM group still in it (a process left) makes this fail, and says so.
			match std::fs::remove_dir(parent) {
				Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
				_ => {},
			}
			// The top `compute-miner` group goes with its last agent.
			if let Some(top) = parent.parent() {
				let _ = std::fs::remove_dir(top);
			}
		}
		Ok(())
	}
}

/// VM `request_id`'s group under an agent's `parent` group.
fn vm_group(parent: &Path, request_id: u64) -> PathBuf {
	parent.join(format!("vm-{request_id}"))
}

/// On cgroup v2, groups get the memory and cpu controllers only when every parent delegates
/// them (`cgroup.subtree_control`).
fn enable_controllers(parent: &Path) -> io::Result<()> {
	std::fs::create_dir_all(parent)?;
	let root = Path::new(CGROUP_ROOT);
	let mut dirs: Vec<&Path> = parent.ancestors().take_while(|d| d.starts_with(root)).collect();
	dirs.reverse();
	for dir in dirs {
		write(dir, "cgroup.subtree_control", "+memory +cpu")?;
	}
	Ok(())
}

fn write(group: &Path, file: &str, value: &str) -> io::Result<()> {
	std::fs::write(group.join(file), value)
		.map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", group.join(file).display())))
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
	if e.kind() == io::ErrorKind::NotFound {
		Ok(())
	} else {
		Err(e)
	}
}
