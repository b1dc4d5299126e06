#!/usr/bin/env bash
# Card tokenization cost, measured in one run (release build, not a CI test):
#  1. proxy throughput for a 2 KiB JSON body carrying one card number, tokenization on vs off
#     (target: on >= 0.95x off), with nginx proxying the same request as the named peer; off and
#     on alternate for [rounds] pairs and the median pair's ratio is the result, since two cores
#     shared by wrk, the upstream and the gateway drift by several percent from run to run;
#  2. the PAN detector on 100 MB of mixed text (target >= 1 GB/s);
#  3. `gatehouse pci scan` over a 500 MB file (target >= 500 MB/s) against GNU grep looking for
#     13-19 digit runs in the same file.
#
#   Benchmarks/tokenization.sh [seconds] [connections] [rounds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
ROUNDS=${3:-3}
UPSTREAM_PORT=18091 NGINX_PORT=18454 GATEHOUSE_PORT=18453
bench_init tokbench
bench_require "wrk nginx openssl grep bc python3" "wrk nginx-light openssl grep bc python3"
bench_hosts "127.0.0.1 tokon.gatehouse.localhost tokoff.gatehouse.localhost bench.nginx.test"

echo "== building (release)"
bench_build gatehouse pan-detector-bench

echo "== upstream (an nginx of its own answering every POST) and nginx as the peer proxy"
bench_nginx_certificate bench.nginx.test
bench_nginx upstream <<CONF
    access_log off;
    client_max_body_size 1m;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { default_type application/json; return 200 '{"ok":true}'; }
    }
CONF
bench_nginx nginx <<CONF
    access_log off;
    client_max_body_size 1m;
    upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        server_name bench.nginx.test;
        ssl_certificate $WORK/nginx.crt;
        ssl_certificate_key $WORK/nginx.key;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
CONF

echo "== Gatehouse: tenant tokon (tokenization on, the default) and tokoff (off)"
export GATEHOUSE_DATA="$WORK/data" GATEHOUSE_CERTIFICATES="$WORK/certs"
for tenant in tokon tokoff; do
    "$GATEHOUSE" tenant create "$tenant" --upstream "http://127.0.0.1:$UPSTREAM_PORT" >/dev/null 2>&1
    "$GATEHOUSE" user add "$tenant" load --role user >/dev/null 2>&1
done
"$GATEHOUSE" tenant set tokoff --tokenization off >/dev/null 2>&1
TOKEN_ON=$("$GATEHOUSE" user token create tokon load 2>/dev/null)
TOKEN_OFF=$("$GATEHOUSE" user token create tokoff load 2>/dev/null)
bench_serve "$WORK/gatehouse.log" "$GATEHOUSE_PORT"

# A 2 KiB order with one card number in it.
BODY=$(python3 - <<'PY'
import json
items = [{"sku": f"SKU-{i:05d}", "name": "Widget, blue, large", "qty": i % 7 + 1, "price": "19.99"} for i in range(19)]
order = {"order": "SO-2026-000123", "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
         "payment": {"card": {"number": "4111111111111111", "exp": "12/30"}}, "items": items}
text = json.dumps(order)
print(text + " " * (2048 - len(text)) if len(text) < 2048 else text)
PY
)
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["Content-Type"] = "application/json"
LUA
echo "   body: ${#BODY} bytes"

run() { # name url token
    bench_wrk "$1" "$2" -s "$WORK/post.lua" -H "Authorization: Bearer $3"
}
echo "== wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, POST 2 KiB JSON with one card number, TLS, keep-alive"
run warmup "https://tokon.gatehouse.localhost:$GATEHOUSE_PORT/orders" "$TOKEN_ON" >/dev/null
run nginx "https://bench.nginx.test:$NGINX_PORT/orders" none
: > "$WORK/pairs"
for round in $(seq 1 "$ROUNDS"); do
    run tokenization-off "https://tokoff.gatehouse.localhost:$GATEHOUSE_PORT/orders" "$TOKEN_OFF"
    run tokenization-on "https://tokon.gatehouse.localhost:$GATEHOUSE_PORT/orders" "$TOKEN_ON"
    echo "$(cat "$WORK/tokenization-on.rps") $(cat "$WORK/tokenization-off.rps")" >> "$WORK/pairs"
done
awk '{ printf "%.4f %s %s\n", $1 / $2, $1, $2 }' "$WORK/pairs" | sort -n > "$WORK/ratios"
awk -v n="$(cat "$WORK/nginx.rps")" -v rounds="$ROUNDS" '
    { ratio[NR] = $1; on[NR] = $2; line = line sprintf(" %.2f", $1) }
    END { m = int((NR + 1) / 2); printf "ratio            on / off = %.2fx median of %d pairs (%s) (target >= 0.95x); on / nginx = %.2fx\n", ratio[m], rounds, substr(line, 2), on[m] / n }' "$WORK/ratios"

echo "== PAN detector, 100 MB"
"$ROOT/.build/release/pan-detector-bench" 100

echo "== pci scan vs grep, 500 MB file"
python3 - "$WORK/big.txt" <<'PY'
import random, sys
random.seed(7)
words = "invoice customer the amount shipped warehouse total qty SKU order paid net tax note".split()
chunk = []
for i in range(200000):
    r = random.random()
    chunk.append(random.choice(words) if r < 0.85 else str(random.randint(1, 99999)) if r < 0.97 else f"2026-11-{random.randint(10,30)}")
block = (" ".join(chunk) + "\n").encode()
with open(sys.argv[1], "wb") as out:
    written = 0
    while written < 500_000_000:
        out.write(block); written += len(block)
    out.write(b"one card 4111 1111 1111 1111 at the end\n")
PY
sync
cat "$WORK/big.txt" > /dev/null  # both read from the page cache
start=$(date +%s.%N); LC_ALL=C grep -c -E '[0-9]{13,19}' "$WORK/big.txt" > /dev/null || true; end=$(date +%s.%N)
grep_seconds=$(echo "$end - $start" | bc -l)
start=$(date +%s.%N); "$GATEHOUSE" pci scan "$WORK/big.txt" > "$WORK/scan.out" 2> "$WORK/scan.err" || true; end=$(date +%s.%N)
scan_seconds=$(echo "$end - $start" | bc -l)
size=$(stat -c %s "$WORK/big.txt")
awk -v s="$size" -v g="$grep_seconds" -v p="$scan_seconds" -v found="$(wc -l < "$WORK/scan.out")" 'BEGIN {
    printf "grep -E [0-9]{13,19}  %7.0f MB/s\n", s / g / 1e6
    printf "gatehouse pci scan    %7.0f MB/s (target 500 MB/s), %d match(es); scan / grep = %.2fx\n", s / p / 1e6, found, g / p }'
