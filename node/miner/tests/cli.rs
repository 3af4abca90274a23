//! The built `compute-miner` binary refuses bad input with a clear message and a failing exit
//! status, before it touches the chain, the work directory or any VM. (Being an integration
//! test, this also makes cargo build the binary the end-to-end tests run.)

use std::process::{Command, Output};

fn miner(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_compute-miner"))
		.args(args)
		.env("RUST_LOG", "error")
		.output()
		.expect("run compute-miner")
}

fn refused(args: &[&str], message: &str) {
	let out = miner(args);
	let text =
		format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	assert!(!out.status.success(), "{args:?} was accepted: {text}");
	assert!(text.contains(message), "{args:?}: expected {message:?} in {text}");
}

#[test]
fn bad_configuration_is_refused_with_a_clear_error() {
	let dir = std::env::temp_dir().join(format!("compute-miner-cli-{}", std::process::id()));
	let work = dir.join("work");
	let work_flag = work.to_str().expect("path");
	refused(&["--config", "/nonexistent/miner.toml"], "/nonexistent/miner.toml");
	refused(&["--work-dir", work_flag], "no miner account");
	refused(&["--account", "//Bob", "--max-vms", "0", "--work-dir", work_flag], "max_vms is 0");
	refused(&["--account", "//Bob", "--vnc-ports", "9-1"], "FIRST <= LAST");
	refused(
		&["--account", "//Bob", "--node-key-file", "/nonexistent/key", "--work-dir", work_flag],
		"/nonexistent/key",
	);
	assert!(!work.exists(), "nothing was created for a refused configuration");
	let help = miner(&["--help"]);
	assert!(help.status.success());
	assert!(String::from_utf8_lossy(&help.stdout).contains("--payment-interval-blocks"));
}
