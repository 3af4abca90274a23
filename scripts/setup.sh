#!/usr/bin/env bash
# Installs what building and testing compute-node need. Idempotent and quick when already done.
#
#   scripts/setup.sh         everything (the README's commands): what building needs, plus QEMU
#                            (compute-miner), a Docker engine and debootstrap (the container
#                            image test), clippy, rustfmt and cargo-nextest, and the dashboard's
#                            Node.js, npm packages and Debian's Chromium (its browser tests)
#   scripts/setup.sh build   what building needs alone (docker/Dockerfile's builder): apt
#                            packages (clang/libclang for bindgen, protoc for litep2p), the Rust
#                            WASM targets and rust-src
set -euo pipefail

scope="${1:-all}"
case "$scope" in
	all | build) ;;
	*)
		echo "usage: scripts/setup.sh [all|build]" >&2
		exit 2
		;;
esac

# binaryen: the runtime's WASM optimizer (runtime/wasm-opt); libssl-dev: the system OpenSSL the
# node links instead of compiling one (OPENSSL_NO_VENDOR in .cargo/config.toml).
APT_PACKAGES=(clang libclang-dev protobuf-compiler pkg-config libssl-dev binaryen make git curl)
if [ "$scope" = all ]; then
	# docker.io: dockerd and a BuildKit-capable client (/usr/bin/docker); debootstrap: the
	# image test's base image and the Debian cloud guest; docker-compose: checks
	# docker/docker-compose*.yml; iproute2: ip and tc for the network tests and the agent's
	# routed network; nftables: that network's rules; openssh-client: the tests log in to guests
	# as renters do; binutils: readelf, which finds the libraries the test guest's SSH server
	# needs; syslinux, syslinux-common, mtools, fdisk, e2fsprogs: the Debian cloud guest's disk
	# (bootloader, boot partition, partition table, root file system), made without mounting;
	# nodejs: the dashboard's build and tests (node/dashboard, Node.js 20.19 or newer); chromium:
	# the browser the dashboard's tests drive (Playwright never downloads one).
	APT_PACKAGES+=(docker.io debootstrap docker-compose iproute2 nftables openssh-client binutils
		syslinux syslinux-common mtools fdisk e2fsprogs nodejs chromium)
fi
WASM_TARGETS=(wasm32-unknown-unknown wasm32v1-none)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# QEMU for compute-miner and its tests. A machine whose qemu-utils comes from
# bookworm-backports cannot take bookworm's qemu-system-x86 (qemu-utils breaks it): install the
# matching backports build, with a private sources list that leaves /etc/apt as it is.
if [ "$scope" = all ] && ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	qemu_utils="$(dpkg-query -W -f='${Version}' qemu-utils 2>/dev/null || true)"
	if [[ "$qemu_utils" == *bpo* ]]; then
		echo "setup: installing qemu-system-x86 from bookworm-backports (qemu-utils $qemu_utils)"
		apt_dir="$(mktemp -d)"
		mkdir -p "$apt_dir/lists/partial"
		echo "deb http://deb.debian.org/debian bookworm-backports main" >"$apt_dir/backports.list"
		apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/backports.list" -o "Dir::State::lists=$apt_dir/lists")
		$SUDO apt-get "${apt_opts[@]}" update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${apt_opts[@]}" install -y -qq \
			-t bookworm-backports --no-install-recommends qemu-system-x86
		rm -rf "$apt_dir"
	else
		echo "setup: installing qemu-system-x86 qemu-utils"
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
			qemu-system-x86 qemu-utils
	fi
fi

if ! command -v rustup >/dev/null 2>&1; then
	[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
fi
if ! command -v rustup >/dev/null 2>&1; then
	echo "setup: rustup is required (https://rustup.rs)" >&2
	exit 1
fi

installed_targets="$(rustup target list --installed)"
for target in "${WASM_TARGETS[@]}"; do
	grep -qx "$target" <<<"$installed_targets" || rustup target add "$target"
done
installed_components="$(rustup component list --installed)"
grep -q '^rust-src' <<<"$installed_components" || rustup component add rust-src
if [ "$scope" = build ]; then
	echo "setup: ok (build)"
	exit 0
fi
# Every build lints the workspace's crates through clippy-driver (see scripts/env.sh).
grep -q '^clippy' <<<"$installed_components" || rustup component add clippy
# `scripts/test.sh` checks the formatting with rustfmt (rustfmt.toml).
grep -q '^rustfmt' <<<"$installed_components" || rustup component add rustfmt
# scripts/test.sh runs the tests with cargo-nextest (one process per test, side by side).
if ! cargo nextest --version >/dev/null 2>&1; then
	echo "setup: installing cargo-nextest"
	cargo install --locked cargo-nextest
fi
# The dashboard's npm packages, exactly as package-lock.json has them; its postinstall generates
# the typed chain interface from the runtime's metadata (see node/dashboard/README.md). npm
# writes node_modules/.package-lock.json last: newer than the lock file means done.
node_version="$(node --version 2>/dev/null || echo none)"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
	echo "setup: the dashboard needs Node.js 20.19 or newer, this machine has $node_version" >&2
	exit 1
fi
dashboard="$(dirname "$0")/../node/dashboard"
if [ ! "$dashboard/node_modules/.package-lock.json" -nt "$dashboard/package-lock.json" ]; then
	echo "setup: installing the dashboard's npm packages"
	(cd "$dashboard" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
echo "setup: ok"
