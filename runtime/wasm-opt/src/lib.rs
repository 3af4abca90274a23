//! The runtime's WASM build optimizer, run by the system's Binaryen.
//!
//! `substrate-wasm-builder` compacts the runtime blob with the `wasm-opt` crate, which compiles
//! all of Binaryen (about 220 C++ files, some 1,150 CPU-seconds on the reference machine) from
//! source in every cold build. This crate replaces it through `[patch.crates-io]` in the
//! workspace manifest: it offers the same API for the calls the builder makes and runs the
//! `wasm-opt` program of the system's Binaryen (Debian's `binaryen` package, installed by
//! `scripts/setup.sh`), or the program named by `WASM_OPT`.
//!
//! The builder asks for no optimization (`-O0`): only MVP features, names kept, DWARF stripped
//! and sign-extension operators lowered. The runtime is built for `wasm32v1-none`, which emits no
//! sign-extension operators, so a Binaryen without the `--signext-lowering` pass (Debian 12 has
//! version 108) still yields a valid blob: validation under `--mvp-features` fails the build if
//! such an operator ever appears. Any failure fails the build with the program's own message.

use std::{
	ffi::OsString,
	fmt,
	path::Path,
	process::{Command, Stdio},
};

/// The environment variable that names the `wasm-opt` program; `wasm-opt` on `PATH` if unset.
pub const WASM_OPT_ENV: &str = "WASM_OPT";

/// A Binaryen pass that can be added to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pass {
	/// Lowers sign-extension operators to MVP instructions (`--signext-lowering`).
	SignextLowering,
	/// Strips DWARF debug information (`--strip-dwarf`).
	StripDwarf,
}

impl Pass {
	/// The pass's name on Binaryen's command line.
	pub fn name(self) -> &'static str {
		match self {
			Pass::SignextLowering => "signext-lowering",
			Pass::StripDwarf => "strip-dwarf",
		}
	}
}

/// Options of one `wasm-opt` run, built like the crates.io crate's.
#[derive(Clone, Debug, Default)]
pub struct OptimizationOptions {
	mvp_features_only: bool,
	debug_info: bool,
	passes: Vec<Pass>,
}

impl OptimizationOptions {
	/// No optimization passes (`-O0`) beyond the ones added.
	pub fn new_opt_level_0() -> Self {
		Self::default()
	}

	/// Allows only WebAssembly MVP features (`--mvp-features`).
	pub fn mvp_features_only(&mut self) -> &mut Self {
		self.mvp_features_only = true;
		self
	}

	/// Keeps the names section (`-g`).
	pub fn debug_info(&mut self, value: bool) -> &mut Self {
		self.debug_info = value;
		self
	}

	/// Runs `pass` after the ones already added.
	pub fn add_pass(&mut self, pass: Pass) -> &mut Self {
		self.passes.push(pass);
		self
	}

	/// Reads `infile`, runs the passes and writes `outfile` (which may be `infile`).
	pub fn run(
		&self,
		infile: impl AsRef<Path>,
		outfile: impl AsRef<Path>,
	) -> Result<(), OptimizationError> {
		let program = std::env::var_os(WASM_OPT_ENV).unwrap_or_else(|| OsString::from("wasm-opt"));
		let supported = supported_passes(&program)?;
		let mut command = Command::new(&program);
		command
			.arg(infile.as_ref())
			.arg("-o")
			.arg(outfile.as_ref())
			.args(self.arguments(&supported));
		let output = command.stdin(Stdio::null()).output().map_err(|e| {
			OptimizationError::Spawn { program: program.clone(), reason: e.to_string() }
		})?;
		if output.status.success() {
			Ok(())
		} else {
			Err(OptimizationError::Failed {
				program,
				status: output.status.to_string(),
				stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
			})
		}
	}

	/// The command-line options of this run, given the passes the program knows.
	///
	/// `--signext-lowering` is left out where the program lacks it (see the crate docs): with
	/// `--mvp-features`, Binaryen's validation refuses a module that still has such operators.
	fn arguments(&self, supported: &[String]) -> Vec<String> {
		let mut args = vec!["-O0".to_string()];
		if self.mvp_features_only {
			args.push("--mvp-features".into());
		}
		if self.debug_info {
			args.push("-g".into());
		}
		for pass in &self.passes {
			if *pass == Pass::SignextLowering && !supported.iter().any(|p| p == pass.name()) {
				continue;
			}
			args.push(format!("--{}", pass.name()));
		}
		args
	}
}

/// The passes `program --help` lists, as names without the leading `--`.
fn supported_passes(program: &OsString) -> Result<Vec<String>, OptimizationError> {
	let output =
		Command::new(program).arg("--help").stdin(Stdio::null()).output().map_err(|e| {
			OptimizationError::Spawn { program: program.clone(), reason: e.to_string() }
		})?;
	Ok(parse_help(&String::from_utf8_lossy(&output.stdout)))
}

/// The long options (`--name`) at the start of `--help` lines.
fn parse_help(help: &str) -> Vec<String> {
	help.lines()
		.filter_map(|line| line.trim_start().strip_prefix("--"))
		.filter_map(|rest| rest.split([' ', ',']).next())
		.filter(|name| !name.is_empty())
		.map(str::to_string)
		.collect()
}

/// Why a run failed.
#[derive(Debug)]
pub enum OptimizationError {
	/// The program could not be started (not installed, not executable).
	Spawn {
		/// The program.
		program: OsString,
		/// The operating system's reason.
		reason: String,
	},
	/// The program ran and failed: invalid input, a failed validation, a write error.
	Failed {
		/// The program.
		program: OsString,
		/// Its exit status.
		status: String,
		/// What it printed on stderr.
		stderr: String,
	},
}

impl fmt::Display for OptimizationError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			OptimizationError::Spawn { program, reason } => write!(
				f,
				"cannot run {program:?} ({reason}): install Binaryen's wasm-opt (Debian package \
				 `binaryen`, `scripts/setup.sh` does) or name it in {WASM_OPT_ENV}",
			),
			OptimizationError::Failed { program, status, stderr } => {
				write!(f, "{program:?} failed ({status}): {stderr}")
			},
		}
	}
}

impl std::error::Error for OptimizationError {}

#[cfg(test)]
mod tests {
	use super::*;

	const HELP: &str = "
Options:
  --version,-v                       Output version information and exit
 -O0                                  execute no optimization passes
  --mvp-features,-mvp                Disable all non-MVP features
  --strip-dwarf                      strip dwarf debug info
  --signext-lowering                 lower sign-ext operations to wasm mvp
";

	#[test]
	fn help_lists_long_options() {
		let passes = parse_help(HELP);
		assert_eq!(passes, ["version", "mvp-features", "strip-dwarf", "signext-lowering"]);
	}

	#[test]
	fn the_builders_compact_run_maps_to_these_options() {
		let mut options = OptimizationOptions::new_opt_level_0();
		options
			.mvp_features_only()
			.debug_info(true)
			.add_pass(Pass::StripDwarf)
			.add_pass(Pass::SignextLowering);
		let all = parse_help(HELP);
		assert_eq!(
			options.arguments(&all),
			["-O0", "--mvp-features", "-g", "--strip-dwarf", "--signext-lowering"]
		);
		let without_signext: Vec<String> =
			all.into_iter().filter(|p| p != "signext-lowering").collect();
		assert_eq!(
			options.arguments(&without_signext),
			["-O0", "--mvp-features", "-g", "--strip-dwarf"]
		);
	}

	/// `(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))`
	const MVP_MODULE: &[u8] = &[
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
		0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x09, 0x01,
		0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b,
	];
	/// The same function with `i32.extend8_s (local.get 0)`: a sign-extension operator.
	const SIGN_EXT_MODULE: &[u8] = &[
		0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01,
		0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x07, 0x01,
		0x05, 0x00, 0x20, 0x00, 0xc0, 0x0b,
	];

	/// The builder's compact run (`compact_wasm` in substrate-wasm-builder) on `module`.
	fn compact(module: &[u8]) -> (Result<(), OptimizationError>, Option<Vec<u8>>) {
		let dir = std::env::temp_dir().join(format!(
			"wasm-opt-shim-{}-{}",
			std::process::id(),
			module.len()
		));
		std::fs::create_dir_all(&dir).expect("temp dir");
		let (input, output) = (dir.join("in.wasm"), dir.join("out.wasm"));
		std::fs::write(&input, module).expect("write input");
		let result = OptimizationOptions::new_opt_level_0()
			.mvp_features_only()
			.debug_info(true)
			.add_pass(Pass::StripDwarf)
			.add_pass(Pass::SignextLowering)
			.run(&input, &output);
		let written = std::fs::read(&output).ok();
		std::fs::remove_dir_all(&dir).expect("remove temp dir");
		(result, written)
	}

	#[test]
	fn the_system_wasm_opt_compacts_an_mvp_module() {
		let (result, written) = compact(MVP_MODULE);
		result.expect("an MVP module compacts");
		let written = written.expect("output written");
		assert_eq!(&written[..8], &MVP_MODULE[..8], "a WASM binary");
	}

	#[test]
	fn a_sign_extension_operator_fails_the_run_or_is_lowered() {
		let (result, written) = compact(SIGN_EXT_MODULE);
		match result {
			// A Binaryen with `--signext-lowering` rewrote the operator (0xc0) away.
			Ok(()) => {
				assert!(!written.expect("output written").contains(&0xc0), "operator left in")
			},
			// One without it refuses the module under `--mvp-features`.
			Err(e) => assert!(e.to_string().contains("features"), "{e}"),
		}
	}

	#[test]
	fn a_missing_program_names_the_package_to_install() {
		let err = supported_passes(&OsString::from("/nonexistent/wasm-opt"))
			.expect_err("no such program");
		assert!(err.to_string().contains("binaryen"), "{err}");
	}
}
