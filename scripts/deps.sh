#!/usr/bin/env bash
# make deps: installs what the tests need, on Debian or Ubuntu, as root:
# Chromium (browser tests), PostgreSQL 15 (store tests), npm (for axe-core,
# the accessibility scans), a C compiler (for the race detector), and
# espeak-ng and lame (read-aloud: they speak and encode the texts). Then
# axe-core itself (make tools). As another user, or without apt-get, it
# prints the exact command to run instead, and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

# A program that can run: a regular, executable file on the PATH.
have() { local p; p=$(command -v "$1" 2>/dev/null) && [ -f "$p" ] && [ -x "$p" ]; }

missing=()
have chromium || missing+=(chromium)
have initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
have npm || missing+=(npm)
cc=$(go env CC 2>/dev/null || echo gcc)
have "$cc" || missing+=(gcc)
have espeak-ng || missing+=(espeak-ng)
have lame || missing+=(lame)

if [ ${#missing[@]} -eq 0 ]; then
  echo "make deps: Chromium, PostgreSQL, npm, a C compiler, espeak-ng and lame are there"
elif [ "$(id -u)" = 0 ] && have apt-get; then
  echo "make deps: installing ${missing[*]}"
  apt-get update
  # One package at a time: together, chromium and npm have failed to
  # resolve on some mirrors.
  for p in "${missing[@]}"; do
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$p"
  done
else
  echo "*** make deps: missing ${missing[*]}. Install them with:"
  if have apt-get; then
    echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  else
    echo "    your system's packages for: ${missing[*]} (PostgreSQL 15 with initdb and pg_ctl)"
  fi
  echo "    then: make tools"
  exit 1
fi

# PostgreSQL refuses to run as root: as root, the tests start it as this user.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "*** make deps: there is no postgres user; reinstall the postgresql package" >&2
  exit 1
fi
make --no-print-directory tools
