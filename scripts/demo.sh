#!/usr/bin/env bash
# The main job: bring up the sandbox, start the Api against it, register the sandbox cluster, and print where
# the Swagger UI is. Ctrl-C stops the Api; `scripts/env.sh down` stops the sandbox.
#   MYSQLHA_API_URL (default http://127.0.0.1:5080)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
api_url="${MYSQLHA_API_URL:-http://127.0.0.1:5080}"

"$repo/scripts/env.sh" up
set -a; . "$repo/.sandbox/sandbox.env"; set +a

command -v dotnet > /dev/null || { echo "demo.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
echo "building the Api..."
dotnet build "$repo/src/Api/MySqlHa.Api.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly

# The admin key is made on the Api's first start and kept in the sandbox, so that a second run signs in with it.
admin_key="$MYSQLHA_SANDBOX/api-admin.key"
export ConnectionStrings__Postgres="$MYSQLHA_POSTGRES" Etcd__Endpoint="$MYSQLHA_ETCD" MySqlHa__Durability=Solo \
  MySqlHa__Secrets__Folder="$MYSQLHA_API_SECRETS" MySqlHa__Auth__BootstrapKeyFile="$admin_key"
log="$MYSQLHA_SANDBOX/api.log"
dotnet "$repo/src/Api/bin/Release/net10.0/MySqlHa.Api.dll" --urls "$api_url" > "$log" 2>&1 &
api_pid=$!
trap 'kill $api_pid 2>/dev/null; wait $api_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fs "$api_url/healthz" > /dev/null 2>&1 && break
  kill -0 $api_pid 2>/dev/null || { tail -30 "$log" >&2; echo "demo.sh: the Api exited; log above ($log)" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$api_url/healthz" > /dev/null || { tail -30 "$log" >&2; echo "demo.sh: the Api is not healthy; log: $log" >&2; exit 1; }

read -r -a ports <<< "$MYSQLHA_MARIADB_PORTS"
instances=""
for i in "${!ports[@]}"; do
  instances+="${instances:+,}{\"name\":\"mariadb$((i + 1))\",\"host\":\"127.0.0.1\",\"port\":${ports[$i]}}"
done
body="{\"name\":\"sandbox\",\"flavor\":\"mariadb\",\"instances\":[$instances],
  \"adminCredentials\":{\"user\":\"$MYSQLHA_MARIADB_ADMIN_USER\",\"secret\":\"$(basename "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE")\"},
  \"replicationCredentials\":{\"user\":\"$MYSQLHA_MARIADB_REPL_USER\",\"secret\":\"$(basename "$MYSQLHA_MARIADB_REPL_PASSWORD_FILE")\"}}"
answer="$(curl -s -o /tmp/mysqlha-demo-register.json -w '%{http_code}' -H "X-Api-Key: $(cat "$admin_key")" -H 'Content-Type: application/json' \
  -d "$body" "$api_url/api/clusters")"
case "$answer" in
  201) echo "registered the sandbox cluster: $(grep -o '"id":"[^"]*"' /tmp/mysqlha-demo-register.json | head -1)" ;;
  409) echo "the sandbox cluster is already registered" ;;
  *) echo "registering the sandbox cluster answered $answer:"; cat /tmp/mysqlha-demo-register.json; echo ;;
esac

cat <<TXT

MySqlHa is running.
  Swagger UI   $api_url/swagger   (Authorize with the admin key in $admin_key)
  Health       $api_url/healthz
  Metrics      $api_url/metrics
  Clusters     $api_url/api/clusters
  Api log      $log
Press Ctrl-C to stop the Api (the sandbox keeps running; scripts/env.sh down stops it).
TXT
if [ -t 0 ] && [ "${MYSQLHA_DEMO_EXIT:-0}" != 1 ]; then wait $api_pid; fi
