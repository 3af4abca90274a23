//! A Docker engine for the container tests, with no registry: the base image is made from
//! Debian's packages and the node image from the binary the test run built.
//!
//! [`Docker::start`] uses a daemon that already answers (`DOCKER_HOST`, the system socket, or a
//! private one left running), or starts a private `dockerd` with no bridge network and no
//! iptables rules, so every container runs with `--network host`, and stops it when dropped.
//! Its images and build cache live in the persistent cache dir, so the base image is made once
//! per machine and later builds reuse their layers. `scripts/docker-from-source.sh` starts the
//! same daemon, with the same state, and makes the same base image.
//!
//! Commands go through Debian's `/usr/bin/docker` client (package docker.io): it builds with the
//! daemon's own BuildKit, where newer clients need the buildx plugin, which Debian does not
//! package for bookworm.

use std::{
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// Debian's Docker client.
const CLIENT: &str = "/usr/bin/docker";
/// The base image: `debootstrap --variant=minbase bookworm`, imported.
pub const BASE_IMAGE: &str = "compute-base:bookworm";
/// Longest wait for a private daemon to answer.
const DAEMON_START: Duration = Duration::from_secs(60);
/// Longest wait for a private daemon to stop on SIGTERM before it is killed.
const DAEMON_STOP: Duration = Duration::from_secs(20);

/// A Docker daemon the tests talk to; stopped on drop if this started it.
pub struct Docker {
	/// `DOCKER_HOST` for the client, or `None` for the client's default.
	host: Option<String>,
	/// The private daemon, when this started one.
	daemon: Option<Child>,
}

/// `~/.cache/compute-chain/docker`: the private daemon's state and the base image's makings.
fn cache_dir() -> PathBuf {
	let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/root".into());
	home.join(".cache/compute-chain/docker")
}

impl Docker {
	/// A daemon that answers: one already running, or a private one started now.
	pub fn start() -> Result<Docker, String> {
		if std::env::var_os("DOCKER_HOST").is_some() || Path::new("/var/run/docker.sock").exists() {
			let docker = Docker { host: None, daemon: None };
			if docker.answers() {
				return Ok(docker);
			}
		}
		let dir = cache_dir();
		let socket = dir.join("docker.sock");
		let host = format!("unix://{}", socket.display());
		let mut docker = Docker { host: Some(host.clone()), daemon: None };
		if docker.answers() {
			return Ok(docker);
		}
		std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
		let log = std::fs::File::create(dir.join("dockerd.log"))
			.map_err(|e| format!("dockerd log: {e}"))?;
		let stderr = log.try_clone().map_err(|e| format!("dockerd log: {e}"))?;
		let child = Command::new("dockerd")
			.args(["--bridge=none", "--iptables=false", "--ip6tables=false", "--host", &host])
			.arg("--data-root")
			.arg(dir.join("data"))
			.arg("--exec-root")
			.arg(dir.join("exec"))
			.arg("--pidfile")
			.arg(dir.join("dockerd.pid"))
			.stdin(Stdio::null())
			.stdout(log)
			.stderr(stderr)
			.spawn()
			.map_err(|e| format!("start dockerd (scripts/setup.sh installs docker.io): {e}"))?;
		docker.daemon = Some(child);
		let deadline = Instant::now() + DAEMON_START;
		while !docker.answers() {
			if let Some(Ok(Some(status))) = docker.daemon.as_mut().map(Child::try_wait) {
				return Err(format!(
					"dockerd exited ({status}); see {}/dockerd.log",
					dir.display()
				));
			}
			if Instant::now() > deadline {
				return Err(format!("dockerd did not answer within {DAEMON_START:?}"));
			}
			std::thread::sleep(Duration::from_millis(250));
		}
		Ok(docker)
	}

	/// Whether the daemon answers.
	fn answers(&self) -> bool {
		self.command()
			.args(["version", "--format", "{{.Server.Version}}"])
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.status()
			.map(|s| s.success())
			.unwrap_or(false)
	}

	/// `docker` with this daemon's address and BuildKit on.
	pub fn command(&self) -> Command {
		let mut command = Command::new(CLIENT);
		command.env("DOCKER_BUILDKIT", "1");
		if let Some(host) = &self.host {
			command.env("DOCKER_HOST", host);
		}
		command
	}

	/// The environment for other Docker clients (docker-compose) to reach this daemon.
	pub fn host_env(&self) -> Option<(&'static str, &str)> {
		self.host.as_deref().map(|host| ("DOCKER_HOST", host))
	}

	/// Runs `docker args…`; its standard output, trimmed, or what it printed on failure.
	pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<String, String> {
		output(self.command().args(args))
	}

	/// Makes [`BASE_IMAGE`] unless the daemon has it: a minimal Debian bookworm from Debian's
	/// mirror (`DEBIAN_MIRROR`, default deb.debian.org), imported as an image.
	pub fn ensure_base_image(&self) -> Result<(), String> {
		if self.run(&["image", "inspect", BASE_IMAGE]).is_ok() {
			return Ok(());
		}
		let mirror = std::env::var("DEBIAN_MIRROR")
			.unwrap_or_else(|_| "http://deb.debian.org/debian".to_string());
		let rootfs = cache_dir().join("rootfs.tmp");
		let _ = std::fs::remove_dir_all(&rootfs);
		let started = Instant::now();
		output(
			Command::new("debootstrap")
				.args(["--variant=minbase", "bookworm"])
				.arg(&rootfs)
				.arg(&mirror),
		)
		.map_err(|e| format!("debootstrap (scripts/setup.sh installs it): {e}"))?;
		// The downloaded packages and package lists are not part of the image.
		for cache in ["var/cache/apt/archives", "var/lib/apt/lists"] {
			let dir = rootfs.join(cache);
			for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
				if entry.path().is_file() {
					let _ = std::fs::remove_file(entry.path());
				}
			}
		}
		let tar = Command::new("tar")
			.arg("-C")
			.arg(&rootfs)
			.args(["-c", "."])
			.stdout(Stdio::piped())
			.spawn()
			.map_err(|e| format!("tar: {e}"))?;
		let stdout = tar.stdout.ok_or("tar: no output")?;
		let imported = output(self.command().args(["import", "-", BASE_IMAGE]).stdin(stdout));
		let _ = std::fs::remove_dir_all(&rootfs);
		imported?;
		eprintln!("e2e: made {BASE_IMAGE} in {:.0?}", started.elapsed());
		Ok(())
	}

	/// Builds `tag` from `dockerfile` around `binary` (docker/injected.Dockerfile's context: a
	/// folder with the binary alone), on [`BASE_IMAGE`].
	pub fn build_injected(
		&self,
		dockerfile: &Path,
		binary: &Path,
		context: &Path,
		tag: &str,
	) -> Result<(), String> {
		std::fs::create_dir_all(context).map_err(|e| format!("{}: {e}", context.display()))?;
		let name = binary.file_name().ok_or("the binary has no file name")?;
		let target = context.join(name);
		let _ = std::fs::remove_file(&target);
		std::fs::hard_link(binary, &target)
			.or_else(|_| std::fs::copy(binary, &target).map(drop))
			.map_err(|e| format!("put {} into the build context: {e}", binary.display()))?;
		// Host network: the image's apt-get reaches Debian's mirror with no bridge to go through.
		let built = output(
			self.command()
				.args(["build", "--network", "host", "--build-arg"])
				.arg(format!("BASE_IMAGE={BASE_IMAGE}"))
				.arg("-f")
				.arg(dockerfile)
				.args(["-t", tag])
				.arg(context),
		);
		let _ = std::fs::remove_file(&target);
		built.map(drop)
	}
}

impl Drop for Docker {
	fn drop(&mut self) {
		let Some(mut daemon) = self.daemon.take() else { return };
		let _ = Command::new("kill").arg("-TERM").arg(daemon.id().to_string()).status();
		let deadline = Instant::now() + DAEMON_STOP;
		while Instant::now() < deadline && !matches!(daemon.try_wait(), Ok(Some(_))) {
			std::thread::sleep(Duration::from_millis(200));
		}
		if !matches!(daemon.try_wait(), Ok(Some(_))) {
			let _ = daemon.kill();
			let _ = daemon.wait();
		}
		// dockerd leaves its own network namespace mounted in its exec root.
		let _ = Command::new("umount").arg(cache_dir().join("exec/netns/default")).status();
	}
}

/// Runs `command`; its standard output, trimmed, or its exit status and standard error.
pub fn output(command: &mut Command) -> Result<String, String> {
	let out = command.output().map_err(|e| format!("{:?}: {e}", command.get_program()))?;
	if out.status.success() {
		Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
	} else {
		Err(format!(
			"{:?} {:?} failed ({}): {}{}",
			command.get_program(),
			command.get_args().collect::<Vec<_>>(),
			out.status,
			String::from_utf8_lossy(&out.stderr).trim(),
			String::from_utf8_lossy(&out.stdout).trim(),
		))
	}
}
