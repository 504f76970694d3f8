#!/usr/bin/env bash
# Installs Debian's ClickHouse 18.16 (bookworm), which predates query
# parameters (19.11), for test/support/legacy-clickhouse.ts. Safe to re-run:
# it does nothing when the packages are already there.
#
# Nothing else is needed: the harness runs the server as the current user with
# its own config, data and port under a temp dir, and never uses systemd or the
# packaged /etc/clickhouse-server config. The package's own service is not
# started by apt here (no systemd; policy-rc.d denies it in this image).
set -euo pipefail

packages=(clickhouse-server clickhouse-client)

installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}\n' "${packages[@]}" 2>/dev/null) || return 1
  [[ $(grep -c '^installed$' <<<"$status") -eq ${#packages[@]} ]]
}

if installed; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-legacy-clickhouse: need root to apt-get install ${packages[*]}" >&2
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
if apt-cache show clickhouse-server >/dev/null 2>&1 && apt_install; then
  :
else
  quietly apt-get update -q
  apt_install
fi

installed
echo "install-legacy-clickhouse: installed $(dpkg-query -W -f='${Version}' clickhouse-server)"
