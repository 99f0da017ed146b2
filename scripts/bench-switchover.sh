#!/usr/bin/env bash
# Write-unavailability during planned switchovers: the Api, three agents and the proxy on the sandbox, three writers
# committing a row every 5 ms each through the proxy (a fresh connection per write; a long-lived pooled session as a
# plain user; one as a READ ONLY ADMIN user), N switchovers (default 10), then failed writes per writer and a check
# that every acknowledged write is on every node.     scripts/bench-switchover.sh [switchovers]
# The benchmark looks for each switchover's end every 250 ms; MYSQLHA_BENCH_POLL_MS sets another period (the runs
# before 2026-12-02 14:00 UTC looked every 20 ms).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
switchovers="${1:-10}"
"$repo/scripts/env.sh" up > /dev/null
"$repo/scripts/env.sh" reset > /dev/null
set -a; . "$repo/.sandbox/sandbox.env"; set +a
. "$repo/scripts/lib/stack.sh"
trap stack_stop EXIT
stack_build src/Api src/Agent src/Proxy benchmarks/SwitchoverWindow
stack_start bench bench_switchover /mysqlha-bench-switchover "$MYSQLHA_SANDBOX/bench-switchover"

echo "machine: $(nproc) cores; $switchovers switchovers; writers through the proxy, one INSERT every 5 ms each: a fresh connection per write (plain user), a long-lived pooled session (plain user), a long-lived pooled session (READ ONLY ADMIN)"
dotnet "$(stack_bin benchmarks/SwitchoverWindow MySqlHa.Benchmarks.SwitchoverWindow)" "$api" "$cluster" "$proxy_read_write_port" \
  "$MYSQLHA_MARIADB_ADMIN_USER" "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE" "$(echo "$MYSQLHA_MARIADB_PORTS" | tr ' ' ',')" "$switchovers"
