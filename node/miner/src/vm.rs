//! One VM on this host: its directory, its QEMU process and its disks.
//!
//! A VM lives in `<work_dir>/vms/<request id>/`:
//! - `vm.json`: its [`VmConfig`], written before QEMU first starts, so a restarted agent starts
//!   it again the same way;
//! - `disk.qcow2`: the copy-on-write disk (over the cached image, or blank for a kernel boot);
//! - `seed.img`: the NoCloud seed;
//! - `qmp.sock`, `qemu.pid`: the running QEMU's control socket and process id;
//! - `console.log`: the serial console, appended across boots.
//!
//! QEMU runs daemonized (`-daemonize`): it is not the agent's child, so it outlives the agent
//! (`kill -9` included) and a restarted agent adopts it through its pid file and QMP socket.

use std::{
	io,
	net::Ipv4Addr,
	os::fd::RawFd,
	path::{Path, PathBuf},
	process::Stdio,
	time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::process::Command;

use crate::qmp::Qmp;

/// The line cloud-init prints on the console when a boot is done (`final_message`): the sign
/// that the guest is up. Real cloud images print it; so does the test guest.
pub const BOOT_DONE: (&str, &str) = ("Cloud-init v. ", " finished at ");
/// How often a wait polls the console or the process.
const POLL: Duration = Duration::from_millis(200);

/// How QEMU executes the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
	/// Hardware virtualization (`-accel kvm -cpu host`).
	Kvm,
	/// Software emulation (`-accel tcg`).
	Tcg,
}

/// What the guest boots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Boot {
	/// A disk image with its own bootloader: the VM's disk is an overlay on it.
	Disk {
		/// The cached base image.
		base: PathBuf,
		/// Its format (`qcow2` or `raw`).
		format: String,
	},
	/// A kernel and initrd booted directly; the VM's disk is blank.
	Kernel {
		/// The cached kernel.
		kernel: PathBuf,
		/// The cached initrd.
		initrd: PathBuf,
		/// The kernel command line.
		cmdline: String,
	},
}

/// How a VM is started: everything `vm.json` keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmConfig {
	/// The chain's request id.
	pub request_id: u64,
	/// vCPUs of the plan.
	pub vcpus: u32,
	/// Memory of the plan, MiB.
	pub memory_mb: u32,
	/// Disk of the plan, GiB.
	pub storage_gb: u32,
	/// What it boots.
	pub boot: Boot,
	/// Its address from the chain's pool.
	pub address: Ipv4Addr,
	/// VNC display: the server listens on 127.0.0.1, port 5900 + display.
	pub vnc_display: u16,
	/// Host port (on 127.0.0.1) forwarded to the guest's port 22, with the user-mode network;
	/// 0 with a tap.
	pub forward_port: u16,
	/// How QEMU executes it.
	pub accel: Accel,
	/// How its NIC is connected (VMs made before taps existed have none: user mode).
	#[serde(default)]
	pub nic: Nic,
	/// The plan's bandwidth, Mbit/s each way, enforced on its tap; 0: not limited.
	#[serde(default)]
	pub bandwidth_mbps: u32,
}

/// How a VM's NIC is connected (see [`crate::network`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nic {
	/// QEMU's user-mode network, with a host forward to port 22.
	#[default]
	User,
	/// A tap in the agent's namespace, handed to QEMU as an open file.
	Tap {
		/// The tap's name.
		name: String,
	},
}

impl VmConfig {
	/// The VM's name, as the chain and the guest know it.
	pub fn name(&self) -> String {
		format!("vm-{}", self.request_id)
	}

	/// The VM's MAC address: `52:54`, then the four bytes of its address from the chain's pool.
	/// Pool addresses are unique on the chain, so no two VMs anywhere share a MAC, and the MAC
	/// stays the same across restarts and resizes. (`52` has the locally administered bit set
	/// and the multicast bit clear.)
	pub fn mac(&self) -> String {
		let [a, b, c, d] = self.address.octets();
		format!("52:54:{a:02x}:{b:02x}:{c:02x}:{d:02x}")
	}

	/// The TCP port of the VNC server.
	pub fn vnc_port(&self) -> u16 {
		crate::config::VNC_BASE_PORT.saturating_add(self.vnc_display)
	}

	/// QEMU's command line for a VM whose files are in `dir`; `tap_fd` is the open tap of a
	/// VM with [`Nic::Tap`].
	pub fn qemu_args(&self, dir: &VmDir, tap_fd: Option<RawFd>) -> Vec<String> {
		let (gateway, dns) = user_network(self.address);
		let [a, b, c, _] = self.address.octets();
		let path = |p: PathBuf| p.display().to_string();
		let mut args: Vec<String> = vec![
			"-name".into(),
			self.name(),
			"-daemonize".into(),
			"-pidfile".into(),
			path(dir.pid_file()),
			"-qmp".into(),
			format!("unix:{},server=on,wait=off", dir.qmp_socket().display()),
			"-nodefaults".into(),
			"-machine".into(),
			"q35".into(),
		];
		match self.accel {
			Accel::Kvm => args.extend(["-accel", "kvm", "-cpu", "host"].map(String::from)),
			Accel::Tcg => args.extend(["-accel", "tcg,tb-size=64"].map(String::from)),
		}
		args.extend([
			"-smp".into(),
			self.vcpus.to_string(),
			"-m".into(),
			format!("{}M", self.memory_mb),
			"-drive".into(),
			format!("file={},if=virtio,format=qcow2", dir.disk().display()),
			"-drive".into(),
			format!("file={},if=virtio,format=raw,readonly=on", dir.seed().display()),
			"-netdev".into(),
			match (&self.nic, tap_fd) {
				// This kernel and many hosts have no `/dev/vhost-net`: QEMU moves the packets.
				(Nic::Tap { .. }, Some(fd)) => format!("tap,id=n0,fd={fd},vhost=off"),
				_ => format!(
					"user,id=n0,restrict=on,net={a}.{b}.{c}.0/24,host={gateway},dns={dns},dhcpstart={},hostfwd=tcp:127.0.0.1:{}-:22",
					self.address, self.forward_port
				),
			},
			"-device".into(),
			format!("virtio-net-pci,netdev=n0,mac={},romfile=", self.mac()),
			"-vnc".into(),
			format!("127.0.0.1:{}", self.vnc_display),
			"-vga".into(),
			"std".into(),
			"-display".into(),
			"none".into(),
			"-chardev".into(),
			format!("file,id=console,path={},append=on", dir.console().display()),
			"-serial".into(),
			"chardev:console".into(),
		]);
		if let Boot::Kernel { kernel, initrd, cmdline } = &self.boot {
			args.extend([
				"-kernel".into(),
				path(kernel.clone()),
				"-initrd".into(),
				path(initrd.clone()),
				"-append".into(),
				cmdline.clone(),
			]);
		}
		args
	}
}

/// The user-mode network's host side (the guest's gateway) and DNS addresses for a guest at
/// `address`: in its /24, never the address itself.
pub fn user_network(address: Ipv4Addr) -> (Ipv4Addr, Ipv4Addr) {
	let [a, b, c, d] = address.octets();
	let gateway = if d == 1 { 254 } else { 1 };
	let dns = if d == 3 { 253 } else { 3 };
	(Ipv4Addr::new(a, b, c, gateway), Ipv4Addr::new(a, b, c, dns))
}

/// The files of one VM.
#[derive(Debug, Clone)]
pub struct VmDir {
	root: PathBuf,
}

impl VmDir {
	/// The directory of request `request_id` under `vms_dir`.
	pub fn new(vms_dir: &Path, request_id: u64) -> VmDir {
		VmDir { root: vms_dir.join(request_id.to_string()) }
	}

	/// The directory itself.
	pub fn root(&self) -> &Path {
		&self.root
	}

	/// `vm.json`.
	pub fn config_file(&self) -> PathBuf {
		self.root.join("vm.json")
	}

	/// The VM's disk.
	pub fn disk(&self) -> PathBuf {
		self.root.join("disk.qcow2")
	}

	/// The NoCloud seed.
	pub fn seed(&self) -> PathBuf {
		self.root.join("seed.img")
	}

	/// The QMP socket.
	pub fn qmp_socket(&self) -> PathBuf {
		self.root.join("qmp.sock")
	}

	/// QEMU's pid file.
	pub fn pid_file(&self) -> PathBuf {
		self.root.join("qemu.pid")
	}

	/// The serial console log.
	pub fn console(&self) -> PathBuf {
		self.root.join("console.log")
	}

	/// The saved configuration, if the VM was ever set up.
	pub fn load_config(&self) -> io::Result<Option<VmConfig>> {
		match std::fs::read(self.config_file()) {
			Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(io::Error::other),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
			Err(e) => Err(e),
		}
	}

	/// Saves the configuration (atomically: written aside, then renamed).
	pub fn save_config(&self, config: &VmConfig) -> io::Result<()> {
		std::fs::create_dir_all(&self.root)?;
		let tmp = self.root.join("vm.json.tmp");
		std::fs::write(&tmp, serde_json::to_vec_pretty(config).map_err(io::Error::other)?)?;
		std::fs::rename(tmp, self.config_file())
	}

	/// The pid of this VM's QEMU, if it runs: the pid file names a live process whose command
	/// line is this VM's (so a recycled pid is not mistaken for it).
	pub fn running_pid(&self, name: &str) -> Option<u32> {
		let pid: u32 = std::fs::read_to_string(self.pid_file()).ok()?.trim().parse().ok()?;
		let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
		let wanted = format!("-name\0{name}\0");
		let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
		(!is_zombie(&stat) && cmdline.windows(wanted.len()).any(|w| w == wanted.as_bytes()))
			.then_some(pid)
	}

	/// The console's length now, to wait for what a boot prints after it.
	pub fn console_len(&self) -> u64 {
		std::fs::metadata(self.console()).map(|m| m.len()).unwrap_or(0)
	}

	/// The console text from byte `from` on.
	pub fn console_since(&self, from: u64) -> String {
		let bytes = std::fs::read(self.console()).unwrap_or_default();
		let start = (from as usize).min(bytes.len());
		String::from_utf8_lossy(&bytes[start..]).into_owned()
	}

	/// Removes the VM's files.
	pub fn remove(&self) -> io::Result<()> {
		match std::fs::remove_dir_all(&self.root) {
			Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
			_ => Ok(()),
		}
	}
}

/// The last `count` lines of `text` (all of it when shorter), or `(empty)`.
pub fn last_lines(text: &str, count: usize) -> String {
	let lines: Vec<&str> = text.lines().collect();
	let tail = lines[lines.len().saturating_sub(count)..].join("\n");
	if tail.trim().is_empty() {
		"(empty)".into()
	} else {
		tail
	}
}

/// Whether a `/proc/<pid>/stat` line is a zombie's: state `Z`, after the closing parenthesis
/// of the name. A zombie has exited; only its parent's reaping is left.
fn is_zombie(stat: &str) -> bool {
	stat.rsplit_once(')')
		.is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

/// Why a VM did not come up.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
	/// QEMU would not start or run.
	#[error("QEMU failed: {0}")]
	Qemu(String),
	/// The guest did not finish booting in time.
	#[error("the guest did not boot within {0:?}")]
	Timeout(Duration),
	/// A file could not be made or read.
	#[error("{0}")]
	Io(#[from] io::Error),
}

/// Creates the VM's disk: an overlay of `plan` size on a disk image, or a blank disk.
pub async fn create_disk(config: &VmConfig, dir: &VmDir) -> Result<(), BootError> {
	let size = format!("{}G", config.storage_gb);
	let disk = dir.disk().display().to_string();
	let args: Vec<String> = match &config.boot {
		Boot::Disk { base, format } => vec![
			"create".into(),
			"-q".into(),
			"-f".into(),
			"qcow2".into(),
			"-b".into(),
			base.display().to_string(),
			"-F".into(),
			format.clone(),
			disk,
			size,
		],
		Boot::Kernel { .. } => {
			vec!["create".into(), "-q".into(), "-f".into(), "qcow2".into(), disk, size]
		},
	};
	qemu_img(&args).await
}

/// Grows the (stopped) VM's disk to `storage_gb`.
pub async fn grow_disk(dir: &VmDir, storage_gb: u32) -> Result<(), BootError> {
	let disk = dir.disk().display().to_string();
	qemu_img(&["resize".into(), "-q".into(), disk, format!("{storage_gb}G")]).await
}

async fn qemu_img(args: &[String]) -> Result<(), BootError> {
	let mut command = Command::new("qemu-img");
	command.args(args).stdin(Stdio::null());
	let out = crate::network::tap::output_without_taps(&mut command).await?;
	if !out.status.success() {
		let stderr = String::from_utf8_lossy(&out.stderr);
		return Err(BootError::Qemu(format!("qemu-img {}: {}", args[0], stderr.trim())));
	}
	Ok(())
}

/// Starts the VM's QEMU (daemonized) and returns its pid. A VM with [`Nic::Tap`] needs its
/// `tap` open (and the caller holding [`crate::network::tap::SPAWN`]).
pub async fn start(
	config: &VmConfig,
	dir: &VmDir,
	tap: Option<&crate::network::tap::Tap>,
) -> Result<u32, BootError> {
	if matches!(config.nic, Nic::Tap { .. }) && tap.is_none() {
		return Err(BootError::Qemu("the VM's tap is not open".into()));
	}
	let _ = std::fs::remove_file(dir.qmp_socket());
	let _ = std::fs::remove_file(dir.pid_file());
	let out = Command::new("qemu-system-x86_64")
		.args(config.qemu_args(dir, tap.map(|tap| tap.fd())))
		.stdin(Stdio::null())
		.output()
		.await?;
	if !out.status.success() {
		let stderr = String::from_utf8_lossy(&out.stderr);
		return Err(BootError::Qemu(stderr.trim().to_string()));
	}
	dir.running_pid(&config.name())
		.ok_or_else(|| BootError::Qemu("QEMU exited right after starting".into()))
}

/// Waits until the console shows a finished boot after byte `from` (see [`BOOT_DONE`]), or
/// `timeout` passes, or QEMU is gone.
pub async fn wait_booted(
	config: &VmConfig,
	dir: &VmDir,
	from: u64,
	timeout: Duration,
) -> Result<Duration, BootError> {
	let started = Instant::now();
	loop {
		let text = dir.console_since(from);
		if text
			.lines()
			.any(|line| line.contains(BOOT_DONE.0) && line.contains(BOOT_DONE.1))
		{
			return Ok(started.elapsed());
		}
		if dir.running_pid(&config.name()).is_none() {
			return Err(BootError::Qemu("QEMU exited during the boot".into()));
		}
		if started.elapsed() > timeout {
			return Err(BootError::Timeout(timeout));
		}
		tokio::time::sleep(POLL).await;
	}
}

/// Ends QEMU at once (QMP `quit`, else SIGKILL) and waits until it is gone.
pub async fn kill(config: &VmConfig, dir: &VmDir) -> io::Result<()> {
	let Some(pid) = dir.running_pid(&config.name()) else { return Ok(()) };
	if let Ok(mut qmp) = Qmp::connect(&dir.qmp_socket()).await {
		let _ = qmp.execute("quit", json!({})).await;
	}
	if wait_gone(config, dir, Duration::from_secs(5)).await {
		wait_exited(pid).await;
		return Ok(());
	}
	// The process is this VM's QEMU (checked by `running_pid`), not the agent's child.
	let status = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status()?;
	if !status.success() && dir.running_pid(&config.name()).is_some() {
		return Err(io::Error::other(format!("could not kill QEMU {pid}")));
	}
	wait_gone(config, dir, Duration::from_secs(5)).await;
	wait_exited(pid).await;
	Ok(())
}

/// Waits (5 s at most) until process `pid` has exited (it is gone, or a zombie no one reaped
/// yet). A killed process drops its memory, and so its command line, before its open files
/// (its tap) and its control group: until then, its tap cannot be opened again nor its group
/// removed.
async fn wait_exited(pid: u32) {
	let started = Instant::now();
	while started.elapsed() < Duration::from_secs(5) {
		let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return };
		if is_zombie(&stat) {
			return;
		}
		tokio::time::sleep(POLL).await;
	}
}

/// Powers the guest down by ACPI, and quits QEMU if it is still there after `timeout`.
/// Returns whether the guest powered down by itself.
pub async fn power_down(config: &VmConfig, dir: &VmDir, timeout: Duration) -> io::Result<bool> {
	if dir.running_pid(&config.name()).is_none() {
		return Ok(true);
	}
	let mut qmp = Qmp::connect(&dir.qmp_socket()).await?;
	qmp.execute("system_powerdown", json!({})).await?;
	drop(qmp);
	if wait_gone(config, dir, timeout).await {
		return Ok(true);
	}
	kill(config, dir).await?;
	Ok(false)
}

/// Resets the guest (QMP `system_reset`): a reboot without leaving QEMU.
pub async fn reset(dir: &VmDir) -> io::Result<()> {
	let mut qmp = Qmp::connect(&dir.qmp_socket()).await?;
	qmp.execute("system_reset", json!({})).await.map(drop)
}

async fn wait_gone(config: &VmConfig, dir: &VmDir, timeout: Duration) -> bool {
	let started = Instant::now();
	while started.elapsed() < timeout {
		if dir.running_pid(&config.name()).is_none() {
			return true;
		}
		tokio::time::sleep(POLL).await;
	}
	dir.running_pid(&config.name()).is_none()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn config(request_id: u64, address: Ipv4Addr) -> VmConfig {
		VmConfig {
			request_id,
			vcpus: 1,
			memory_mb: 256,
			storage_gb: 2,
			boot: Boot::Disk { base: PathBuf::from("/cache/base"), format: "qcow2".into() },
			address,
			vnc_display: 1,
			forward_port: 22001,
			accel: Accel::Tcg,
			nic: Nic::User,
			bandwidth_mbps: 0,
		}
	}

	#[test]
	fn last_lines_keeps_the_end_of_the_console() {
		assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
		assert_eq!(last_lines("a\nb", 5), "a\nb");
		assert_eq!(last_lines(" \n", 5), "(empty)");
		assert_eq!(last_lines("", 5), "(empty)");
	}

	#[test]
	fn each_vm_has_the_mac_of_its_pool_address() {
		let first = config(1, Ipv4Addr::new(192, 0, 2, 10));
		let second = config(2, Ipv4Addr::new(192, 0, 2, 11));
		assert_eq!(first.mac(), "52:54:c0:00:02:0a");
		assert_eq!(second.mac(), "52:54:c0:00:02:0b");
		let args = first.qemu_args(&VmDir::new(Path::new("/vms"), 1), None);
		let nic = "virtio-net-pci,netdev=n0,mac=52:54:c0:00:02:0a,romfile=";
		assert!(args.iter().any(|arg| arg == nic), "{args:?}");
	}

	#[test]
	fn a_tap_vm_gets_its_open_tap_and_no_user_network() {
		let mut tapped = config(3, Ipv4Addr::new(192, 0, 2, 12));
		tapped.nic = Nic::Tap { name: "cvm3".into() };
		let args = tapped.qemu_args(&VmDir::new(Path::new("/vms"), 3), Some(7));
		assert!(args.iter().any(|arg| arg == "tap,id=n0,fd=7,vhost=off"), "{args:?}");
		assert!(!args.iter().any(|arg| arg.contains("hostfwd")), "{args:?}");
	}

	#[test]
	fn a_vm_json_from_before_taps_reads_as_user_mode() {
		let mut old = serde_json::to_value(config(4, Ipv4Addr::new(192, 0, 2, 13))).expect("json");
		let object = old.as_object_mut().expect("object");
		object.remove("nic");
		object.remove("bandwidth_mbps");
		let read: VmConfig = serde_json::from_value(old).expect("reads");
		assert_eq!((read.nic, read.bandwidth_mbps), (Nic::User, 0));
	}
}
