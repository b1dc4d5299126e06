#!/usr/bin/env bash
# TLS handshakes per second with 10,000 imported certificates against 1: each wrk request opens a new
# TLS connection (Connection: close), so every request is a full handshake whose certificate the
# gateway picks by SNI from its registry. Both gateways run side by side and are measured in turn for
# [rounds] pairs; the median pair's ratio is the result (single runs on this shared machine drift by
# ±10%). Target: ≥ 0.95×. Not a CI test: run it by hand.
#
#   Benchmarks/sni-handshakes.sh [count] [seconds] [rounds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
COUNT=${1:-10000}
SECONDS_PER_RUN=${2:-10}
ROUNDS=${3:-3}
bench_init sni
bench_require "wrk openssl ss" "wrk openssl iproute2"
bench_hosts "127.0.0.1 d0.bench.test d$((COUNT / 2)).bench.test"

bench_build gatehouse sni-setup
SETUP="$ROOT/.build/release/sni-setup"

start() { # name count host port
    local data="$WORK/$1/data" certs="$WORK/$1/certs"
    mkdir -p "$WORK/$1"
    echo "== $1: setting up $2 certificate(s)"
    time "$SETUP" "$data" "$certs" "$2" | tail -1
    "$GATEHOUSE" serve --data "$data" --certificates "$certs" --https-port "$4" --no-http --no-sftp --log-level warning > "$WORK/$1.log" 2>&1 &
    BENCH_PIDS+=($!)
    for _ in $(seq 1 600); do ss -ltn | grep -q ":$4 " && break; sleep 0.1; done
    openssl s_client -connect "127.0.0.1:$4" -servername "$3" </dev/null 2>/dev/null | grep -q "subject=CN = $3" \
        || { echo "the gateway did not present the certificate of $3"; exit 1; }
}

measure() { # name count host port
    wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" -H "Connection: close" "https://$3:$4/" > "$WORK/$1.wrk"
    awk '/Requests\/sec/ {print $2}' "$WORK/$1.wrk" > "$WORK/$1.rate"
    printf "%-6s %6s certificates: %10s handshakes/s\n" "$1" "$2" "$(cat "$WORK/$1.rate")"
}

ONE=(one 1 d0.bench.test 18561)
MANY=(many "$COUNT" "d$((COUNT / 2)).bench.test" 18562)
start "${ONE[@]}"
start "${MANY[@]}"
: > "$WORK/pairs"
for round in $(seq 1 "$ROUNDS"); do
    measure "${ONE[@]}"
    measure "${MANY[@]}"
    echo "$(cat "$WORK/many.rate") $(cat "$WORK/one.rate")" >> "$WORK/pairs"
done
awk '{ printf "%.4f\n", $1 / $2 }' "$WORK/pairs" | sort -n | awk -v n="$COUNT" -v rounds="$ROUNDS" '
    { ratio[NR] = $1; line = line sprintf(" %.2f", $1) }
    END { printf "ratio  %d certificates / 1 = %.2fx median of %d pairs (%s)\n", n, ratio[int((NR + 1) / 2)], rounds, substr(line, 2) }'
