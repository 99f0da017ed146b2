# The whole MySqlHa stack on the sandbox, for benchmark scripts: the Api, an agent beside each MariaDB server and
# the proxy, as processes, with one cluster registered (db1 master, the others replicas). Source it, then:
#   stack_build PROJECT...                 Release builds
#   stack_start NAME SCHEMA PREFIX DIR     start everything; sets $api and $cluster, and exports MYSQLHA_API_KEY (the
#                                          bootstrap admin key, which stack_curl sends); logs in DIR
#   stack_stop                             stop what stack_start started
# Needs $repo and the sandbox's settings (.sandbox/sandbox.env) in the environment.
# Optional, set before stack_start (the defaults are what every script got before they existed):
#   STACK_API_PORT (5090), STACK_AGENT_PORT_BASE (7100: agent N listens on base+N), STACK_PROXY_PORT (7200, its
#   health endpoint), STACK_PROXY_READ_WRITE_PORT (6033), STACK_PROXY_READ_ONLY_PORT (6034): ports, for a sandbox
#   that runs beside others on one machine;
#   stack_api_env=(NAME=VALUE ...)         more settings for the Api;
#   stack_agent_env=(NAME=VALUE ...)       more settings for every agent, "{n}" in a value standing for its number;
#   stack_replicas=(2 3)                   the instances registered and activated as replicas (default: all but db1);
#                                          the others stay unregistered.

stack_pids=()
stack_api_env=()
stack_agent_env=()
stack_replicas=()
api="http://127.0.0.1:${STACK_API_PORT:-5090}"
proxy_read_write_port="${STACK_PROXY_READ_WRITE_PORT:-6033}"
proxy_read_only_port="${STACK_PROXY_READ_ONLY_PORT:-6034}"
proxy_port="${STACK_PROXY_PORT:-7200}"
agent_port_base="${STACK_AGENT_PORT_BASE:-7100}"

stack_agent_url() { echo "http://127.0.0.1:$((agent_port_base + $1))"; }

stack_build() {
  local project
  for project in "$@"; do dotnet build "$repo/$project" -c Release --nologo -v quiet -clp:ErrorsOnly; done
}

stack_bin() { echo "$repo/$1/bin/Release/net10.0/$2.dll"; }

stack_wait_healthy() {
  for _ in $(seq 1 120); do curl -fs "$1" > /dev/null 2>&1 && return 0; sleep 0.5; done
  echo "stack: $1 never became healthy (logs in $stack_dir)" >&2; return 1
}

stack_start() {
  local name="$1" schema="$2" prefix="$3" i n ports instances token setting agent_env replicas
  stack_dir="$4"
  mkdir -p "$stack_dir"
  token="$MYSQLHA_SANDBOX/secrets/agent.token"
  [ -s "$token" ] || (umask 077; openssl rand -hex 24 > "$token")
  PGPASSWORD="$(cat "$MYSQLHA_SANDBOX/secrets/postgres.password")" psql -h 127.0.0.1 -p "${MYSQLHA_POSTGRES_PORT:-55432}" -U postgres \
    -d mysqlha -qc "DROP SCHEMA IF EXISTS $schema CASCADE" 2> /dev/null
  ConnectionStrings__Postgres="$MYSQLHA_POSTGRES" Etcd__Endpoint="$MYSQLHA_ETCD" Etcd__Prefix="$prefix" MySqlHa__Schema="$schema" \
    MySqlHa__Durability=Solo MySqlHa__Agents__TokenFile="$token" MySqlHa__Secrets__Folder="$MYSQLHA_API_SECRETS" \
    MySqlHa__Auth__BootstrapKeyFile="$stack_dir/admin.key" \
    env ${stack_api_env[@]+"${stack_api_env[@]}"} dotnet "$(stack_bin src/Api MySqlHa.Api)" --urls "$api" > "$stack_dir/api.log" 2>&1 &
  stack_pids+=($!)
  read -r -a ports <<< "$MYSQLHA_MARIADB_PORTS"
  for i in "${!ports[@]}"; do
    n=$((i + 1))
    agent_env=()
    for setting in ${stack_agent_env[@]+"${stack_agent_env[@]}"}; do agent_env+=("${setting//\{n\}/$n}"); done
    MYSQLHA_AGENT_Cluster="$name" MYSQLHA_AGENT_Instance="db$n" MYSQLHA_AGENT_Server__Host=127.0.0.1 MYSQLHA_AGENT_Server__Port="${ports[$i]}" \
      MYSQLHA_AGENT_Server__User="$MYSQLHA_MARIADB_ADMIN_USER" MYSQLHA_AGENT_Server__PasswordFile="$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE" \
      MYSQLHA_AGENT_Replication__User="$MYSQLHA_MARIADB_REPL_USER" MYSQLHA_AGENT_Replication__PasswordFile="$MYSQLHA_MARIADB_REPL_PASSWORD_FILE" \
      MYSQLHA_AGENT_Etcd__Endpoint="$MYSQLHA_ETCD" MYSQLHA_AGENT_Etcd__Prefix="$prefix" MYSQLHA_AGENT_TokenFile="$token" \
      MYSQLHA_AGENT_AdvertisedUrl="$(stack_agent_url "$n")" MYSQLHA_AGENT_StateDirectory="$stack_dir/agent$n.state" \
      ASPNETCORE_URLS="$(stack_agent_url "$n")" env ${agent_env[@]+"${agent_env[@]}"} dotnet "$(stack_bin src/Agent MySqlHa.Agent)" > "$stack_dir/agent$n.log" 2>&1 &
    stack_pids+=($!)
  done
  MYSQLHA_PROXY_Etcd__Endpoint="$MYSQLHA_ETCD" MYSQLHA_PROXY_Etcd__Prefix="$prefix" MYSQLHA_PROXY_Clusters__0__Name="$name" \
    MYSQLHA_PROXY_Clusters__0__ReadWrite="127.0.0.1:$proxy_read_write_port" MYSQLHA_PROXY_Clusters__0__ReadOnly="127.0.0.1:$proxy_read_only_port" \
    ASPNETCORE_URLS="http://127.0.0.1:$proxy_port" dotnet "$(stack_bin src/Proxy MySqlHa.Proxy)" > "$stack_dir/proxy.log" 2>&1 &
  stack_pids+=($!)

  stack_wait_healthy "$api/healthz"
  MYSQLHA_API_KEY="$(cat "$stack_dir/admin.key")"
  export MYSQLHA_API_KEY
  for i in "${!ports[@]}"; do stack_wait_healthy "$(stack_agent_url $((i + 1)))/healthz"; done
  instances=""
  for i in "${!ports[@]}"; do instances+="${instances:+,}{\"name\":\"db$((i + 1))\",\"host\":\"127.0.0.1\",\"port\":${ports[$i]}}"; done
  # A probe of the servers can time out on a loaded machine (400, nothing registered): tried again, up to 5 times.
  local body answer
  body="{\"name\":\"$name\",\"flavor\":\"mariadb\",\"instances\":[$instances],
    \"adminCredentials\":{\"user\":\"$MYSQLHA_MARIADB_ADMIN_USER\",\"secret\":\"$(basename "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE")\"},
    \"replicationCredentials\":{\"user\":\"$MYSQLHA_MARIADB_REPL_USER\",\"secret\":\"$(basename "$MYSQLHA_MARIADB_REPL_PASSWORD_FILE")\"}}"
  cluster=""
  for _ in 1 2 3 4 5; do
    answer="$(curl -s -H "X-Api-Key: $MYSQLHA_API_KEY" -H 'Content-Type: application/json' "$api/api/clusters" -d "$body")" || true
    cluster="$(grep -o '"id":"[^"]*"' <<< "$answer" | head -1 | cut -d'"' -f4)" || true
    [ -n "$cluster" ] && break
    sleep 2
  done
  [ -n "$cluster" ] || { echo "stack: registering cluster $name failed: $answer (logs in $stack_dir)" >&2; return 1; }
  stack_operate db1 register '{"role":"master"}'
  replicas=(${stack_replicas[@]+"${stack_replicas[@]}"})
  [ ${#replicas[@]} -gt 0 ] || for i in "${!ports[@]}"; do [ "$i" -gt 0 ] && replicas+=($((i + 1))); done
  for n in "${replicas[@]}"; do
    stack_operate "db$n" register '{"role":"replica"}'
    stack_operate "db$n" activate
  done
  for _ in $(seq 1 60); do
    [ "$(stack_curl "$api/api/clusters" | grep -o '"status":"OK"' | wc -l)" -eq $((${#replicas[@]} + 1)) ] && break; sleep 0.5
  done
  stack_wait_healthy "http://127.0.0.1:$proxy_port/healthz"
}

stack_operate() { stack_curl -o /dev/null -H 'Content-Type: application/json' -X POST "$api/api/clusters/$cluster/instances/$1/$2" ${3:+-d "$3"}; }

# curl -fs, signed in as the stack's admin.
stack_curl() { curl -fs -H "X-Api-Key: $MYSQLHA_API_KEY" "$@"; }

stack_stop() {
  [ ${#stack_pids[@]} -eq 0 ] && return 0
  kill "${stack_pids[@]}" 2> /dev/null || true
  wait "${stack_pids[@]}" 2> /dev/null || true
  stack_pids=()
}
