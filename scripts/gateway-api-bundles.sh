#!/usr/bin/env bash
# Writes the Gateway API CRD bundles planton ships (nothing is downloaded at run time) into
# bundles/gateway-api/: for each version pinned in bundles/gateway-api/modules.txt, the module
# sigs.k8s.io/gateway-api is fetched through the Go module proxy (`go mod download`, the hash
# checked against the pin), and each channel's CRD files (config/crd/{standard,experimental},
# CRDs only: the safe-upgrades ValidatingAdmissionPolicy is not shipped) are joined, in file-name
# order, into one deterministic gzip <version>-<channel>.yaml.gz. bundles.json records, per
# version and channel, the file, its SHA-256 and the CRD names it holds.
#
# Usage: scripts/gateway-api-bundles.sh        (needs go and jq; run after moving a pin)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bundles/gateway-api"
PINS="$OUT/modules.txt"
command -v go >/dev/null || { echo "gateway-api-bundles: go is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "gateway-api-bundles: jq is not on PATH" >&2; exit 1; }

tmp="$(mktemp -d)"  # outside any module: `go mod download mod@version` needs no go.mod
trap 'rm -rf "$tmp"' EXIT
rm -f "$OUT"/*.yaml.gz
entries=()
while read -r mod version sum; do
  json="$(cd "$tmp" && GOFLAGS= go mod download -json "$mod@$version")"
  got="$(jq -r .Sum <<<"$json")"
  [ "$got" = "$sum" ] || { echo "gateway-api-bundles: $mod@$version: hash $got is not the pinned $sum" >&2; exit 1; }
  dir="$(jq -r .Dir <<<"$json")"
  channels="{}"
  for channel in standard experimental; do
    file="$version-$channel.yaml.gz"
    files=()
    while IFS= read -r f; do
      # CRDs only: the policy file and kustomization are not CustomResourceDefinitions
      grep -q '^kind: CustomResourceDefinition' "$f" && files+=("$f")
    done < <(find "$dir/config/crd/$channel" -maxdepth 1 -name '*.yaml' | LC_ALL=C sort)
    for f in "${files[@]}"; do printf -- '---\n'; grep -v '^---$' "$f"; done | gzip -9 -n >"$OUT/$file"
    crds="$(for f in "${files[@]}"; do awk '/^metadata:/ { m = 1 } m && /^  name:/ { print $2; exit }' "$f"; done | jq -R . | jq -cs .)"
    sha="$(sha256sum "$OUT/$file" | cut -d' ' -f1)"
    channels="$(jq -c --arg c "$channel" --arg f "$file" --arg s "$sha" --argjson n "$crds" \
      '. + {($c): {file: $f, sha256: $s, crds: $n}}' <<<"$channels")"
  done
  entries+=("$(jq -nc --arg v "$version" --arg m "$mod" --arg s "$sum" --argjson ch "$channels" \
    '{version: $v, module: $m, sum: $s, channels: $ch}')")
  echo "gateway-api-bundles: $mod@$version"
done < <(awk '!/^#/ && NF { print $1, $2, $3 }' "$PINS")
printf '%s\n' "${entries[@]}" | jq -s '{versions: .}' >"$OUT/bundles.json"
du -ch "$OUT"/*.yaml.gz | tail -1
