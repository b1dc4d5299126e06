# Shared by the benchmark scripts (source it, after `set -euo pipefail`): a work directory removed on
# exit with everything the run started, Debian tools installed on demand, host names for the run,
# release builds, the nginx peer's certificate, `gatehouse serve` started and waited for, wrk runs.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_PIDS=()
BENCH_PIDFILES=()
BENCH_HOSTS_LINE=""

# bench_init NAME: a fresh $WORK (/tmp/gatehouse-NAME.XXXXXX), cleaned up on exit.
bench_init() {
    WORK=$(mktemp -d "/tmp/gatehouse-$1.XXXXXX")
    chmod 755 "$WORK"  # nginx workers read files from it
    trap bench_cleanup EXIT
}

bench_cleanup() {
    local pidfile pid
    for pidfile in "${BENCH_PIDFILES[@]}"; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true; done
    for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -n "$BENCH_HOSTS_LINE" ] && sed -i "\|^$BENCH_HOSTS_LINE\$|d" /etc/hosts
    rm -rf "$WORK"
}

# bench_require "TOOL…" "PACKAGE…": installs the packages when any tool is missing.
bench_require() {
    local tool
    for tool in $1; do
        command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
            apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $2
            return
        }
    done
}

# bench_hosts "127.0.0.1 NAME…": resolvable for the run only.
bench_hosts() {
    BENCH_HOSTS_LINE=$1
    grep -qxF "$1" /etc/hosts || echo "$1" >> /etc/hosts
}

# bench_build PRODUCT…: release builds; sets $GATEHOUSE.
bench_build() {
    local product
    for product in "$@"; do (cd "$ROOT" && swift build -c release --product "$product" >/dev/null); done
    GATEHOUSE="$ROOT/.build/release/gatehouse"
}

# bench_nginx_certificate NAME: a P-256 self-signed $WORK/nginx.crt and .key for NAME.
bench_nginx_certificate() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=$1" \
        -addext "subjectAltName=DNS:$1" -keyout "$WORK/nginx.key" -out "$WORK/nginx.crt" 2>/dev/null
}

# bench_nginx NAME <<CONF …http block… CONF: writes $WORK/NAME.conf around the http block read from
# stdin (workers per core, pid and error log in $WORK) and starts that nginx.
bench_nginx() {
    {
        echo "worker_processes auto;"
        echo "pid $WORK/$1.pid;"
        echo "error_log $WORK/$1-error.log;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        cat
        echo "}"
    } > "$WORK/$1.conf"
    nginx -c "$WORK/$1.conf"
    BENCH_PIDFILES+=("$WORK/$1.pid")
}

# bench_serve LOG PORT [FLAG…]: `gatehouse serve` on PORT (HTTPS only) until it listens.
bench_serve() {
    local log=$1 port=$2
    shift 2
    "$GATEHOUSE" serve --https-port "$port" --no-http "$@" > "$log" 2>&1 &
    BENCH_PIDS+=($!)
    for _ in $(seq 1 100); do grep -q "gateway listening" "$log" && return; sleep 0.1; done
    echo "gatehouse serve did not start:" >&2
    cat "$log" >&2
    exit 1
}

# bench_wrk NAME URL [WRK FLAG…]: wrk -t2 with $CONNECTIONS for $SECONDS_PER_RUN; prints requests/s,
# p99 and any errors, and leaves the rate in $WORK/NAME.rps.
bench_wrk() {
    local name=$1 url=$2 rps p99 errors
    shift 2
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$@" "$url" > "$WORK/$name.wrk"
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/$name.wrk")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/$name.wrk" || true)
    printf "%-16s %10s req/s   p99 %8s   %s\n" "$name" "$rps" "$p99" "$errors"
    echo "$rps" > "$WORK/$name.rps"
}
