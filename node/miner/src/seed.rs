//! The NoCloud seed of a VM: a small vfat volume labelled `cidata` holding `meta-data`,
//! `user-data` and `network-config`, the datasource cloud-init reads on real cloud images (and
//! the test guest reads the same way).

use std::{
	fs::OpenOptions,
	io::{self, Write},
	net::Ipv4Addr,
	path::Path,
};

/// The volume label cloud-init's NoCloud datasource looks for, padded to FAT's 11 bytes.
const LABEL: [u8; 11] = *b"cidata     ";
/// Size of the seed volume: room for user data up to [`MAX_USER_DATA`].
const SEED_BYTES: u64 = 2 * 1024 * 1024;
/// Largest user data a seed carries.
pub const MAX_USER_DATA: usize = 1024 * 1024;

/// What the seed tells the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
	/// Hostname and instance id: `vm-<request id>`.
	pub hostname: String,
	/// The VM's address from the chain's pool.
	pub address: Ipv4Addr,
	/// The MAC address of the VM's NIC, which the network configuration matches.
	pub mac: String,
	/// Prefix length of the guest's network.
	pub prefix: u8,
	/// The guest's default gateway.
	pub gateway: Ipv4Addr,
	/// The guest's DNS servers.
	pub nameservers: Vec<Ipv4Addr>,
	/// The user's cloud-init user data, as fetched.
	pub user_data: Vec<u8>,
}

impl Seed {
	/// `meta-data`: the instance id and hostname.
	pub fn meta_data(&self) -> String {
		format!("instance-id: {0}\nlocal-hostname: {0}\n", self.hostname)
	}

	/// `network-config` (version 2): the NIC with the VM's MAC, named `eth0`, gets the pool
	/// address statically. Matching by MAC (as the OpenStack and other NoCloud sources do)
	/// renders the same with cloud-init's ENI, netplan and networkd renderers: cloud-init
	/// renames the NIC to `eth0` before any of them brings it up. (A match by name pattern
	/// makes the ENI renderer write `auto` for the entry's key, an interface that does not
	/// exist.)
	pub fn network_config(&self) -> String {
		let mut config = format!(
			"version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: \"{}\"\n    set-name: eth0\n    addresses:\n      - {}/{}\n    gateway4: {}\n",
			self.mac, self.address, self.prefix, self.gateway
		);
		if !self.nameservers.is_empty() {
			let servers: Vec<String> = self.nameservers.iter().map(|ip| ip.to_string()).collect();
			config.push_str(&format!(
				"    nameservers:\n      addresses: [{}]\n",
				servers.join(", ")
			));
		}
		config
	}

	/// Writes the seed volume to `path` (replacing any file there).
	pub fn write(&self, path: &Path) -> io::Result<()> {
		if self.user_data.len() > MAX_USER_DATA {
			return Err(io::Error::new(
				io::ErrorKind::InvalidInput,
				format!("user data is {} bytes, more than {MAX_USER_DATA}", self.user_data.len()),
			));
		}
		let mut file = OpenOptions::new()
			.read(true)
			.write(true)
			.create(true)
			.truncate(true)
			.open(path)?;
		file.set_len(SEED_BYTES)?;
		fatfs::format_volume(&mut file, fatfs::FormatVolumeOptions::new().volume_label(LABEL))?;
		let fs = fatfs::FileSystem::new(&mut file, fatfs::FsOptions::new())?;
		let root = fs.root_dir();
		for (name, bytes) in [
			("meta-data", self.meta_data().into_bytes()),
			("network-config", self.network_config().into_bytes()),
			("user-data", self.user_data.clone()),
		] {
			let mut f = root.create_file(name)?;
			f.truncate()?;
			f.write_all(&bytes)?;
		}
		drop(root);
		fs.unmount()?;
		file.sync_all()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Read;

	fn seed() -> Seed {
		Seed {
			hostname: "vm-7".into(),
			address: Ipv4Addr::new(192, 0, 2, 10),
			mac: "52:54:c0:00:02:0a".into(),
			prefix: 24,
			gateway: Ipv4Addr::new(192, 0, 2, 1),
			nameservers: vec![Ipv4Addr::new(192, 0, 2, 3), Ipv4Addr::new(192, 0, 2, 4)],
			user_data: b"#cloud-config\nruncmd: [echo hi]\n".to_vec(),
		}
	}

	#[test]
	fn seed_volume_holds_the_three_files_under_the_cidata_label() {
		let dir = tempfile_dir();
		let path = dir.join("seed.img");
		seed().write(&path).expect("written");
		let mut file = std::fs::File::open(&path).expect("open");
		let fs = fatfs::FileSystem::new(&mut file, fatfs::FsOptions::new()).expect("a FAT volume");
		assert_eq!(fs.volume_label().trim_end(), "cidata");
		let read = |name: &str| {
			let mut text = String::new();
			fs.root_dir()
				.open_file(name)
				.expect(name)
				.read_to_string(&mut text)
				.expect(name);
			text
		};
		assert_eq!(read("meta-data"), "instance-id: vm-7\nlocal-hostname: vm-7\n");
		assert_eq!(
			read("network-config"),
			"version: 2\nethernets:\n  eth0:\n    match:\n      macaddress: \"52:54:c0:00:02:0a\"\n    \
			 set-name: eth0\n    addresses:\n      - 192.0.2.10/24\n    gateway4: 192.0.2.1\n    \
			 nameservers:\n      addresses: [192.0.2.3, 192.0.2.4]\n"
		);
		assert_eq!(read("user-data"), "#cloud-config\nruncmd: [echo hi]\n");
		std::fs::remove_dir_all(dir).ok();
	}

	#[test]
	fn oversized_user_data_is_refused() {
		let dir = tempfile_dir();
		let mut big = seed();
		big.user_data = vec![b'x'; MAX_USER_DATA + 1];
		let error = big.write(&dir.join("seed.img")).expect_err("too big");
		assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
		std::fs::remove_dir_all(dir).ok();
	}

	fn tempfile_dir() -> std::path::PathBuf {
		let dir = std::env::temp_dir().join(format!(
			"compute-miner-seed-{}-{:?}",
			std::process::id(),
			std::thread::current().id()
		));
		std::fs::create_dir_all(&dir).expect("temp dir");
		dir
	}
}
