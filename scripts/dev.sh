#!/usr/bin/env bash
# The main job: set up if needed, build the workspace, and run a single-node dev chain
# (Alice authors and finalizes; JSON-RPC on ws/http 127.0.0.1:9944, Prometheus on 9615) with
# the dashboard (node/dashboard, built when its sources changed) on http://127.0.0.1:8080.
# Extra arguments go to the node, e.g. `scripts/dev.sh --base-path /tmp/dev` to keep state.
#
# `scripts/dev.sh --miner` also runs a miner on this host, so real VMs can be rented locally:
# `compute-load vms serve` serves the test guest on 127.0.0.1:8090 and `compute-miner` (account
# //Bob, Prometheus on 127.0.0.1:9617) claims and boots the requests, each VM on the wire at its
# chain address (network mode "routed"). The pool's addresses (192.0.2.0/24) never appear in
# this host's own namespace: the agent's uplink leads to a lab internet, the namespace
# `compute-dev-internet` (198.51.100.1), which this script makes and removes. In another shell,
# `compute-load vms rent` rents one as //Charlie with an SSH key and prints the command that
# logs in from there; `compute-load vms bench` measures latencies.
# The chain's state is temporary, so Ctrl-C stops the node, the agent and every VM it started,
# and removes the namespaces.
# MINER_ARGS adds flags to compute-miner's, e.g. MINER_ARGS="--vcpus 16 --memory-mb 20480".
set -euo pipefail
. "$(dirname "$0")/env.sh"

miner=
if [ "${1:-}" = "--miner" ]; then
	miner=1
	shift
fi

"$REPO_ROOT/scripts/setup.sh"
# The whole workspace, as scripts/test.sh builds it, so both share compiled dependencies.
cargo build --locked --profile "$PROFILE" --workspace --features "$WORKSPACE_FEATURES" \
	--manifest-path "$REPO_ROOT/Cargo.toml"

"$REPO_ROOT/scripts/build-dashboard.sh"

if [ $# -eq 0 ]; then
	set -- --tmp
fi
dashboard_url="http://127.0.0.1:8080/"
if [ -z "$miner" ]; then
	python3 -m http.server --bind 127.0.0.1 --directory "$REPO_ROOT/node/dashboard/dist" 8080 \
		>/dev/null 2>&1 &
	server=$!
	"$NODE_BIN" --dev --rpc-cors all --prometheus-port 9615 "$@" &
	node=$!
	# Ctrl-C or a TERM to this script stops both.
	trap 'trap - EXIT INT TERM; kill "$node" "$server" 2>/dev/null || true; wait' EXIT INT TERM
	echo "dashboard on $dashboard_url (chain: ws://127.0.0.1:9944)"
	wait "$node"
	exit
fi

bin_dir="$(dirname "$NODE_BIN")"
state="$HOME/.cache/compute-chain/dev-miner"
work="$state/work"
# The lab internet and the agent's uplink into it (see above); the names are fixed, so a dev
# chain left behind by a killed script is cleaned up by the next one.
internet=compute-dev-internet
uplink=cdev-uplink
pids=()
remove_network() {
	# The VMs are daemons that outlive the agent by design; they belong to this dev chain only.
	pkill -f -- "$work/" 2>/dev/null || true
	# Gone before their taps and control groups are removed.
	for _ in $(seq 50); do
		pgrep -f -- "$work/" >/dev/null || break
		sleep 0.2
	done
	rm -rf "$work/vms"
	[ ! -f "$state/miner.toml" ] || "$bin_dir/compute-miner" --config "$state/miner.toml" --uninstall 2>/dev/null || true
	ip netns del "$internet" 2>/dev/null || true
	ip link del "$uplink" 2>/dev/null || true
}
stop_all() {
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	remove_network
}
trap stop_all EXIT INT TERM

"$REPO_ROOT/scripts/build-test-guest.sh" >/dev/null
# A fresh work dir for a fresh chain; the KVM probe's outcome is about the host, and is kept.
accel="$(cat "$work/accelerator" 2>/dev/null || true)"
remove_network
ip netns add "$internet"
ip link add "$uplink" type veth peer name inet0 netns "$internet"
ip -n "$internet" link set lo up
ip -n "$internet" addr add 198.51.100.1/24 dev inet0
ip -n "$internet" link set inet0 up
ip -n "$internet" route add 192.0.2.0/24 via 198.51.100.2
rm -rf "$work"
mkdir -p "$work"
[ -z "$accel" ] || echo "$accel" >"$work/accelerator"
[ -f "$state/node-key" ] || "$NODE_BIN" key generate-node-key --file "$state/node-key" 2>/dev/null
cat >"$state/miner.toml" <<EOF
chain = "ws://127.0.0.1:9944"
account = "//Bob"
node_key_file = "$state/node-key"
work_dir = "$work"
ipfs_gateway = "http://127.0.0.1:8090"
# Renters' sources are fetched from public addresses only; here the test guest is also served
# on loopback by compute-load vms rent, bench and fill, on ports of their own.
fetch_allow = ["127.0.0.1"]
# No plans list: the agent serves every plan that fits this host.
prometheus_port = 9617

# Each VM at its chain address (the dev preset's pool), behind the lab internet's uplink.
[network]
mode = "routed"
namespace = "compute-dev-vms"
uplink = "$uplink"
address = "198.51.100.2/24"
gateway = "198.51.100.1"
pool = "192.0.2.0/24"
nameservers = []
EOF

"$NODE_BIN" --dev --rpc-cors all --prometheus-port 9615 "$@" 2>"$state/node.log" &
pids+=($!)
"$bin_dir/compute-load" vms serve --port 8090 &
pids+=($!)
python3 -m http.server --bind 127.0.0.1 --directory "$REPO_ROOT/node/dashboard/dist" 8080 \
	>/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 60); do
	(exec 3<>/dev/tcp/127.0.0.1/9944) 2>/dev/null && break
	sleep 1
done
echo "dev chain on ws://127.0.0.1:9944 (log: $state/node.log); compute-miner config: $state/miner.toml"
echo "dashboard on ${dashboard_url}?image=http://127.0.0.1:8090/guest.json (rent a VM there as"
echo "  a dev account; the image field starts with the test guest this script serves)"
echo "rent a VM from another shell (it prints the command that logs in from $internet):"
echo "  $bin_dir/compute-load vms rent"
echo "(or with any client: create_compute_request with image_url http://127.0.0.1:8090/guest.json)"
# shellcheck disable=SC2086 # MINER_ARGS are flags for compute-miner, e.g. "--vcpus 16 --max-vms 16"
"$bin_dir/compute-miner" --config "$state/miner.toml" ${MINER_ARGS:-} &
pids+=($!)
wait "${pids[@]}"
