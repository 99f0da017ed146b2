#!/usr/bin/env bash
# The monitor's cost: CPU per instance per poll at 3, 30 and 300 endpoints (spread over the sandbox's servers).
#   scripts/bench-monitor.sh [sizes...] [seconds per size]     e.g. scripts/bench-monitor.sh 3 30 300 20
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/env.sh" up > /dev/null
set -a; . "$repo/.sandbox/sandbox.env"; set +a
dotnet build "$repo/benchmarks/MonitorCost" -c Release --nologo -v quiet -clp:ErrorsOnly
echo "machine: $(nproc) cores; monitor interval 1 s; each size measured after a 5 s warm-up"
dotnet "$repo/benchmarks/MonitorCost/bin/Release/net10.0/MySqlHa.Benchmarks.MonitorCost.dll" "$@"
