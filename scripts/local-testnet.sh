#!/usr/bin/env bash
# A 4-validator local network on this machine: Alice, Bob, Charlie and Dave (`--chain local`), on
# loopback only, with fixed node keys (so every peer id and bootnode address is known), state and
# logs under one folder. Finality needs 3 of the 4, so one node can be stopped and the chain goes on.
#
#   scripts/local-testnet.sh [start]            start, wait for finality, print the endpoints, and
#                                               run until Ctrl-C (which stops all four)
#   scripts/local-testnet.sh start --detach     start, wait for finality, print, return
#   scripts/local-testnet.sh stop               stop a detached network (pid files)
#   scripts/local-testnet.sh status             which nodes run; Alice's best and finalized heads
#   scripts/local-testnet.sh purge              stop, then delete every node's chain data and log
#
# Arguments after `--` go to every node, e.g. `start -- --pruning archive`.
# Environment:
#   LOCAL_TESTNET_DIR        the folder (default ~/.local/share/compute-chain/local-testnet)
#   LOCAL_TESTNET_P2P_PORT   first libp2p port (default 30333; Bob +1, Charlie +2, Dave +3)
#   LOCAL_TESTNET_RPC_PORT   first JSON-RPC port, ws and http (default 9944)
#   LOCAL_TESTNET_PROMETHEUS_PORT  first Prometheus port (default 9615)
#   LOCAL_TESTNET_TIMEOUT    seconds to wait for the first finalized block (default 180)
# The node binary is $CARGO_TARGET_DIR/release/compute-node (scripts/env.sh); it is built the
# way scripts/dev.sh builds it when missing.
set -euo pipefail
. "$(dirname "$0")/env.sh"

DIR="${LOCAL_TESTNET_DIR:-$HOME/.local/share/compute-chain/local-testnet}"
P2P_PORT="${LOCAL_TESTNET_P2P_PORT:-30333}"
RPC_PORT="${LOCAL_TESTNET_RPC_PORT:-9944}"
PROMETHEUS_PORT="${LOCAL_TESTNET_PROMETHEUS_PORT:-9615}"
FINALITY_TIMEOUT="${LOCAL_TESTNET_TIMEOUT:-180}"
# Seconds a node gets to shut down on SIGTERM before SIGKILL.
STOP_TIMEOUT=20

NAMES=(alice bob charlie dave)
# Fixed libp2p secrets (ed25519), the same as docker/docker-compose.yml and the e2e tests.
# Well known, so for local networks only: a real network's nodes generate their own keys.
NODE_KEYS=(
	0000000000000000000000000000000000000000000000000000000000000001
	0000000000000000000000000000000000000000000000000000000000000002
	0000000000000000000000000000000000000000000000000000000000000003
	0000000000000000000000000000000000000000000000000000000000000004
)

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

die() {
	echo "local-testnet: $*" >&2
	exit 1
}

build_if_missing() {
	if [ ! -x "$NODE_BIN" ]; then
		echo "local-testnet: $NODE_BIN is missing; building it"
		"$REPO_ROOT/scripts/setup.sh"
		cargo build --locked --profile "$PROFILE" --workspace --features "$WORKSPACE_FEATURES" \
			--manifest-path "$REPO_ROOT/Cargo.toml"
	fi
}

pid_file() { echo "$DIR/$1.pid"; }
log_file() { echo "$DIR/$1.log"; }

# The pid of node $1 if it is running, else nothing (stale pid files are removed).
running_pid() {
	local file pid
	file="$(pid_file "$1")"
	[ -f "$file" ] || return 0
	pid="$(cat "$file")"
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q compute-node "/proc/$pid/cmdline" 2>/dev/null; then
		echo "$pid"
	else
		rm -f "$file"
	fi
}

# One JSON-RPC call over HTTP to 127.0.0.1:$1; prints the raw response.
rpc() {
	curl -sS --max-time 5 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$1" 2>/dev/null
}

# The `result` string of a JSON-RPC response on stdin (hashes, hex numbers).
result_string() { sed -n 's/.*"result":"\([^"]*\)".*/\1/p'; }

# Number of the best (no $2) or finalized ($2 = finalized) block at RPC port $1.
head_number() {
	local port="$1" params="[]" number
	if [ "${2:-}" = finalized ]; then
		local hash
		hash="$(rpc "$port" chain_getFinalizedHead | result_string)"
		[ -n "$hash" ] || return 1
		params="[\"$hash\"]"
	fi
	number="$(rpc "$port" chain_getHeader "$params" | sed -n 's/.*"number":"\(0x[0-9a-fA-F]*\)".*/\1/p')"
	[ -n "$number" ] || return 1
	echo $((number))
}

peer_id() {
	printf '%s' "$1" | "$NODE_BIN" key inspect-node-key
}

stop_all() {
	local name pid pids=() waited=0
	for name in "${NAMES[@]}"; do
		pid="$(running_pid "$name")"
		if [ -n "$pid" ]; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
	done
	while [ ${#pids[@]} -gt 0 ] && [ "$waited" -lt $((STOP_TIMEOUT * 2)) ]; do
		local alive=()
		for pid in "${pids[@]}"; do
			kill -0 "$pid" 2>/dev/null && alive+=("$pid")
		done
		pids=("${alive[@]+"${alive[@]}"}")
		[ ${#pids[@]} -gt 0 ] || break
		sleep 0.5
		waited=$((waited + 1))
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do
		echo "local-testnet: pid $pid did not stop in ${STOP_TIMEOUT}s; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
	done
	for name in "${NAMES[@]}"; do
		rm -f "$(pid_file "$name")"
	done
}

# Traps while starting or running in the foreground: stop everything on Ctrl-C or a failure.
on_interrupt() {
	echo
	echo "local-testnet: stopping"
	stop_all
	exit 130
}
on_exit() {
	local rc=$?
	[ "$rc" -eq 0 ] || stop_all
}

print_endpoints() {
	local i
	echo
	echo "Local testnet (chain \"Local Testnet\", 4 validators) in $DIR"
	for i in "${!NAMES[@]}"; do
		printf '%-8s rpc  ws://127.0.0.1:%s (and http://)   prometheus http://127.0.0.1:%s/metrics\n' \
			"${NAMES[$i]}" $((RPC_PORT + i)) $((PROMETHEUS_PORT + i))
		printf '%-8s p2p  %s\n' "" "${MULTIADDRS[$i]}"
	done
	echo
	echo "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:$RPC_PORT"
	echo "logs:             $DIR/<node>.log    chain data: $DIR/<node>/"
}

start() {
	local detach=0 extra=()
	while [ $# -gt 0 ]; do
		case "$1" in
			--detach | -d) detach=1 ;;
			--) shift; extra=("$@"); break ;;
			*) die "unknown option $1 (see --help)" ;;
		esac
		shift
	done

	local name
	for name in "${NAMES[@]}"; do
		[ -z "$(running_pid "$name")" ] || die "$name is already running (pid $(running_pid "$name")); run '$0 stop' first"
	done
	command -v curl >/dev/null || die "curl is required"
	build_if_missing
	mkdir -p "$DIR"

	local i
	MULTIADDRS=()
	for i in "${!NAMES[@]}"; do
		MULTIADDRS[i]="/ip4/127.0.0.1/tcp/$((P2P_PORT + i))/p2p/$(peer_id "${NODE_KEYS[$i]}")"
	done

	# From here on, a failure or Ctrl-C stops whatever was started.
	trap on_interrupt INT TERM
	trap on_exit EXIT

	for i in "${!NAMES[@]}"; do
		name="${NAMES[$i]}"
		local bootnodes=() j
		for j in "${!NAMES[@]}"; do
			[ "$j" -eq "$i" ] || bootnodes+=(--bootnodes "${MULTIADDRS[$j]}")
		done
		echo "==== $(date -u +%FT%TZ) $0 start" >>"$(log_file "$name")"
		nohup "$NODE_BIN" --chain local "--$name" --validator \
			--base-path "$DIR/$name" \
			--node-key "${NODE_KEYS[$i]}" \
			--listen-addr "/ip4/127.0.0.1/tcp/$((P2P_PORT + i))" \
			--rpc-port $((RPC_PORT + i)) --rpc-cors all \
			--prometheus-port $((PROMETHEUS_PORT + i)) \
			--no-mdns \
			"${bootnodes[@]}" "${extra[@]+"${extra[@]}"}" \
			</dev/null >>"$(log_file "$name")" 2>&1 &
		echo $! >"$(pid_file "$name")"
	done

	# Finality must move on from where it stands when Alice first answers (0 on a new chain, more
	# when restarting on old state): that shows the four are connected and voting.
	echo -n "local-testnet: waiting for a newly finalized block (up to ${FINALITY_TIMEOUT}s) "
	local deadline=$((SECONDS + FINALITY_TIMEOUT)) finalized target=""
	while :; do
		for name in "${NAMES[@]}"; do
			if [ -z "$(running_pid "$name")" ]; then
				echo
				echo "local-testnet: $name exited; the end of $(log_file "$name"):" >&2
				tail -n 20 "$(log_file "$name")" >&2
				exit 1
			fi
		done
		finalized="$(head_number "$RPC_PORT" finalized || echo)"
		if [ -n "$finalized" ]; then
			[ -n "$target" ] || target=$((finalized + 1))
			[ "$finalized" -ge "$target" ] && break
		fi
		if [ $SECONDS -ge $deadline ]; then
			echo
			die "no block finalized within ${FINALITY_TIMEOUT}s; see the logs in $DIR"
		fi
		echo -n .
		sleep 2
	done
	echo " #$finalized finalized"
	print_endpoints

	if [ "$detach" -eq 1 ]; then
		trap - INT TERM EXIT
		echo
		echo "Running in the background; stop with: $0 stop"
		return 0
	fi

	echo
	echo "Press Ctrl-C to stop all four nodes."
	# A node that exits is reported once; the others go on (3 of 4 still finalize).
	local reported=" " alive
	while :; do
		alive=0
		for name in "${NAMES[@]}"; do
			if [ -n "$(running_pid "$name")" ]; then
				alive=$((alive + 1))
			elif [[ "$reported" != *" $name "* ]]; then
				reported+="$name "
				echo "local-testnet: $name exited; the end of $(log_file "$name"):" >&2
				tail -n 10 "$(log_file "$name")" >&2
			fi
		done
		[ "$alive" -gt 0 ] || die "every node exited"
		sleep 2
	done
}

status() {
	local i name pid any=0
	for i in "${!NAMES[@]}"; do
		name="${NAMES[$i]}"
		pid="$(running_pid "$name")"
		if [ -n "$pid" ]; then
			any=1
			echo "$name: running (pid $pid), rpc 127.0.0.1:$((RPC_PORT + i))"
		else
			echo "$name: stopped"
		fi
	done
	if [ "$any" -eq 1 ]; then
		echo "alice: best #$(head_number "$RPC_PORT" || echo '?'), finalized #$(head_number "$RPC_PORT" finalized || echo '?')"
	fi
}

purge() {
	stop_all
	local name
	for name in "${NAMES[@]}"; do
		rm -rf "${DIR:?}/$name"
		rm -f "$(log_file "$name")"
	done
	rmdir "$DIR" 2>/dev/null || true
	echo "local-testnet: purged the chain data and logs in $DIR"
}

command="${1:-start}"
[ $# -eq 0 ] || shift
case "$command" in
	start) start "$@" ;;
	stop) stop_all; echo "local-testnet: stopped" ;;
	status) status ;;
	purge) purge ;;
	-h | --help | help) usage ;;
	*) usage >&2; exit 2 ;;
esac
