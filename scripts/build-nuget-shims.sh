#!/usr/bin/env bash
# Rebuilds the metadata-only packages in build/local-packages (see README, "Why build/local-packages exists").
# The resulting .nupkg files are committed, because restore needs them before anything can be built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for project in "$root"/build/nuget-shims/*/*.csproj; do
  dotnet pack "$project" -c Release --nologo -v quiet
done
ls -l "$root/build/local-packages"
