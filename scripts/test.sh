#!/usr/bin/env bash
# The whole test suite, against the real sandbox: installs what is missing, brings the sandbox up, builds with
# warnings as errors, and runs every test. Extra arguments go to `dotnet test` (e.g. --filter Api).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

command -v dotnet > /dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
scripts/env.sh up
dotnet build MySqlHa.sln -c Release --nologo -v quiet -clp:ErrorsOnly -warnaserror

results="$repo/TestResults"
rm -rf "$results"
status=0
dotnet test MySqlHa.sln -c Release --no-build --nologo --results-directory "$results" \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=mysqlha.trx" "$@" || status=$?

# One plain closing line, whatever the runner printed above it.
counters="$(grep -o '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -1)"
count() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
echo "$(count passed) passed, $(count failed) failed, $(count notExecuted) skipped"
exit $status
