//! The dashboard's browser tests (`node/dashboard/browser-tests/`, Playwright driving Debian's
//! Chromium), run against what an end-to-end test started: the dashboard is built first
//! (`scripts/build-dashboard.sh`, quick when it is already built), served by `vite preview` on
//! a free port, and the test's facts go to Playwright as `DASHBOARD_*` variables.

use std::{
	path::{Path, PathBuf},
	process::Command,
};

use crate::free_port;

/// The dashboard's folder, beside this crate's. The crate's folder is the one cargo or nextest
/// runs the test from (`CARGO_MANIFEST_DIR` at run time): a test binary that cargo reused from a
/// build in another checkout still tests this checkout's dashboard.
fn dashboard_dir() -> PathBuf {
	std::env::var_os("CARGO_MANIFEST_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
		.join("../dashboard")
}

/// Where the screenshots of the run called `name` go: `$CARGO_TARGET_DIR/<name>`, emptied
/// first (else under `fallback`).
pub fn screenshots_dir(name: &str, fallback: &Path) -> PathBuf {
	let shots = std::env::var("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|_| fallback.to_path_buf())
		.join(name);
	let _ = std::fs::remove_dir_all(&shots);
	shots
}

/// What a Playwright run printed, and whether every browser test passed.
pub struct BrowserRun {
	/// Playwright's report (printed already), ending with `browser tests: N passed, N failed`.
	pub stdout: String,
	/// Playwright's errors.
	pub stderr: String,
	/// The run succeeded and its summary counts no failure.
	pub passed: bool,
}

/// Builds the dashboard and runs the browser tests whose file matches `filter` (all when
/// empty) with `env`, screenshots in `shots`. Prints Playwright's report.
pub fn run_browser_tests(filter: &str, env: &[(&str, &str)], shots: &Path) -> BrowserRun {
	let dashboard = dashboard_dir();
	let built = Command::new(dashboard.join("../../scripts/build-dashboard.sh"))
		.status()
		.expect("scripts/build-dashboard.sh");
	assert!(built.success(), "the dashboard does not build");
	let mut command = Command::new("npx");
	command.args(["playwright", "test"]);
	if !filter.is_empty() {
		command.arg(filter);
	}
	command
		.current_dir(&dashboard)
		.env("DASHBOARD_PORT", free_port().to_string())
		.env("DASHBOARD_SHOTS", shots)
		.env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
	for (key, value) in env {
		command.env(key, value);
	}
	let out = command.output().expect("npx playwright (npm packages from scripts/setup.sh)");
	let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
	let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
	println!("{stdout}");
	println!("e2e: screenshots in {}", shots.display());
	let passed = out.status.success() && stdout.contains(" passed, 0 failed");
	BrowserRun { stdout, stderr, passed }
}
