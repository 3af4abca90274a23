#!/usr/bin/env bash
# Every test: set up if needed, then two builds, each run with cargo-nextest:
#
# 1. pallet-compute alone, with the `runtime-benchmarks` and `try-runtime` features: its unit and
#    randomized tests, the `try_state` hook, and the benchmarks run as tests. This is also the
#    fast loop when only the pallet changed: `scripts/test.sh pallet`.
# 2. The rest of the workspace in one build: the node (its end-to-end tests start the built
#    `compute-node` on free loopback ports), the runtime, the RPC and the e2e harness.
#
# Each feature set is built once: one `cargo nextest run` compiles the node's binaries and every
# test binary of a set together, so nothing is compiled twice with other features.
#
# `TIMINGS=1 scripts/test.sh` also writes cargo's build timings (HTML) to
# `$CARGO_TARGET_DIR/cargo-timings/`.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

scope="${1:-all}"
case "$scope" in
	all | pallet) ;;
	*)
		echo "usage: scripts/test.sh [all|pallet]" >&2
		exit 2
		;;
esac

start=$(date +%s)
step() { echo; echo "==> $* (+$(( $(date +%s) - start ))s)"; }

timings=()
[ -z "${TIMINGS:-}" ] || timings=(--timings)

step "setup"
scripts/setup.sh

step "format (rustfmt.toml)"
cargo fmt --all --check

step "pallet-compute: unit, randomized, try_state and benchmark tests"
cargo nextest run --locked --cargo-profile "$PROFILE" "${timings[@]}" \
	-p pallet-compute --features "$PALLET_TEST_FEATURES"

if [ "$scope" = all ]; then
	step "workspace: node, runtime, RPC and end-to-end tests against the built node"
	cargo nextest run --locked --cargo-profile "$PROFILE" "${timings[@]}" \
		--workspace --exclude pallet-compute
fi

step "done in $(( $(date +%s) - start ))s"
