#!/usr/bin/env bash
# Proxy throughput of Gatehouse against nginx, configured alike, measured in the same run:
# TLS 1.3 with a P-256 certificate, keep-alive clients, a 1 KiB body from the same loopback
# upstream (an nginx serving a static file, in a process group of its own so the nginx proxy, like
# Gatehouse, reaches it over a socket to another process), Gatehouse also authenticating a bearer token.
# Prints requests/s and p99 latency for both and the ratio. The two alternate for [rounds] pairs and
# the median pair's ratio is the result: wrk, both proxies and the upstream share two cores, and runs
# drift by several percent. Then the NIO floor (Benchmarks/ProxyFloor) against the last nginx run: a
# TLS byte relay, and the same relay through NIO's HTTP/1 codecs, which bound what any proxy built on
# those parts can reach here. Not a CI test: run it by hand.
#
#   Benchmarks/gateway-vs-nginx.sh [seconds] [connections] [rounds]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-32}
ROUNDS=${3:-3}
UPSTREAM_PORT=18081 NGINX_PORT=18444 GATEHOUSE_PORT=18443
bench_init bench
bench_require "wrk nginx openssl curl" "wrk nginx-light openssl curl"
bench_hosts "127.0.0.1 bench.gatehouse.localhost bench.nginx.test"

echo "== building Gatehouse (release)"
bench_build gatehouse proxy-floor

echo "== upstream and nginx"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/1k"; chmod 644 "$WORK/1k"
bench_nginx_certificate bench.nginx.test
bench_nginx upstream <<CONF
    access_log off;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { root $WORK; }
    }
CONF
bench_nginx nginx <<CONF
    access_log $WORK/nginx-access.log;
    upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        server_name bench.nginx.test;
        ssl_certificate $WORK/nginx.crt;
        ssl_certificate_key $WORK/nginx.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            add_header Strict-Transport-Security "max-age=31536000" always;
            add_header Cache-Control "no-store" always;
        }
    }
CONF

echo "== Gatehouse"
export GATEHOUSE_DATA="$WORK/data" GATEHOUSE_CERTIFICATES="$WORK/certs"
"$GATEHOUSE" tenant create bench --upstream "http://127.0.0.1:$UPSTREAM_PORT" >/dev/null 2>&1
"$GATEHOUSE" user add bench load --role user >/dev/null 2>&1
TOKEN=$("$GATEHOUSE" user token create bench load 2>/dev/null)
bench_serve "$WORK/gatehouse.log" "$GATEHOUSE_PORT" ${GATEHOUSE_SERVE_FLAGS:-}
cat "$WORK/data/dev-ca.pem" "$WORK/nginx.crt" > "$WORK/trust.pem"
curl -sf --cacert "$WORK/trust.pem" -H "Authorization: Bearer $TOKEN" "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k" -o /dev/null
curl -sf --cacert "$WORK/trust.pem" "https://bench.nginx.test:$NGINX_PORT/1k" -o /dev/null

echo "== the NIO floor (Benchmarks/ProxyFloor): TLS byte relay, then with NIO's HTTP/1 codecs"
FLOOR="$ROOT/.build/release/proxy-floor"
"$FLOOR" 18445 "$UPSTREAM_PORT" "$WORK/nginx.crt" "$WORK/nginx.key" > "$WORK/floor.log" 2>&1 &
BENCH_PIDS+=($!)
"$FLOOR" 18446 "$UPSTREAM_PORT" "$WORK/nginx.crt" "$WORK/nginx.key" --http > "$WORK/floor-http.log" 2>&1 &
BENCH_PIDS+=($!)
for _ in $(seq 1 50); do curl -sfk https://127.0.0.1:18446/1k -o /dev/null && curl -sfk https://127.0.0.1:18445/1k -o /dev/null && break; sleep 0.1; done

echo "== wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, 1 KiB body, TLS, keep-alive"
AUTH=(-H "Authorization: Bearer $TOKEN")
bench_wrk warmup-gh "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k" "${AUTH[@]}" >/dev/null
: > "$WORK/pairs"
for round in $(seq 1 "$ROUNDS"); do
    bench_wrk nginx "https://bench.nginx.test:$NGINX_PORT/1k" "${AUTH[@]}"
    bench_wrk gatehouse "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k" "${AUTH[@]}"
    echo "$(cat "$WORK/gatehouse.rps") $(cat "$WORK/nginx.rps")" >> "$WORK/pairs"
done
bench_wrk floor-bytes "https://127.0.0.1:18445/1k"
bench_wrk floor-http "https://127.0.0.1:18446/1k"
awk -v b="$(cat "$WORK/floor-bytes.rps")" -v h="$(cat "$WORK/floor-http.rps")" -v n="$(cat "$WORK/nginx.rps")" 'BEGIN {
    printf "floor      NIO TLS byte relay / nginx = %.2fx; with NIO HTTP/1 codecs = %.2fx (last nginx run)\n", b / n, h / n }'
awk '{ printf "%.4f %s %s\n", $1 / $2, $1, $2 }' "$WORK/pairs" | sort -n | awk -v rounds="$ROUNDS" '
    { ratio[NR] = $1; gatehouse[NR] = $2; nginx[NR] = $3; line = line sprintf(" %.2f", $1) }
    END { m = int((NR + 1) / 2); printf "ratio      Gatehouse / nginx = %.2fx median of %d pairs (%s); that pair: %s vs %s req/s\n", ratio[m], rounds, substr(line, 2), gatehouse[m], nginx[m] }'
