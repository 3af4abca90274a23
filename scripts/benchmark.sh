#!/usr/bin/env bash
# Measures this machine and regenerates the weights the runtime charges:
#
#   scripts/benchmark.sh            # everything below
#   scripts/benchmark.sh pallet     # pallet_compute -> pallets/compute/src/weights.rs
#   scripts/benchmark.sh base       # runtime/src/weights/{block,extrinsic}_weights.rs
#   scripts/benchmark.sh db         # runtime/src/weights/paritydb_weights.rs
#   scripts/benchmark.sh balances   # pallet_balances -> runtime/src/weights/pallet_balances.rs
#
# - pallet, balances: `benchmark pallet` (`STEPS`, `REPEAT`; defaults 50 and 20); the runtime
#   weighs transfers with the balances weights measured here too, so that compute calls and
#   transfers compare on one machine;
# - base: `benchmark overhead`, the time of an empty block and of a no-op extrinsic;
# - db: `benchmark storage` on ParityDB (the node's database) of a dev chain's state: a fresh
#   one, or the one at `STATE_DIR` (a `--base-path` of a stopped dev node, e.g. after
#   `compute-load fill`) to measure a fuller state. Writes are timed in batches of `DB_BATCH`
#   (default 100) keys, each batch's storage root shared by its writes, as in a block.
#
# The generated values are the measured averages; the runtime adds one margin to all of them
# (`MEASURED_WEIGHT_MARGIN` in runtime/src/weights/mod.rs).
#
# Builds compute-node with `--features runtime-benchmarks` (same profile and target dir as the
# other scripts; the feature set differs, so the first run compiles a second copy of the graph).
set -euo pipefail
# The benchmark build is not linted (scripts/test.sh lints every crate CI builds): an empty
# wrapper keeps env.sh from compiling the workspace's crates through clippy-driver.
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER-}"
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

what="${1:-all}"
case "$what" in
	all | pallet | balances | base | db) ;;
	*)
		echo "usage: scripts/benchmark.sh [all|pallet|balances|base|db]" >&2
		exit 2
		;;
esac
want() { [ "$what" = all ] || [ "$what" = "$1" ]; }

STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"

# The benchmark CLI's storage-access test runtime is only used to validate blocks of a
# parachain (`benchmark storage --mode validate-block`), which this node is not; its WASM build
# cannot find its package in this workspace.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1

scripts/setup.sh
cargo build --locked --profile "$PROFILE" -p compute-node --features runtime-benchmarks

if want pallet; then
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
fi

if want base; then
	"$NODE_BIN" benchmark overhead --chain dev --weight-path runtime/src/weights
	# The CLI's template names the SDK's inner crates (the runtime reaches them through
	# frame_support) and is not formatted by rustfmt.toml.
	sed -i \
		-e 's/^use sp_core::parameter_types;/#![cfg_attr(rustfmt, rustfmt_skip)]\n\nuse frame_support::parameter_types;/' \
		-e 's/sp_weights::/frame_support::weights::/g' \
		runtime/src/weights/block_weights.rs runtime/src/weights/extrinsic_weights.rs
fi

if want db; then
	state_dir="${STATE_DIR:-}"
	if [ -z "$state_dir" ]; then
		state_dir="$(mktemp -d)"
		trap 'rm -rf "$state_dir"' EXIT
	fi
	"$NODE_BIN" benchmark storage \
		--chain dev \
		--base-path "$state_dir" \
		--database paritydb \
		--state-version 1 \
		--batch-size "${DB_BATCH:-100}" \
		--template-path scripts/db-weight-template.hbs \
		--weight-path runtime/src/weights
fi

if want balances; then
	"$NODE_BIN" benchmark pallet \
		--chain dev \
		--pallet pallet_balances \
		--extrinsic '*' \
		--steps "$STEPS" \
		--repeat "$REPEAT" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--output runtime/src/weights/pallet_balances.rs
fi
