#!/usr/bin/env bash
# Memory of repeat detection per contact, on a large generated log.
#
#   benches/repeat_memory.sh [ROWS]          # default 20000000 (about 3.5 GB of CSV)
#
# Generates (once, cached in target/bench/) a synthetic council log with the seeded
# generator (8% deliberate repeats, 2% anonymous contacts), then runs `demand report`
# twice, with --no-repeat and with repeat detection, and prints wall time and peak RSS of
# each, and the difference in peak RSS per contact checked for repeats: the cost of the
# repeat index. Memory figures do not depend on machine load; times do.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${1:-20000000}
dir=target/bench
log=$dir/log-rows-$rows.csv
mkdir -p "$dir"
cargo build --release --quiet --example generate
cargo build --release --quiet --bin demand
if [ ! -s "$log" ]; then
  echo "generating $log ..." >&2
  target/release/examples/generate --rows "$rows" --seed 1 -o "$log.tmp"
  mv "$log.tmp" "$log"
fi

run() {
  local t json
  t=$(mktemp)
  json=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" target/release/demand report -q --threads 2 \
    --format json "$@" "$log" > "$json"
  echo "$(tail -n 1 "$t") $json"
  rm -f "$t"
}

read -r off_s off_kib off_json < <(run --no-repeat)
read -r on_s on_kib on_json < <(run)
eligible=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['repeat']['eligible'])" "$on_json")
repeats=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['repeat']['repeats'])" "$on_json")
rm -f "$off_json" "$on_json"
printf '%-22s %10s %10s\n' "run ($rows rows)" "seconds" "peak MiB"
awk -v a="$off_kib" -v b="$on_kib" -v s1="$off_s" -v s2="$on_s" -v n="$eligible" \
  -v r="$repeats" 'BEGIN {
    printf "%-22s %10s %10.1f\n", "report --no-repeat", s1, a / 1024
    printf "%-22s %10s %10.1f\n", "report (repeat on)", s2, b / 1024
    printf "checked for repeats: %d contacts, %d repeats\n", n, r
    printf "repeat index: %.1f bytes per checked contact (peak RSS difference)\n", (b - a) * 1024 / n
  }'
