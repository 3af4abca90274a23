//! Handing a VM's tap, which lives in the VM namespace, to a QEMU that runs in the host's.
//!
//! A thread enters the namespace (`setns` changes only the calling thread) and opens the tap
//! there; the open file stays attached to the tap wherever it goes. QEMU inherits it as
//! `-netdev tap,fd=N`, so its VNC server, QMP socket and everything else stay in the host's
//! namespace. The file is opened without close-on-exec, so every process started while it is
//! open inherits it: [`Tap`]s are opened under [`SPAWN`], which every QEMU start holds, and so
//! does every start of a command that may run long ([`output_without_taps`]), so no other
//! process keeps a tap that is not its own (the agent's short `ip`, `tc` and `nft` commands,
//! run while a tap is open, let it go when they exit).

use std::{
	fs::File,
	os::fd::{AsRawFd, RawFd},
};

/// Held while a tap is open for a QEMU about to start, and by every QEMU start.
pub static SPAWN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a command that may run for long (`qemu-img` on a large image) and returns its output.
/// It is started under [`SPAWN`], so it inherits no tap: a tap held by another process stays
/// attached, and its VM's next start could not open it. (Never call this holding [`SPAWN`].)
pub async fn output_without_taps(
	command: &mut tokio::process::Command,
) -> std::io::Result<std::process::Output> {
	let child = {
		let _spawning = SPAWN.lock().await;
		command
			.stdout(std::process::Stdio::piped())
			.stderr(std::process::Stdio::piped())
			.spawn()?
	};
	child.wait_with_output().await
}

/// A tap opened in the VM namespace, for one QEMU start.
pub struct Tap {
	device: tun::Device,
}

impl Tap {
	/// Opens the persistent tap `name` in namespace `namespace` (made by
	/// [`super::routed::Routed::attach`]).
	pub fn open(namespace: &str, name: &str) -> Result<Tap, String> {
		let path = format!("/run/netns/{namespace}");
		let netns = File::open(&path).map_err(|e| format!("namespace {path}: {e}"))?;
		let name = name.to_string();
		std::thread::spawn(move || {
			nix::sched::setns(&netns, nix::sched::CloneFlags::CLONE_NEWNET)
				.map_err(|e| format!("entering namespace {path}: {e}"))?;
			let mut config = tun::Configuration::default();
			config.tun_name(&name).layer(tun::Layer::L2);
			config.platform_config(|c| {
				c.ensure_root_privileges(false);
			});
			let device = tun::create(&config).map_err(|e| format!("tap {name}: {e}"))?;
			Ok(Tap { device })
		})
		.join()
		.map_err(|_| "the thread opening the tap panicked".to_string())?
	}

	/// The file descriptor QEMU inherits.
	pub fn fd(&self) -> RawFd {
		self.device.as_raw_fd()
	}
}
