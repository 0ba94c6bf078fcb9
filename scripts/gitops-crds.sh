#!/usr/bin/env bash
# Fetches the CRDs that planton's GitOps export (render --format argocd|flux) is validated
# against, from the projects' Go modules, into a cache folder outside the repository:
#
#   ${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}/share/gitops-crds/
#     argocd/application-crd.yaml       copied from github.com/argoproj/argo-cd/v3 (manifests/crds)
#     flux/*.yaml                        generated with controller-gen from Flux's API modules
#                                        (helm-controller/api, source-controller/api,
#                                        kustomize-controller/api carry Go types, no CRD YAML)
#
# The pins: ARGOCD_VERSION below, and test/e2e/cluster/gitops-crds/go.mod for Flux and
# controller-gen. Nothing is fetched when the stamp matches. Prints the folder on standard output.
# Environment: PLANTON_E2E_CACHE, GOTOOLCHAIN (default go1.27.3: the modules need Go 1.27).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/e2e/cluster/gitops-crds"
CACHE="${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}"
OUT="$CACHE/share/gitops-crds"
STAMP="$CACHE/stamps/gitops-crds"
ARGOCD_VERSION="v3.6.2"

command -v go >/dev/null || { echo "gitops-crds: go is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "gitops-crds: jq is not on PATH" >&2; exit 1; }
export GOTOOLCHAIN="${GOTOOLCHAIN:-go1.27.3}"
export GOFLAGS="-mod=readonly"

key="$( { echo "argocd=$ARGOCD_VERSION"; cat "$SRC/go.mod" "$SRC/go.sum"; } | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && grep -qx "key=$key" "$STAMP" && [ -f "$OUT/argocd/application-crd.yaml" ] \
  && [ -f "$OUT/flux/helm.toolkit.fluxcd.io_helmreleases.yaml" ]; then
  echo "$OUT"; exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/argocd" "$tmp/flux" "$(dirname "$STAMP")"

# Argo CD: the module ships its CRDs.
dir="$(cd "$tmp" && go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" | jq -r .Dir)"
cp "$dir/manifests/crds/application-crd.yaml" "$tmp/argocd/"

# Flux: generate from the pinned API types.
(cd "$SRC" && go tool controller-gen crd \
  paths=github.com/fluxcd/helm-controller/api/v2 \
  paths=github.com/fluxcd/source-controller/api/v1 \
  paths=github.com/fluxcd/kustomize-controller/api/v1 \
  "output:crd:dir=$tmp/flux") >&2

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
mv "$tmp" "$OUT"
trap - EXIT
chmod 755 "$OUT"
printf 'key=%s\nargocd=%s\nbuilt=%s\n' "$key" "$ARGOCD_VERSION" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$STAMP"
echo "$OUT"
