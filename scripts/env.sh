#!/usr/bin/env bash
# The MySqlHa sandbox: three MariaDB servers (one primary, two GTID replicas), a private PostgreSQL cluster and
# one etcd member, all on 127.0.0.1, all under one working folder that git ignores.
#
#   scripts/env.sh up       install what is missing, start what is not running, print where everything is
#   scripts/env.sh down     stop exactly the processes this script started (by pid file)
#   scripts/env.sh status   print what runs and where; exit 1 if anything is down
#   scripts/env.sh reset    put replication back to the canonical shape (instance 1 primary, 2 and 3 replicas);
#                           servers whose histories diverged are wiped and re-created
#   scripts/env.sh start-server N   start MariaDB instance N alone, as a crashed server restarts: read-only,
#                           replication stopped, nothing rearranged (fault tests use it)
#   scripts/env.sh install  only install the Debian packages
#
# Settings (environment): MYSQLHA_SANDBOX (folder, default <repo>/.sandbox), MYSQLHA_MARIADB_PORTS
# (default "3307 3308 3309"), MYSQLHA_POSTGRES_PORT (55432), MYSQLHA_ETCD_PORT (23790, peer port +1).
# Everything a client needs is written to $MYSQLHA_SANDBOX/sandbox.env (KEY=VALUE lines).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sandbox="${MYSQLHA_SANDBOX:-$repo/.sandbox}"
# Servers are given the real path: the mysql and postgres users may be unable to pass through the link's folder.
[ -L "$sandbox" ] && sandbox="$(readlink -f "$sandbox")"
read -r -a mariadb_ports <<< "${MYSQLHA_MARIADB_PORTS:-3307 3308 3309}"
postgres_port="${MYSQLHA_POSTGRES_PORT:-55432}"
etcd_port="${MYSQLHA_ETCD_PORT:-23790}"
etcd_peer_port=$((etcd_port + 1))
pg_bin=/usr/lib/postgresql/15/bin
admin_user=mysqlha_admin
repl_user=mysqlha_repl

derive_paths() {
  secrets="$sandbox/secrets"
  pg_dir="$sandbox/postgres"
  etcd_dir="$sandbox/etcd"
}
derive_paths

say() { printf '%s\n' "$*"; }
fail() { printf 'env.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installation
packages=(mariadb-server mariadb-client mariadb-backup postgresql etcd-server etcd-client haproxy sysbench
          procps iproute2 openssl iptables)

install_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing from Debian: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq || fail "apt-get update failed"
  # policy-rc.d stops the packages from starting their system-wide services: the sandbox runs its own.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    > "${TMPDIR:-/tmp}/mysqlha-apt.log" 2>&1 || { tail -20 "${TMPDIR:-/tmp}/mysqlha-apt.log" >&2; fail "apt-get install failed (log: ${TMPDIR:-/tmp}/mysqlha-apt.log)"; }
}

# ---------------------------------------------------------------- process bookkeeping
# A pid file counts only while its process is alive and is the program we started (pids get reused).
running() {
  local pidfile="$1" program="$2" pid
  [ -s "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -d "/proc/$pid" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$program"
}

stop_pidfile() {
  local pidfile="$1" program="$2" name="$3" pid
  if ! running "$pidfile" "$program"; then rm -f "$pidfile"; return 0; fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  if [ -d "/proc/$pid" ]; then kill -KILL "$pid"; say "$name did not stop within 10 s; killed"; fi
  rm -f "$pidfile"
  say "stopped $name (pid $pid)"
}

wait_for() {
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "$what did not become ready within ${seconds}s"
}

secret() {
  local file="$secrets/$1"
  if [ ! -s "$file" ]; then
    umask 077
    openssl rand -hex 16 > "$file"
  fi
  cat "$file"
}

# ---------------------------------------------------------------- MariaDB
mariadb_dir() { echo "$sandbox/mariadb$1"; }
mariadb_sock() { echo "$(mariadb_dir "$1")/mysqld.sock"; }

write_mariadb_config() {
  local n="$1" port="$2" dir
  dir="$(mariadb_dir "$n")"
  cat > "$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/mysqld.sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
port=$port
bind-address=127.0.0.1
server-id=$n
user=mysql
skip-name-resolve
log-bin=$dir/binlog/mariadb-bin
relay-log=$dir/binlog/relay-bin
binlog-format=ROW
log-slave-updates=ON
gtid-strict-mode=ON
gtid-domain-id=0
# Every managed server starts read-only: only the controller makes a primary writable, so a crashed
# primary that restarts cannot take writes behind the controller's back.
read-only=ON
innodb-buffer-pool-size=64M
innodb-log-file-size=48M
performance-schema=OFF
max-connections=500
skip-slave-start=ON
# A replica notices a hung (not dead) primary only when the connection goes quiet for this long; the default (60 s)
# would hold failure detection back a minute. Heartbeats default to half of it.
slave-net-timeout=4
CNF
}

mariadb_sql() {  # mariadb_sql N "statements"  (as root over the socket)
  mariadb --no-defaults --protocol=socket -S "$(mariadb_sock "$1")" -uroot -N -B -e "$2"
}

init_mariadb() {
  local n="$1" port="$2" dir
  dir="$(mariadb_dir "$n")"
  [ -d "$dir/data/mysql" ] && return 1
  mkdir -p "$dir/data" "$dir/binlog"
  write_mariadb_config "$n" "$port"
  chown -R mysql:mysql "$dir"
  mariadb-install-db --defaults-file="$dir/my.cnf" --auth-root-authentication-method=socket \
    --skip-test-db > "$dir/install.log" 2>&1 || { tail -20 "$dir/install.log" >&2; fail "mariadb-install-db failed for instance $n"; }
  return 0
}

start_mariadb() {  # returns 1 when it was already running
  local n="$1" port="$2" dir
  dir="$(mariadb_dir "$n")"
  running "$dir/mariadbd.pid" mariadbd && return 1
  write_mariadb_config "$n" "$port"
  chown -R mysql:mysql "$dir"
  setsid mariadbd --defaults-file="$dir/my.cnf" < /dev/null > /dev/null 2>&1 &
  wait_for "MariaDB $n on port $port" 60 mariadb_sql "$n" "SELECT 1"
  return 0
}

create_mariadb_users() {
  local n="$1" admin_password repl_password
  admin_password="$(secret mariadb-admin.password)"
  repl_password="$(secret mariadb-repl.password)"
  # Users are created outside the binary log on every server, so replication starts from an empty GTID history.
  mariadb_sql "$n" "SET SESSION sql_log_bin=0;
    CREATE USER IF NOT EXISTS '$admin_user'@'127.0.0.1' IDENTIFIED BY '$admin_password';
    CREATE USER IF NOT EXISTS '$admin_user'@'localhost' IDENTIFIED BY '$admin_password';
    GRANT ALL PRIVILEGES ON *.* TO '$admin_user'@'127.0.0.1' WITH GRANT OPTION;
    GRANT ALL PRIVILEGES ON *.* TO '$admin_user'@'localhost' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS '$repl_user'@'127.0.0.1' IDENTIFIED BY '$repl_password';
    GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '$repl_user'@'127.0.0.1';
    FLUSH PRIVILEGES;"
}

# The canonical sandbox topology: instance 1 is the writable primary, every other instance replicates from it
# with GTID auto-positioning. Used on first start and by `reset`.
arrange_replication() {
  local primary_port="${mariadb_ports[0]}" repl_password
  repl_password="$(secret mariadb-repl.password)"
  # Semi-sync is off in the canonical shape: a test that turned it on must not make the next one wait for acknowledgements.
  local semi_sync_off="SET GLOBAL rpl_semi_sync_master_enabled=OFF; SET GLOBAL rpl_semi_sync_slave_enabled=OFF;"
  # Turned off first: an applier waiting for an acknowledgement would hold STOP SLAVE.
  mariadb_sql 1 "$semi_sync_off STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF;"
  for i in "${!mariadb_ports[@]}"; do
    [ "$i" -eq 0 ] && continue
    local n=$((i + 1))
    mariadb_sql "$n" "$semi_sync_off STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=ON;
      CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary_port, MASTER_USER='$repl_user',
        MASTER_PASSWORD='$repl_password', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
      START SLAVE;"
  done
}

wait_replicas_running() {
  for i in "${!mariadb_ports[@]}"; do
    [ "$i" -eq 0 ] && continue
    wait_for "replication on instance $((i + 1))" 30 replica_running $((i + 1))
  done
}

# True when every replica applies a fresh write of the primary within the given seconds (a diverged one never will,
# though its threads may look fine for a moment).
replicas_ready_within() {
  local seconds="$1" position
  mariadb_sql 1 "CREATE DATABASE IF NOT EXISTS mysqlha_sandbox;
    CREATE TABLE IF NOT EXISTS mysqlha_sandbox.heartbeat (id INT PRIMARY KEY, beat DATETIME(6) NOT NULL);
    REPLACE INTO mysqlha_sandbox.heartbeat VALUES (1, NOW(6))" || return 1
  position="$(mariadb_sql 1 "SELECT @@gtid_binlog_pos")"
  for i in "${!mariadb_ports[@]}"; do
    [ "$i" -eq 0 ] && continue
    [ "$(mariadb_sql $((i + 1)) "SELECT MASTER_GTID_WAIT('$position', $seconds)")" = "0" ] || return 1
  done
}

# Wipes and re-creates every MariaDB server: the way back from histories that diverged (a test of failure modes
# may leave transactions on one server that the others will never accept).
rebuild_mariadb() {
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1))
    stop_pidfile "$(mariadb_dir "$n")/mariadbd.pid" mariadbd "MariaDB $n" > /dev/null
    rm -rf "$(mariadb_dir "$n")"
    init_mariadb "$n" "${mariadb_ports[$i]}"
    start_mariadb "$n" "${mariadb_ports[$i]}"
    create_mariadb_users "$n"
  done
}

replica_running() {
  mariadb --no-defaults -S "$(mariadb_sock "$1")" -uroot -e "SHOW SLAVE STATUS\G" \
    | grep -q "Slave_IO_Running: Yes" && \
  mariadb --no-defaults -S "$(mariadb_sock "$1")" -uroot -e "SHOW SLAVE STATUS\G" | grep -q "Slave_SQL_Running: Yes"
}

# ---------------------------------------------------------------- PostgreSQL
as_postgres() { (cd / && runuser -u postgres -- "$@"); }

start_postgres() {
  local password
  password="$(secret postgres.password)"
  if [ ! -s "$pg_dir/data/PG_VERSION" ]; then
    mkdir -p "$pg_dir/data" "$pg_dir/run"
    chown -R postgres:postgres "$pg_dir"
    chmod 700 "$pg_dir/data"
    install -m 600 -o postgres "$secrets/postgres.password" "$pg_dir/superuser.password"
    as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --pwfile="$pg_dir/superuser.password" \
      --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 > "$pg_dir/initdb.log" 2>&1 \
      || { tail -20 "$pg_dir/initdb.log" >&2; fail "initdb failed"; }
  fi
  if ! running "$pg_dir/postgres.pid" "postgres"; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$postgres_port -c unix_socket_directories=$pg_dir/run -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start > /dev/null || { tail -20 "$pg_dir/postgres.log" >&2; fail "PostgreSQL did not start"; }
    head -1 "$pg_dir/data/postmaster.pid" > "$pg_dir/postgres.pid"
  fi
  as_postgres psql -h "$pg_dir/run" -p "$postgres_port" -U postgres -d postgres -qtA -c \
    "SELECT 1 FROM pg_database WHERE datname='mysqlha'" | grep -q 1 \
    || as_postgres createdb -h "$pg_dir/run" -p "$postgres_port" -U postgres mysqlha
}

# ---------------------------------------------------------------- etcd
etcd_url="http://127.0.0.1:$etcd_port"

start_etcd() {
  mkdir -p "$etcd_dir"
  running "$etcd_dir/etcd.pid" etcd && return 0
  setsid etcd --name mysqlha-sandbox --data-dir "$etcd_dir/data" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "mysqlha-sandbox=http://127.0.0.1:$etcd_peer_port" \
    < /dev/null > "$etcd_dir/etcd.log" 2>&1 &
  echo $! > "$etcd_dir/etcd.pid"
  wait_for "etcd on $etcd_url" 30 env ETCDCTL_API=3 etcdctl --endpoints="$etcd_url" endpoint health
}

# ---------------------------------------------------------------- commands
write_env_file() {
  local file="$sandbox/sandbox.env"
  {
    echo "# Written by scripts/env.sh: KEY='value' lines, for shells (set -a; . this) and for the tests."
    echo "MYSQLHA_SANDBOX='$sandbox'"
    echo "MYSQLHA_POSTGRES='Host=127.0.0.1;Port=$postgres_port;Database=mysqlha;Username=postgres;Password=$(secret postgres.password)'"
    echo "MYSQLHA_ETCD='$etcd_url'"
    echo "MYSQLHA_MARIADB_PORTS='${mariadb_ports[*]}'"
    echo "MYSQLHA_MARIADB_ADMIN_USER='$admin_user'"
    echo "MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE='$secrets/mariadb-admin.password'"
    echo "MYSQLHA_MARIADB_REPL_USER='$repl_user'"
    echo "MYSQLHA_MARIADB_REPL_PASSWORD_FILE='$secrets/mariadb-repl.password'"
  } > "$file.tmp"
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}

# The database servers run as the mysql and postgres users, who must be able to reach the sandbox. When the
# clone sits below a folder they cannot enter, the sandbox lives in /var/tmp and .sandbox points there.
place_sandbox() {
  mkdir -p "$sandbox"
  runuser -u postgres -- test -x "$sandbox" 2>/dev/null && return 0
  [ -L "$sandbox" ] && return 0
  local elsewhere
  elsewhere="/var/tmp/mysqlha-sandbox-$(printf '%s' "$repo" | md5sum | cut -c1-12)"
  rmdir "$sandbox" 2>/dev/null || fail "$sandbox is not reachable by the mysql and postgres users; set MYSQLHA_SANDBOX"
  mkdir -p "$elsewhere"
  ln -s "$elsewhere" "$sandbox"
  say "the clone is not reachable by the database users; sandbox placed in $elsewhere"
  sandbox="$elsewhere"
  derive_paths
}

cmd_up() {
  local started=$SECONDS fresh=() restarted=0
  mkdir -p "$sandbox"
  install_packages
  place_sandbox
  mkdir -p "$secrets"
  chmod 755 "$sandbox/"; chmod 700 "$secrets"
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1))
    if init_mariadb "$n" "${mariadb_ports[$i]}"; then fresh+=("$n"); fi
    if start_mariadb "$n" "${mariadb_ports[$i]}"; then restarted=1; fi
  done
  for n in "${fresh[@]}"; do create_mariadb_users "$n"; done
  # Servers come up read-only with replication stopped; `up` hands back the canonical topology.
  if [ "$restarted" -eq 1 ]; then arrange_replication; wait_replicas_running; fi
  start_postgres
  start_etcd
  write_env_file
  cmd_status
  say "sandbox ready in $((SECONDS - started)) s; settings in $sandbox/sandbox.env"
}

cmd_down() {
  [ -d "$sandbox" ] || { say "no sandbox at $sandbox"; return 0; }
  stop_pidfile "$etcd_dir/etcd.pid" etcd "etcd"
  if running "$pg_dir/postgres.pid" postgres; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop > /dev/null && say "stopped PostgreSQL"
    rm -f "$pg_dir/postgres.pid"
  fi
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1))
    stop_pidfile "$(mariadb_dir "$n")/mariadbd.pid" mariadbd "MariaDB $n"
  done
}

cmd_status() {
  local down=0
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1)) role
    if running "$(mariadb_dir "$n")/mariadbd.pid" mariadbd; then
      role="$(mariadb_sql "$n" "SELECT IF(@@read_only,'read-only','writable'), @@gtid_current_pos")"
      say "mariadb$n   up    127.0.0.1:${mariadb_ports[$i]}  pid $(cat "$(mariadb_dir "$n")/mariadbd.pid")  ${role//$'\t'/  gtid=}"
    else
      say "mariadb$n   down  127.0.0.1:${mariadb_ports[$i]}"; down=1
    fi
  done
  if running "$pg_dir/postgres.pid" postgres; then
    say "postgres   up    127.0.0.1:$postgres_port  pid $(cat "$pg_dir/postgres.pid")  database mysqlha"
  else say "postgres   down  127.0.0.1:$postgres_port"; down=1; fi
  if running "$etcd_dir/etcd.pid" etcd; then
    say "etcd       up    $etcd_url  pid $(cat "$etcd_dir/etcd.pid")"
  else say "etcd       down  $etcd_url"; down=1; fi
  return $down
}

cmd_reset() {
  for i in "${!mariadb_ports[@]}"; do
    start_mariadb $((i + 1)) "${mariadb_ports[$i]}" || true
  done
  arrange_replication
  if ! replicas_ready_within 10; then
    say "replication does not resume (the servers' histories diverged): rebuilding the MariaDB servers"
    rebuild_mariadb
    arrange_replication
    wait_replicas_running
  fi
  say "replication reset: mariadb1 primary, the others replicate from it"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  start-server)
    [[ "${2:-}" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le ${#mariadb_ports[@]} ] \
      || fail "start-server needs an instance number between 1 and ${#mariadb_ports[@]}"
    start_mariadb "$2" "${mariadb_ports[$(($2 - 1))]}" || say "mariadb$2 is already running" ;;
  install) mkdir -p "$sandbox"; install_packages ;;
  *) echo "usage: $0 up|down|status|reset|start-server N|install" >&2; exit 2 ;;
esac
