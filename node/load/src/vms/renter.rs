//! What `rent` and `bench` give a VM so its renter can log in: an SSH key in the request's user
//! data, and where to log in from.

use std::{
	path::{Path, PathBuf},
	process::Stdio,
};

use compute_e2e_tests::{FileServer, RenterKey};

use crate::common::Error;

/// The namespace `scripts/dev.sh --miner` makes as the lab internet of a dev chain: the one
/// place on such a host the pool's addresses are reachable from.
pub const DEV_INTERNET: &str = "compute-dev-internet";

/// A renter's key, served as user data, and the namespace to log in from.
pub struct Renter {
	/// The private key file, when known (a key of `--ssh-key` without its private half is
	/// used from the renter's own agent).
	pub private: Option<PathBuf>,
	/// The namespace to log in from, if any.
	pub netns: Option<String>,
	/// The user data's URL.
	pub user_data_url: String,
	_server: FileServer,
	dir: PathBuf,
}

impl Renter {
	/// Serves user data that authorizes the public key `ssh_key` (by default a key pair made
	/// once in `~/.cache/compute-chain/renter/`), to be logged in to from `netns` (by default
	/// `compute-dev-internet` when it exists).
	pub fn new(ssh_key: Option<&Path>, netns: Option<String>) -> Result<Renter, Error> {
		let (public, private) = key(ssh_key)?;
		let dir = std::env::temp_dir().join(format!("compute-load-renter-{}", std::process::id()));
		std::fs::create_dir_all(&dir)?;
		std::fs::write(dir.join("user-data"), user_data(&public))?;
		let server = FileServer::start(&dir);
		let netns = netns.or_else(|| {
			Path::new("/run/netns").join(DEV_INTERNET).exists().then(|| DEV_INTERNET.into())
		});
		Ok(Renter { private, netns, user_data_url: server.url("user-data"), _server: server, dir })
	}

	/// The command that logs in to the VM at `address`.
	pub fn login_command(&self, address: &str) -> String {
		let prefix =
			self.netns.as_ref().map(|ns| format!("ip netns exec {ns} ")).unwrap_or_default();
		let identity = self
			.private
			.as_ref()
			.map(|p| format!("-i {} ", p.display()))
			.unwrap_or_default();
		format!("{prefix}ssh {identity}root@{address}")
	}

	/// Whether a login to the VM at `address` (running `true`) works now.
	pub async fn try_login(&self, address: &str) -> bool {
		let mut command = match &self.netns {
			Some(ns) => {
				let mut command = tokio::process::Command::new("ip");
				command.args(["netns", "exec", ns, "ssh"]);
				command
			},
			None => tokio::process::Command::new("ssh"),
		};
		if let Some(private) = &self.private {
			command.arg("-i").arg(private);
		}
		command
			.args(["-o", "BatchMode=yes", "-o", "ConnectTimeout=2", "-o", "LogLevel=ERROR"])
			.args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"])
			.arg(format!("root@{address}"))
			.arg("true")
			.stdin(Stdio::null())
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.status()
			.await
			.is_ok_and(|s| s.success())
	}
}

impl Drop for Renter {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.dir);
	}
}

/// Cloud-init user data that authorizes `public_key`.
pub fn user_data(public_key: &str) -> String {
	format!("#cloud-config\nssh_authorized_keys:\n  - {}\n", public_key.trim())
}

/// The public key to rent with, and the private key file to log in with when it is known.
fn key(given: Option<&Path>) -> Result<(String, Option<PathBuf>), Error> {
	if let Some(path) = given {
		let public = std::fs::read_to_string(path)
			.map_err(|e| format!("SSH key {}: {e}", path.display()))?;
		let private = path.with_extension("");
		let private = (private != path && private.is_file()).then_some(private);
		return Ok((public.trim().to_string(), private));
	}
	let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
	let dir = Path::new(&home).join(".cache/compute-chain/renter");
	let private = dir.join("renter_ed25519");
	if !private.is_file() {
		std::fs::create_dir_all(&dir)?;
		RenterKey::generate(&dir);
	}
	let public = std::fs::read_to_string(private.with_extension("pub"))?;
	Ok((public.trim().to_string(), Some(private)))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn user_data_authorizes_the_key() {
		assert_eq!(
			user_data("ssh-ed25519 AAAA renter@laptop\n"),
			"#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA renter@laptop\n"
		);
	}
}
