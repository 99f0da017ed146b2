#!/usr/bin/env bash
# The proxy's data path beside HAProxy: sysbench from Debian, in one run, straight to the sandbox primary, through
# src/Proxy (Release, its own process, following a static topology published in etcd) and through HAProxy in TCP
# mode. oltp_point_select and oltp_read_write at 1, 16 and 64 threads on four 10,000-row tables; throughput and
# p95/p99 latency as ratios to direct; CPU of each proxy per 100,000 forwarded queries (user+sys from
# /proc/PID/stat around each cell) and of the whole machine (every process, kernel threads and interrupts included,
# from /proc/stat: what the kernel does for a proxy outside its process counts there); resident memory with 1,000 idle client sessions open. Prints a markdown table
# and writes it, with the date and machine notes, to docs/benchmarks/proxy.md.
#
#   scripts/bench-proxy.sh          BENCH_SECONDS (20) per cell, in BENCH_ROUNDS (4) turns per path,
#                                   BENCH_THREADS ("1 16 64"), BENCH_TESTS (both),
#                                   BENCH_IDLE (1000) idle sessions, BENCH_PIN=1 pins load and proxies to cores,
#                                   BENCH_OUTPUT (docs/benchmarks/proxy.md; "-" prints only)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${BENCH_SECONDS:-20}"
rounds="${BENCH_ROUNDS:-4}"
read -r -a thread_counts <<< "${BENCH_THREADS:-1 16 64}"
read -r -a tests <<< "${BENCH_TESTS:-oltp_point_select oltp_read_write}"
idle="${BENCH_IDLE:-1000}"
output="${BENCH_OUTPUT:-$repo/docs/benchmarks/proxy.md}"
fail() { echo "bench-proxy.sh: $*" >&2; exit 1; }

for tool in sysbench haproxy etcdctl mariadb taskset dotnet curl; do
  command -v "$tool" > /dev/null || fail "$tool is not installed (scripts/env.sh up installs the Debian packages)"
done
"$repo/scripts/env.sh" up > /dev/null || fail "the sandbox did not come up (scripts/env.sh up)"
"$repo/scripts/env.sh" reset > /dev/null || fail "the sandbox could not be reset to its canonical topology (scripts/env.sh reset)"
sandbox="${MYSQLHA_SANDBOX:-$repo/.sandbox}"
set -a; . "$sandbox/sandbox.env"; set +a
for project in src/Proxy benchmarks/IdleConnections; do
  dotnet build "$repo/$project" -c Release --nologo -v quiet -clp:ErrorsOnly > /dev/null || fail "building $project failed"
done

run_dir="$MYSQLHA_SANDBOX/bench-proxy"
mkdir -p "$run_dir"
read -r -a mariadb_ports <<< "$MYSQLHA_MARIADB_PORTS"
primary="${mariadb_ports[0]}"
proxy_port=6133 haproxy_port=6135 proxy_http=7300
prefix=/mysqlha-bench-proxy
# Two sockets per idle session in each proxy (client and server side), one in the load generator.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $((idle * 2 + 100)) ] || fail "open files limit $(ulimit -n) is too low for $idle idle sessions"

admin() { MYSQL_PWD="$(cat "$MYSQLHA_MARIADB_ADMIN_PASSWORD_FILE")" mariadb --no-defaults -h 127.0.0.1 -P "$primary" -u "$MYSQLHA_MARIADB_ADMIN_USER" -N -B -e "$1"; }

# The load's user is an application's: its own database, no SUPER.
bench_user=mysqlha_sysbench
password_file="$run_dir/sysbench.password"
[ -s "$password_file" ] || { umask 077; openssl rand -hex 12 > "$password_file"; }
bench_password="$(cat "$password_file")"
max_connections="$(admin "SELECT @@max_connections")" || fail "cannot reach the sandbox primary on port $primary"
admin "CREATE DATABASE IF NOT EXISTS sbtest_proxy;
  CREATE OR REPLACE USER '$bench_user'@'127.0.0.1' IDENTIFIED BY '$bench_password';
  GRANT ALL PRIVILEGES ON sbtest_proxy.* TO '$bench_user'@'127.0.0.1';
  SET GLOBAL max_connections = GREATEST(@@max_connections, $((idle + 200)));" || fail "cannot create the bench user and database"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  wait 2> /dev/null || true
  admin "SET GLOBAL max_connections = $max_connections" 2> /dev/null || true
  ETCDCTL_API=3 etcdctl --endpoints="$MYSQLHA_ETCD" del --prefix "$prefix/" > /dev/null 2>&1 || true
}
trap cleanup EXIT

# With BENCH_PIN=1 the load generator has core 0 and each proxy core 1 (the servers stay where the kernel puts them).
pin_load=() pin_proxy=()
if [ "${BENCH_PIN:-0}" = 1 ]; then pin_load=(taskset -c 0); pin_proxy=(taskset -c 1); fi

ETCDCTL_API=3 etcdctl --endpoints="$MYSQLHA_ETCD" put "$prefix/clusters/bench/topology" \
  "{\"cluster\":\"bench\",\"version\":1,\"state\":\"serving\",\"epoch\":1,
    \"master\":{\"containers\":[{\"container_ip\":\"127.0.0.1\",\"container_port\":$primary,\"name\":\"db1\"}]},
    \"slave\":{\"containers\":[]}}" > /dev/null || fail "cannot publish the bench topology in etcd ($MYSQLHA_ETCD)"
MYSQLHA_PROXY_Etcd__Endpoint="$MYSQLHA_ETCD" MYSQLHA_PROXY_Etcd__Prefix="$prefix" MYSQLHA_PROXY_Clusters__0__Name=bench \
  MYSQLHA_PROXY_Clusters__0__ReadWrite="127.0.0.1:$proxy_port" MYSQLHA_PROXY_MaxHeldConnections=2000 \
  ASPNETCORE_URLS="http://127.0.0.1:$proxy_http" Logging__LogLevel__Default=Warning \
  env Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
  "${pin_proxy[@]}" dotnet "$repo/src/Proxy/bin/Release/net10.0/MySqlHa.Proxy.dll" > "$run_dir/proxy.log" 2>&1 &
proxy_pid=$!
pids+=("$proxy_pid")

cat > "$run_dir/haproxy.cfg" <<CFG
# Generated by scripts/bench-proxy.sh: TCP mode, default threads, one server, as plain as our proxy.
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 2s
  timeout client 1h
  timeout server 1h
listen mysql
  bind 127.0.0.1:$haproxy_port
  server db1 127.0.0.1:$primary
CFG
"${pin_proxy[@]}" haproxy -db -f "$run_dir/haproxy.cfg" > "$run_dir/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")

for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$proxy_http/healthz" > /dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$proxy_http/healthz" > /dev/null || fail "the proxy never became healthy (log: $run_dir/proxy.log)"
kill -0 "$haproxy_pid" 2> /dev/null || fail "HAProxy did not start (log: $run_dir/haproxy.log)"

port_of() { case "$1" in direct) echo "$primary" ;; proxy) echo "$proxy_port" ;; haproxy) echo "$haproxy_port" ;; esac; }
pid_of() { case "$1" in proxy) echo "$proxy_pid" ;; haproxy) echo "$haproxy_pid" ;; *) echo "" ;; esac; }
# user+sys clock ticks of a process, every thread included (fields 14 and 15 of /proc/PID/stat, after the name).
cpu_ticks() { [ -n "$1" ] && awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" || echo 0; }
# Busy clock ticks of the whole machine: user, nice, system, irq, softirq and steal of every core.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
ticks_per_second="$(getconf CLK_TCK)"
# Said when a cell fails: whether a proxy process has gone, and where its own log is.
gone_note() {
  kill -0 "$proxy_pid" 2> /dev/null || printf '; our proxy has exited (log: %s)' "$run_dir/proxy.log"
  kill -0 "$haproxy_pid" 2> /dev/null || printf '; HAProxy has exited (log: %s)' "$run_dir/haproxy.log"
}

sysbench_on() {  # test port command [options]: sysbench against the bench tables
  local test="$1" port="$2" command="$3"; shift 3
  "${pin_load[@]}" sysbench "$test" --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user="$bench_user" \
    --mysql-password="$bench_password" --mysql-db=sbtest_proxy --mysql-ssl=off --tables=4 --table-size=10000 "$@" "$command"
}
sysbench_run() {  # test port threads seconds  -> sysbench's report on stdout
  sysbench_on "$1" "$2" run --threads="$3" --time="$4" --histogram=on --report-interval=0
}

echo "preparing four 10,000-row tables in sbtest_proxy"
sysbench_on oltp_read_write "$primary" cleanup > /dev/null
sysbench_on oltp_read_write "$primary" prepare > "$run_dir/prepare.log" || fail "sysbench prepare failed (log: $run_dir/prepare.log)"

# A short warm-up through each path: JIT, connection paths and the buffer pool, before anything is measured.
for target in direct proxy haproxy; do
  sysbench_run oltp_point_select "$(port_of "$target")" 16 5 > /dev/null || fail "sysbench through $target failed in the warm-up"
done

results="$run_dir/results.tsv"
: > "$results"
rm -f "$run_dir"/oltp_*.log
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
per_run=$(( (seconds + rounds - 1) / rounds ))
for test in "${tests[@]}"; do
  for threads in "${thread_counts[@]}"; do
    # The three paths take turns, several short runs each, so that drift on a shared machine touches all three alike.
    declare -A ticks=([direct]=0 [proxy]=0 [haproxy]=0) machine=([direct]=0 [proxy]=0 [haproxy]=0)
    for round in $(seq 1 "$rounds"); do
      for target in direct proxy haproxy; do
        pid="$(pid_of "$target")"
        before="$(cpu_ticks "$pid")" machine_before="$(machine_ticks)"
        sysbench_run "$test" "$(port_of "$target")" "$threads" "$per_run" > "$run_dir/$test-$threads-$target-$round.log" \
          || fail "sysbench $test through $target at $threads threads failed (log: $run_dir/$test-$threads-$target-$round.log)$(gone_note)"
        ticks[$target]=$(( ticks[$target] + $(cpu_ticks "$pid") - before ))
        machine[$target]=$(( machine[$target] + $(machine_ticks) - machine_before ))
      done
    done
    for target in direct proxy haproxy; do
      # Queries and time add up over the runs; the histograms too (sysbench's buckets are fixed), for the percentiles.
      awk -v test="$test" -v threads="$threads" -v target="$target" -v ticks="${ticks[$target]}" -v machine="${machine[$target]}" -v hz="$ticks_per_second" '
        /^ *queries:/ { queries += $2 }
        /^ *total time:/ { time += $3 + 0 }
        /^Latency histogram/ { histogram = 1; next }
        histogram && /^ *[0-9.]+ \|/ { if (!($1 in count)) value[++n] = $1; count[$1] += $NF; total += $NF; next }
        histogram && /^ *value/ { next }
        histogram { histogram = 0 }
        function percentile(p,   seen, i, j, v, t) {
          for (i = 2; i <= n; i++) for (j = i; j > 1 && value[j - 1] + 0 > value[j] + 0; j--) { t = value[j]; value[j] = value[j - 1]; value[j - 1] = t }
          for (i = 1; i <= n; i++) { seen += count[value[i]]; if (seen >= p * total) return value[i] }
          return value[n]
        }
        END {
          if (queries == 0 || total == 0 || time == 0) { print "no figures from sysbench" > "/dev/stderr"; exit 1 }
          printf "%s\t%s\t%s\t%.1f\t%.3f\t%.3f\t%.4f\t%.4f\n", test, threads, target, queries / time, percentile(0.95), percentile(0.99),
            ticks / hz / queries * 100000, machine / hz / queries * 100000
        }' "$run_dir/$test-$threads-$target"-*.log >> "$results" || fail "cannot read sysbench's reports ($run_dir/$test-$threads-$target-*.log)"
      echo "  $(tail -1 "$results" | tr '\t' ' ')"
    done
  done
done

idle_memory() {  # target -> "rss-before rss-with-sessions sessions"
  dotnet "$repo/benchmarks/IdleConnections/bin/Release/net10.0/MySqlHa.Benchmarks.IdleConnections.dll" \
    "$(port_of "$1")" "$bench_user" "$password_file" "$idle" "$(pid_of "$1")" || fail "holding $idle idle sessions through $1 failed"
}
echo "opening $idle idle sessions through each proxy"
read -r proxy_rss_before proxy_rss proxy_sessions proxy_anon <<< "$(idle_memory proxy)"
read -r haproxy_rss_before haproxy_rss haproxy_sessions haproxy_anon <<< "$(idle_memory haproxy)"

# ---------------------------------------------------------------- the report
table="$(awk -F'\t' -f "$repo/scripts/bench-proxy-table.awk" "$results")"
memory_row() {  # name rss-before rss sessions anon (kB)
  awk -v name="$1" -v b="$2" -v r="$3" -v s="$4" -v a="$5" \
    'BEGIN { printf "| %s | %.1f | %.1f | %.1f | %.1f |\n", name, b / 1024, r / 1024, a / 1024, (r - b) / s }'
}
memory="| process | RSS before, MB | RSS with $idle idle sessions, MB | of which anonymous, MB | per session, kB |
| --- | ---: | ---: | ---: | ---: |
$(memory_row "our proxy" "$proxy_rss_before" "$proxy_rss" "$proxy_sessions" "$proxy_anon")
$(memory_row HAProxy "$haproxy_rss_before" "$haproxy_rss" "$haproxy_sessions" "$haproxy_anon")"
notes="$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ { print $2 }') GB;
MariaDB $(admin "SELECT VERSION()"),
$(sysbench --version), $(haproxy -v | head -1 | cut -d' ' -f1-3), .NET $(dotnet --version), Linux $(uname -r);
$seconds s per cell and path, in $rounds turns of $per_run s taken in turn with the other paths, after a 5 s warm-up per path; $([ "${BENCH_PIN:-0}" = 1 ] && echo "sysbench pinned to core 0, each proxy to core 1" || echo "no pinning");
load average at the start $load_at_start (the machine is shared: other work runs beside the benchmark)."

report="# Proxy data path: direct, through src/Proxy, through HAProxy

Written by \`scripts/bench-proxy.sh\`. Throughput (queries per second) and latency percentiles of the proxies are
ratios to direct (throughput above 1 is better, latency below 1 is better). CPU is user+sys seconds per 100,000
forwarded queries: of the proxy process, and of the whole machine (sysbench, MariaDB, the proxy, kernel threads and
interrupts), whose excess over direct is what the proxy costs in all, wherever the kernel does its work.

$notes

$table

Memory with idle client sessions (authenticated MySQL sessions, each with its server connection), measured after the
cells above; RSS includes the shared pages of mapped libraries (for .NET, the framework's assemblies), anonymous
is the process's own memory:

$memory"
printf '%s\n' "$report"
if [ "$output" != "-" ]; then
  mkdir -p "$(dirname "$output")"
  printf '%s\n' "$report" > "$output"
  echo "written to ${output#"$repo"/}"
fi
