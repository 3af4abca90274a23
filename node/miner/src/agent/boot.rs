//! Booting guests: start QEMU, wait until the guest has booted, and choose the accelerator on
//! the first boot (with `auto`, a real boot probes KVM and falls back to TCG).

use std::time::Duration;

use super::Agent;
use crate::vm::{self, Accel, BootError, VmConfig, VmDir};

/// File in the work directory that keeps what the KVM probe found (`kvm` or `tcg`).
pub const ACCEL_FILE: &str = "accelerator";

/// How many of the console's last lines the agent logs when a guest fails to boot.
const CONSOLE_TAIL_LINES: usize = 20;
/// Boots of one VM before its start counts as failed. A guest that did not finish booting in
/// time (on a host busy for a moment) is booted once more; QEMU refusing to start is final.
const BOOT_ATTEMPTS: u32 = 2;

/// A boot that failed: why, and the end of what the guest printed.
struct BootFailure {
	error: BootError,
	console: String,
}

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
		let mut attempt = 1;
		loop {
			let Err(failure) = self.boot_guest(&config, dir, self.boot_timeout()).await else {
				return Ok(());
			};
			// The console goes with the VM: its end, in the agent's log (never on chain), tells
			// the operator where the guest stopped.
			tracing::warn!(
				request = config.request_id,
				attempt,
				"boot failed: {}; the console's last lines:\n{}",
				failure.error,
				failure.console
			);
			if !matches!(failure.error, BootError::Timeout(_)) || attempt >= BOOT_ATTEMPTS {
				return Err(failure.error.to_string());
			}
			attempt += 1;
		}
	}

	fn save_accel(&self, config: &VmConfig, dir: &VmDir, accel: Accel) -> std::io::Result<()> {
		let mut config = config.clone();
		config.accel = accel;
		dir.save_config(&config)
	}

	/// Starts QEMU and waits until the guest booted; on failure, QEMU is gone.
	async fn boot_guest(
		&self,
		config: &VmConfig,
		dir: &VmDir,
		timeout: Duration,
	) -> Result<(), BootFailure> {
		let from = dir.console_len();
		let failure = |error| BootFailure {
			error,
			console: vm::last_lines(&dir.console_since(from), CONSOLE_TAIL_LINES),
		};
		self.start_qemu(config, dir).await.map_err(|e| failure(BootError::Qemu(e)))?;
		match vm::wait_booted(config, dir, from, timeout).await {
			Ok(took) => {
				tracing::info!(request = config.request_id, "guest booted in {took:?}");
				self.metrics.guest_boot.observe(took.as_secs_f64());
				Ok(())
			},
			Err(error) => {
				let _ = vm::kill(config, dir).await;
				Err(failure(error))
			},
		}
	}

	pub(super) fn boot_timeout(&self) -> Duration {
		Duration::from_secs(self.config.boot_timeout_secs)
	}
}
