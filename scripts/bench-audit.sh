#!/usr/bin/env bash
# Audit queries, measured: stores EVENTS (default 1,000,000) real Marten events in the sandbox's PostgreSQL, in a
# schema of their own (a year of 100 clusters: monitor status changes and every 80 of them a switchover, its own
# stream and its cluster's events, with actors), starts the Api on that schema and times filtered pages of
# GET /api/events through it: RUNS (default 50) requests per query after warm-up; prints median, p95 and max.
#   scripts/bench-audit.sh [events] [runs]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
events="${1:-1000000}"
runs="${2:-50}"
[[ "$events" =~ ^[0-9]+$ ]] && [ "$events" -ge 1000 ] || { echo "bench-audit.sh: events must be a number of at least 1000" >&2; exit 2; }
[[ "$runs" =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] || { echo "bench-audit.sh: runs must be a positive number" >&2; exit 2; }
"$repo/scripts/env.sh" up > /dev/null
set -a; . "$repo/.sandbox/sandbox.env"; set +a
. "$repo/scripts/lib/stack.sh"
trap stack_stop EXIT
stack_build src/Api benchmarks/AuditQuery
export MYSQLHA_BENCH_SCHEMA=bench_audit
audit_api="http://127.0.0.1:5191"
stack_dir="$MYSQLHA_SANDBOX/bench-audit"
mkdir -p "$stack_dir"
bench="$(stack_bin benchmarks/AuditQuery MySqlHa.Benchmarks.AuditQuery)"

PGPASSWORD="$(cat "$MYSQLHA_SANDBOX/secrets/postgres.password")" psql -h 127.0.0.1 -p "${MYSQLHA_POSTGRES_PORT:-55432}" -U postgres \
  -d mysqlha -qc "DROP SCHEMA IF EXISTS $MYSQLHA_BENCH_SCHEMA CASCADE" 2> /dev/null
echo "storing $events events..."
dotnet "$bench" seed "$events" 100

ConnectionStrings__Postgres="$MYSQLHA_POSTGRES" Etcd__Endpoint="$MYSQLHA_ETCD" Etcd__Prefix=/mysqlha-bench-audit \
  MySqlHa__Schema="$MYSQLHA_BENCH_SCHEMA" MySqlHa__Durability=Solo MySqlHa__Auth__BootstrapKeyFile="$stack_dir/admin.key" \
  dotnet "$(stack_bin src/Api MySqlHa.Api)" --urls "$audit_api" > "$stack_dir/api.log" 2>&1 &
stack_pids+=($!)
stack_wait_healthy "$audit_api/healthz"
MYSQLHA_API_KEY="$(cat "$stack_dir/admin.key")"
export MYSQLHA_API_KEY

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL 15 with default settings (sandbox)"
dotnet "$bench" measure "$audit_api" "$runs"
