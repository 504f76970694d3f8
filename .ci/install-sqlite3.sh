#!/usr/bin/env bash
# Installs Debian's sqlite3 command for test/e2e/discovery.test.ts: an embedded source there holds
# a SQLite database, and the test creates and drops its tables from another process (the sqlite3
# command), as an application would, to show tables that appear at run time join resources/list.
# Safe to re-run: it does nothing when the package is there.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" install-sqlite3 sqlite3
