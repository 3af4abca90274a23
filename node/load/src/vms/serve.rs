//! `compute-load vms serve`: the test guest as a boot manifest on 127.0.0.1 (`scripts/dev.sh
//! --miner` runs it on port 8090); `rent`, `bench` and `fill` serve it the same way, on a free
//! port, unless `--image` names another image.

use std::{path::PathBuf, time::Duration};

use compute_e2e_tests::{test_guest, FileServer};
use serde_json::json;

use crate::common::Error;

/// The flags of `compute-load vms serve`.
#[derive(clap::Args)]
pub struct Args {
	/// The port of 127.0.0.1 to serve on.
	#[arg(long, value_name = "P", default_value_t = 8090)]
	port: u16,
}

/// Runs `compute-load vms serve`: serves until the process is stopped.
pub async fn run(args: Args) -> Result<(), Error> {
	let (server, dir) = serve_guest(Some(args.port))?;
	println!("serving the test guest from {} at {}", dir.display(), server.url("guest.json"));
	loop {
		tokio::time::sleep(Duration::from_secs(3600)).await;
	}
}

/// Serves the test guest (kernel, initrd and a boot manifest naming them) on 127.0.0.1, on
/// `port` or a free one; returns the server and the directory it serves.
pub fn serve_guest(port: Option<u16>) -> Result<(FileServer, PathBuf), Error> {
	let guest = test_guest();
	let dir = std::env::temp_dir().join(format!("compute-load-vms-{}", std::process::id()));
	std::fs::create_dir_all(&dir)?;
	for file in ["vmlinuz", "initrd.img"] {
		std::fs::copy(guest.join(file), dir.join(file))?;
	}
	let server = match port {
		Some(port) => FileServer::start_on(&dir, port)?,
		None => FileServer::start(&dir),
	};
	let manifest = json!({
		"kernel": server.url("vmlinuz"),
		"initrd": server.url("initrd.img"),
		"cmdline": "console=ttyS0 quiet",
	});
	std::fs::write(dir.join("guest.json"), manifest.to_string())?;
	Ok((server, dir))
}
