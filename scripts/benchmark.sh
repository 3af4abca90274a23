#!/usr/bin/env bash
# Regenerates pallets/compute/src/weights.rs from the pallet's benchmarks, and (with `--all`) also
# prints the weights of pallet-balances for comparison.
#
#   scripts/benchmark.sh            # pallet_compute -> pallets/compute/src/weights.rs
#   STEPS=10 REPEAT=5 scripts/benchmark.sh   # quicker, noisier
#
# Builds compute-node with `--features runtime-benchmarks` (same profile and target dir as the
# other scripts; the feature set differs, so the first run compiles a second copy of the graph).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

# The benchmark CLI's storage-access test runtime is only used by `benchmark storage`, which this
# node does not offer; its WASM build cannot find its package in this workspace.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1

scripts/setup.sh
cargo build --locked --profile "$PROFILE" -p compute-node --features runtime-benchmarks

"$NODE_BIN" benchmark pallet \
	--chain dev \
	--pallet pallet_compute \
	--extrinsic '*' \
	--steps "$STEPS" \
	--repeat "$REPEAT" \
	--wasm-execution compiled \
	--heap-pages 4096 \
	--template scripts/frame-weight-template.hbs \
	--output pallets/compute/src/weights.rs

if [ "${1:-}" = "--all" ]; then
	"$NODE_BIN" benchmark pallet --chain dev --pallet pallet_balances \
		--extrinsic transfer_keep_alive --steps "$STEPS" --repeat "$REPEAT" \
		--wasm-execution compiled
fi
