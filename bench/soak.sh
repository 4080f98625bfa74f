#!/usr/bin/env bash
# Soak: ten minutes of mixed load against the release binary, with upstream faults injected by
# the sandbox (--fail-rate, --latency). Passes when no request goes unanswered, every upstream
# fault is an isError tool result, and RSS after warm-up grows less than 5 %.
# Usage: bash bench/soak.sh
#   SOAK_SECONDS=600 SOAK_CLIENTS=16 SOAK_FAIL_RATE=0.05 SOAK_LATENCY_MS=20 (the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ds24-mcp -p ds24-bench
exec target/release/ds24-soak "$@"
