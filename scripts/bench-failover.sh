#!/usr/bin/env bash
# Unplanned failover, measured: N trials (default 10) with asynchronous replication and N with semi-synchronous
# replication (AFTER_SYNC, never falling back). Each trial resets the sandbox, starts the Api, three agents and the
# proxy with default settings, puts three writers on the proxy, kills the master's mysqld with SIGKILL (scenario
# "kill", the default) or mysqld and its agent together (scenario "host-gone": nothing on the master's host answers),
# or stops mysqld with SIGSTOP (scenario "stop": a hung master, killed by its agent when the failover fences it),
# and measures the time from the signal to the first write committed on the new master through the proxy, and the
# acknowledged writes the new master lacks.      scripts/bench-failover.sh [trials] [kill|host-gone|stop]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trials="${1:-10}"
scenario="${2:-kill}"
[[ "$trials" =~ ^[0-9]+$ ]] && [ "$trials" -ge 1 ] || { echo "bench-failover.sh: trials must be a positive number" >&2; exit 2; }
[[ "$scenario" =~ ^(kill|host-gone|stop)$ ]] || { echo "bench-failover.sh: the scenario must be kill, host-gone or stop, not '$scenario'" >&2; exit 2; }
[ $# -le 2 ] || { echo "usage: scripts/bench-failover.sh [trials] [kill|host-gone|stop]" >&2; exit 2; }
signal=KILL; [ "$scenario" = stop ] && signal=STOP
command -v jq > /dev/null || { echo "bench-failover.sh: needs jq (apt-get install jq)" >&2; exit 1; }
"$repo/scripts/env.sh" up > /dev/null
set -a; . "$repo/.sandbox/sandbox.env"; set +a
. "$repo/scripts/lib/stack.sh"
trap stack_stop EXIT
stack_build src/Api src/Agent src/Proxy benchmarks/FailoverTime
results="$MYSQLHA_SANDBOX/bench-failover/results.tsv"
mkdir -p "$(dirname "$results")"
: > "$results"

for mode in async semisync; do
  for trial in $(seq 1 "$trials"); do
    "$repo/scripts/env.sh" reset > /dev/null
    stack_start "bench-$mode-$trial" bench_failover "/mysqlha-bench-failover" "$MYSQLHA_SANDBOX/bench-failover/$mode-$trial"
    if [ "$mode" = semisync ]; then
      stack_curl -o /dev/null -X PUT -H 'Content-Type: application/json' "$api/api/clusters/$cluster/semi-sync" \
        -d '{"enabled":true,"neverFallBack":true}' || { echo "bench-failover.sh: enabling semi-sync failed" >&2; exit 1; }
    fi
    # stack_start's processes: the Api, then agent 1 (beside the master), agent 2, agent 3, the proxy.
    agent_killed_too=""; [ "$scenario" = host-gone ] && agent_killed_too="${stack_pids[1]}"
    line="$(dotnet "$(stack_bin benchmarks/FailoverTime MySqlHa.Benchmarks.FailoverTime)" "$api" "$cluster" "$proxy_read_write_port" \
      "$MYSQLHA_MARIADB_ADMIN_USER" "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE" "$(echo "$MYSQLHA_MARIADB_PORTS" | tr ' ' ',')" \
      "$MYSQLHA_SANDBOX/mariadb1/mariadbd.pid" "$signal" ${agent_killed_too:+"$agent_killed_too"})" || true
    printf '%s\t%s\t%s\n' "$mode" "$trial" "$line" | tee -a "$results"
    stack_stop
  done
done
"$repo/scripts/env.sh" reset > /dev/null

echo
echo "machine: $(nproc) cores; scenario $scenario; $trials trials per mode; 3 writers through the proxy, fresh connection per INSERT; default settings"
echo "| replication | trials completed | kill to first write on the new master: median | p95 | max | acknowledged writes | lost |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for mode in async semisync; do
  awk -F'\t' -v mode="$mode" '$1 == mode && $4 == "completed" { print $3 }' "$results" | sort -n > "$results.$mode"
  count="$(wc -l < "$results.$mode")"
  if [ "$count" -eq 0 ]; then echo "| $mode | 0 of $trials | - | - | - | - | - |"; continue; fi
  median="$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$results.$mode")"
  p95="$(awk '{ a[NR] = $1 } END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR; print a[i] }' "$results.$mode")"
  max="$(tail -1 "$results.$mode")"
  totals="$(awk -F'\t' -v mode="$mode" '$1 == mode { a += $5; l += $6 } END { print a "\t" l }' "$results")"
  echo "| $mode | $count of $trials | ${median} ms | ${p95} ms | ${max} ms | $(cut -f1 <<< "$totals") | $(cut -f2 <<< "$totals") |"
done
echo
echo "milliseconds from the kill to each moment of the completed failovers (from the saga's events; lost: the first failed look at the master):"
echo "| replication | lost | started | chosen | held | fenced | applied | promoted | first write |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for mode in async semisync; do
  row="| $mode |"
  for moment in lost started chosen held fenced applied promoted first-write; do
    awk -F'\t' -v mode="$mode" '$1 == mode && $4 == "completed" { print $9 }' "$results" | jq -r --arg m "$moment" '.[$m] // empty' | sort -n > "$results.moment"
    if [ -s "$results.moment" ]; then
      row="$row $(awk '{ a[NR] = $1 } END { i = int(NR * 0.95 + 0.999); if (i > NR) i = NR; printf "%d (p95 %d)", a[int((NR + 1) / 2)], a[i] }' "$results.moment") |"
    else
      row="$row - |"
    fi
  done
  echo "$row"
done
rm -f "$results.moment"
echo "per trial (mode, trial, first-write ms, state, acknowledged, lost, new master, phase seconds, timeline ms): $results"
