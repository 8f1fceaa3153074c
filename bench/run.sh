#!/usr/bin/env bash
# The benchmark, in one command:  bash bench/run.sh            (sizes 10k, 100k and 1M claims)
#                                 SIZES="100000" DURATION=5 bash bench/run.sh   (a quicker run)
# Builds the release server and the synthetic databases (kept in bench/work/ between runs), drives each
# scenario with wrk on loopback, and writes the table to bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --bin claimcheck --example bench_fill --example sqlite_ceiling
exec python3 bench/run.py "$@"
