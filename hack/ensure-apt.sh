#!/usr/bin/env bash
# Installs Debian packages the project needs, once: the image tools and the
# test node's container runtime come from Debian's archive, not from a download
# of their own. Packages already installed are skipped; `apt-get update` runs
# only when a package cannot be found in the current lists.
#
#   hack/ensure-apt.sh PACKAGE...     install what is missing (needs root)
#   hack/ensure-apt.sh --update-only  refresh the package lists
set -euo pipefail

log() { printf '[ensure-apt] %s\n' "$*" >&2; }

if [ "${1:-}" = --update-only ]; then
  apt-get update -qq >&2
  exit 0
fi

missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] || { log "needs root to install: ${missing[*]} (or install them yourself)"; exit 1; }
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  log "apt-get update"
  apt-get update -qq >&2
fi
log "installing ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
