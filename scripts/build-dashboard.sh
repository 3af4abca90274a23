#!/usr/bin/env bash
# Builds the dashboard (node/dashboard) into node/dashboard/dist, a directory of static files,
# when its sources or packages changed since the last build; quick when nothing did. Its npm
# packages come from scripts/setup.sh.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$REPO_ROOT/node/dashboard"

stamp=dist/index.html
if [ -f "$stamp" ] && [ -z "$(find src index.html vite.config.ts package-lock.json \
	../miner/metadata/compute-runtime.scale -newer "$stamp" -print -quit)" ]; then
	exit 0
fi
npx vite build --logLevel warn
echo "dashboard built: $PWD/dist"
