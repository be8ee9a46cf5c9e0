#!/usr/bin/env bash
# Builds the real servers the tests run against (kube-apiserver, etcd,
# kube-controller-manager, kube-scheduler, kwok, helm, influxd) and the test
# node's (kubelet, kube-proxy, CoreDNS, the pod sandbox's pause and the test
# InfluxDB image's influxd-init) from Go modules, once, into a cache outside the
# repository keyed by version. Later runs reuse them.
#
#   hack/ensure-bins.sh          build what is missing, print the bin directory
#   SHELFPULSE_CACHE=/some/dir   cache root (default ~/.cache/shelfpulse)
#   SHELFPULSE_NODE=0            skip the test node's binaries
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${SHELFPULSE_CACHE:-$HOME/.cache/shelfpulse}"
BIN="$CACHE/bin"
mkdir -p "$BIN" "$CACHE/gobuild"

K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
HELM_VERSION=v3.22.0
HELM_K8S_MINOR=37 # helm v3.22 is built against k8s.io/client-go v0.37
INFLUXD_VERSION=v1.8.3
KWOK_VERSION=v0.8.0
COREDNS_VERSION=v1.15.0 # also in hack/coredns-bin/go.mod

log() { printf '[ensure-bins] %s\n' "$*" >&2; }

# Runs a build while printing the elapsed time every 30 s, so a cold build of
# several minutes is not silent.
with_progress() {
  local what="$1"; shift
  local start=$SECONDS
  log "building $what (cold builds take minutes; cached afterwards in $BIN)"
  ( while sleep 30; do log "  … $what: $((SECONDS - start))s"; done ) &
  local ticker=$!
  local rc=0
  "$@" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then log "FAILED: $what (exit $rc)"; return "$rc"; fi
  log "built $what in $((SECONDS - start))s"
}


export GOFLAGS="-mod=mod -trimpath" CGO_ENABLED=0 GOTOOLCHAIN=local

k8s_ldflags() {
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}

build_k8s() {
  local name="$1" pkg="$2"
  local out="$BIN/$name-$K8S_VERSION"
  [ -x "$out" ] && return 0
  with_progress "$name $K8S_VERSION" \
    bash -c "cd '$HERE/k8s-bins' && go build -ldflags '$(k8s_ldflags)' -o '$out.tmp' '$pkg' && mv '$out.tmp' '$out'"
}

build_etcd() {
  local out="$BIN/etcd-$ETCD_VERSION"
  [ -x "$out" ] && return 0
  with_progress "etcd $ETCD_VERSION" \
    bash -c "cd '$HERE/k8s-bins' && go build -ldflags '-s -w' -o '$out.tmp' go.etcd.io/etcd/server/v3 && mv '$out.tmp' '$out'"
}

build_helm() {
  local out="$BIN/helm-$HELM_VERSION"
  [ -x "$out" ] && return 0
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ld+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$HELM_K8S_MINOR"
  done
  local tmp="$CACHE/gobuild/helm"
  with_progress "helm $HELM_VERSION" \
    bash -c "GOFLAGS=-trimpath GOBIN='$tmp' go install -ldflags '$ld' helm.sh/helm/v3/cmd/helm@$HELM_VERSION && mv '$tmp/helm' '$out'"
}

build_influxd() {
  local out="$BIN/influxd-$INFLUXD_VERSION"
  [ -x "$out" ] && return 0
  with_progress "influxd $INFLUXD_VERSION" \
    bash -c "cd '$HERE/influxd-bin' && go build -ldflags '-s -w -X main.version=${INFLUXD_VERSION#v}' -o '$out.tmp' github.com/influxdata/influxdb/cmd/influxd && mv '$out.tmp' '$out'"
}

# kwok simulates nodes and pod lifecycles (no containers run), so Deployments
# and StatefulSets report Ready pods. Its own module, not the replace-pinned one.
build_kwok() {
  local out="$BIN/kwok-$KWOK_VERSION"
  [ -x "$out" ] && return 0
  local tmp="$CACHE/gobuild/kwok"
  with_progress "kwok $KWOK_VERSION" \
    bash -c "GOFLAGS=-trimpath GOBIN='$tmp' go install -ldflags '-s -w' sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION && mv '$tmp/kwok' '$out'"
}

# kwok's own "fast" stages (node ready at once, pods ready once scheduled,
# deleted pods removed), taken from its module at the same version.
kwok_stages() {
  local out="$BIN/kwok-stages-$KWOK_VERSION.yaml"
  [ -s "$out" ] && return 0
  local dir
  dir="$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  local stage="$dir/kustomize/stage"
  { cat "$stage/node/fast/node-initialize.yaml"; echo '---'
    cat "$stage/pod/fast/pod-ready.yaml"; echo '---'
    cat "$stage/pod/fast/pod-complete.yaml"; echo '---'
    cat "$stage/pod/fast/pod-delete.yaml"; } > "$out.tmp"
  mv "$out.tmp" "$out"
}

# CoreDNS with the few plugins a test cluster needs (hack/coredns-bin).
build_coredns() {
  local out="$BIN/coredns-$COREDNS_VERSION"
  [ -x "$out" ] && return 0
  with_progress "coredns $COREDNS_VERSION" \
    bash -c "cd '$HERE/coredns-bin' && go build -ldflags '-s -w' -o '$out.tmp' . && mv '$out.tmp' '$out'"
}

# The project's own small programs, keyed by a hash of their sources.
build_own() {
  local name="$1" dir="$HERE/$1"
  local key
  key="$(cat "$dir"/go.mod "$dir"/*.go | sha256sum | cut -c1-12)"
  local out="$BIN/$name-$key"
  if [ ! -x "$out" ]; then
    with_progress "$name" \
      bash -c "cd '$dir' && go build -ldflags '-s -w' -o '$out.tmp' . && mv '$out.tmp' '$out'"
  fi
  link "$name" "$key"
}

link() { ln -sf "$BIN/$1-$2" "$BIN/$1"; }

total=$SECONDS
build_k8s kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver && link kube-apiserver "$K8S_VERSION"
build_etcd && link etcd "$ETCD_VERSION"
build_influxd && link influxd "$INFLUXD_VERSION"
build_helm && link helm "$HELM_VERSION"
if [ "${SHELFPULSE_CONTROL_PLANE:-1}" = 1 ]; then
  build_k8s kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager && link kube-controller-manager "$K8S_VERSION"
  build_k8s kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler && link kube-scheduler "$K8S_VERSION"
  build_kwok && link kwok "$KWOK_VERSION" && kwok_stages && link kwok-stages "$KWOK_VERSION.yaml"
fi
if [ "${SHELFPULSE_NODE:-1}" = 1 ]; then
  build_k8s kubelet k8s.io/kubernetes/cmd/kubelet && link kubelet "$K8S_VERSION"
  build_k8s kube-proxy k8s.io/kubernetes/cmd/kube-proxy && link kube-proxy "$K8S_VERSION"
  build_coredns && link coredns "$COREDNS_VERSION"
  build_own pause
  build_own influxd-init
fi
log "binaries ready in $BIN ($((SECONDS - total))s)"
echo "$BIN"
