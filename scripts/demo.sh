#!/usr/bin/env bash
# The main job: the whole MySqlHa stack on the sandbox in one command. The sandbox comes up, then the Api, an agent
# beside each MariaDB server and the proxy (scripts/lib/stack.sh), the sandbox cluster registered with db1 master
# and the others active replicas; it prints the console, Swagger and proxy addresses. Ctrl-C stops what it started
# (`scripts/env.sh down` stops the sandbox). A second run finds the stack already answering and only prints them.
#   scripts/demo.sh [--writer]   --writer: a small application writes a row every half second through the proxy's
#                                read-write port (log in .sandbox/demo/writer.log), so writes are seen to carry on
#                                through a switchover
#   MYSQLHA_DEMO_EXIT=1          start, check that every instance is OK and the console answers, stop, exit
#   Ports: STACK_API_PORT (5080), STACK_AGENT_PORT_BASE (7100: agent N on base+N), STACK_PROXY_PORT (7200),
#   STACK_PROXY_READ_WRITE_PORT (6033), STACK_PROXY_READ_ONLY_PORT (6034)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
writer=0
for argument in "$@"; do
  case "$argument" in
    --writer) writer=1 ;;
    *) echo "usage: scripts/demo.sh [--writer]" >&2; exit 2 ;;
  esac
done
command -v dotnet > /dev/null || { echo "demo.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }

started_at=$(date +%s)
"$repo/scripts/env.sh" up
set -a; . "${MYSQLHA_SANDBOX:-$repo/.sandbox}/sandbox.env"; set +a
export STACK_API_PORT="${STACK_API_PORT:-5080}"
. "$repo/scripts/lib/stack.sh"
demo_dir="$MYSQLHA_SANDBOX/demo"
cluster_name=sandbox

# What answers on the Api's port with the demo's admin key is a stack an earlier run started: it is reused.
running_stack() {
  [ -s "$demo_dir/admin.key" ] || return 1
  MYSQLHA_API_KEY="$(cat "$demo_dir/admin.key")"
  export MYSQLHA_API_KEY
  cluster="$(stack_curl "$api/api/clusters" 2> /dev/null | grep -o '"id":"[^"]*","name":"'"$cluster_name"'"' | cut -d'"' -f4)" || true
  [ -n "$cluster" ]
}

# Every registered instance OK and the proxy and console answering.
verify_stack() {
  local statuses
  statuses="$(stack_curl "$api/api/clusters/$cluster" | grep -o '"status":"[A-Z_]*"')"
  [ "$(grep -c '"status":"OK"' <<< "$statuses")" -eq "${#ports[@]}" ] \
    || { echo "demo.sh: not every instance is OK: $(tr '\n' ' ' <<< "$statuses")" >&2; return 1; }
  curl -fs "http://127.0.0.1:$proxy_port/healthz" > /dev/null || { echo "demo.sh: the proxy is not healthy" >&2; return 1; }
  curl -fs "$api/console/" > /dev/null || { echo "demo.sh: the console does not answer" >&2; return 1; }
}

# A row every half second through the proxy's read-write port; each outcome is logged with the time.
start_writer() {
  local password
  password="$(cat "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE")"
  (
    export MYSQL_PWD="$password"
    client=(mariadb -h 127.0.0.1 -P "$proxy_read_write_port" -u "$MYSQLHA_MARIADB_ADMIN_USER" --ssl=0 --connect-timeout=2)
    "${client[@]}" -e "CREATE DATABASE IF NOT EXISTS demo; CREATE TABLE IF NOT EXISTS demo.writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, written_at DATETIME(3) NOT NULL)"
    while true; do
      if "${client[@]}" -e "INSERT INTO demo.writes (written_at) VALUES (NOW(3))" 2> /dev/null; then
        echo "$(date +%T.%3N) written"
      else
        echo "$(date +%T.%3N) refused or held"
      fi
      sleep 0.5
    done
  ) > "$demo_dir/writer.log" 2>&1 &
  stack_pids+=($!)
}

read -r -a ports <<< "$MYSQLHA_MARIADB_PORTS"
if running_stack; then
  echo "the stack is already running (started by an earlier scripts/demo.sh): reusing it"
  reused=1
else
  reused=0
  echo "building the Api, the agent and the proxy..."
  stack_build src/Api src/Agent src/Proxy
  trap 'stack_stop' EXIT
  trap 'exit 130' INT TERM
  echo "starting the Api, an agent beside each server and the proxy (logs in $demo_dir)..."
  stack_start "$cluster_name" mysqlha_demo /mysqlha-demo "$demo_dir"
  [ "$writer" = 1 ] && start_writer
fi
verify_stack

cat <<TXT

MySqlHa is running (ready in $(($(date +%s) - started_at)) s): cluster '$cluster_name', db1 master, the others replicas.
  Console      $api/console/     (sign in with the admin key in $demo_dir/admin.key)
  Swagger UI   $api/swagger      (Authorize with the same key)
  Proxy        read-write 127.0.0.1:$proxy_read_write_port, read-only 127.0.0.1:$proxy_read_only_port (health http://127.0.0.1:$proxy_port/healthz)
  Agents       $(for i in "${!ports[@]}"; do printf '%s ' "$(stack_agent_url $((i + 1)))"; done)
  Logs         $demo_dir
TXT
[ "$writer" = 1 ] && [ "$reused" = 0 ] && echo "  Writer       a row every 0.5 s through the proxy: $demo_dir/writer.log"
if [ "$reused" = 1 ]; then
  echo "Stop it with Ctrl-C in the terminal that started it; scripts/env.sh down stops the sandbox."
  exit 0
fi
if [ "${MYSQLHA_DEMO_EXIT:-0}" = 1 ]; then
  echo "MYSQLHA_DEMO_EXIT=1: checked, stopping what this run started"
  exit 0
fi
echo "Press Ctrl-C to stop what this run started (the sandbox keeps running; scripts/env.sh down stops it)."
wait
