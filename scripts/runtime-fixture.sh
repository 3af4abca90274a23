#!/usr/bin/env bash
# Writes the upgrade test's fixture: a raw dev chain spec whose genesis code is the runtime of an
# earlier release, so that the end-to-end upgrade test starts a chain on it and upgrades it to
# the runtime built from this tree.
#
#   scripts/runtime-fixture.sh <git-ref>      # e.g. scripts/runtime-fixture.sh spec-105
#
# Checks <git-ref> out in a temporary worktree and builds that tree's node from its own
# Cargo.lock, in a target dir of its own (the shared one keeps this tree's runtime), then writes
# `build-spec --chain dev --raw` of that node to
# node/e2e-tests/fixtures/runtime-<spec_version>.json, and that runtime's metadata to
# node/miner/metadata/compute-runtime-<spec_version>.scale (compute-miner's interface check is
# unit-tested against it; this tree's node must be built). Run it when a release is cut, tag
# the release, and commit both files. The first run compiles the whole graph once more (about 20
# minutes on 2 cores); later ones reuse it.
set -euo pipefail
# The old tree is built as it was released, not linted by today's clippy.
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER-}"
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

ref="${1:-}"
if [ -z "$ref" ]; then
	echo "usage: scripts/runtime-fixture.sh <git-ref>" >&2
	exit 2
fi
git rev-parse --verify --quiet "$ref^{commit}" >/dev/null || {
	echo "runtime-fixture: no commit $ref" >&2
	exit 2
}

work="$(mktemp -d)"
cleanup() {
	git worktree remove --force "$work/src" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
git worktree add --detach --quiet "$work/src" "$ref"

spec_version="$(sed -n 's/^\s*spec_version: \([0-9]*\),.*/\1/p' "$work/src/runtime/src/lib.rs")"
[ -n "$spec_version" ] || {
	echo "runtime-fixture: no spec_version in $ref:runtime/src/lib.rs" >&2
	exit 1
}
target="$(dirname "$CARGO_TARGET_DIR")/fixture-target"
(
	cd "$work/src"
	CARGO_TARGET_DIR="$target" WASM_BUILD_WORKSPACE_HINT="$work/src" \
		cargo build --locked --profile "$PROFILE" -p compute-node
)
out="node/e2e-tests/fixtures/runtime-$spec_version.json"
mkdir -p "$(dirname "$out")"
"$target/$PROFILE/compute-node" build-spec --chain dev --raw --disable-default-bootnode \
	2>/dev/null >"$out"
echo "runtime-fixture: $out ($ref, spec_version $spec_version, $(du -h "$out" | cut -f1))"
scripts/miner-metadata.sh "$out" "node/miner/metadata/compute-runtime-$spec_version.scale"
