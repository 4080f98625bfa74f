#!/usr/bin/env bash
# Benchmark: ds24-mcp's cost on top of the Digistore24 call, and the server's own CPU per call next to
# Digistore24's server, as ratios measured in one run.
# Usage: bash bench/run.sh          prints the Markdown of this run
#        bash bench/run.sh --check  checks that README.md shows bench/last-run.json rendered
#        bash bench/run.sh --save   also writes bench/last-run.json and puts the Markdown into
#                                   README.md between its bench markers (commit both)
#        bash bench/run.sh --soak   adds 1,000,000 listProducts calls, reading the server's memory
#   BENCH_N=1000 for more samples of the sandbox measures; BENCH_SECONDS=10 per fixed-upstream level;
#   BENCH_FIXED_ONLY=1 for only the fixed-upstream measures (not saved);
#   DS24_OFFICIAL_SERVER=/path/to/digistore24-mcp-server/build/index.js to compare with it;
#   DS24_MCP_BASELINE=/path/to/an/older/ds24-mcp (label: DS24_MCP_BASELINE_LABEL) to compare versions.
# The fixed-upstream measures pin the server to core 0 and the bench to core 1 (taskset, util-linux).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ds24-mcp -p ds24-bench
exec target/release/ds24-bench "$@"
