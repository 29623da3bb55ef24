#!/usr/bin/env bash
# Measures the coordinator's ingest rate with real processes: NODES w2s-node
# processes with the synthetic fault (outcomes of the right shape at no
# compute cost) on loopback, and one w2s run storing CELLS × TRIALS outcomes
# with durable commits. Prints outcomes/s and the coordinator's peak memory.
#
#   scripts/bench-ingest.sh [NODES=2] [TRIALS=50000]
set -euo pipefail
nodes=${1:-2}
trials=${2:-50000}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

cd "$root"
go build -o "$tmp/w2s" ./coordinator/cmd/w2s
go build -o "$tmp/w2s-node" ./node/cmd/w2s-node

addrs=()
for i in $(seq 1 "$nodes"); do
  port=$((17400 + i))
  "$tmp/w2s-node" --listen "127.0.0.1:$port" --fault synthetic 2>"$tmp/node$i.log" &
  addrs+=("127.0.0.1:$port")
done
sleep 0.5
list=$(IFS=,; echo "${addrs[*]}")

cells=20
echo "ingest: $nodes synthetic node(s), $cells cells × $trials trials = $((cells * trials)) outcomes"
timefmt="peak RSS of w2s: %M KiB, wall %e s"
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "$timefmt"); else timer=(); fi
"${timer[@]}" "$tmp/w2s" run --store "$tmp/ingest.w2s" --nodes "$list" \
  --n 10,20,30,40 --d 10,20,30,40,50 --trials "$trials" --progress 10s >/dev/null 2>"$tmp/run.log" || {
  cat "$tmp/run.log"; exit 1; }
grep -E "trials in|peak RSS" "$tmp/run.log" | sed 's/trials in/outcomes stored in/; s/trials\/s/outcomes\/s/'
echo "store size: $(du -h "$tmp/ingest.w2s" | cut -f1)"
