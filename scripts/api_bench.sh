#!/usr/bin/env bash
# The API benchmark: wrk against `clientele serve` (GET a customer, a table
# query, a durable POST purchase) and, in the same run, against a bare Beast
# server answering a fixed body as large as the GET answer: the ceiling. Then
# the same node restarted with TLS (a test CA's certificate): GET over HTTPS.
#   bash scripts/api_bench.sh         DURATION=10 CONNECTIONS=64 RUNS=3 WRK_THREADS=2
#                                     TABLE_CUSTOMERS=1000000
# The table queries run on TABLE_CUSTOMERS customers more, added by one CSV
# import (analysis, then confirm) before the measurements.
# Then the node is restarted RUNS times on that data: the time to /readyz and to
# the first table page, and its memory (after start, after the queries, peak).
# Prints `figure: NAME VALUE UNIT` lines: medians over RUNS; the ratios are the
# median of each run's ratio to the bare server measured just before it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench >/dev/null
bash scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DCLIENTELE_BENCH=ON >/dev/null

duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
runs=${RUNS:-3}
wrk_threads=${WRK_THREADS:-2}
table_customers=${TABLE_CUSTOMERS:-1000000}
api_port=18181
bare_port=18182
data=$(mktemp -d /tmp/clientele-api-bench-XXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

wait_for_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on port $1" >&2
  exit 1
}

./build-bench/cli/clientele serve --data "$data/node" --listen "127.0.0.1:$api_port" >"$data/serve.log" 2>/dev/null &
pids+=($!)
wait_for_port "$api_port"
token=$(cat "$data/node/first-token")
auth="Authorization: Bearer $token"

# GET with bash's /dev/tcp: prints the body.
http_get() {
  exec 3<>"/dev/tcp/127.0.0.1/$api_port"
  printf 'GET %s HTTP/1.1\r\nHost: bench\r\n%s\r\nConnection: close\r\n\r\n' "$1" "$auth" >&3
  sed '1,/^\r$/d' <&3
  exec 3<&-
}

echo "seeding customers..."
wrk -t1 -c8 -d3s -s bench/wrk/create.lua -H "$auth" "http://127.0.0.1:$api_port" >/dev/null
ids=$(http_get "/v1/customers?status=all&limit=500" | grep -o '"id":"[^"]*"' | cut -d'"' -f4)
count=$(echo "$ids" | wc -l)
echo "return {" >"$data/ids.lua"
echo "$ids" | sed 's/.*/"&",/' >>"$data/ids.lua"
echo "}" >>"$data/ids.lua"
one=$(echo "$ids" | head -n 1)
get_body=$(http_get "/v1/customers/$one")
echo "seeded; $count customer ids for the purchases; GET answer is ${#get_body} bytes"

# The table's customers: one import of names like the console test's (first
# names, last names with a number, bulkN@example.com, +41 79 NNN NNNN).
if [ "$table_customers" -gt 0 ]; then
  echo "importing $table_customers customers..."
  started=$(date +%s)
  awk -v n="$table_customers" 'BEGIN {
    split("Ada Grace Alan Émile Bo Mary Dorothy Katherine Hedy Linus", f, " ")
    split("Müller Nuñez Okafor Svensson Tanaka Dubois Rossi Kowalski Haddad Lindqvist O'"'"'Brien Zhang Petrov García Nakamura", l, " ")
    printf "First Name,Last Name,Email,Phone\r\n"
    for (i = 0; i < n; i++)
      printf "%s,%s%d,bulk%d@example.com,+41 79 %03d %04d\r\n", f[i % 10 + 1], l[int(i / 7) % 15 + 1],
        int(i / 105), i, int(i / 10000), i % 10000
  }' >"$data/customers.csv"
  import_id=$(curl -sf -X POST -H "$auth" -H "Content-Type: text/csv" --data-binary "@$data/customers.csv" \
    "http://127.0.0.1:$api_port/v1/customers/imports" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -sf -X POST -H "$auth" -H "Content-Type: application/json" -d '{}' \
    "http://127.0.0.1:$api_port/v1/customers/imports/$import_id/confirm" >/dev/null
  rm -f "$data/customers.csv"
  total=$(http_get "/v1/customers?status=all&limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
  echo "imported in $(($(date +%s) - started)) s; the table holds $total customers"
  # The node then publishes the imported events to Kafka (about a core for a
  # while): the serving figures below are of a node that has caught up.
  started=$(date +%s)
  for _ in $(seq 1800); do
    lag=$(http_get /metrics | awk '$1 == "clientele_outbox_lag_events" { print $2 }')
    [ "${lag:-1}" = 0 ] && break
    sleep 1
  done
  echo "figure: outbox_caught_up_after_import_${table_customers}_customers $(($(date +%s) - started)) s"
fi

./build-bench/bench/bare_server --port "$bare_port" --body-bytes "${#get_body}" >/dev/null &
pids+=($!)
wait_for_port "$bare_port"

# Runs wrk and prints "REQ_PER_S P50_MS P99_MS".
measure() {
  local out
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency "$@")
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { printf "%.*f %.3f %.3f %s\n", (rps < 100 ? 2 : 0), rps, p50, p99, (bad == "" ? 0 : bad) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A results
ratios_get=""
ratios_table=""
# The table queries (20 rows each): the table as it opens (by last name), a
# search by first name sorted by last name, a one-letter prefix, a full last
# name, an email prefix, phone digits, and a filter sorted by credit.
declare -A table_urls=(
  [table_open]="limit=20"
  [table_query]="search=ada&sort=last_name&limit=20"
  [table_one_letter]="search=m&limit=20"
  [table_last_name]="search=dubois12&limit=20"
  [table_email_prefix]="search=bulk12&limit=20"
  [table_phone_digits]="search=79%20001&limit=20"
  [table_credit_desc]="sort=credit&order=desc&has_credit=true&limit=20"
)
workloads=(bare get_customer table_open table_query table_one_letter table_last_name
  table_email_prefix table_phone_digits table_credit_desc post_purchase)
for run in $(seq "$runs"); do
  for w in "${workloads[@]}"; do
    case $w in
      bare) r=$(measure "http://127.0.0.1:$bare_port/") ;;
      get_customer) r=$(measure -H "$auth" "http://127.0.0.1:$api_port/v1/customers/$one") ;;
      table_*) r=$(measure -H "$auth" "http://127.0.0.1:$api_port/v1/customers?${table_urls[$w]}") ;;
      post_purchase) r=$(IDS_FILE="$data/ids.lua" measure -H "$auth" -s bench/wrk/purchase.lua "http://127.0.0.1:$api_port") ;;
    esac
    echo "run $run $w: $r (req/s p50_ms p99_ms non2xx)"
    results[$w]+="$r"$'\n'
    declare "last_$w=${r%% *}"
  done
  # Each run's ratios, against the bare server measured just before.
  ratios_get+="$(awk -v a="$last_get_customer" -v b="$last_bare" 'BEGIN { printf "%.1f", 100 * a / b }')"$'\n'
  ratios_table+="$(awk -v a="$last_table_query" -v b="$last_bare" 'BEGIN { printf "%.1f", 100 * a / b }')"$'\n'
done

for w in "${workloads[@]}"; do
  rps=$(echo -n "${results[$w]}" | cut -d' ' -f1 | median)
  p50=$(echo -n "${results[$w]}" | cut -d' ' -f2 | median)
  p99=$(echo -n "${results[$w]}" | cut -d' ' -f3 | median)
  echo "figure: ${w}_throughput $rps req/s"
  echo "figure: ${w}_p50 $p50 ms"
  echo "figure: ${w}_p99 $p99 ms"
  declare "rps_$w=$rps"
done
# The node's memory after the queries (VmRSS) and its peak since it started,
# the import included (VmHWM).
status_mib() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
echo "figure: rss_after_queries_${table_customers}_customers $(status_mib "${pids[0]}" VmRSS) MiB"
echo "figure: peak_rss_serving_${table_customers}_customers $(status_mib "${pids[0]}" VmHWM) MiB"

# Start-up: the node restarted on its data (RUNS times), timed from exec to its
# first /readyz 200 and to its first table page (the table as the console opens
# it), with its memory once that page is answered.
kill "${pids[0]}" && wait "${pids[0]}" 2>/dev/null || true
ms_now() { date +%s%N | cut -b1-13; }
startup_ready="" startup_page="" startup_rss=""
for run in $(seq "$runs"); do
  t0=$(ms_now)
  ./build-bench/cli/clientele serve --data "$data/node" --listen "127.0.0.1:$api_port" \
    >"$data/serve-start.log" 2>/dev/null &
  pid=$!
  pids+=("$pid")
  until curl -sf -o /dev/null "http://127.0.0.1:$api_port/readyz"; do
    kill -0 "$pid" || { echo "the node exited while starting" >&2; exit 1; }
    sleep 0.01
  done
  t1=$(ms_now)
  curl -sf -o /dev/null -H "$auth" "http://127.0.0.1:$api_port/v1/customers?limit=20"
  t2=$(ms_now)
  rss=$(status_mib "$pid" VmRSS)
  echo "run $run startup: ready after $((t1 - t0)) ms, first page after $((t2 - t0)) ms, $rss MiB"
  startup_ready+="$((t1 - t0))"$'\n' startup_page+="$((t2 - t0))"$'\n' startup_rss+="$rss"$'\n'
  kill "$pid" && wait "$pid" 2>/dev/null || true
done
echo "figure: startup_ready_${table_customers}_customers $(echo -n "$startup_ready" | median) ms"
echo "figure: startup_first_page_${table_customers}_customers $(echo -n "$startup_page" | median) ms"
echo "figure: rss_after_start_${table_customers}_customers $(echo -n "$startup_rss" | median) MiB"

# The same node, restarted serving HTTPS: GET a customer over TLS (wrk keeps
# its connections, so this is TLS's per-request cost, not its handshakes).
tls_port=18183
(
  cd "$data"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj /CN=bench-ca
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 30 -extfile server.ext
) >/dev/null 2>&1
./build-bench/cli/clientele serve --data "$data/node" --listen "127.0.0.1:$tls_port" \
  --tls-cert "$data/server.pem" --tls-key "$data/server.key" >"$data/serve-tls.log" 2>/dev/null &
pids+=($!)
wait_for_port "$tls_port"
until curl -sf --cacert "$data/ca.pem" "https://127.0.0.1:$tls_port/readyz" >/dev/null; do
  sleep 0.05
done
https_results=""
for run in $(seq "$runs"); do
  r=$(measure -H "$auth" "https://127.0.0.1:$tls_port/v1/customers/$one")
  echo "run $run get_customer_https: $r (req/s p50_ms p99_ms non2xx)"
  https_results+="$r"$'\n'
done
echo "figure: api_get_https $(echo -n "$https_results" | cut -d' ' -f1 | median) requests/s"
echo "figure: api_get_https_p50 $(echo -n "$https_results" | cut -d' ' -f2 | median) ms"
echo "figure: api_get_https_p99 $(echo -n "$https_results" | cut -d' ' -f3 | median) ms"
echo "figure: get_customer_vs_bare $(echo -n "$ratios_get" | median) %"
echo "figure: table_query_vs_bare $(echo -n "$ratios_table" | median) %"

# POST /v1/batch: BATCH_SIZE (1000) purchases per request over BATCH_CONNECTIONS (8)
# connections, against the first node again (plain HTTP). Prints the commands per
# second (requests x batch size) and the p99 per request.
batch_bench() {
  local size=${BATCH_SIZE:-1000} batch_connections=${BATCH_CONNECTIONS:-8} port=18184 out=""
  ./build-bench/cli/clientele serve --data "$data/node" --listen "127.0.0.1:$port" \
    >"$data/serve-batch.log" 2>/dev/null &
  pids+=($!)
  wait_for_port "$port"
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
  for run in $(seq "$runs"); do
    r=$(IDS_FILE="$data/ids.lua" BATCH_SIZE="$size" connections="$batch_connections" \
      measure --timeout 30s -H "$auth" -s bench/wrk/batch.lua "http://127.0.0.1:$port")
    echo "run $run batch_$size: $r (req/s p50_ms p99_ms non2xx)"
    out+="$r"$'\n'
  done
  local rps
  rps=$(echo -n "$out" | cut -d' ' -f1 | median)
  echo "figure: batch_commands $(awk -v r="$rps" -v n="$size" 'BEGIN { printf "%.0f", r * n }') commands/s"
  echo "figure: batch_request_p50 $(echo -n "$out" | cut -d' ' -f2 | median) ms"
  echo "figure: batch_request_p99 $(echo -n "$out" | cut -d' ' -f3 | median) ms"
}
kill "${pids[-1]}" && wait "${pids[-1]}" 2>/dev/null || true
batch_bench
