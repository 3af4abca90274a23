//! Booting guests: start QEMU, wait until the guest has booted, and choose the accelerator on
//! the first boot (with `auto`, a real boot probes KVM and falls back to TCG).

use std::time::Duration;

use super::Agent;
use crate::vm::{self, Accel, VmConfig, VmDir};

/// File in the work directory that keeps what the KVM probe found (`kvm` or `tcg`).
pub const ACCEL_FILE: &str = "accelerator";

/// What an earlier KVM probe found, if it ran.
pub(super) fn probed_accel(work_dir: &std::path::Path) -> Option<Accel> {
	match std::fs::read_to_string(work_dir.join(ACCEL_FILE)).ok()?.trim() {
		"kvm" => Some(Accel::Kvm),
		"tcg" => Some(Accel::Tcg),
		_ => None,
	}
}

impl Agent {
	/// Boots the VM unless its QEMU runs and the guest finished booting; with `auto`, the first
	/// boot probes KVM and falls back to TCG.
	pub(super) async fn ensure_booted(&self, config: &VmConfig, dir: &VmDir) -> Result<(), String> {
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
	pub(super) async fn start_and_wait(
		&self,
		config: &VmConfig,
		dir: &VmDir,
	) -> Result<(), String> {
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
		self.start_qemu(config, dir).await?;
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

	pub(super) fn boot_timeout(&self) -> Duration {
		Duration::from_secs(self.config.boot_timeout_secs)
	}
}
