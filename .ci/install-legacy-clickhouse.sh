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
exec bash "$(dirname "$0")/apt-install.sh" install-legacy-clickhouse clickhouse-server clickhouse-client
