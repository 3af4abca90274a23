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
# The features pallet-compute's tests are built with, by `scripts/test.sh` and by hand: its
# benchmarks run as tests and the `try_state` hook is compiled in. One feature set, so the fast
# loop (`scripts/test.sh pallet`) reuses what the full test run built.
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
