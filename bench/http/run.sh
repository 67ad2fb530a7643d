#!/bin/sh
# Runs the HTTP benchmarks: scamcheck's GET /v1/check misses against the
# bare Fiber baseline in the same run, then POST /v1/check with 1000 items.
# Needs wrk (Debian: apt-get install wrk). Usage: bench/http/run.sh [seconds]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-10}
conns=${CONNS:-64}
threads=${THREADS:-2}
tmp=$(mktemp -d)
trap 'kill $base_pid $srv_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/scamcheck" ./cmd/scamcheck
go build -o "$tmp/fiberconst" ./bench/fiberconst

"$tmp/fiberconst" -listen 127.0.0.1:18081 & base_pid=$!
# Rate limits off: the benchmark is one client IP.
"$tmp/scamcheck" serve --listen 127.0.0.1:18080 --data "$tmp/data" --rate-public 0 --rate-key 0 \
  --addr-file "$tmp/addr" 2>"$tmp/serve.log" & srv_pid=$!
while [ ! -s "$tmp/addr" ]; do sleep 0.1; done

echo "== baseline: bare Fiber, constant JSON"
wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s bench/http/check_get.lua http://127.0.0.1:18081
echo "== scamcheck: GET /v1/check misses"
wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s bench/http/check_get.lua http://127.0.0.1:18080
echo "== scamcheck: POST /v1/check, 1000 items per request (checks/s = requests/s x 1000)"
wrk -t"$threads" -c"${POST_CONNS:-8}" -d"${secs}s" --latency -s bench/http/check_post.lua http://127.0.0.1:18080
