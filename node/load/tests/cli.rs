//! The command line of the built `compute-load`: every mode is there and documented, and a
//! wrong invocation is refused (exit status 2, pointing at `--help`) before anything connects.

use std::process::{Command, Output};

fn compute_load(args: &[&str]) -> Output {
	Command::new(env!("CARGO_BIN_EXE_compute-load"))
		.args(args)
		.output()
		.expect("run compute-load")
}

#[test]
fn every_mode_is_listed_in_the_help() {
	let help = compute_load(&["--help"]);
	assert!(help.status.success());
	let text = String::from_utf8_lossy(&help.stdout);
	for mode in ["tx", "rpc", "fill", "reports", "state", "vms"] {
		assert!(text.lines().any(|l| l.trim_start().starts_with(mode)), "{mode} in:\n{text}");
	}
	let vms = compute_load(&["vms", "--help"]);
	let text = String::from_utf8_lossy(&vms.stdout);
	for mode in ["serve", "rent", "bench", "fill"] {
		assert!(text.lines().any(|l| l.trim_start().starts_with(mode)), "vms {mode} in:\n{text}");
	}
}

#[test]
fn flags_show_their_defaults() {
	let help = compute_load(&["rpc", "--help"]);
	let text = String::from_utf8_lossy(&help.stdout);
	for flag in ["--url", "--senders", "--count", "--page"] {
		assert!(text.contains(flag), "{flag} in:\n{text}");
	}
	assert!(text.contains("ws://127.0.0.1:9944"), "the default URL in:\n{text}");
}

#[test]
fn wrong_invocations_are_refused_before_connecting() {
	for args in [&[][..], &["nonsense"], &["tx", "--count", "many"], &["state", "--count", "5"]] {
		let out = compute_load(args);
		assert_eq!(out.status.code(), Some(2), "{args:?}");
		let text = String::from_utf8_lossy(&out.stderr);
		assert!(text.contains("--help"), "{args:?} points at the help: {text}");
	}
}
