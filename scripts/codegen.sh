#!/usr/bin/env bash
# Writes the Wolverine handlers' code ahead of time into src/Api/Internal/Generated, so that no handler is compiled
# while it runs. Run it after changing a handler, a saga, a message, or a service a handler takes; the test
# GeneratedHandlerCodeTests fails while the committed code differs from what this writes.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v dotnet > /dev/null || { echo "codegen.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

# The old code goes first: it names the handlers and messages as they were, and may no longer compile.
rm -rf "$repo/src/Api/Internal/Generated"
dotnet build "$repo/src/Api/MySqlHa.Api.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly
# Code generation reads the handlers and the services they take; it connects to nothing, but the settings must pass
# their checks, so placeholders stand in for the connections.
cd "$repo/src/Api"
ConnectionStrings__Postgres="Host=127.0.0.1;Database=codegen" Etcd__Endpoint="http://127.0.0.1:2379" \
  dotnet "$repo/src/Api/bin/Release/net10.0/MySqlHa.Api.dll" codegen write > /dev/null
# A second build compiles what was written into the Api.
dotnet build "$repo/src/Api/MySqlHa.Api.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly
echo "codegen.sh: $(find "$repo/src/Api/Internal/Generated" -name '*.cs' | wc -l) files in src/Api/Internal/Generated"
