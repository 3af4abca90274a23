#!/usr/bin/env bash
# Every test: set up if needed, build, then the workspace's unit, benchmark and end-to-end tests
# (the end-to-end tests start the built compute-node on free loopback ports).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

start=$(date +%s)
step() { echo; echo "==> $* (+$(( $(date +%s) - start ))s)"; }

step "setup"
scripts/setup.sh

# The whole workspace, as `cargo test --workspace` resolves features for it, so the node and the
# tests share one set of compiled dependencies.
step "build the workspace (compute-node, compute-load)"
cargo build --locked --profile "$PROFILE" --workspace

step "workspace tests: unit, RPC and end-to-end against the built node"
cargo test --locked --profile "$PROFILE" --workspace --no-fail-fast

step "pallet benchmarks run as tests"
SKIP_WASM_BUILD=1 cargo test --locked --profile "$PROFILE" -p pallet-compute --features runtime-benchmarks

step "done in $(( $(date +%s) - start ))s"
