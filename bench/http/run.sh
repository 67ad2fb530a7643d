#!/bin/sh
# Runs the HTTP benchmarks (see README.md): scamcheck against two Fiber
# baselines, in turn in each round of the same run, for GET /v1/check
# misses and for POST /v1/check with 1000 items. The baselines are
# bench/fiberconst: "bare" (a constant answer) and "same" (the same answer
# with scamcheck's response headers and server timeouts). Needs wrk
# (Debian: apt-get install wrk) and, for the default pinned mode, taskset
# (util-linux).
#
# Usage: bench/http/run.sh [seconds per run, default 10]
# Environment:
#   PIN=1 (default)  servers on SERVER_CPUS (default 0) with GOMAXPROCS=
#                    SERVER_PROCS (default 1), wrk on WRK_CPUS (default 1)
#   PIN=0            nothing pinned: servers and wrk share every core
#   ROUNDS=3         rounds; each runs bare, same, then scamcheck
#   CONNS=64 POST_CONNS=8 THREADS (wrk threads; default 1 pinned, 2 not)
#   GET=1 POST=1     which benchmarks to run (0 skips one)
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-10}
rounds=${ROUNDS:-3}
conns=${CONNS:-64}
post_conns=${POST_CONNS:-8}
if [ "${PIN:-1}" = 1 ]; then
	threads=${THREADS:-1}
	srv="taskset -c ${SERVER_CPUS:-0} env GOMAXPROCS=${SERVER_PROCS:-1}"
	load="taskset -c ${WRK_CPUS:-1}"
	mode="pinned: servers on CPU ${SERVER_CPUS:-0} (GOMAXPROCS=${SERVER_PROCS:-1}), wrk on CPU ${WRK_CPUS:-1} (-t$threads)"
else
	threads=${THREADS:-2}
	srv="env"
	load=""
	mode="unpinned: servers and wrk (-t$threads) share all $(nproc) CPUs"
fi
hz=$(getconf CLK_TCK)
tmp=$(mktemp -d)
base_pid="" same_pid="" srv_pid=""
trap 'kill $base_pid $same_pid $srv_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$tmp"' EXIT

go build -o "$tmp/scamcheck" ./cmd/scamcheck
go build -o "$tmp/fiberconst" ./bench/fiberconst

$srv "$tmp/fiberconst" -listen 127.0.0.1:18081 & base_pid=$!
$srv "$tmp/fiberconst" -listen 127.0.0.1:18082 -same-response & same_pid=$!
# Rate limits off: the benchmark is one client IP.
$srv "$tmp/scamcheck" serve --listen 127.0.0.1:18080 --data "$tmp/data" --rate-public 0 --rate-key 0 \
	--addr-file "$tmp/addr" 2>"$tmp/serve.log" & srv_pid=$!
while [ ! -s "$tmp/addr" ]; do sleep 0.1; done

# ticks PID: the CPU time (user + system) a process has used, in ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure ROUND NAME PID PORT SCRIPT CONNS ITEMS: one wrk run, one line of
# results appended to $tmp/results.
measure() {
	t0=$(ticks "$3")
	$load wrk -t"$threads" -c"$6" -d"${secs}s" --latency -s "bench/http/$5" "http://127.0.0.1:$4" >"$tmp/out"
	t1=$(ticks "$3")
	awk -v round="$1" -v name="$2" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v items="$7" '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v
		}
		/requests in/ { n = $1 }
		/^Requests\/sec/ { rps = $2 }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx|Socket errors/ { errs = errs " [" $0 "]" }
		END {
			printf "%s %s %.0f %.2f %.2f %.0f%s\n", round, name, rps, p99,
				(t1 - t0) / hz * 1e6 / n, rps * items, errs
		}' "$tmp/out" | tee -a "$tmp/results" | awk '{
			printf "  round %s %-14s %9.0f req/s  p99 %6.2f ms  server CPU %7.2f us/req", $1, $2, $3, $4, $5
			if ($6 != $3) printf "  %10.0f checks/s", $6
			for (i = 7; i <= NF; i++) printf " %s", $i
			printf "\n" }'
}

# round KIND SCRIPT CONNS ITEMS: one round of the three servers.
round() {
	measure "$r" "$1-bare" "$base_pid" 18081 "$2" "$3" "$4"
	measure "$r" "$1-same" "$same_pid" 18082 "$2" "$3" "$4"
	measure "$r" "$1-scamcheck" "$srv_pid" 18080 "$2" "$3" "$4"
}

# warm KIND SCRIPT CONNS: a short run on each server, not reported (heaps,
# pools and the Go runtime's threads grow).
warm() {
	for port in 18081 18082 18080; do
		$load wrk -t"$threads" -c"$3" -d1s -s "bench/http/$2" "http://127.0.0.1:$port" >/dev/null
	done
}

# bench KIND SCRIPT CONNS ITEMS TITLE: the warm-up, then every round.
bench() {
	echo "== $5, $3 connections"
	warm "$1" "$2" "$3"
	r=1
	while [ "$r" -le "$rounds" ]; do
		round "$1" "$2" "$3" "$4"
		r=$((r + 1))
	done
}

echo "$(nproc) CPUs, $mode; ${secs}s per run, $rounds rounds"
if [ "${GET:-1}" = 1 ]; then
	bench get check_get.lua "$conns" 1 "GET /v1/check misses"
fi
if [ "${POST:-1}" = 1 ]; then
	bench post check_post.lua "$post_conns" 1000 "POST /v1/check, 1000 items"
fi

echo "== scamcheck / baseline per round: req/s ratio (server CPU per request ratio)"
awk '
	{ rps[$1, $2] = $3; cpu[$1, $2] = $5; p99[$1, $2] = $4 }
	# median of v[1..n], sorting v
	function median(n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j] < v[j-1]; j--) { t = v[j]; v[j] = v[j-1]; v[j-1] = t }
		return n % 2 ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2
	}
	END {
		split("get post", kinds, " ")
		split("bare same", bases, " ")
		for (k = 1; k <= 2; k++) {
			kind = kinds[k]
			if (!((1, kind "-scamcheck") in rps)) continue
			for (b = 1; b <= 2; b++) {
				base = bases[b]; n = 0; line = ""
				for (r = 1; (r, kind "-scamcheck") in rps; r++) {
					ratio = rps[r, kind "-scamcheck"] / rps[r, kind "-" base]
					line = line sprintf("  %.2fx (%.2fx)", ratio, cpu[r, kind "-scamcheck"] / cpu[r, kind "-" base])
					v[++n] = ratio
				}
				printf "  %-4s vs %s:%s;  median %.2fx\n", kind, base, line, median(n)
			}
			n = 0
			for (r = 1; (r, kind "-scamcheck") in rps; r++) v[++n] = p99[r, kind "-scamcheck"]
			printf "  %-4s scamcheck p99: median %.2f ms\n", kind, median(n)
		}
	}' "$tmp/results"
