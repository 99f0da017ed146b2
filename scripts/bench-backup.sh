#!/usr/bin/env bash
# Backup and restore, measured (issue 16): sysbench generates 8 tables of InnoDB data on the master (default 600000
# rows each, about 1.2 GB) and the replicas catch up; then, alternating, N rounds (default 3) of mariadb-backup run by
# hand on db2 through the agent's own pipeline (same flags, xbstream, zstd -3 -T0, into a file on the same disk) and N
# backups of db2 through the saga (POST /api/clusters/{id}/backups, polled until completed); then, with the binlog
# archive on, sysbench writes for S seconds (default 60) after the last backup, and the saga restores that backup into
# db3 (stopped, its data and binlog folders emptied) and replays the archived binlogs to the latest position; db3's
# tables must then checksum as the master's.
# usage: scripts/bench-backup.sh [rounds (3)] [rows per table (600000)] [seconds of binlog writes (60)]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage="usage: scripts/bench-backup.sh [rounds (3)] [rows per table (600000)] [seconds of binlog writes (60)]"
[ $# -le 3 ] || { echo "$usage" >&2; exit 2; }
rounds="${1:-3}" rows="${2:-600000}" write_seconds="${3:-60}"
for value in "$rounds" "$rows" "$write_seconds"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench-backup.sh: every argument must be a positive number" >&2; echo "$usage" >&2; exit 2; }
done
tables=8
command -v jq > /dev/null || { echo "bench-backup.sh: needs jq (apt-get install jq)" >&2; exit 1; }

"$repo/scripts/env.sh" up > /dev/null
if ! command -v sysbench > /dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends sysbench > /dev/null
fi
sandbox="${MYSQLHA_SANDBOX:-$repo/.sandbox}"
"$repo/scripts/env.sh" reset > /dev/null
set -a; . "$sandbox/sandbox.env"; set +a
# stack.sh reaches PostgreSQL on MYSQLHA_POSTGRES_PORT; sandbox.env names it only inside the connection string.
MYSQLHA_POSTGRES_PORT="${MYSQLHA_POSTGRES_PORT:-$(grep -o 'Port=[0-9]*' <<< "$MYSQLHA_POSTGRES" | cut -d= -f2)}"
export MYSQLHA_POSTGRES_PORT
read -r -a ports <<< "$MYSQLHA_MARIADB_PORTS"
[ ${#ports[@]} -ge 3 ] || { echo "bench-backup.sh: needs three MariaDB servers (db1 master, db2 backed up, db3 restored into)" >&2; exit 1; }
# The stack's ports follow the sandbox's, so that sandboxes side by side on one machine do not collide: the default
# sandbox (3307) gets stack.sh's defaults; unless set by the caller.
offset=$((ports[0] - 3307))
export STACK_API_PORT="${STACK_API_PORT:-$((5090 + offset))}" STACK_AGENT_PORT_BASE="${STACK_AGENT_PORT_BASE:-$((7100 + offset))}" \
  STACK_PROXY_PORT="${STACK_PROXY_PORT:-$((7200 + offset))}" STACK_PROXY_READ_WRITE_PORT="${STACK_PROXY_READ_WRITE_PORT:-$((6033 + offset))}" \
  STACK_PROXY_READ_ONLY_PORT="${STACK_PROXY_READ_ONLY_PORT:-$((6034 + offset))}"
for port in "$STACK_API_PORT" $((STACK_AGENT_PORT_BASE + 1)) $((STACK_AGENT_PORT_BASE + 2)) $((STACK_AGENT_PORT_BASE + 3)) \
  "$STACK_PROXY_PORT" "$STACK_PROXY_READ_WRITE_PORT" "$STACK_PROXY_READ_ONLY_PORT"; do
  ! ss -Hltn "sport = :$port" | grep -q . || { echo "bench-backup.sh: port $port is in use (set STACK_*_PORT)" >&2; exit 1; }
done
. "$repo/scripts/lib/stack.sh"

work="$MYSQLHA_SANDBOX/bench-backup"
repository="$work/repository"
rm -rf "$work"
mkdir -p "$repository" "$work/hand"
results="$work/results.tsv"
: > "$results"
sysbench_pid=""
finish() {
  local code=$?
  [ -n "$sysbench_pid" ] && kill "$sysbench_pid" 2> /dev/null || true
  stack_stop
  "$repo/scripts/env.sh" reset > /dev/null || code=1
  # The artifacts are big; the figures and logs stay.
  rm -rf "$repository" "$work/hand"
  exit "$code"
}
trap finish EXIT

# The admin user's options, for the mariadb client and, with the data folder, for mariadb-backup: the same lines the
# agent writes (OptionFile), so the tool by hand reads what the agent's reads.
password="$(cat "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE")"
(umask 077; printf '[client]\nuser="%s"\npassword="%s"\nhost="127.0.0.1"\n' "$MYSQLHA_MARIADB_ADMIN_USER" "$password" > "$work/client.cnf")
sql() { local port="$1"; shift; mariadb --defaults-file="$work/client.cnf" -P "$port" -N -B -e "$*"; }
now() { date +%s.%N; }
# A field of the first event of a type in an audit page (the events' data keep the records' own casing).
event_field() {
  jq -c --arg type "$2" --arg field "$3" \
    'first(.events[] | select(.type == $type) | .data | to_entries[] | select(.key | ascii_downcase == ($field | ascii_downcase)) | .value)' <<< "$1" \
    | sed 's/^"\(.*\)"$/\1/'
}
seconds_between() { awk -v a="$(date -d "$1" +%s.%N)" -v b="$(date -d "$2" +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
sysbench_args=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${ports[0]}" --mysql-user="$MYSQLHA_MARIADB_ADMIN_USER"
  --mysql-password="$password" --mysql-db=sbtest --tables="$tables" --table-size="$rows")

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) memory, shared with other work (load average at start: $(cut -d' ' -f1-3 /proc/loadavg)); MariaDB $(sql "${ports[0]}" 'SELECT @@version')"

# ---------------------------------------------------------------- data
started=$(now)
sql "${ports[0]}" "CREATE DATABASE sbtest"
sysbench oltp_common "${sysbench_args[@]}" --threads=2 prepare > "$work/prepare.log"
master_gtid="$(sql "${ports[0]}" 'SELECT @@gtid_binlog_pos')"
for port in "${ports[@]:1}"; do
  [ "$(sql "$port" "SELECT MASTER_GTID_WAIT('$master_gtid', 3600)")" = 0 ] || { echo "bench-backup.sh: the replica on $port did not catch up" >&2; exit 1; }
done
data_bytes="$(du -sb "$MYSQLHA_SANDBOX/mariadb2/data/sbtest" | cut -f1)"
datadir_bytes="$(du -sb "$MYSQLHA_SANDBOX/mariadb2/data" | cut -f1)"
echo "data: $tables tables x $rows rows; sbtest on db2 $((data_bytes / 1000000)) MB, whole data folder $((datadir_bytes / 1000000)) MB; generated and replicated in $(awk -v a="$started" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
# The archive starts from the master's oldest binlog: with the load's binlog purged, it holds what follows the
# backups, not the 1 GB the replicas already applied.
sql "${ports[0]}" "FLUSH BINARY LOGS"
sql "${ports[0]}" "PURGE BINARY LOGS TO '$(sql "${ports[0]}" 'SHOW MASTER STATUS' | cut -f1)'"

# ---------------------------------------------------------------- the stack, able to back up, archive and restore
for n in 1 2 3; do
  printf '#!/bin/bash\nexport MYSQLHA_SANDBOX=%q MYSQLHA_MARIADB_PORTS=%q\nexec bash %q start-server %s\n' \
    "$MYSQLHA_SANDBOX" "$MYSQLHA_MARIADB_PORTS" "$repo/scripts/env.sh" "$n" > "$work/start-server-$n.sh"
done
stack_api_env=("MySqlHa__Backups__Repository=$repository")
stack_agent_env=("MYSQLHA_AGENT_Backup__Repository=$repository" "MYSQLHA_AGENT_Server__DefaultsFile=$MYSQLHA_SANDBOX/mariadb{n}/my.cnf"
  "MYSQLHA_AGENT_Server__DataDirectory=$MYSQLHA_SANDBOX/mariadb{n}/data" "MYSQLHA_AGENT_Server__StartCommand__0=/bin/bash"
  "MYSQLHA_AGENT_Server__StartCommand__1=$work/start-server-{n}.sh" "MYSQLHA_AGENT_BinlogArchive__Enabled=true")
stack_replicas=(2)   # db3 stays unregistered: the restore's target
stack_build src/Api src/Agent src/Proxy > "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
stack_start bench-backup bench_backup /mysqlha-bench-backup "$work/stack"

# ---------------------------------------------------------------- backup throughput, side by side
datadir2="$(sql "${ports[1]}" 'SELECT @@datadir')"
(umask 077; cp "$work/client.cnf" "$work/hand.cnf"; printf 'port=%s\n[mysqld]\ndatadir="%s"\n' "${ports[1]}" "$datadir2" >> "$work/hand.cnf")

hand_round() {
  local round="$1" lsn="$work/hand/lsn-$1" file="$work/hand/backup-$1.xb.zst" t0 t1 t2 raw stored
  mkdir -p "$lsn"
  sync; t0=$(now)
  /usr/bin/mariadb-backup --defaults-file="$work/hand.cnf" --backup --stream=xbstream --target-dir="$lsn" --extra-lsndir="$lsn" \
    2> "$work/hand/backup-$round.log" | /usr/bin/zstd -q -c -T0 -3 > "$file"
  t1=$(now)
  # What the agent does after the tool, for the like-for-like figure: the stored file hashed and tested whole.
  sha256sum "$file" > /dev/null & local hashing=$!
  /usr/bin/zstd -q -t "$file"; wait "$hashing"
  t2=$(now)
  raw="$(/usr/bin/zstd -q -dc "$file" | wc -c)"; stored="$(stat -c %s "$file")"
  rm -rf "$file" "$lsn"
  printf 'hand\t%s\t%s\t%s\t%s\t%s\n' "$round" "$raw" "$stored" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
    "$(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')" | tee -a "$results"
}

saga_backup_id=""
saga_round() {
  local round="$1" t0 t1 answer id record events
  sync; t0=$(now)
  answer="$(stack_curl -H 'Content-Type: application/json' "$api/api/clusters/$cluster/backups" -d '{"instance":"db2","compression":"zstd"}')" \
    || { echo "bench-backup.sh: POST /backups failed" >&2; exit 1; }
  id="$(jq -r .backupId <<< "$answer")"
  while record="$(stack_curl "$api/api/clusters/$cluster/backups/$id")" && [ "$(jq -r .state <<< "$record")" = running ]; do sleep 0.2; done
  t1=$(now)
  [ "$(jq -r .state <<< "$record")" = completed ] || { echo "bench-backup.sh: backup $id did not complete: $record" >&2; exit 1; }
  events="$(stack_curl "$api/api/events?operation=$id&order=asc&limit=500")"
  saga_backup_id="$id"
  # raw, stored, manifest duration (the agent's job), events (BackupStarted to BackupCompleted), wall clock (POST to
  # completed seen), id; then where the saga's time outside the job goes: BackupStarted to the job's start, and the
  # job's end to BackupCompleted
  printf 'saga\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$(jq -r .manifest.rawBytes <<< "$record")" "$(jq -r .manifest.storedBytes <<< "$record")" \
    "$(jq -r .manifest.durationSeconds <<< "$record")" \
    "$(seconds_between "$(event_field "$events" backup_started startedAt)" "$(event_field "$events" backup_completed completedAt)")" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" "$id" \
    "$(seconds_between "$(event_field "$events" backup_started startedAt)" "$(jq -r .manifest.startedAt <<< "$record")")" \
    "$(seconds_between "$(jq -r .manifest.endedAt <<< "$record")" "$(event_field "$events" backup_completed completedAt)")" | tee -a "$results"
}

echo "backup rounds (kind, round, raw bytes, stored bytes, seconds...):"
for round in $(seq 1 "$rounds"); do
  hand_round "$round"
  saga_round "$round"
done

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# MB/s (10^6 bytes of xbstream, before compression) of column $2 as seconds.
rate() { awk -F'\t' -v kind="$1" -v col="$2" '$1 == kind { printf "%.1f\n", $3 / $col / 1e6 }' "$results" | median; }
column_median() { awk -F'\t' -v kind="$1" -v col="$2" '$1 == kind { print $col }' "$results" | median; }
hand_rate="$(rate hand 5)"; hand_verified_rate="$(rate hand 6)"
saga_manifest_rate="$(rate saga 5)"; saga_events_rate="$(rate saga 6)"; saga_wall_rate="$(rate saga 7)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---------------------------------------------------------------- restore and point-in-time replay
backup_record="$(stack_curl "$api/api/clusters/$cluster/backups/$saga_backup_id")"
backup_raw="$(jq -r .manifest.rawBytes <<< "$backup_record")"
binlog_bytes() { sql "${ports[0]}" 'SHOW BINARY LOGS' | awk '{ s += $2 } END { print s }'; }
sequence() { tr ',' '\n' <<< "$1" | awk -F- '$1 == 0 { print $3 }'; }
gtid_before="$(sql "${ports[0]}" 'SELECT @@gtid_binlog_pos')"; bytes_before="$(binlog_bytes)"
sysbench oltp_write_only "${sysbench_args[@]}" --threads=2 --time="$write_seconds" --report-interval=0 run > "$work/write.log" &
sysbench_pid=$!
wait "$sysbench_pid"; sysbench_pid=""
written=$(now)
gtid_after="$(sql "${ports[0]}" 'SELECT @@gtid_binlog_pos')"; bytes_after="$(binlog_bytes)"
transactions=$(($(sequence "$gtid_after") - $(sequence "$gtid_before")))
replay_bytes=$((bytes_after - bytes_before))
checksums() { sql "$1" "CHECKSUM TABLE $(seq -s, -f 'sbtest.sbtest%g' 1 "$tables")" | cut -f2 | paste -sd,; }
rows_of() { sql "$1" "SELECT $(seq -s+ -f '(SELECT COUNT(*) FROM sbtest.sbtest%g)' 1 "$tables")"; }
master_checksums="$(checksums "${ports[0]}")"; master_rows="$(rows_of "${ports[0]}")"
echo "binlog written after backup $saga_backup_id: $write_seconds s of sysbench oltp_write_only (2 threads), $transactions transactions, $replay_bytes bytes ($gtid_before to $gtid_after)"

token="$(cat "$MYSQLHA_SANDBOX/secrets/agent.token")"
archived() {
  local n status
  for n in 1 2 3; do
    status="$(curl -fs -H "Authorization: Bearer $token" "$(stack_agent_url "$n")/archive")" || continue
    jq -e --argjson last "$(sequence "$gtid_after")" 'any(.archived[]; .domain == 0 and .last >= $last) and (.gaps | length == 0)' \
      <<< "$status" > /dev/null && return 0
  done
  return 1
}
for _ in $(seq 1 1200); do archived && break; sleep 0.5; done
archived || { echo "bench-backup.sh: the archive does not reach $gtid_after after 10 minutes" >&2; exit 1; }
archive_lag="$(awk -v a="$written" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"

# db3 as an operator prepares a restore target: its server stopped, its data and binlog folders emptied.
pid="$(cat "$MYSQLHA_SANDBOX/mariadb3/mariadbd.pid")"
kill -TERM "$pid"
for _ in $(seq 1 600); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
[ ! -d "/proc/$pid" ] || { echo "bench-backup.sh: db3's server did not stop" >&2; exit 1; }
find "$MYSQLHA_SANDBOX/mariadb3/data" "$MYSQLHA_SANDBOX/mariadb3/binlog" -mindepth 1 -delete

t0=$(now)
answer="$(stack_curl -H 'Content-Type: application/json' "$api/api/clusters/$cluster/restores" \
  -d "{\"instance\":\"db3\",\"backupId\":\"$saga_backup_id\",\"toLatest\":true}")" || { echo "bench-backup.sh: POST /restores failed" >&2; exit 1; }
restore_id="$(jq -r .restoreId <<< "$answer")"
while record="$(stack_curl "$api/api/clusters/$cluster/restores/$restore_id")" && [ "$(jq -r .state <<< "$record")" = running ]; do sleep 0.2; done
restore_wall="$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
[ "$(jq -r .state <<< "$record")" = completed ] || { echo "bench-backup.sh: restore $restore_id did not complete: $record" >&2; exit 1; }
events="$(stack_curl "$api/api/events?operation=$restore_id&order=asc&limit=500")"
restore_seconds="$(seconds_between "$(event_field "$events" restore_started startedAt)" "$(event_field "$events" backup_restored restoredAt)")"
replay_seconds="$(seconds_between "$(event_field "$events" backup_restored restoredAt)" "$(event_field "$events" binlogs_replayed replayedAt)")"
replayed_files="$(event_field "$events" binlogs_replayed binlogKeys | jq length)"
restored_checksums="$(checksums "${ports[2]}")"; restored_rows="$(rows_of "${ports[2]}")"
restored_gtid="$(sql "${ports[2]}" 'SELECT @@gtid_current_pos')"
verified=no
[ "$restored_checksums" = "$master_checksums" ] && [ "$restored_rows" = "$master_rows" ] && verified=yes
printf 'restore\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backup_raw" "$restore_seconds" "$replay_bytes" "$transactions" "$replay_seconds" \
  "$restore_wall" "$archive_lag" "$verified" "$restore_id" >> "$results"

# ---------------------------------------------------------------- report
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| backup of db2 (${rounds} rounds each, alternating; medians) | MB/s | ratio saga / hand |"
echo "| --- | --- | --- |"
echo "| by hand: mariadb-backup --stream=xbstream \\| zstd -q -c -T0 -3 > file | $hand_rate | - |"
echo "| by hand, then the file hashed (SHA-256) and tested (zstd -t) after it (the agent hashes while it writes) | $hand_verified_rate | - |"
echo "| saga, the agent's job (manifest durationSeconds) | $saga_manifest_rate | $(ratio "$saga_manifest_rate" "$hand_rate") ($(ratio "$saga_manifest_rate" "$hand_verified_rate") against hand + verification) |"
echo "| saga, BackupStarted to BackupCompleted (events) | $saga_events_rate | $(ratio "$saga_events_rate" "$hand_rate") |"
echo "| saga, POST to completed seen by polling (wall clock) | $saga_wall_rate | $(ratio "$saga_wall_rate" "$hand_rate") |"
echo "the saga outside the agent's job, medians: BackupStarted to the job's start $(column_median saga 9) s, the job's end to BackupCompleted $(column_median saga 10) s"
echo "raw (xbstream) bytes, median: hand $(column_median hand 3), saga $(column_median saga 3); stored (zstd): hand $(column_median hand 4), saga $(column_median saga 4)"
echo
echo "| restore of backup $saga_backup_id into db3, toLatest | bytes | seconds | MB/s |"
echo "| --- | --- | --- | --- |"
echo "| full restore (RestoreStarted to BackupRestored: decompress, mbstream, prepare, move-back, server start) | $backup_raw | $restore_seconds | $(awk -v b="$backup_raw" -v s="$restore_seconds" 'BEGIN { printf "%.1f", b / s / 1e6 }') |"
echo "| binlog replay (BackupRestored to BinlogsReplayed: $transactions transactions, $replayed_files archived file(s)) | $replay_bytes | $replay_seconds | $(awk -v b="$replay_bytes" -v s="$replay_seconds" 'BEGIN { printf "%.1f", b / s / 1e6 }') ($(awk -v t="$transactions" -v s="$replay_seconds" 'BEGIN { printf "%.0f", t / s }') transactions/s) |"
echo "| whole restore, POST to completed seen (wall clock) | | $restore_wall | |"
echo "archive: held the last write ${archive_lag} s after the writes ended"
echo "verified: db3 $restored_gtid, $restored_rows rows, CHECKSUM TABLE $restored_checksums; master $gtid_after, $master_rows rows, $master_checksums: $([ "$verified" = yes ] && echo equal || echo DIFFERENT)"
echo "per round and restore: $results"
[ "$verified" = yes ] || { echo "bench-backup.sh: the restored instance differs from the master" >&2; exit 1; }
