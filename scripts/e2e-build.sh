#!/usr/bin/env bash
# Builds the binaries that planton's end-to-end tests run, from pinned Go modules, into a cache
# folder outside the repository:
#
#   ${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}/
#     bin/    pulumi, pulumi-resource-kubernetes, kube-apiserver, kube-controller-manager,
#             kube-scheduler, etcd, kwok, pilot-discovery (istiod), istioctl, pilot-agent,
#             istio-echo-server, istio-echo-client (Istio's test echo programs)
#     share/  pulumi-kubernetes/*.json (the provider's versioned schema and mapping),
#             kwok/stages/*.yaml (kwok v0.8.0 has no built-in stages) and
#             gateway-api/<version>/{standard,experimental}/*.yaml (CRD bundles), copied from the
#             module cache
#     stamps/ one file per tool; a tool is rebuilt only when its stamp is missing or different
#
# The pins live in test/e2e/cluster/{pulumi,provider,controlplane,istiod}/go.mod: pulumi and the
# provider need different pulumi/pkg versions (v4.25.0's code does not compile against
# pkg v3.274.1), the control plane shares one module; the Gateway API bundles in
# test/e2e/cluster/gateway-api/modules.txt. See test/e2e/cluster/README.md.
#
# Usage: scripts/e2e-build.sh [--force] [pulumi|provider|controlplane|istiod|gatewayapi|seaweedfs ...]
#   no tool names: all of them. --force: rebuild even if the stamp matches.
# Environment: PLANTON_E2E_CACHE (cache root), GOCACHE/GOMODCACHE (Go's own, respected).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/e2e/cluster"
CACHE="${PLANTON_E2E_CACHE:-$HOME/.cache/planton-e2e}"
BIN="$CACHE/bin"
SHARE="$CACHE/share"
STAMPS="$CACHE/stamps"

# Version under which the Kubernetes provider is registered: the one @pulumi/kubernetes (npm)
# asks the engine for. The code is whatever test/e2e/cluster/provider/go.mod pins.
K8S_PROVIDER_VERSION="4.34.2"

ALL_TOOLS=(pulumi provider controlplane istiod gatewayapi seaweedfs)

force=0
tools=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    pulumi|provider|controlplane|istiod|gatewayapi|seaweedfs) tools+=("$arg") ;;
    *) echo "e2e-build: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=("${ALL_TOOLS[@]}")

command -v go >/dev/null || { echo "e2e-build: go is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "e2e-build: jq is not on PATH" >&2; exit 1; }

# Static, path-free, VCS-free builds; go.sum must already be complete (no silent re-resolution).
export CGO_ENABLED=0
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
mkdir -p "$BIN" "$SHARE" "$STAMPS"

log() { printf '[e2e-build] %s\n' "$*"; }

# required version of module $2 in go.mod $1 (first "path version" match)
modver() { awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"; }

# stamp: what went into a build; the binaries are reused only if it is unchanged
stamp_of() {
  local tool="$1"; shift
  {
    echo "tool=$tool"
    go env GOVERSION GOOS GOARCH
    echo "GOFLAGS=$GOFLAGS CGO_ENABLED=$CGO_ENABLED"
    printf '%s\n' "$@"
    cat "$SRC/$tool/go.mod" "$SRC/$tool/go.sum"
    if [ -f "$SRC/$tool/main.go" ]; then cat "$SRC/$tool/main.go"; fi
  } | sha256sum | cut -d' ' -f1
}

# up_to_date TOOL STAMP FILE...: all files present and the stamp matches
up_to_date() {
  local tool="$1" stamp="$2"; shift 2
  [ "$force" = 0 ] || return 1
  [ -f "$STAMPS/$tool" ] && grep -qx "key=$stamp" "$STAMPS/$tool" || return 1
  local f; for f in "$@"; do [ -e "$f" ] || return 1; done
}

write_stamp() {  # TOOL STAMP VERSION SECONDS
  printf 'key=%s\nversion=%s\nseconds=%s\nbuilt=%s\n' "$2" "$3" "$4" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$STAMPS/$1"
}

# --- pulumi ------------------------------------------------------------------------------
build_pulumi() {
  local dir="$SRC/pulumi" ver
  ver="$(modver "$dir/go.mod" github.com/pulumi/pulumi/pkg/v3)"
  local ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ver"
  local tags="osusergo,grpcnotrace"
  local stamp; stamp="$(stamp_of pulumi "$ldflags" "$tags")"
  if up_to_date pulumi "$stamp" "$BIN/pulumi"; then log "pulumi $ver: up to date"; return; fi
  log "pulumi $ver: building"
  local t0=$SECONDS
  (cd "$dir" && go build -tags "$tags" -ldflags "$ldflags" -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  write_stamp pulumi "$stamp" "$ver" $((SECONDS - t0))
  log "pulumi $ver: built in $((SECONDS - t0)) s ($("$BIN/pulumi" version))"
}

# --- pulumi-resource-kubernetes ----------------------------------------------------------
build_provider() {
  local dir="$SRC/provider" mod=github.com/pulumi/pulumi-kubernetes/provider/v4 ver
  ver="$(modver "$dir/go.mod" "$mod")"
  local ldflags="-s -w -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION"
  local stamp; stamp="$(stamp_of provider "$ldflags" "$K8S_PROVIDER_VERSION")"
  if up_to_date provider "$stamp" "$BIN/pulumi-resource-kubernetes"; then
    log "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION ($ver): up to date"; return
  fi
  log "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION (module $ver): building"
  local t0=$SECONDS
  local moddir; moddir="$(cd "$dir" && go mod download -json "$mod" | jq -r .Dir)"
  # Upstream's `go generate` step, done here: schema.json with "version" set, both JSON minified.
  local data="$SHARE/pulumi-kubernetes"
  mkdir -p "$data"
  jq -c --arg v "$K8S_PROVIDER_VERSION" '.version = $v' \
    "$moddir/cmd/pulumi-resource-kubernetes/schema.json" > "$data/schema-embed.json"
  jq -c . "$moddir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" > "$data/terraform-mapping-embed.json"
  # go:embed only reads files inside the package folder: build from a temporary copy.
  local tmp; tmp="$(mktemp -d)"
  cp "$dir/go.mod" "$dir/go.sum" "$dir/main.go" "$data/schema-embed.json" "$data/terraform-mapping-embed.json" "$tmp/"
  (cd "$tmp" && go build -ldflags "$ldflags" -o "$BIN/pulumi-resource-kubernetes" .) || { rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  write_stamp provider "$stamp" "$K8S_PROVIDER_VERSION (code: $mod@$ver)" $((SECONDS - t0))
  log "pulumi-resource-kubernetes: built in $((SECONDS - t0)) s"
}

# --- kube-apiserver, kube-controller-manager, kube-scheduler, kwok, etcd ------------------
build_controlplane() {
  local dir="$SRC/controlplane" ver etcdver kwokver
  ver="$(modver "$dir/go.mod" k8s.io/kubernetes)"
  etcdver="$(modver "$dir/go.mod" go.etcd.io/etcd/server/v3)"
  kwokver="$(modver "$dir/go.mod" sigs.k8s.io/kwok)"
  local major minor
  major="$(echo "$ver" | sed -E 's/^v([0-9]+)\..*/\1/')"
  minor="$(echo "$ver" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')"
  local tags="selinux,notest"  # upstream's tags for the control plane (hack/lib/golang.sh)
  local stamp; stamp="$(stamp_of controlplane "$tags")"
  local bins=(kube-apiserver kube-controller-manager kube-scheduler kwok etcd)
  local stages="$SHARE/kwok/stages"
  if up_to_date controlplane "$stamp" "${bins[@]/#/$BIN/}" "$stages/pod-ready.yaml"; then
    log "kubernetes $ver, etcd $etcdver, kwok $kwokver: up to date"; return
  fi
  log "kubernetes $ver (kube-apiserver kube-controller-manager kube-scheduler), kwok $kwokver, etcd $etcdver: building"
  local t0=$SECONDS
  # buildDate = the release's time from the proxy, so the output does not depend on today.
  local date; date="$(cd "$dir" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
  # Same variables as upstream hack/lib/version.sh (gitCommit is not known from the proxy).
  # Without them /version says v0.0.0-master and major/minor are empty, which the Pulumi
  # Kubernetes provider and kwok both trip over.
  local ldflags="-s -w" pkg kv
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    for kv in "gitVersion=$ver" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" "buildDate=$date"; do
      ldflags+=" -X $pkg.$kv"
    done
  done
  ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.Version=${kwokver#v}"
  (cd "$dir" && go build -tags "$tags" -ldflags "$ldflags" -o "$BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler sigs.k8s.io/kwok/cmd/kwok)
  log "  kube-apiserver, kube-controller-manager, kube-scheduler, kwok: $((SECONDS - t0)) s"
  local t1=$SECONDS
  # separate call: `go build -o DIR/` would name this main package "server"
  (cd "$dir" && go build -tags "$tags" -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3)
  log "  etcd: $((SECONDS - t1)) s"
  # kwok v0.8.0 has no built-in stages: take the ones kwokctl uses from the module.
  local moddir; moddir="$(cd "$dir" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
  rm -rf "$stages"; mkdir -p "$stages"
  install -m 0644 "$moddir"/kustomize/stage/node/fast/node-initialize.yaml \
    "$moddir"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
    "$moddir"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    "$moddir"/kustomize/stage/pod/fast/pod-ready.yaml \
    "$moddir"/kustomize/stage/pod/fast/pod-complete.yaml \
    "$moddir"/kustomize/stage/pod/fast/pod-delete.yaml "$stages/"
  write_stamp controlplane "$stamp" "kubernetes $ver, etcd $etcdver, kwok $kwokver" $((SECONDS - t0))
  log "control plane: built in $((SECONDS - t0)) s ($("$BIN/kube-apiserver" --version), etcd $("$BIN/etcd" --version | sed -n 's/^etcd Version: //p'), $("$BIN/kwok" --version | cut -d' ' -f1-3))"
}

# --- pilot-discovery (istiod) ------------------------------------------------------------
# istio.io/istio has no semver tags: the proxy serves only pseudo-versions of master, so the
# binary reports <VERSION file>-dev like an upstream dev build (Makefile.core.mk), with the
# commit taken from the pseudo-version. The Helm charts the tests install stay 1.30.3.
build_istiod() {
  local dir="$SRC/istiod" mod=istio.io/istio ver
  ver="$(modver "$dir/go.mod" "$mod")"
  local rev="${ver##*-}"
  local tags="vtprotobuf,disable_pgv"  # upstream's STANDARD_TAGS (Makefile.core.mk)
  local stamp; stamp="$(stamp_of istiod "$ver" "$tags")"
  if up_to_date istiod "$stamp" "$BIN/pilot-discovery" "$BIN/istioctl" "$BIN/pilot-agent"; then
    log "pilot-discovery, istioctl, pilot-agent ($mod@$ver): up to date"; return
  fi
  log "pilot-discovery, istioctl, pilot-agent ($mod@$ver): building"
  local t0=$SECONDS
  local moddir; moddir="$(cd "$dir" && go mod download -json "$mod" | jq -r .Dir)"
  local istiover; istiover="$(tr -d '[:space:]' < "$moddir/VERSION")-dev"
  local ldflags="-s -w" kv
  for kv in "buildVersion=$istiover" "buildGitRevision=$rev" "buildStatus=Clean" "buildTag=$ver" \
            "buildHub=registry.istio.io/release" "buildOS=$(go env GOOS)" "buildArch=$(go env GOARCH)"; do
    ldflags+=" -X istio.io/istio/pkg/version.$kv"
  done
  (cd "$dir" && go build -tags "$tags" -ldflags "$ldflags" -o "$BIN/pilot-discovery" istio.io/istio/pilot/cmd/pilot-discovery)
  log "  pilot-discovery: $((SECONDS - t0)) s ($("$BIN/pilot-discovery" version --short 2>/dev/null || echo '?'))"
  # Second, so that it reuses the packages pilot-discovery compiled (the time printed is the
  # increment; see the README for a cold build of istioctl alone).
  local t1=$SECONDS
  (cd "$dir" && go build -tags "$tags" -ldflags "$ldflags" -o "$BIN/istioctl" istio.io/istio/istioctl/cmd/istioctl)
  log "  istioctl: $((SECONDS - t1)) s ($("$BIN/istioctl" version --remote=false --short 2>/dev/null || echo '?'))"
  # pilot-agent, the workload agent of the traffic suite (issue 28): same download, flags, stamp
  local ta=$SECONDS
  (cd "$dir" && go build -tags "$tags" -ldflags "$ldflags" -o "$BIN/pilot-agent" istio.io/istio/pilot/cmd/pilot-agent)
  log "  pilot-agent: $((SECONDS - ta)) s"
  write_stamp istiod "$stamp" "$istiover ($mod@$ver)" $((SECONDS - t0))
  log "pilot-discovery, istioctl, pilot-agent: built in $((SECONDS - t0)) s"
}

# --- istio-echo-server, istio-echo-client (part of the istiod group) ------- begin istio-echo --
# Istio's test echo programs, the proxyless gRPC workloads of the traffic-calls suite (issue 28,
# level 3): same module download, tags and flags as pilot-discovery, their own stamp.
build_istio_echo() {
  local dir="$SRC/istiod" mod=istio.io/istio ver
  ver="$(modver "$dir/go.mod" "$mod")"
  local tags="vtprotobuf,disable_pgv"
  local stamp; stamp="$(stamp_of istiod "$ver" "$tags" echo)"
  local server="$BIN/istio-echo-server" client="$BIN/istio-echo-client"
  if up_to_date istio-echo "$stamp" "$server" "$client"; then
    log "istio-echo-server, istio-echo-client ($mod@$ver): up to date"; return
  fi
  log "istio-echo-server, istio-echo-client ($mod@$ver): building"
  local t0=$SECONDS
  (cd "$dir" && go build -tags "$tags" -ldflags "-s -w" -o "$server" "$mod/pkg/test/echo/cmd/server")
  (cd "$dir" && go build -tags "$tags" -ldflags "-s -w" -o "$client" "$mod/pkg/test/echo/cmd/client")
  write_stamp istio-echo "$stamp" "$mod@$ver" $((SECONDS - t0))
  log "istio-echo-server, istio-echo-client: built in $((SECONDS - t0)) s"
}
# ------------------------------------------------------------------------------ end istio-echo --

# --- Gateway API CRD bundles ---------------------------------------------------------------
# Not built: the CRD YAML files of sigs.k8s.io/gateway-api at each pinned version, fetched through
# the Go proxy like every other module and checked against the pinned hash.
build_gatewayapi() {
  local pins="$SRC/gateway-api/modules.txt" out="$SHARE/gateway-api"
  local stamp; stamp="$(printf 'tool=gatewayapi\n'; cat "$pins")"; stamp="$(echo "$stamp" | sha256sum | cut -d' ' -f1)"
  local versions; versions="$(awk '!/^#/ && NF { print $2 }' "$pins" | paste -sd' ')"
  local marks=() v; for v in $versions; do marks+=("$out/$v/standard"); done
  if up_to_date gatewayapi "$stamp" "${marks[@]}"; then log "gateway-api $versions: up to date"; return; fi
  log "gateway-api $versions: fetching"
  local t0=$SECONDS mod sum json dir channel tmp
  rm -rf "$out"; mkdir -p "$out"
  tmp="$(mktemp -d)"  # outside any module: `go mod download mod@version` needs no go.mod
  while read -r mod v sum; do
    json="$(cd "$tmp" && GOFLAGS= go mod download -json "$mod@$v")" || { rm -rf "$tmp"; return 1; }
    if [ "$(jq -r .Sum <<<"$json")" != "$sum" ]; then
      echo "e2e-build: $mod@$v: hash $(jq -r .Sum <<<"$json") is not the pinned $sum" >&2; rm -rf "$tmp"; return 1
    fi
    dir="$(jq -r .Dir <<<"$json")"
    for channel in standard experimental; do
      mkdir -p "$out/$v/$channel"
      find "$dir/config/crd/$channel" -maxdepth 1 -name '*.yaml' ! -name kustomization.yaml \
        -exec install -m 0644 {} "$out/$v/$channel/" \;
    done
  done < <(awk '!/^#/ && NF { print $1, $2, $3 }' "$pins")
  rm -rf "$tmp"
  write_stamp gatewayapi "$stamp" "$versions" $((SECONDS - t0))
  log "gateway-api: fetched in $((SECONDS - t0)) s ($(find "$out" -name '*.yaml' | wc -l) files)"
}

# --- weed (SeaweedFS: the S3-compatible store of the s3 e2e tests) -------- begin seaweedfs --
# github.com/seaweedfs/seaweedfs has no semver tags on the proxy: a pseudo-version of master, the
# commit stamped as upstream's Makefile does. Tags: none (upstream's default build).
build_seaweedfs() {
  local dir="$SRC/seaweedfs" mod=github.com/seaweedfs/seaweedfs ver
  ver="$(modver "$dir/go.mod" "$mod")"
  local ldflags="-s -w -X $mod/weed/util/version.COMMIT=${ver##*-}"
  local stamp; stamp="$(stamp_of seaweedfs "$ver" "$ldflags")"
  if up_to_date seaweedfs "$stamp" "$BIN/weed"; then log "weed ($mod@$ver): up to date"; return; fi
  log "weed ($mod@$ver): building"
  local t0=$SECONDS
  (cd "$dir" && go build -ldflags "$ldflags" -o "$BIN/weed" "$mod/weed")
  write_stamp seaweedfs "$stamp" "$mod@$ver" $((SECONDS - t0))
  log "weed: built in $((SECONDS - t0)) s ($("$BIN/weed" version 2>/dev/null | head -1 || echo '?'))"
}
# ------------------------------------------------------------------------------ end seaweedfs --

total0=$SECONDS
for t in "${tools[@]}"; do
  "build_$t"
  if [ "$t" = istiod ]; then build_istio_echo; fi
done
log "done in $((SECONDS - total0)) s; $(du -sh "$BIN" | cut -f1) in $BIN"
