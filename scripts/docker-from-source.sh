#!/usr/bin/env bash
# Builds docker/Dockerfile (the node from source) on a machine that reaches no image registry,
# and prints how long it took:
#
#   scripts/docker-from-source.sh [tag]     # default tag: compute-node:source
#
# - Docker engine: the one that answers, or a private dockerd as the container test starts it
#   (no bridge, no iptables; state in ~/.cache/compute-chain/docker/), stopped at the end.
# - Stand-ins for `debian:bookworm-slim` and `rust:1-bookworm`, which the Dockerfile starts
#   from, are made locally when missing: `compute-base:bookworm` from `debootstrap
#   --variant=minbase bookworm` (the container test's base image), and `compute-rust:bookworm`
#   from it plus this machine's rustup toolchain (the one `rustup show active-toolchain` names).
# - The build runs on the host network, so apt and cargo inside reach Debian's mirror and
#   crates.io; BuildKit's cache mounts keep the cargo registry and target dir between builds, so
#   a second run after a code change is incremental.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

tag="${1:-compute-node:source}"
cache="$HOME/.cache/compute-chain/docker"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
docker=/usr/bin/docker # Debian's client: BuildKit without the buildx plugin
export DOCKER_BUILDKIT=1

scripts/setup.sh

daemon_pid=""
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
		umount "$cache/exec/netns/default" 2>/dev/null || true
	fi
	rm -rf "${work:-}"
}
trap cleanup EXIT

if ! "$docker" version >/dev/null 2>&1; then
	export DOCKER_HOST="unix://$cache/docker.sock"
	if ! "$docker" version >/dev/null 2>&1; then
		mkdir -p "$cache"
		dockerd --bridge=none --iptables=false --ip6tables=false --host "$DOCKER_HOST" \
			--data-root "$cache/data" --exec-root "$cache/exec" --pidfile "$cache/dockerd.pid" \
			>"$cache/dockerd.log" 2>&1 &
		daemon_pid=$!
		for _ in $(seq 240); do
			"$docker" version >/dev/null 2>&1 && break
			sleep 0.25
		done
		"$docker" version >/dev/null
	fi
fi

work="$(mktemp -d)"
if ! "$docker" image inspect compute-base:bookworm >/dev/null 2>&1; then
	echo "docker-from-source: making compute-base:bookworm with debootstrap"
	debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log"
	rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
	tar -C "$work/rootfs" -c . | "$docker" import - compute-base:bookworm
	rm -rf "$work/rootfs"
fi
if ! "$docker" image inspect compute-rust:bookworm >/dev/null 2>&1; then
	toolchain="$(rustup show active-toolchain | cut -d' ' -f1)"
	echo "docker-from-source: making compute-rust:bookworm from the $toolchain toolchain"
	mkdir -p "$work/rust/rustup/toolchains" "$work/rust/cargo/bin" "$work/rust/ca"
	cp -a "$HOME/.rustup/toolchains/$toolchain" "$work/rust/rustup/toolchains/"
	cp -a "$HOME/.cargo/bin/." "$work/rust/cargo/bin/"
	# The certificate authorities this machine added to the system's (a TLS-inspecting proxy's,
	# say): the build inside reaches crates.io through the same network.
	cp /usr/local/share/ca-certificates/*.crt "$work/rust/ca/" 2>/dev/null || true
	cat >"$work/rust/Dockerfile" <<EOF
FROM compute-base:bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
	ca-certificates gcc libc6-dev && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY rustup /usr/local/rustup
COPY cargo /usr/local/cargo
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:\$PATH
RUN rustup default $toolchain && cargo --version
EOF
	"$docker" build --network host -t compute-rust:bookworm "$work/rust"
fi

start=$(date +%s)
"$docker" build --network host --build-arg RUST_IMAGE=compute-rust:bookworm \
	--build-arg BASE_IMAGE=compute-base:bookworm -f docker/Dockerfile -t "$tag" .
took=$(($(date +%s) - start))
size=$("$docker" image inspect -f '{{.Size}}' "$tag")
echo "docker-from-source: built $tag in ${took}s; image $((size / 1000000)) MB"
