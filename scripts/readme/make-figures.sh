#!/usr/bin/env bash
# Remakes the README's figure from a real sweep (about 35 s on 2 cores).
#
#   scripts/readme/make-figures.sh [STORE]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
store=${1:-$(mktemp -d)/readme.w2s}
cd "$root"
go run ./coordinator/cmd/w2s run --store "$store" --n 50,100,200,400,800,1600 --d 25,50,100,200,400,800 \
  --margin 1,2,4 --trials 200 --seed 1 >/dev/null
go run ./coordinator/cmd/w2s export --store "$store" --format png --checkpoint 2 --out scripts/readme/surface-t2.png
go run ./coordinator/cmd/w2s theory --store "$store" --d-theory inf,25,800
echo "store: $store"
