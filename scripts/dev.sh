#!/usr/bin/env bash
# The main job: set up if needed, build compute-node, and run a single-node dev chain
# (Alice authors and finalizes; JSON-RPC on ws/http 127.0.0.1:9944, Prometheus on 9615).
# Extra arguments go to the node, e.g. `scripts/dev.sh --base-path /tmp/dev` to keep state.
set -euo pipefail
. "$(dirname "$0")/env.sh"

"$REPO_ROOT/scripts/setup.sh"
# The whole workspace, as scripts/test.sh builds it, so both share compiled dependencies.
cargo build --locked --profile "$PROFILE" --workspace --manifest-path "$REPO_ROOT/Cargo.toml"

if [ $# -eq 0 ]; then
	set -- --tmp
fi
exec "$NODE_BIN" --dev --rpc-cors all --prometheus-port 9615 "$@"
