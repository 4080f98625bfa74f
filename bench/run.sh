#!/usr/bin/env bash
# Benchmark: ds24-mcp's cost on top of the Digistore24 call, as ratios measured in one run.
# Usage: bash bench/run.sh          prints the Markdown table of this run
#        bash bench/run.sh --check  checks that README.md shows bench/last-run.json rendered
#        bash bench/run.sh --save   also writes bench/last-run.json and puts the table into
#                                   README.md between its bench markers (commit both)
#   BENCH_N=1000 for more samples;
#   DS24_OFFICIAL_SERVER=/path/to/digistore24-mcp-server/build/index.js to compare with it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ds24-mcp -p ds24-bench
exec target/release/ds24-bench "$@"
