#!/usr/bin/env bash
# Installs Debian's redis-server (bookworm: Redis 7.0) for test/support/redis.ts, which runs a
# throwaway server per test file on a free port to check budgets and idempotency shared by two
# replicas (`state: { redis: ... }`). Safe to re-run: it does nothing when the package is there.
#
# The harness runs redis-server as the current user with its own arguments and a temp directory;
# it never uses systemd or /etc/redis (apt does not start the packaged service here: no systemd,
# policy-rc.d denies it in this image).
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" install-redis redis-server
