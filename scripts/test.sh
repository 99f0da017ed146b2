#!/usr/bin/env bash
# The whole test suite, against the real sandbox: installs what is missing, brings the sandbox up, builds with
# warnings as errors, and runs every test.
#
# Without arguments the suite runs in two lanes at once, each against a sandbox of its own, so that the slow fault
# tests do not wait for the rest: the failover, switchover-safety and durability classes (which kill servers and
# processes, or run writers through several switchovers) on a second
# sandbox on other ports (MYSQLHA_FAULT_MARIADB_PORTS, default "3337 3338 3339"; PostgreSQL 55462; etcd 23820), started
# for the run and stopped after it; everything else on the default sandbox. With arguments (e.g. --filter Api), one
# lane on the default sandbox runs what they select; they go to `dotnet test`.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

command -v dotnet > /dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
results="$repo/TestResults"
rm -rf "$results"
mkdir -p "$results"
started=$SECONDS

# The fault lane's sandbox: exported only into the commands of that lane.
fault_lane=(env MYSQLHA_SANDBOX="$repo/.sandbox-faults"
  MYSQLHA_MARIADB_PORTS="${MYSQLHA_FAULT_MARIADB_PORTS:-3337 3338 3339}"
  MYSQLHA_POSTGRES_PORT="${MYSQLHA_FAULT_POSTGRES_PORT:-55462}" MYSQLHA_ETCD_PORT="${MYSQLHA_FAULT_ETCD_PORT:-23820}")
fault_classes="FullyQualifiedName~MySqlHa.Tests.Failover.|FullyQualifiedName~MySqlHa.Tests.Switchover.|FullyQualifiedName~Durability"
other_classes="FullyQualifiedName!~MySqlHa.Tests.Failover.&FullyQualifiedName!~MySqlHa.Tests.Switchover.&FullyQualifiedName!~Durability"

# A hung test is ended and named rather than holding CI until its limit.
run_tests() {  # run_tests LANE [dotnet test arguments...]; results in $results/LANE
  local lane="$1"; shift
  dotnet test MySqlHa.sln -c Release --no-build --nologo --results-directory "$results/$lane" \
    --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$lane.trx" "$@"
}

status=0
if [ $# -gt 0 ]; then
  scripts/env.sh up
  dotnet build MySqlHa.sln -c Release --nologo -v quiet -clp:ErrorsOnly -warnaserror
  run_tests main "$@" || status=$?
else
  # Both sandboxes come up while the build runs; the fault lane's stops when the run ends, whatever happens.
  trap '"${fault_lane[@]}" scripts/env.sh down > /dev/null 2>&1 || true' EXIT
  # The packages first (once), then both sandboxes start while the build runs.
  scripts/env.sh install
  scripts/env.sh up > "$results/sandbox.log" 2>&1 &
  main_sandbox=$!
  "${fault_lane[@]}" scripts/env.sh up > "$results/fault-sandbox.log" 2>&1 &
  fault_sandbox=$!
  dotnet build MySqlHa.sln -c Release --nologo -v quiet -clp:ErrorsOnly -warnaserror
  wait $main_sandbox || { cat "$results/sandbox.log" >&2; echo "test.sh: the sandbox did not come up" >&2; exit 1; }
  cat "$results/sandbox.log"
  wait $fault_sandbox || { cat "$results/fault-sandbox.log" >&2; echo "test.sh: the fault lane's sandbox did not come up" >&2; exit 1; }
  echo "built, both sandboxes up after $((SECONDS - started)) s; the fault lane's output follows the other's"

  export -f run_tests
  export results
  "${fault_lane[@]}" bash -c 'run_tests faults --filter "$1"' fault-lane "$fault_classes" > "$results/faults.log" 2>&1 &
  faults=$!
  run_tests main --filter "$other_classes" || status=$?
  echo "main lane done after $((SECONDS - started)) s"
  fault_status=0
  wait $faults || fault_status=$?
  echo "---------------- fault lane (failover, switchover safety and durability tests, second sandbox) ----------------"
  cat "$results/faults.log"
  echo "fault lane done after $((SECONDS - started)) s"
  [ $fault_status -eq 0 ] || status=$fault_status
fi

# One plain closing line for both lanes, whatever the runner printed above it.
count() {
  local total=0 file value
  for file in "$results"/*/*.trx; do
    [ -f "$file" ] || continue
    value="$(grep -o '<Counters [^>]*>' "$file" | head -1 | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0)"
    total=$((total + value))
  done
  echo $total
}
# The failed tests again, by name with the start of their message, so the end of a long log says what broke.
failures() {
  local file
  for file in "$results"/*/*.trx; do
    [ -f "$file" ] || continue
    awk '
      function plain(text) { gsub(/&quot;/, "\"", text); gsub(/&lt;/, "<", text); gsub(/&gt;/, ">", text); gsub(/&amp;/, "\\&", text); return text }
      /<UnitTestResult / && /outcome="Failed"/ { failed = 1; match($0, /testName="[^"]*"/); print "FAILED " plain(substr($0, RSTART + 10, RLENGTH - 11)); lines = 0 }
      failed && /<Message>/ { inside = 1; sub(/.*<Message>/, "") }
      failed && inside && lines < 6 { text = $0; sub(/<\/Message>.*/, "", text); print "    " plain(text); lines++ }
      failed && /<\/Message>/ { inside = 0 }
      failed && /<\/UnitTestResult>/ { failed = 0; inside = 0 }
    ' "$file"
  done
}
echo "tests took $((SECONDS - started)) s"
failures
echo "$(count passed) passed, $(count failed) failed, $(count notExecuted) skipped"
exit $status
