//! A scratch folder for node databases and logs.

use std::{
	path::{Path, PathBuf},
	time::{SystemTime, UNIX_EPOCH},
};

/// A fresh folder under the system temp dir; removed on drop, but kept (and its path printed) when
/// the test is panicking, so the node logs and databases of a failure can be read.
pub struct TestDir {
	path: PathBuf,
}

impl TestDir {
	/// Creates `<tmp>/compute-e2e-<name>-<pid>-<nanos>`.
	pub fn new(name: &str) -> TestDir {
		let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
		let path =
			std::env::temp_dir().join(format!("compute-e2e-{name}-{}-{nanos}", std::process::id()));
		std::fs::create_dir_all(&path)
			.unwrap_or_else(|e| panic!("create test dir {}: {e}", path.display()));
		TestDir { path }
	}

	/// The folder.
	pub fn path(&self) -> &Path {
		&self.path
	}
}

impl Drop for TestDir {
	fn drop(&mut self) {
		if std::thread::panicking() {
			eprintln!("e2e: kept {} (node logs and databases) for inspection", self.path.display());
		} else {
			let _ = std::fs::remove_dir_all(&self.path);
		}
	}
}
