#!/usr/bin/env bash
# Builds the dashboard (node/dashboard) into node/dashboard/dist, a directory of static files,
# when its sources or packages changed since the last build; quick when nothing did. Its npm
# packages come from scripts/setup.sh. Runs side by side (end-to-end tests call it at once)
# build one at a time: the others wait, then find it built.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT/node/dashboard"

# The lock lives outside dist/, which the build empties.
exec 9>node_modules/.build-dashboard.lock
flock 9
stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src index.html vite.config.ts package-lock.json \
	../miner/metadata/compute-runtime.scale -newer "$stamp" -print -quit)" ]; then
	exit 0
fi
npx vite build --logLevel warn
echo "dashboard built: $PWD/dist"
