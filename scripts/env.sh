# Shared environment of the project's scripts; source it, don't run it.
#
# One persistent target dir outside the checkout, so every clone on this machine (and CI's fresh
# clone) reuses compiled dependencies; the runtime's WASM build is pointed at this workspace so it
# builds from the committed Cargo.lock.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/compute-chain/target}"
export WASM_BUILD_WORKSPACE_HINT="$REPO_ROOT"
# The one build profile used for the node, the tests and the benchmarks.
export PROFILE=release
export NODE_BIN="$CARGO_TARGET_DIR/$PROFILE/compute-node"
# The features of the one workspace build that `scripts/test.sh`, `dev.sh`, `local-testnet.sh`
# and `chaos.sh` share: pallet-compute's benchmarks compile, so they run as tests beside every
# other test. The feature reaches the node's native dependencies (frame-support, sp-runtime, ...)
# but not the WASM runtime the node executes, which is built with the runtime crate's own
# features, none of them here. Without it, a build compiles the crates that depend on
# frame-support or sp-runtime once more.
export WORKSPACE_FEATURES="pallet-compute/runtime-benchmarks"
# The fast loop, `scripts/test.sh pallet`: pallet-compute alone, with its benchmarks and also its
# `try-runtime` hook. A build of its own (cargo resolves features for the selected package), so
# its first run on a machine compiles the pallet's dependencies once more.
export PALLET_TEST_FEATURES="runtime-benchmarks,try-runtime"
# Every build lints the workspace's own crates with clippy, warnings denied, at no extra cost:
# cargo compiles them with clippy-driver (rustc plus clippy's lints) instead of a separate
# `cargo clippy` check build of the whole graph; dependencies compile with plain rustc. A
# build without these two variables recompiles the workspace's crates (about 6 minutes).
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER-clippy-driver}"
export CLIPPY_ARGS="${CLIPPY_ARGS--D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__}"
if [ -f "$HOME/.cargo/env" ]; then
	# shellcheck disable=SC1091
	. "$HOME/.cargo/env"
fi
