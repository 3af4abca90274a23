#!/usr/bin/env bash
# Writes the built runtime's metadata (version 15) to node/miner/metadata/compute-runtime.scale,
# the file `compute-miner`'s typed interface is generated from. Run it after a runtime change,
# with the node built (`cargo build --workspace --features "$WORKSPACE_FEATURES"`; only the
# node binary is needed), then rebuild `compute-miner`. The end-to-end test `miner_metadata`
# fails while the file and the built runtime differ.
#
#   scripts/miner-metadata.sh [<raw-chain-spec> <out-file>]
#
# With a chain spec, writes the metadata of the runtime in that spec's genesis instead
# (`scripts/runtime-fixture.sh` uses it for the previous release's runtime).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

chain=(--dev)
out=node/miner/metadata/compute-runtime.scale
if [ $# -eq 2 ]; then
	chain=(--chain "$1")
	out="$2"
elif [ $# -ne 0 ]; then
	echo "usage: scripts/miner-metadata.sh [<raw-chain-spec> <out-file>]" >&2
	exit 2
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NODE_BIN" "${chain[@]}" --tmp --rpc-port "$port" --port 0 --no-prometheus --no-telemetry \
	2>/dev/null &
node=$!
trap 'kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true' EXIT

python3 - "$port" "$out" <<'PY'
import json, sys, time, urllib.request

port, out = sys.argv[1], sys.argv[2]
VERSION = 15
request = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "state_call",
    "params": ["Metadata_metadata_at_version", "0x" + VERSION.to_bytes(4, "little").hex()],
}).encode()
deadline = time.time() + 60
while True:
    try:
        answer = urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}", request, {"Content-Type": "application/json"}))
        result = json.load(answer)["result"]
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("the node did not answer JSON-RPC within 60 s")
        time.sleep(0.5)
data = bytes.fromhex(result[2:])
# `Option<OpaqueMetadata>`: `Some`, a SCALE compact length, then the metadata.
if data[:1] != b"\x01":
    sys.exit(f"the runtime has no metadata version {VERSION}")
mode = data[1] & 3
size, start = {0: (data[1] >> 2, 2),
               1: (int.from_bytes(data[1:3], "little") >> 2, 3),
               2: (int.from_bytes(data[1:5], "little") >> 2, 5)}[mode]
blob = data[start:]
if len(blob) != size:
    sys.exit("the answer is not one metadata blob")
open(out, "wb").write(blob)
print(f"{out}: {len(blob)} bytes")
PY
