#!/usr/bin/env bash
# Evidence export at scale (release build, not a CI test): a store holding N audit events over a
# year, exported as a SOC 2 bundle for the whole period. Prints wall time and peak memory (target:
# under 60 s for 1,000,000 events, memory flat in the number of events, so a tenth of the events is
# measured too), then runs `gatehouse evidence verify` on it. The named peer: sqlite3 dumping the
# same audit table to CSV and zip packing it (no checks, no hashing of rows) -- the floor for
# reading and compressing those rows.
#
#   Benchmarks/evidence-export.sh [events] [days]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
EVENTS=${1:-1000000}
DAYS=${2:-365}
bench_init evidencebench
bench_require "sqlite3 zip" "sqlite3 zip"
[ -x /usr/bin/time ] || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time; }

echo "== building (release)"
bench_build gatehouse evidence-seed
FROM=$(date -u -d "-$DAYS days" +%F)
TO=$(date -u -d "-1 day" +%F)

measure() { # label, data dir, bundle
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$GATEHOUSE" evidence export --data "$2" --framework soc2 --from "$FROM" --to "$TO" \
        --out "$3" --policies "$ROOT/Policies" >/dev/null
    read -r seconds kilobytes < "$WORK/time"
    echo "$1: export ${seconds}s, peak RSS $((kilobytes / 1024)) MiB, bundle $(du -m "$3" | cut -f1) MiB"
    eval "${4}_SECONDS=$seconds ${4}_RSS=$((kilobytes / 1024))"
}

for size in $((EVENTS / 10)) "$EVENTS"; do
    echo "== seeding $size events over $DAYS days"
    "$ROOT/.build/release/evidence-seed" "$WORK/data-$size" "$size" "$DAYS" | tail -1
done

echo "== gatehouse evidence export (soc2, $FROM to $TO)"
measure "$((EVENTS / 10)) events" "$WORK/data-$((EVENTS / 10))" "$WORK/small.zip" SMALL
measure "$EVENTS events" "$WORK/data-$EVENTS" "$WORK/large.zip" LARGE

echo "== gatehouse evidence verify"
/usr/bin/time -f "%e %M" -o "$WORK/time" "$GATEHOUSE" evidence verify "$WORK/large.zip" | tail -1
read -r seconds kilobytes < "$WORK/time"
echo "verify: ${seconds}s, peak RSS $((kilobytes / 1024)) MiB"

echo "== peer: sqlite3 -csv dump of the audit table | zip"
START=$(date +%s.%N)
sqlite3 -csv "$WORK/data-$EVENTS/gatehouse.sqlite" "SELECT * FROM auditEvent" > "$WORK/peer.csv"
zip -q -j "$WORK/peer.zip" "$WORK/peer.csv"
PEER=$(echo "$(date +%s.%N) - $START" | bc)
printf "peer: %.1fs\n" "$PEER"

echo "== result"
printf "1M-event export: %ss (target < 60 s), %.2fx the peer's time\n" "$LARGE_SECONDS" "$(echo "$LARGE_SECONDS / $PEER" | bc -l)"
printf "memory: %s MiB for %s events, %s MiB for %s (flat means about equal)\n" "$SMALL_RSS" "$((EVENTS / 10))" "$LARGE_RSS" "$EVENTS"
