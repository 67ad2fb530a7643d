#!/bin/sh
# Runs the JS SDK's tests (sdk/js), including the one against a real
# `scamcheck serve`: an embedded store in a temporary directory with the
# bundled samples loaded, on a free port.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"' EXIT

go build -o "$tmp/scamcheck" ./cmd/scamcheck
"$tmp/scamcheck" serve --listen 127.0.0.1:0 --data "$tmp/data" --addr-file "$tmp/addr" 2>"$tmp/serve.log" &
pid=$!
tries=0
while [ ! -s "$tmp/addr" ]; do
	if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -ge 600 ]; then
		echo "js-test: scamcheck serve did not start:" >&2
		cat "$tmp/serve.log" >&2
		exit 1
	fi
	tries=$((tries + 1))
	sleep 0.1
done

cd sdk/js
npm ci --no-audit --no-fund --loglevel=error
SCAMCHECK_URL="http://$(cat "$tmp/addr")" SCAMCHECK_SAMPLES=1 npm test
