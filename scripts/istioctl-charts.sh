#!/usr/bin/env bash
# The Helm chart repository of the charts the e2e istioctl installs, for the adoption of an
# istioctl-installed mesh (issue 22), in a cache folder outside the repository:
#
#   ${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}/share/istioctl-charts/
#     manifests/   istio.io/istio's manifests/ (charts and profiles) at the module version
#                  test/e2e/cluster/istiod/go.mod pins (the one pilot-discovery and istioctl are
#                  built from), each Chart.yaml's version and appVersion set to VERSION
#     repo/        base, istiod, gateway, cni and ztunnel packaged from manifests/charts at
#                  VERSION, with index.yaml: serve it on 127.0.0.1 as the chart fixtures are
#
# Why: istio.io/istio has no tags, so the module's charts say version 1.0.0 and istioctl is a
# `<VERSION file>-dev` build. An Istio release stamps one version on its charts, its Helm
# repository and the istioctl that embeds them. Here istioctl renders manifests/ (its
# --manifests flag) and Helm installs repo/, the same files at the same version: VERSION is the
# module's VERSION file with `.0` (1.31 -> 1.31.0), a version planton's manifest accepts.
#
# Nothing is copied when the stamp matches. Prints the folder on standard output.
# Environment: PLANTON_E2E_CACHE, PLANTON_HELM (else scripts/install-helm.mjs's Helm).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/e2e/cluster/istiod"
CACHE="${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}"
OUT="$CACHE/share/istioctl-charts"
STAMP="$CACHE/stamps/istioctl-charts"
MOD=istio.io/istio

command -v go >/dev/null || { echo "istioctl-charts: go is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "istioctl-charts: jq is not on PATH" >&2; exit 1; }
helm="${PLANTON_HELM:-$(node "$ROOT/scripts/install-helm.mjs" | tail -n 1)}"

ver="$(awk -v m="$MOD" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$SRC/go.mod")"
[ -n "$ver" ] || { echo "istioctl-charts: $MOD is not required in $SRC/go.mod" >&2; exit 1; }
key="$(printf '%s\n%s\n' "$ver" "$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)" | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && grep -qx "key=$key" "$STAMP" && [ -f "$OUT/repo/index.yaml" ]; then
  echo "$OUT"; exit 0
fi

moddir="$(cd "$SRC" && go mod download -json "$MOD@$ver" | jq -r .Dir)"
version="$(tr -d '[:space:]' < "$moddir/VERSION").0"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$moddir/manifests" "$tmp/manifests"
chmod -R u+w "$tmp/manifests"
find "$tmp/manifests/charts" -name Chart.yaml -print0 |
  xargs -0 sed -i -E "s/^version: .*/version: $version/; s/^appVersion: .*/appVersion: $version/"

# the charts of Istio's Helm repository (the chart names planton installs), from the same files
mkdir -p "$tmp/repo"
for chart in base istio-control/istio-discovery gateway istio-cni ztunnel; do
  "$helm" package "$tmp/manifests/charts/$chart" --destination "$tmp/repo" >&2
done
"$helm" repo index "$tmp/repo" >&2

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")" "$(dirname "$STAMP")"
mv "$tmp" "$OUT"
trap - EXIT
chmod 755 "$OUT"
printf 'key=%s\nmodule=%s@%s\nversion=%s\nbuilt=%s\n' "$key" "$MOD" "$ver" "$version" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$STAMP"
echo "$OUT"
