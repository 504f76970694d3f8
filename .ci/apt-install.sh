#!/usr/bin/env bash
# Installs Debian packages for the test harness: `apt-install.sh <label> <package>...`. Safe to
# re-run: it does nothing when every package is already installed. Used by install-*.sh.
set -euo pipefail

label=$1
shift
packages=("$@")

installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}\n' "${packages[@]}" 2>/dev/null) || return 1
  [[ $(grep -c '^installed$' <<<"$status") -eq ${#packages[@]} ]]
}

if installed; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "$label: need root to apt-get install ${packages[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# apt and debconf chatter on stderr even when all is well: show it only on failure.
quietly() {
  local log rc=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}
apt_install() {
  quietly apt-get install -y -q --no-install-recommends "${packages[@]}"
}

# Skip the slow `apt-get update` when the package lists already know the
# packages; stale lists (a version since removed from the mirror) make the
# install fail, and then an update and a second try fix it.
if apt-cache show "${packages[0]}" >/dev/null 2>&1 && apt_install; then
  :
else
  quietly apt-get update -q
  apt_install
fi

installed
echo "$label: installed ${packages[0]} $(dpkg-query -W -f='${Version}' "${packages[0]}")"
