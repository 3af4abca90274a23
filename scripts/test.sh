#!/usr/bin/env bash
# Every test: set up if needed, check the format, check and test the dashboard (its typed
# interface against the runtime's metadata, TypeScript, vitest units, the build), then one build
# and run with cargo-nextest of the whole workspace with `$WORKSPACE_FEATURES` (scripts/env.sh):
# pallet-compute's unit, randomized, try_state and benchmark tests, the runtime, the RPC, the
# miner, and the end-to-end tests, which start the built `compute-node` and `compute-miner` on
# free loopback ports (the dashboard's browser tests among them, `dashboard.rs`).
#
# One invocation compiles the node's binaries and every test binary together, with one feature
# resolution, so nothing is compiled twice with other features.
#
# `scripts/test.sh pallet` is the fast loop when only the pallet changed: pallet-compute alone,
# with `$PALLET_TEST_FEATURES` (also its `try-runtime` hook), a build of its own.
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

if [ "$scope" = pallet ]; then
	step "pallet-compute alone: unit, randomized, try_state, try-runtime hook and benchmark tests"
	cargo nextest run --locked --cargo-profile "$PROFILE" "${timings[@]}" \
		-p pallet-compute --features "$PALLET_TEST_FEATURES"
else
	step "dashboard: typed interface, typecheck, units, build (node/dashboard)"
	(
		cd node/dashboard
		# The descriptors package's version is a hash of the metadata's types: a runtime change
		# not carried into the dashboard fails here (see node/dashboard/README.md).
		npx papi generate >/dev/null
		git diff --exit-code -- .papi/descriptors/package.json || {
			echo "the dashboard's descriptors are not the metadata's: commit .papi/descriptors/package.json" >&2
			exit 1
		}
		npm run --silent typecheck
		npx vitest run
	)
	scripts/build-dashboard.sh

	step "workspace: pallet, runtime, RPC, miner and end-to-end tests against the built node"
	cargo nextest run --locked --cargo-profile "$PROFILE" "${timings[@]}" \
		--workspace --features "$WORKSPACE_FEATURES"
fi

step "done in $(( $(date +%s) - start ))s"
