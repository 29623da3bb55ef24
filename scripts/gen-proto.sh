#!/usr/bin/env bash
# Regenerates the Go code of proto/w2s/v1 from w2s.proto.
#
#   scripts/gen-proto.sh            # rewrite the committed files
#   scripts/gen-proto.sh OUTDIR     # write them under OUTDIR instead (the staleness test does this)
#
# Needs protoc (Debian: apt-get install protobuf-compiler). The two Go plugins are
# built at the pinned versions below into a cache directory, so every machine
# generates the same code.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # keep equal to google.golang.org/protobuf in go.mod
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v protoc >/dev/null 2>&1; then
  echo "gen-proto: protoc not found; install it (Debian: apt-get install protobuf-compiler)" >&2
  exit 1
fi

bin=${W2S_TOOLS_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/w2s-tools/$PROTOC_GEN_GO_VERSION-$PROTOC_GEN_GO_GRPC_VERSION}
mkdir -p "$bin"
if [ ! -x "$bin/protoc-gen-go" ]; then
  GOFLAGS= GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
fi
if [ ! -x "$bin/protoc-gen-go-grpc" ]; then
  GOFLAGS= GOBIN="$bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"
fi

cd "$root"
PATH="$bin:$PATH" protoc \
  --proto_path=proto \
  --go_out="$out" --go_opt=module=github.com/w2s-lab/w2s \
  --go-grpc_out="$out" --go-grpc_opt=module=github.com/w2s-lab/w2s \
  proto/w2s/v1/w2s.proto
