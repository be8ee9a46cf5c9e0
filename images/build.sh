#!/usr/bin/env bash
# Builds ShelfPulse's container images without a container engine or a
# registry, reproducibly (the same sources give the same image digest).
#
#   images/build.sh [IMAGE...]     IMAGE: operator simulator (default), or the
#                                  test node's influxdb, pause and coredns
#   IMAGE_REGISTRY=ghcr.io/shelfpulse IMAGE_TAG=0.1.0 OUT=dist/images
#
# Each image is a stack of plain tar layers put together with umoci (an OCI
# image tool without a daemon) and written as one archive holding both the OCI
# image layout (index.json) and Docker's manifest.json, so `kind load
# image-archive`, `docker load`, `ctr images import` and `skopeo copy
# oci-archive:` all accept it. Layers, from the bottom:
#   base  files of Debian packages (glibc, libstdc++, CA certificates, time
#         zones), /etc/passwd with the non-root user 10001: no shell, no
#         package manager
#   node  the Node.js 24 binary of the npm `node` package the lockfile pins
#   deps  the workspace's production dependencies, `npm ci --omit=dev`
#   app   the workspace compiled to JavaScript by tsc
# Every file is root-owned and read-only, every timestamp SOURCE_DATE_EPOCH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SHELFPULSE_CACHE:-$HOME/.cache/shelfpulse}"
OUT="${OUT:-$ROOT/dist/images}"
REGISTRY="${IMAGE_REGISTRY:-ghcr.io/shelfpulse}"
TAG="${IMAGE_TAG:-$(sed -n 's/^appVersion: *["'\'']*\([^"'\'' ]*\).*/\1/p' "$ROOT/charts/shelfpulse/Chart.yaml")}"
EPOCH="${SOURCE_DATE_EPOCH:-0}"
CREATED="$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)"
NONROOT=10001
BASE_PACKAGES=(libc6 libgcc-s1 libstdc++6 ca-certificates tzdata)

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

ensure_tools() {
  local missing=()
  command -v umoci >/dev/null || missing+=(umoci)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  [ ${#missing[@]} -eq 0 ] && return 0
  "$ROOT/hack/ensure-apt.sh" "${missing[@]}"
}

# A directory's content as a reproducible tar: sorted names, one timestamp,
# owner root (numeric), no access or change times.
tar_layer() {
  local dir="$1" out="$2"
  find "$dir" -mindepth 1 -exec touch -h -d "@$EPOCH" {} +
  (cd "$dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
    tar --create --file "$out" --no-recursion --files-from=- --numeric-owner --owner=0 --group=0 \
      --mtime="@$EPOCH" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
}

# Read-only for everyone, directories and executables stay searchable/runnable.
seal() { chmod -R u-w,go-w,a+rX "$1"; }

# The base layer: only the files of a few Debian packages that a dynamically
# linked program needs, cached by the packages' versions.
base_layer() {
  local versions
  versions="$(apt-cache policy "${BASE_PACKAGES[@]}" 2>/dev/null | awk '/^[a-z]/{p=$1} /Candidate:/{print p $2}' | tr -d '\n')"
  [ -n "$versions" ] || { "$ROOT/hack/ensure-apt.sh" --update-only; versions="$(apt-cache policy "${BASE_PACKAGES[@]}" | awk '/^[a-z]/{p=$1} /Candidate:/{print p $2}' | tr -d '\n')"; }
  local key
  key="$(printf '%s %s %s' "$versions" "$EPOCH" "$NONROOT" | sha256sum | cut -c1-16)"
  local out="$CACHE/images/base-$key.tar"
  if [ ! -s "$out" ]; then
    log "base layer from Debian packages: ${BASE_PACKAGES[*]}"
    local work
    work="$(mktemp -d)"
    (cd "$work" && apt-get download "${BASE_PACKAGES[@]}" >/dev/null 2>&1) ||
      die "apt-get download ${BASE_PACKAGES[*]} failed (run apt-get update?)"
    mkdir -p "$work/root"
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    local r="$work/root"
    # What a program at run time does not read: docs, maintainer scripts'
    # tools, charset converters, debugger helpers, leap-second zone variants.
    rm -rf "$r"/usr/share/{doc,man,info,lintian,locale,gdb,gcc} "$r"/usr/sbin "$r"/sbin "$r"/usr/bin \
      "$r"/bin "$r"/usr/lib/x86_64-linux-gnu/gconv "$r"/usr/share/zoneinfo/right "$r"/etc/ca-certificates \
      "$r"/etc/ld.so.conf.d "$r"/usr/lib/x86_64-linux-gnu/libstdc++.so.6.*-gdb.py
    mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/app"
    find "$r/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$r/etc/ssl/certs/ca-certificates.crt"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/tmp:/sbin/nologin\n' "$NONROOT" "$NONROOT" >"$r/etc/passwd"
    printf 'root:x:0:\nnonroot:x:%s:\n' "$NONROOT" >"$r/etc/group"
    printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
    printf 'PRETTY_NAME="ShelfPulse base (files of Debian 12 packages)"\nID=shelfpulse-base\nVERSION_ID="12"\n' >"$r/etc/os-release"
    printf '%s\n' "${BASE_PACKAGES[@]}" | paste -sd' ' >"$r/etc/shelfpulse-base-packages"
    printf '%s\n' "$versions" >>"$r/etc/shelfpulse-base-packages"
    seal "$r"
    chmod 1777 "$r/tmp"
    mkdir -p "$CACHE/images"
    tar_layer "$r" "$out.tmp" && mv "$out.tmp" "$out"
    chmod -R u+w "$work" && rm -rf "$work"
  fi
  printf '%s' "$out"
}

# The Node.js binary the lockfile pins (the npm `node` package), at /usr/local/bin/node.
node_layer() {
  local bin="$ROOT/node_modules/node/bin/node"
  [ -x "$bin" ] || die "$bin missing: run npm ci first (make images does)"
  binary_layer "$1" "$bin"
}

# Production dependencies of the workspaces an image ships, installed from package-lock.json.
deps_layer() {
  local out="$1"; shift # then: the workspaces the image ships
  local selected=()
  for ws in "$@"; do selected+=(--workspace "@shelfpulse/$ws"); done
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/app"
  cp "$ROOT/package.json" "$ROOT/package-lock.json" "$dir/app/"
  for pkg in "$ROOT"/*/package.json; do
    local name
    name="$(basename "$(dirname "$pkg")")"
    mkdir -p "$dir/app/$name" && cp "$pkg" "$dir/app/$name/"
  done
  (cd "$dir/app" && npm ci --omit=dev "${selected[@]}" --ignore-scripts --no-audit --no-fund \
    --loglevel=error >/dev/null) || die "npm ci for $* failed"
  # Only the node_modules folders belong to this layer: package.json files come with the app.
  mkdir -p "$dir/layer/app"
  for nm in "$dir"/app/node_modules "$dir"/app/*/node_modules; do
    [ -d "$nm" ] || continue
    local rel="${nm#"$dir/app/"}"
    mkdir -p "$dir/layer/app/$(dirname "$rel")" && mv "$nm" "$dir/layer/app/$rel"
  done
  rm -rf "$dir/app" && mv "$dir/layer/app" "$dir/app" && rmdir "$dir/layer"
  # Links to workspaces whose code is not in the image would dangle.
  for link in "$dir"/app/node_modules/@shelfpulse/*; do
    case " $* " in *" $(basename "$link") "*) ;; *) rm -f "$link" ;; esac
  done
  find "$dir/app/node_modules" -name '.package-lock.json' -delete
  seal "$dir"
  tar_layer "$dir" "$out"
  chmod -R u+w "$dir" && rm -rf "$dir"
}

# The workspace's entry points and everything they import, compiled to
# JavaScript; package.json files point at the .js files.
app_layer() {
  local out="$1"; shift
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/app"
  node "$ROOT/images/compile.ts" "$dir/app" "$@" || die "compiling $* failed"
  seal "$dir"
  tar_layer "$dir" "$out"
  chmod -R u+w "$dir" && rm -rf "$dir"
}

# A static binary (and nothing else but the base) at /usr/local/bin.
binary_layer() {
  local out="$1"; shift
  local dir
  dir="$(mktemp -d)"
  mkdir -p "$dir/usr/local/bin"
  for bin in "$@"; do cp "$bin" "$dir/usr/local/bin/$(basename "$bin")"; done
  seal "$dir"
  tar_layer "$dir" "$out"
  chmod -R u+w "$dir" && rm -rf "$dir"
}

# Puts the layers together into an OCI layout with umoci, then writes the
# archive (OCI layout + Docker manifest.json), named "$REGISTRY/$name:$TAG".
assemble() {
  local name="$1" work="$2"; shift 2
  local ref="$REGISTRY/$name:$TAG"
  local layout="$work/layout"
  rm -rf "$layout"
  umoci init --layout "$layout"
  umoci new --image "$layout:$TAG"
  local layer what
  while [ $# -gt 0 ]; do
    layer="$1" what="$2"; shift 2
    umoci raw add-layer --image "$layout:$TAG" --history.created "$CREATED" \
      --history.created_by "$what" --history.comment "shelfpulse images/build.sh" "$layer"
  done
  local config=(--image "$layout:$TAG" --created "$CREATED" --no-history --author "ShelfPulse"
    --architecture amd64 --os linux
    --config.label "org.opencontainers.image.title=$name"
    --config.label "org.opencontainers.image.version=$TAG"
    --config.label "org.opencontainers.image.source=https://github.com/shelfpulse/shelfpulse")
  case "$name" in
    shelfpulse-operator)
      config+=(--config.user "$NONROOT:$NONROOT" --config.workingdir /app
        --config.env PATH=/usr/local/bin --config.env NODE_ENV=production
        --config.entrypoint /usr/local/bin/node --config.cmd operator/bin/operator.js) ;;
    shelfpulse-simulator)
      config+=(--config.user "$NONROOT:$NONROOT" --config.workingdir /app
        --config.env PATH=/usr/local/bin --config.env NODE_ENV=production
        --config.entrypoint /usr/local/bin/node --config.cmd simulator/bin/device-cloud.js
        --config.exposedports 5683/udp --config.exposedports 8080/tcp) ;;
    shelfpulse-influxdb-test)
      config+=(--config.user "$NONROOT:$NONROOT" --config.workingdir /
        --config.env PATH=/usr/local/bin --config.entrypoint /usr/local/bin/influxd-init
        --config.env INFLUXDB_META_DIR=/var/lib/influxdb/meta
        --config.env INFLUXDB_DATA_DIR=/var/lib/influxdb/data
        --config.env INFLUXDB_DATA_WAL_DIR=/var/lib/influxdb/wal
        --config.exposedports 8086/tcp) ;;
    shelfpulse-pause-test)
      config+=(--config.user 65535:65535 --config.entrypoint /usr/local/bin/pause) ;;
    shelfpulse-coredns-test)
      config+=(--config.user 65532:65532 --config.entrypoint /usr/local/bin/coredns
        --config.exposedports 53/udp --config.exposedports 53/tcp) ;;
  esac
  umoci config "${config[@]}"
  umoci gc --layout "$layout"
  node "$ROOT/images/archive.ts" "$layout" "$TAG" "$ref" "$OUT/$name.tar"
  log "built $ref -> $OUT/$name.tar ($(du -h "$OUT/$name.tar" | cut -f1))"
}

# What an image is made of, hashed: an image whose inputs have not changed
# since its archive was written is not built again.
inputs_key() {
  local image="$1"
  {
    cat "$ROOT/images/build.sh" "$ROOT/images/compile.ts" "$ROOT/images/archive.ts"
    printf '%s %s %s\n' "$REGISTRY" "$TAG" "$EPOCH"
    case "$image" in
      operator | simulator)
        "$ROOT/node_modules/.bin/node" --version
        cat "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/tsconfig.base.json" "$ROOT"/*/package.json
        (cd "$ROOT" && find core operator bridge simulator -type f -name '*.ts' -not -path '*/test/*' -not -path '*/node_modules/*' |
          LC_ALL=C sort | xargs sha256sum) ;;
      influxdb) sha256sum "$BINS/influxd" "$BINS/influxd-init" ;;
      *) sha256sum "$BINS/$image" ;;
    esac
  } | sha256sum | cut -c1-32
}

build() {
  local image="$1"
  local name="shelfpulse-$image"
  case "$image" in influxdb | pause | coredns) name="shelfpulse-$image-test" ;; esac
  local key
  key="$(inputs_key "$image")"
  if [ -s "$OUT/$name.tar" ] && [ "$(cat "$OUT/$name.inputs" 2>/dev/null)" = "$key" ]; then
    log "$REGISTRY/$name:$TAG is up to date ($OUT/$name.tar)"
    return 0
  fi
  build_image "$image"
  printf '%s\n' "$key" >"$OUT/$name.inputs"
}

build_image() {
  local image="$1"
  local work
  work="$(mktemp -d)"
  local base
  base="$(base_layer)"
  case "$image" in
    operator)
      node_layer "$work/node.tar"
      deps_layer "$work/deps.tar" core operator bridge
      app_layer "$work/app.tar" operator/bin/operator.ts bridge/bin/bridge.ts operator/bin/release-check.ts
      assemble shelfpulse-operator "$work" "$base" "base: ${BASE_PACKAGES[*]}" \
        "$work/node.tar" "node $("$ROOT/node_modules/.bin/node" --version)" \
        "$work/deps.tar" "npm ci --omit=dev for core operator bridge" \
        "$work/app.tar" "tsc: operator/bin/operator.ts bridge/bin/bridge.ts operator/bin/release-check.ts" ;;
    simulator)
      node_layer "$work/node.tar"
      deps_layer "$work/deps.tar" core simulator
      app_layer "$work/app.tar" simulator/bin/shelf-sim.ts simulator/bin/device-cloud.ts
      assemble shelfpulse-simulator "$work" "$base" "base: ${BASE_PACKAGES[*]}" \
        "$work/node.tar" "node $("$ROOT/node_modules/.bin/node" --version)" \
        "$work/deps.tar" "npm ci --omit=dev for core simulator" \
        "$work/app.tar" "tsc: simulator/bin/shelf-sim.ts simulator/bin/device-cloud.ts" ;;
    influxdb)
      local bins="$BINS"
      binary_layer "$work/influxd.tar" "$bins/influxd" "$bins/influxd-init"
      assemble shelfpulse-influxdb-test "$work" "$base" "base: ${BASE_PACKAGES[*]}" \
        "$work/influxd.tar" "influxd $(basename "$(readlink -f "$bins/influxd")") + influxd-init (tests only)" ;;
    pause)
      local bins="$BINS"
      binary_layer "$work/pause.tar" "$bins/pause"
      assemble shelfpulse-pause-test "$work" "$work/pause.tar" "pause (tests only)" ;;
    coredns)
      local bins="$BINS"
      binary_layer "$work/coredns.tar" "$bins/coredns"
      assemble shelfpulse-coredns-test "$work" "$base" "base: ${BASE_PACKAGES[*]}" \
        "$work/coredns.tar" "coredns $(basename "$(readlink -f "$bins/coredns")") (tests only)" ;;
    *) die "unknown image $image (operator, simulator; for tests: influxdb, pause, coredns)" ;;
  esac
  chmod -R u+w "$work" && rm -rf "$work"
}

ensure_tools
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- operator simulator
# The test images package binaries that hack/ensure-bins.sh builds.
BINS=""
case " $* " in *" influxdb "* | *" pause "* | *" coredns "*) BINS="$("$ROOT/hack/ensure-bins.sh")" ;; esac
for image in "$@"; do build "$image"; done
