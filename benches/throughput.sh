#!/usr/bin/env bash
# End-to-end throughput of `demand` against bare CSV parsing, measured in one run.
#
#   benches/throughput.sh [SIZE] [RUNS]      # SIZE as the generator takes it: 1GB, 200MB...
#
# Generates (once, cached in target/bench/) a synthetic council log with the seeded
# generator, then times, RUNS times each (default 3), from the page cache:
#   bare      examples/bare_parse: the csv crate alone, one thread, every field touched
#   report-1  demand report, default rules, --threads 1
#   report-2  demand report, default rules, --threads 2
#   single-2  the same with --no-repeat --keep-duplicates: one pass over the input (the
#             default rules turn repeat detection on, and duplicate detection is on by
#             default; each needs a first pass that indexes the input)
#   classify  demand classify -o /dev/null, --threads 2
# and prints the median wall time, MB/s, rows/s, the ratio to bare parse and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:-1GB}
runs=${2:-3}
dir=target/bench
log=$dir/log-$size.csv
mkdir -p "$dir"

cargo build --release --quiet --example generate --example bare_parse
cargo build --release --quiet --bin demand
bin=target/release
if [ ! -s "$log" ]; then
  echo "generating $log ..." >&2
  "$bin/examples/generate" --size "$size" --seed 1 -o "$log.tmp"
  mv "$log.tmp" "$log"
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null          # warm the page cache

# One timed run: prints "seconds max_rss_kib".
timed() {
  local f
  f=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$f" "$@" > /dev/null 2> /dev/null
  tail -n 1 "$f"
  rm -f "$f"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

records=$("$bin/examples/bare_parse" "$log" | awk '{print $1}')
rows=$((records - 1))

declare -A secs rss
run() {
  local name=$1; shift
  local times=() peak=0
  for _ in $(seq "$runs"); do
    read -r t m < <(timed "$@")
    times+=("$t")
    [ "$m" -gt "$peak" ] && peak=$m
  done
  secs[$name]=$(printf '%s\n' "${times[@]}" | median)
  rss[$name]=$peak
}

run bare     "$bin/examples/bare_parse" "$log"
run report-1 "$bin/demand" report --quiet --format json --threads 1 "$log"
run report-2 "$bin/demand" report --quiet --format json --threads 2 "$log"
run single-2 "$bin/demand" report --quiet --format json --threads 2 --no-repeat --keep-duplicates "$log"
run classify "$bin/demand" classify --quiet --threads 2 -o /dev/null "$log"

echo "file: $log, $((bytes / 1000000)) MB, $rows rows; median of $runs runs; $(nproc) cores"
printf '%-10s %8s %9s %11s %9s %9s\n' stage seconds MB/s rows/s vs-bare peak-MiB
for name in bare report-1 report-2 single-2 classify; do
  s=${secs[$name]}
  awk -v n="$name" -v s="$s" -v b="$bytes" -v r="$rows" -v bare="${secs[bare]}" -v m="${rss[$name]}" \
    'BEGIN { printf "%-10s %8.2f %9.0f %11.0f %9.2f %9.1f\n", n, s, b/s/1e6, r/s, bare/s, m/1024 }'
done
awk -v a="${secs[report-1]}" -v b="${secs[report-2]}" -v c="${secs[classify]}" \
  'BEGIN { printf "speed-up 2 threads vs 1: %.2fx; classify / report-2 time: %.2f\n", a/b, c/b }'
