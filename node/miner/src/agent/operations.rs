//! The owner's queued operations (stop, boot, reboot, resize, deletion), carried out on the VM
//! and then fulfilled on chain; restarts of `Running` VMs whose QEMU died, within a budget; and
//! removal of VMs the chain no longer knows.

use std::time::Duration;

use super::Agent;
use crate::{
	chain::{self, runtime, Hosted},
	vm::{self, VmConfig, VmDir},
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

impl Agent {
	/// The VM's saved configuration; a hosted VM without one has nothing to operate on.
	fn config_of(&self, id: u64) -> Result<(VmConfig, VmDir), chain::Error> {
		let dir = VmDir::new(&self.vms_dir, id);
		let config = dir.load_config()?.ok_or_else(|| format!("no local VM for request {id}"))?;
		Ok((config, dir))
	}

	pub(super) async fn stop(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		let clean = vm::power_down(&config, &dir, STOP_TIMEOUT).await?;
		if !clean {
			tracing::info!(request = request.request_id, "guest ignored the power-down; QEMU quit");
		}
		if request.pending.stop {
			let call =
				runtime::tx().compute().fulfill_stop_request(self.node(), request.request_id);
			self.chain().submit(&call, Some(request.read_at)).await?;
		}
		Ok(())
	}

	async fn boot_vm(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		self.start_and_wait(&config, &dir).await?;
		forget_restarts(&dir);
		Ok(())
	}

	pub(super) async fn boot(&self, request: &Hosted) -> Result<(), chain::Error> {
		self.boot_vm(request).await?;
		let call = runtime::tx().compute().fulfill_boot_request(self.node(), request.request_id);
		self.chain().submit(&call, Some(request.read_at)).await
	}

	pub(super) async fn reboot(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (config, dir) = self.config_of(request.request_id)?;
		let from = dir.console_len();
		vm::reset(&dir).await?;
		vm::wait_booted(&config, &dir, from, self.boot_timeout()).await?;
		let call = runtime::tx().compute().fulfill_reboot_request(self.node(), request.request_id);
		self.chain().submit(&call, Some(request.read_at)).await
	}

	/// Stops the VM, grows its disk, and starts it again (if it ran) with the new plan.
	pub(super) async fn resize(&self, request: &Hosted) -> Result<(), chain::Error> {
		let (mut config, dir) = self.config_of(request.request_id)?;
		let spec = request.pending.resize.ok_or("no resize queued")?;
		let was_running = dir.running_pid(&config.name()).is_some();
		vm::power_down(&config, &dir, STOP_TIMEOUT).await?;
		if spec.storage_gb > config.storage_gb {
			vm::grow_disk(&dir, spec.storage_gb).await?;
			config.storage_gb = spec.storage_gb;
		}
		config.vcpus = spec.vcpus;
		config.memory_mb = spec.memory_mb;
		config.bandwidth_mbps = spec.bandwidth_mbps;
		dir.save_config(&config)?;
		if was_running {
			self.start_and_wait(&config, &dir).await?;
		}
		forget_restarts(&dir);
		let call = runtime::tx().compute().fulfill_resize_request(self.node(), request.request_id);
		self.chain().submit(&call, Some(request.read_at)).await
	}

	/// Starts a `Running` VM whose QEMU is gone, up to [`MAX_RESTARTS`] times; then reports it
	/// failed.
	pub(super) async fn restart(&self, request: &Hosted) -> Result<(), chain::Error> {
		let id = request.request_id;
		let (config, dir) = match self.config_of(id) {
			Ok(found) => found,
			Err(_) => {
				return self
					.fail(
						request,
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
			return self.fail(request, &dir, Some(&config), &reason).await;
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
	pub(super) async fn delete(&self, request: &Hosted) -> Result<(), chain::Error> {
		let id = request.request_id;
		self.destroy(id).await;
		let call = runtime::tx().compute().fulfill_deletion_request(self.node(), id);
		self.chain().submit(&call, Some(request.read_at)).await
	}

	/// Ends QEMU and removes the VM's files.
	pub(super) async fn destroy(&self, id: u64) {
		let dir = VmDir::new(&self.vms_dir, id);
		if let Ok(Some(config)) = dir.load_config() {
			if let Err(error) = vm::kill(&config, &dir).await {
				tracing::warn!(request = id, "could not end QEMU: {error}");
				return;
			}
			if let Err(error) = self.release(&config).await {
				tracing::warn!(
					request = id,
					"could not remove the VM's tap or control group: {error}"
				);
				return;
			}
		}
		match dir.remove() {
			Ok(()) => tracing::info!(request = id, "local VM removed"),
			Err(error) => tracing::warn!(request = id, "could not remove the VM's files: {error}"),
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

#[cfg(test)]
mod tests {
	use super::*;

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
