#!/usr/bin/env bash
# The MySqlHa sandbox: three MariaDB servers (one primary, two GTID replicas), a private PostgreSQL cluster and
# one etcd member, all on 127.0.0.1, all under one working folder that git ignores.
#
#   scripts/env.sh up       install what is missing, start what is not running, print where everything is; the
#                           canonical topology is arranged on the first start only: after that, `up` never changes
#                           a server's role, replication or read_only (a restarted server comes back read-only with
#                           replication stopped, as a crashed server does)
#   scripts/env.sh down     stop exactly the processes this script started (by pid file)
#   scripts/env.sh status   print what runs and where; exit 1 if anything is down
#   scripts/env.sh reset    the one command that restores the canonical topology: every server started (a frozen one
#                           resumed), its client sessions ended, its data, users, binary logs and GTID history wiped
#                           (the sandbox's own users kept), instance 1 the writable primary and the others its
#                           replicas; returns when every server accepts the admin and replication users over TCP and
#                           the replicas have applied a fresh write of the primary. A server that cannot be wiped is
#                           re-created from nothing.
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
  api_secrets="$sandbox/api-secrets"
  tls_dir="$sandbox/tls"
  pg_dir="$sandbox/postgres"
  etcd_dir="$sandbox/etcd"
}
derive_paths

say() { printf '%s\n' "$*"; }
fail() { printf 'env.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- installation
packages=(mariadb-server mariadb-client mariadb-backup zstd postgresql etcd-server etcd-client haproxy sysbench
          procps iproute2 openssl iptables chromium)

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

# A CA of the sandbox's own and a certificate for 127.0.0.1 that every MariaDB server presents, so that clients can
# verify the server (SslMode VerifyFull with the CA), as production should.
make_tls() {
  [ -s "$tls_dir/server.crt" ] && return 0
  mkdir -p "$tls_dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=mysqlha-sandbox-ca \
    -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.crt" 2> /dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2> /dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > "$tls_dir/server.ext"
  openssl x509 -req -days 3650 -in "$tls_dir/server.csr" -CA "$tls_dir/ca.crt" -CAkey "$tls_dir/ca.key" -CAcreateserial \
    -extfile "$tls_dir/server.ext" -out "$tls_dir/server.crt" 2> /dev/null
  chmod 755 "$tls_dir"; chmod 600 "$tls_dir/ca.key" "$tls_dir/server.key"; chown mysql:mysql "$tls_dir/server.key"
}

# The TLS lines of a server's configuration, once the sandbox has its certificates.
mariadb_tls_config() {
  [ -s "$tls_dir/server.crt" ] || return 0
  printf 'ssl-ca=%s\nssl-cert=%s\nssl-key=%s\n' "$tls_dir/ca.crt" "$tls_dir/server.crt" "$tls_dir/server.key"
}

write_mariadb_config() {
  local n="$1" port="$2" dir
  dir="$(mariadb_dir "$n")"
  cat > "$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/mysqld.sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
# A folder of its own for temporary files: servers of two sandboxes starting at once on a shared /tmp remove each
# other's files (a bootstrap then fails on its own temporary table).
tmpdir=$dir/tmp
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
$(mariadb_tls_config)
# Every managed server starts read-only: only the controller makes a primary writable, so a crashed
# primary that restarts cannot take writes behind the controller's back.
read-only=ON
innodb-buffer-pool-size=64M
innodb-log-file-size=48M
performance-schema=OFF
max-connections=500
skip-slave-start=ON
# A replica notices a hung (not dead) primary only when the connection goes quiet for this long; the default (60 s)
# would hold failure detection back a minute. 1 s is the least MariaDB takes. Heartbeats default to half of it
# (0.5 s, fixed when replication is set up), so an idle primary's connections stay up. The price: a replica
# reconnects after 1 s of silence, so a primary stalled that long (its disk, a debugger) sees its replicas drop and
# come back, harmlessly (they resume from their GTID position). It does not make a slow primary fail over: that also
# takes its agent reporting mysqld down (its process stopped, or gone) and the controller losing it for 1 s.
slave-net-timeout=1
CNF
}

mariadb_sql() {  # mariadb_sql N "statements"  (as root over the socket)
  mariadb --no-defaults --protocol=socket -S "$(mariadb_sock "$1")" -uroot -N -B -e "$2"
}

init_mariadb() {
  local n="$1" port="$2" dir
  dir="$(mariadb_dir "$n")"
  [ -d "$dir/data/mysql" ] && return 1
  mkdir -p "$dir/data" "$dir/binlog" "$dir/tmp"
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
  mkdir -p "$dir/tmp"
  write_mariadb_config "$n" "$port"
  chown -R mysql:mysql "$dir"
  setsid mariadbd --defaults-file="$dir/my.cnf" < /dev/null > /dev/null 2>&1 &
  # A server that dies while starting (InnoDB can assert in crash recovery after a kill -9) is reported at once.
  for _ in $(seq 1 600); do
    mariadb_sql "$n" "SELECT 1" > /dev/null 2>&1 && return 0
    pgrep -f -- "--defaults-file=$dir/my.cnf" > /dev/null || fail "MariaDB $n on port $port exited while starting (see $dir/error.log)"
    sleep 0.1
  done
  fail "MariaDB $n on port $port did not become ready within 60s"
}

create_mariadb_users() {
  local n="$1" admin_password repl_password
  admin_password="$(secret mariadb-admin.password)"
  repl_password="$(secret mariadb-repl.password)"
  # Outside the binary log on every server, so replication starts from an empty GTID history. ALTER USER puts the
  # passwords back should a test have changed them.
  mariadb_sql "$n" "SET SESSION sql_log_bin=0;
    CREATE USER IF NOT EXISTS '$admin_user'@'127.0.0.1' IDENTIFIED BY '$admin_password';
    CREATE USER IF NOT EXISTS '$admin_user'@'localhost' IDENTIFIED BY '$admin_password';
    ALTER USER '$admin_user'@'127.0.0.1' IDENTIFIED BY '$admin_password' ACCOUNT UNLOCK;
    ALTER USER '$admin_user'@'localhost' IDENTIFIED BY '$admin_password' ACCOUNT UNLOCK;
    GRANT ALL PRIVILEGES ON *.* TO '$admin_user'@'127.0.0.1' WITH GRANT OPTION;
    GRANT ALL PRIVILEGES ON *.* TO '$admin_user'@'localhost' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS '$repl_user'@'127.0.0.1' IDENTIFIED BY '$repl_password';
    ALTER USER '$repl_user'@'127.0.0.1' IDENTIFIED BY '$repl_password' ACCOUNT UNLOCK;
    GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '$repl_user'@'127.0.0.1';
    FLUSH PRIVILEGES;"
}

# Stops replication on server N and makes it read-only; semi-sync goes off first (an applier waiting for an
# acknowledgement would hold STOP SLAVE).
stop_replication() {
  mariadb_sql "$1" "SET GLOBAL read_only=ON;
    SET GLOBAL rpl_semi_sync_master_enabled=OFF; SET GLOBAL rpl_semi_sync_slave_enabled=OFF;
    SET GLOBAL rpl_semi_sync_master_timeout=10000; SET GLOBAL rpl_semi_sync_master_wait_no_slave=ON;
    STOP SLAVE; RESET SLAVE ALL;"
}

# Puts server N, replication stopped everywhere, back to an empty history: every client session ended (they may hold
# locks or keep writing), every database and user that is not the server's or the sandbox's own dropped, binary logs
# and GTID positions reset.
wipe_mariadb() {
  local n="$1" sessions statements
  sessions="$(mariadb_sql "$n" "SELECT GROUP_CONCAT(id) FROM information_schema.processlist
    WHERE id <> CONNECTION_ID() AND user NOT IN ('system user', 'event_scheduler') AND command <> 'Daemon'")" || return 1
  if [ -n "$sessions" ] && [ "$sessions" != "NULL" ]; then
    for id in ${sessions//,/ }; do mariadb_sql "$n" "KILL CONNECTION $id" 2>/dev/null || true; done
  fi
  statements="$(mariadb_sql "$n" "SELECT CONCAT('DROP DATABASE \`', schema_name, '\`;') FROM information_schema.schemata
      WHERE schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys');
    SELECT CONCAT('DROP USER ', QUOTE(user), '@', QUOTE(host), ';') FROM mysql.user
      WHERE is_role = 'N' AND user NOT IN ('root', 'mysql', 'mariadb.sys', '$admin_user', '$repl_user')")" || return 1
  # A killed session may still be rolling back and hold a lock for a moment: the drops wait for it, not for ever.
  mariadb_sql "$n" "SET SESSION sql_log_bin=0; SET SESSION lock_wait_timeout=30; $statements
    RESET MASTER; SET GLOBAL gtid_slave_pos='';" || return 1
  create_mariadb_users "$n"
}

# The canonical sandbox topology: instance 1 is the writable primary, every other instance replicates from it
# with GTID auto-positioning. Used on first start and by `reset`, on servers with replication stopped.
arrange_replication() {
  local primary_port="${mariadb_ports[0]}" repl_password
  repl_password="$(secret mariadb-repl.password)"
  mariadb_sql 1 "SET GLOBAL read_only=OFF;"
  for i in "${!mariadb_ports[@]}"; do
    [ "$i" -eq 0 ] && continue
    mariadb_sql $((i + 1)) "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary_port, MASTER_USER='$repl_user',
        MASTER_PASSWORD='$repl_password', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
      START SLAVE;"
  done
}

# Logs in over TCP as a client would (the controller and the replicas do): the user exists for 127.0.0.1 and the
# password in the secret file is its password.
accepts_login() {
  local port="$1" user="$2" password_file="$3"
  MYSQL_PWD="$(cat "$password_file")" mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u "$user" -N -B \
    -e "SELECT 1" > /dev/null 2>&1
}

# Fails with a message naming what is wrong unless the sandbox is in the canonical shape: every server accepts both
# users over TCP, instance 1 is writable, the others are read-only and apply a fresh write of instance 1.
check_canonical() {
  local position
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1)) port="${mariadb_ports[$i]}"
    accepts_login "$port" "$admin_user" "$secrets/mariadb-admin.password" \
      || fail "mariadb$n does not accept $admin_user over 127.0.0.1:$port"
    accepts_login "$port" "$repl_user" "$secrets/mariadb-repl.password" \
      || fail "mariadb$n does not accept $repl_user over 127.0.0.1:$port"
    [ "$(mariadb_sql "$n" "SELECT @@read_only")" = "$([ "$n" -eq 1 ] && echo 0 || echo 1)" ] \
      || fail "mariadb$n has read_only=$(mariadb_sql "$n" "SELECT @@read_only"), not the canonical value"
  done
  mariadb_sql 1 "CREATE DATABASE IF NOT EXISTS mysqlha_sandbox;
    CREATE TABLE IF NOT EXISTS mysqlha_sandbox.heartbeat (id INT PRIMARY KEY, beat DATETIME(6) NOT NULL);
    REPLACE INTO mysqlha_sandbox.heartbeat VALUES (1, NOW(6))" || fail "mariadb1 does not take a write"
  position="$(mariadb_sql 1 "SELECT @@gtid_binlog_pos")"
  for i in "${!mariadb_ports[@]}"; do
    [ "$i" -eq 0 ] && continue
    local n=$((i + 1))
    [ "$(mariadb_sql "$n" "SELECT MASTER_GTID_WAIT('$position', 30)")" = "0" ] \
      || fail "mariadb$n did not apply mariadb1's position $position within 30 s: $(replication_error "$n")"
  done
}

replication_error() {
  mariadb_sql "$1" "SHOW SLAVE STATUS\G" 2>&1 | grep -E "Slave_(IO|SQL)_Running:|Last_(IO|SQL)_Error:" | tr -s ' \n' ' '
}

# Wipes and re-creates MariaDB server N: the way back for a server that cannot be wiped in place.
rebuild_mariadb() {
  local n="$1" port="$2"
  stop_pidfile "$(mariadb_dir "$n")/mariadbd.pid" mariadbd "MariaDB $n" > /dev/null
  rm -rf "$(mariadb_dir "$n")"
  init_mariadb "$n" "$port"
  start_mariadb "$n" "$port"
  create_mariadb_users "$n"
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
# The Api's secrets folder (MySqlHa:Secrets:Folder) holds only what an operator may name in a registration, the
# MariaDB passwords: never the PostgreSQL password or a token, which a registration could otherwise send to a server.
write_api_secrets() {
  local name
  mkdir -p "$api_secrets"
  chmod 700 "$api_secrets"
  for name in mariadb-admin.password mariadb-repl.password; do install -m 600 "$secrets/$name" "$api_secrets/$name"; done
}

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
    echo "MYSQLHA_API_SECRETS='$api_secrets'"
    echo "MYSQLHA_MARIADB_CA='$tls_dir/ca.crt'"
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
  elsewhere="/var/tmp/mysqlha-sandbox-$(printf '%s' "$sandbox" | md5sum | cut -c1-12)"
  rmdir "$sandbox" 2>/dev/null || fail "$sandbox is not reachable by the mysql and postgres users; set MYSQLHA_SANDBOX"
  mkdir -p "$elsewhere"
  ln -s "$elsewhere" "$sandbox"
  say "the clone is not reachable by the database users; sandbox placed in $elsewhere"
  sandbox="$elsewhere"
  derive_paths
}

cmd_up() {
  local started=$SECONDS restarted=()
  mkdir -p "$sandbox"
  install_packages
  place_sandbox
  mkdir -p "$secrets"
  chmod 755 "$sandbox/"; chmod 700 "$secrets"
  make_tls
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1))
    if init_mariadb "$n" "${mariadb_ports[$i]}"; then
      start_mariadb "$n" "${mariadb_ports[$i]}"
      create_mariadb_users "$n"
    elif start_mariadb "$n" "${mariadb_ports[$i]}"; then
      restarted+=("mariadb$n")
    fi
  done
  # The canonical topology is arranged once, when the sandbox is first made. Later, `up` leaves every server's role,
  # replication and read_only as it finds them: a controller may have moved the master since.
  if [ ! -e "$sandbox/arranged" ]; then
    for i in "${!mariadb_ports[@]}"; do stop_replication $((i + 1)); done
    arrange_replication
    check_canonical
    touch "$sandbox/arranged"
  elif [ ${#restarted[@]} -gt 0 ]; then
    say "started ${restarted[*]}: read-only with replication stopped, as a crashed server restarts (scripts/env.sh reset restores the canonical topology)"
  fi
  start_postgres
  start_etcd
  write_api_secrets
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
  [ -d "$sandbox/secrets" ] || fail "no sandbox at $sandbox: run scripts/env.sh up first"
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1)) pidfile
    pidfile="$(mariadb_dir "$n")/mariadbd.pid"
    # A server a test froze (SIGSTOP) is resumed; a stopped one is started.
    running "$pidfile" mariadbd && kill -CONT "$(cat "$pidfile")"
    # A server that cannot start any more (its data damaged by a kill -9) is made again from empty data.
    if ! (start_mariadb "$n" "${mariadb_ports[$i]}" || mariadb_sql "$n" "SELECT 1" > /dev/null 2>&1); then
      say "mariadb$n does not start: re-creating it"
      rebuild_mariadb "$n" "${mariadb_ports[$i]}"
    fi
  done
  for i in "${!mariadb_ports[@]}"; do
    stop_replication $((i + 1)) || true
  done
  for i in "${!mariadb_ports[@]}"; do
    local n=$((i + 1))
    if ! { stop_replication "$n" && wipe_mariadb "$n"; }; then
      say "mariadb$n cannot be wiped in place: re-creating it"
      rebuild_mariadb "$n" "${mariadb_ports[$i]}"
    fi
  done
  arrange_replication
  check_canonical
  touch "$sandbox/arranged"
  say "reset: mariadb1 the writable primary, the others its replicas, all from empty data; every server accepts both users"
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
