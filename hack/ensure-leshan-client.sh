#!/usr/bin/env bash
# Builds the Eclipse Leshan LwM2M client for the interop test (a small main
# around Leshan's client library from Maven Central, hack/leshan-client) into a
# cache outside the repository keyed by Leshan version; later runs reuse it.
# Needs a JDK (17+) and Maven.
#
#   hack/ensure-leshan-client.sh   build what is missing, print the Java class path
#   SHELFPULSE_CACHE=/some/dir     cache root (default ~/.cache/shelfpulse)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/leshan-client"
VERSION="$(sed -n 's:.*<leshan.version>\(.*\)</leshan.version>.*:\1:p' "$SRC/pom.xml")"
CACHE="${SHELFPULSE_CACHE:-$HOME/.cache/shelfpulse}"
OUT="$CACHE/leshan-client-$VERSION"
# Rebuilt when the source changes, not only the version.
STAMP="$(cat "$SRC/pom.xml" "$SRC"/src/main/java/io/shelfpulse/interop/*.java | sha256sum | cut -c1-16)"

log() { printf '[ensure-leshan-client] %s\n' "$*" >&2; }

if [ -f "$OUT/.complete-$STAMP" ]; then
  echo "$OUT/classes:$OUT/lib/*"
  exit 0
fi
command -v mvn >/dev/null || { log "no mvn on PATH: install Maven and a JDK 17+"; exit 1; }
log "building the Leshan $VERSION client into $OUT"
rm -rf "$OUT"
mkdir -p "$OUT"
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
cp -r "$SRC/." "$BUILD/"
( cd "$BUILD" && mvn -q -B compile dependency:copy-dependencies -DoutputDirectory="$OUT/lib" >&2 )
cp -r "$BUILD/target/classes" "$OUT/classes"
touch "$OUT/.complete-$STAMP"
log "Leshan $VERSION client ready"
echo "$OUT/classes:$OUT/lib/*"
