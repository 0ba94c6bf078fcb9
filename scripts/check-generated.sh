#!/usr/bin/env bash
# Fails when gen/ or schema/ differ from what the protos generate, and says how to fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent generate
if ! git diff --quiet --exit-code -- gen schema || [ -n "$(git ls-files --others --exclude-standard -- gen schema)" ]; then
  git status --short -- gen schema >&2
  git diff --stat -- gen schema >&2
  echo "gen/ or schema/ is stale: run 'npm run generate' and commit the result." >&2
  exit 1
fi
echo "gen/ and schema/ are fresh."
