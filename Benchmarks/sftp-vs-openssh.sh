#!/usr/bin/env bash
# Backup download speed: OpenSSH's sftp client fetching a 512 MiB incompressible backup from
# Gatehouse and the same bytes from OpenSSH's sshd (internal-sftp), same cipher
# (aes128-gcm@openssh.com), loopback, same run; prints MB/s of both and the ratio (target >= 1.0x).
# Then 50 parallel downloads from Gatehouse, sampling its peak RSS. Release build; not a CI test.
#
#   Benchmarks/sftp-vs-openssh.sh [runs]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${1:-3}
GATEHOUSE_SFTP=18022 SSHD_PORT=18023
bench_init sftpbench
bench_require "sshd sftp ssh-keygen sqlite3 python3" "openssh-server openssh-client sqlite3 python3"

echo "== building Gatehouse (release)"
bench_build gatehouse
export GATEHOUSE_DATA="$WORK/data" GATEHOUSE_CERTIFICATES="$WORK/certs"

echo "== a 512 MiB database of random bytes, backed up (gzip cannot shrink it)"
python3 - "$WORK/app.sqlite" <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE blob(id INTEGER PRIMARY KEY, data BLOB)")
for _ in range(512):
    db.execute("INSERT INTO blob(data) VALUES (?)", (os.urandom(1024 * 1024),))
db.commit()
PY
"$GATEHOUSE" tenant create bench --upstream http://127.0.0.1:9 --database "$WORK/app.sqlite" >/dev/null 2>&1
"$GATEHOUSE" user add bench load --role backup >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N "" -f "$WORK/id"
"$GATEHOUSE" user key add bench load "$WORK/id.pub" >/dev/null 2>&1
BACKUP=$("$GATEHOUSE" backup run bench 2>/dev/null | awk '{print $2}')
FILE="$WORK/data/backups/bench/$BACKUP"
SIZE=$(stat -c %s "$FILE")
echo "   $BACKUP: $SIZE bytes"

echo "== Gatehouse SFTP on $GATEHOUSE_SFTP, OpenSSH sshd (internal-sftp) on $SSHD_PORT"
"$GATEHOUSE" serve --https-port 0 --no-http --sftp-port "$GATEHOUSE_SFTP" \
    --sftp-connections-per-address 100 --sftp-connections-per-user 100 > "$WORK/gatehouse.log" 2>&1 &
GATEHOUSE_PID=$!
BENCH_PIDS+=("$GATEHOUSE_PID")
mkdir -p /run/sshd "$WORK/sshd"
ssh-keygen -q -t ed25519 -N "" -f "$WORK/sshd/host"
cp "$WORK/id.pub" "$WORK/sshd/authorized_keys"
cat > "$WORK/sshd/config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $WORK/sshd/host
PidFile $WORK/sshd.pid
AuthorizedKeysFile $WORK/sshd/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
StrictModes no
UsePAM no
Ciphers aes128-gcm@openssh.com
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -f "$WORK/sshd/config"
BENCH_PIDFILES+=("$WORK/sshd.pid")
for _ in $(seq 1 100); do grep -q "sftp listening" "$WORK/gatehouse.log" && break; sleep 0.1; done

SSH_OPTIONS=(-i "$WORK/id" -c aes128-gcm@openssh.com -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
download() { # port login remote-path local-path; prints seconds
    local start end
    start=$(date +%s.%N)
    echo "get $3 $4" | sftp -q -b - -P "$1" "${SSH_OPTIONS[@]}" "$2@127.0.0.1" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
best() { sort -g | head -1; }
echo "== $RUNS downloads each (best of), to $WORK/out"
gatehouse_seconds=$(for _ in $(seq 1 "$RUNS"); do download "$GATEHOUSE_SFTP" bench.load "$BACKUP" "$WORK/out"; done | best)
cmp -s "$FILE" "$WORK/out" || { echo "downloaded file differs"; exit 1; }
openssh_seconds=$(for _ in $(seq 1 "$RUNS"); do download "$SSHD_PORT" root "$FILE" "$WORK/out"; done | best)
awk -v s="$SIZE" -v g="$gatehouse_seconds" -v o="$openssh_seconds" 'BEGIN {
    printf "openssh sshd   %7.0f MB/s (%.2f s)\n", s / o / 1e6, o
    printf "gatehouse      %7.0f MB/s (%.2f s)\n", s / g / 1e6, g
    printf "ratio          gatehouse / openssh = %.2fx (target >= 1.0x)\n", o / g }'

echo "== 50 parallel downloads from Gatehouse: peak RSS"
base_rss=$(ps -o rss= -p "$GATEHOUSE_PID")
pids=()
for i in $(seq 1 50); do
    echo "get $BACKUP /dev/null" | sftp -q -b - -P "$GATEHOUSE_SFTP" "${SSH_OPTIONS[@]}" bench.load@127.0.0.1 >/dev/null 2>&1 &
    pids+=($!)
done
peak=$base_rss
running() { for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
start=$(date +%s.%N)
while running; do
    rss=$(ps -o rss= -p "$GATEHOUSE_PID" || echo 0)
    [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
done
end=$(date +%s.%N)
awk -v s="$SIZE" -v t="$(echo "$end - $start" | bc -l)" 'BEGIN { printf "50 downloads   %.0f MB/s together (%.1f s)\n", 50 * s / t / 1e6, t }'
echo "peak RSS       $((peak / 1024)) MiB during 50 downloads (idle $((base_rss / 1024)) MiB)"
