# The markdown table of scripts/bench-proxy.sh, from its results (tab-separated: test, threads, target, queries per
# second, p95 ms, p99 ms, CPU seconds per 100,000 queries of the proxy process and of the whole machine; targets
# direct, proxy, haproxy).
#   awk -F'\t' -f scripts/bench-proxy-table.awk results.tsv
{
  key = $1 "\t" $2
  if (!(key in seen)) { seen[key] = 1; order[++cells] = key }
  qps[key, $3] = $4; p95[key, $3] = $5; p99[key, $3] = $6; cpu[key, $3] = $7; machine[key, $3] = $8
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
END {
  print "| test | threads | direct q/s | proxy | HAProxy | proxy ÷ HAProxy | p95 direct ms | p95 proxy | p95 HAProxy | p99 direct ms | p99 proxy | p99 HAProxy | CPU s/100k q proxy | CPU s/100k q HAProxy | machine CPU s/100k q direct | machine proxy | machine HAProxy |"
  print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for (i = 1; i <= cells; i++) {
    k = order[i]; split(k, part, "\t"); name = part[1]; sub(/^oltp_/, "", name)
    printf "| %s | %s | %.0f | %s | %s | %s | %.2f | %s | %s | %.2f | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", name, part[2],
      qps[k, "direct"], ratio(qps[k, "proxy"], qps[k, "direct"]), ratio(qps[k, "haproxy"], qps[k, "direct"]),
      ratio(qps[k, "proxy"], qps[k, "haproxy"]),
      p95[k, "direct"], ratio(p95[k, "proxy"], p95[k, "direct"]), ratio(p95[k, "haproxy"], p95[k, "direct"]),
      p99[k, "direct"], ratio(p99[k, "proxy"], p99[k, "direct"]), ratio(p99[k, "haproxy"], p99[k, "direct"]),
      cpu[k, "proxy"], cpu[k, "haproxy"], machine[k, "direct"], machine[k, "proxy"], machine[k, "haproxy"]
  }
}
