#!/usr/bin/env bash
# Write-unavailability during planned switchovers: the Api, three agents and the proxy on the sandbox, a writer
# committing a row every 5 ms through the proxy, N switchovers (default 10), then a check that every acknowledged
# write is on every node.     scripts/bench-switchover.sh [switchovers]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
switchovers="${1:-10}"
"$repo/scripts/env.sh" up > /dev/null
"$repo/scripts/env.sh" reset > /dev/null
set -a; . "$repo/.sandbox/sandbox.env"; set +a
for project in src/Api src/Agent src/Proxy benchmarks/SwitchoverWindow; do
  dotnet build "$repo/$project" -c Release --nologo -v quiet -clp:ErrorsOnly
done
bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }
run_dir="$MYSQLHA_SANDBOX/bench-switchover"
mkdir -p "$run_dir"
token="$MYSQLHA_SANDBOX/secrets/agent.token"
[ -s "$token" ] || { umask 077; openssl rand -hex 24 > "$token"; }
prefix="/mysqlha-bench-switchover"
api="http://127.0.0.1:5090"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT

PGPASSWORD="$(cat "$MYSQLHA_SANDBOX/secrets/postgres.password")" psql -h 127.0.0.1 -p "${MYSQLHA_POSTGRES_PORT:-55432}" -U postgres -d mysqlha \
  -qc "DROP SCHEMA IF EXISTS bench_switchover CASCADE" 2> /dev/null
ConnectionStrings__Postgres="$MYSQLHA_POSTGRES" Etcd__Endpoint="$MYSQLHA_ETCD" Etcd__Prefix="$prefix" MySqlHa__Schema=bench_switchover \
  MySqlHa__Durability=Solo MySqlHa__Agents__TokenFile="$token" \
  dotnet "$(bin src/Api MySqlHa.Api)" --urls "$api" > "$run_dir/api.log" 2>&1 &
pids+=($!)
read -r -a ports <<< "$MYSQLHA_MARIADB_PORTS"
for i in "${!ports[@]}"; do
  n=$((i + 1))
  MYSQLHA_AGENT_Cluster=bench MYSQLHA_AGENT_Instance="db$n" MYSQLHA_AGENT_Server__Host=127.0.0.1 MYSQLHA_AGENT_Server__Port="${ports[$i]}" \
    MYSQLHA_AGENT_Server__User="$MYSQLHA_MARIADB_ADMIN_USER" MYSQLHA_AGENT_Server__PasswordFile="$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE" \
    MYSQLHA_AGENT_Replication__User="$MYSQLHA_MARIADB_REPL_USER" MYSQLHA_AGENT_Replication__PasswordFile="$MYSQLHA_MARIADB_REPL_PASSWORD_FILE" \
    MYSQLHA_AGENT_Etcd__Endpoint="$MYSQLHA_ETCD" MYSQLHA_AGENT_Etcd__Prefix="$prefix" MYSQLHA_AGENT_TokenFile="$token" \
    MYSQLHA_AGENT_AdvertisedUrl="http://127.0.0.1:710$n" MYSQLHA_AGENT_StateFile="$run_dir/agent$n.state" \
    ASPNETCORE_URLS="http://127.0.0.1:710$n" dotnet "$(bin src/Agent MySqlHa.Agent)" > "$run_dir/agent$n.log" 2>&1 &
  pids+=($!)
done
MYSQLHA_PROXY_Etcd__Endpoint="$MYSQLHA_ETCD" MYSQLHA_PROXY_Etcd__Prefix="$prefix" MYSQLHA_PROXY_Clusters__0__Name=bench \
  MYSQLHA_PROXY_Clusters__0__ReadWrite=127.0.0.1:6033 MYSQLHA_PROXY_Clusters__0__ReadOnly=127.0.0.1:6034 \
  ASPNETCORE_URLS=http://127.0.0.1:7200 dotnet "$(bin src/Proxy MySqlHa.Proxy)" > "$run_dir/proxy.log" 2>&1 &
pids+=($!)

wait_healthy() { for _ in $(seq 1 120); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.5; done; echo "bench-switchover.sh: $1 never became healthy (logs in $run_dir)" >&2; exit 1; }
wait_healthy "$api/healthz"
for n in 1 2 3; do wait_healthy "http://127.0.0.1:710$n/healthz"; done

instances=""
for i in "${!ports[@]}"; do instances+="${instances:+,}{\"name\":\"db$((i + 1))\",\"host\":\"127.0.0.1\",\"port\":${ports[$i]}}"; done
cluster="$(curl -fs -H 'Content-Type: application/json' "$api/api/clusters" -d "{\"name\":\"bench\",\"flavor\":\"mariadb\",\"instances\":[$instances],
  \"adminCredentials\":{\"user\":\"$MYSQLHA_MARIADB_ADMIN_USER\",\"passwordFile\":\"$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE\"},
  \"replicationCredentials\":{\"user\":\"$MYSQLHA_MARIADB_REPL_USER\",\"passwordFile\":\"$MYSQLHA_MARIADB_REPL_PASSWORD_FILE\"}}" | grep -o '"id":"[^"]*"' | cut -d'"' -f4)"
op() { curl -fs -o /dev/null -H 'Content-Type: application/json' -X POST "$api/api/clusters/$cluster/instances/$1/$2" ${3:+-d "$3"}; }
op db1 register '{"role":"master"}'
for n in 2 3; do op "db$n" register '{"role":"replica"}'; op "db$n" activate; done
for _ in $(seq 1 60); do
  [ "$(curl -fs "$api/api/clusters" | grep -o '"status":"OK"' | wc -l)" -eq 3 ] && break; sleep 0.5
done
wait_healthy "http://127.0.0.1:7200/healthz"

echo "machine: $(nproc) cores; $switchovers switchovers; writer: one INSERT every 5 ms, fresh connection, through the proxy"
dotnet "$(bin benchmarks/SwitchoverWindow MySqlHa.Benchmarks.SwitchoverWindow)" "$api" "$cluster" 6033 \
  "$MYSQLHA_MARIADB_ADMIN_USER" "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE" "$(echo "$MYSQLHA_MARIADB_PORTS" | tr ' ' ',')" "$switchovers"
