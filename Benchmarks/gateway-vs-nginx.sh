#!/usr/bin/env bash
# Proxy throughput of Gatehouse against nginx, configured alike, measured in the same run:
# TLS 1.3 with a P-256 certificate, keep-alive clients, a 1 KiB body from the same loopback
# upstream (an nginx serving a static file, in a process group of its own so the nginx proxy, like
# Gatehouse, reaches it over a socket to another process), Gatehouse also authenticating a bearer token.
# Prints requests/s and p99 latency for both and the ratio. Not a CI test: run it by hand.
#
#   Benchmarks/gateway-vs-nginx.sh [seconds] [connections]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_RUN=${1:-15}
CONNECTIONS=${2:-32}
WORK=$(mktemp -d /tmp/gatehouse-bench.XXXXXX)
UPSTREAM_PORT=18081 NGINX_PORT=18444 GATEHOUSE_PORT=18443
HOSTS_LINE="127.0.0.1 bench.gatehouse.localhost bench.nginx.test"

for tool in wrk nginx openssl; do
    command -v "$tool" >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx-light openssl; break; }
done

cleanup() {
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    [ -f "$WORK/upstream.pid" ] && kill "$(cat "$WORK/upstream.pid")" 2>/dev/null || true
    [ -n "${GATEHOUSE_PID:-}" ] && kill "$GATEHOUSE_PID" 2>/dev/null || true
    sed -i "\|^$HOSTS_LINE\$|d" /etc/hosts
}
trap cleanup EXIT
grep -qxF "$HOSTS_LINE" /etc/hosts || echo "$HOSTS_LINE" >> /etc/hosts

echo "== building Gatehouse (release)"
(cd "$ROOT" && swift build -c release --product gatehouse >/dev/null)
GATEHOUSE="$ROOT/.build/release/gatehouse"

echo "== upstream and nginx"
chmod 755 "$WORK"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/1k"; chmod 644 "$WORK/1k"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=bench.nginx.test" \
    -addext "subjectAltName=DNS:bench.nginx.test" -keyout "$WORK/nginx.key" -out "$WORK/nginx.crt" 2>/dev/null
cat > "$WORK/upstream.conf" <<CONF
worker_processes auto;
pid $WORK/upstream.pid;
error_log $WORK/upstream-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { root $WORK; }
    }
}
CONF
nginx -c "$WORK/upstream.conf"
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
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
}
CONF
nginx -c "$WORK/nginx.conf"

echo "== Gatehouse"
export GATEHOUSE_DATA="$WORK/data" GATEHOUSE_CERTIFICATES="$WORK/certs"
"$GATEHOUSE" tenant create bench --upstream "http://127.0.0.1:$UPSTREAM_PORT" >/dev/null 2>&1
"$GATEHOUSE" user add bench load --role user >/dev/null 2>&1
TOKEN=$("$GATEHOUSE" user token create bench load 2>/dev/null)
"$GATEHOUSE" serve --https-port "$GATEHOUSE_PORT" --no-http ${GATEHOUSE_SERVE_FLAGS:-} > "$WORK/gatehouse.log" 2>&1 &
GATEHOUSE_PID=$!
for _ in $(seq 1 100); do grep -q "gateway listening" "$WORK/gatehouse.log" && break; sleep 0.1; done
cat "$WORK/data/dev-ca.pem" "$WORK/nginx.crt" > "$WORK/trust.pem"
curl -sf --cacert "$WORK/trust.pem" -H "Authorization: Bearer $TOKEN" "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k" -o /dev/null
curl -sf --cacert "$WORK/trust.pem" "https://bench.nginx.test:$NGINX_PORT/1k" -o /dev/null

run() { # name url
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $TOKEN" "$2" > "$WORK/$1.wrk"
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/$1.wrk")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/$1.wrk" || true)
    printf "%-10s %10s req/s   p99 %8s   %s\n" "$1" "$rps" "$p99" "$errors"
    echo "$rps" > "$WORK/$1.rps"
}
echo "== wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, 1 KiB body, TLS, keep-alive"
run warmup-gh "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k" >/dev/null
run nginx "https://bench.nginx.test:$NGINX_PORT/1k"
run gatehouse "https://bench.gatehouse.localhost:$GATEHOUSE_PORT/1k"
awk -v g="$(cat "$WORK/gatehouse.rps")" -v n="$(cat "$WORK/nginx.rps")" 'BEGIN { printf "ratio      Gatehouse / nginx = %.2fx\n", g / n }'
