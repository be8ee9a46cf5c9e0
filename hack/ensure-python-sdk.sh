#!/usr/bin/env bash
# Sets up Arm's Python SDK (mbed-cloud-sdk on PyPI, the language of the original
# tutorial) in a virtualenv outside the repository, keyed by version, so the
# integration tests can run it against the device-cloud emulator as a second
# official client. Later runs reuse it.
#
#   hack/ensure-python-sdk.sh    set up what is missing, print the venv's python
#   SHELFPULSE_CACHE=/some/dir   cache root (default ~/.cache/shelfpulse)
#   PYTHON=python3.11            interpreter to build the venv from (default python3)
set -euo pipefail

SDK_VERSION=2.2.0
CACHE="${SHELFPULSE_CACHE:-$HOME/.cache/shelfpulse}"
VENV="$CACHE/venv-mbed-cloud-sdk-$SDK_VERSION"
PYTHON="${PYTHON:-python3}"

log() { printf '[ensure-python-sdk] %s\n' "$*" >&2; }

# The marker is written last, so an interrupted install is redone, not trusted.
if [ -x "$VENV/bin/python" ] && [ -f "$VENV/.complete" ]; then
  echo "$VENV/bin/python"
  exit 0
fi

command -v "$PYTHON" >/dev/null || { log "no $PYTHON on PATH: install Python 3 (3.8 or later)"; exit 1; }
log "creating $VENV with $("$PYTHON" --version 2>&1)"
rm -rf "$VENV"
mkdir -p "$CACHE"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "mbed-cloud-sdk==$SDK_VERSION"
# A smoke import: the SDK must load on this interpreter before any test relies on it.
"$VENV/bin/python" -c 'from mbed_cloud.connect import ConnectAPI'
touch "$VENV/.complete"
log "mbed-cloud-sdk $SDK_VERSION ready"
echo "$VENV/bin/python"
