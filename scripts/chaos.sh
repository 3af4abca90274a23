#!/usr/bin/env bash
# The full network-fault suite: four validators on four hosts of a private lab (network
# namespaces the tests make and remove; see node/e2e-tests/src/lab.rs), one scenario at a time
# with its measurements printed:
#
# - latency and loss on every link, then one validator cut off and healed (the short form that
#   scripts/test.sh also runs);
# - a 2 | 2 partition: finality stops, and resumes after healing;
# - a validator's database wiped, resynced with `--sync full`, then with `--sync warp`;
# - transfers and compute requests under latency: each in every node's finalized chain, once.
#
# It needs root (network namespaces) and builds what scripts/test.sh builds.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

scripts/setup.sh
# --no-capture: the measurements are on standard error; it also runs the scenarios one at a
# time, so they do not share the cores.
cargo nextest run --locked --cargo-profile "$PROFILE" --workspace --features "$WORKSPACE_FEATURES" \
	--run-ignored all --no-capture -E 'test(/^faults::/)'
