#!/usr/bin/env bash
# Runs one fuzz target: bash fuzz/run.sh TARGET SECONDS
#   Targets: http_message (a JSON-RPC body through the whole in-process service),
#            message_reader (the bounded message reader against serde_json),
#            arguments (tool arguments through validation and form encoding).
#   New inputs are added to fuzz/corpus/TARGET (minimise with `cargo +nightly fuzz cmin TARGET`
#   before committing). With FUZZ_SCRATCH=1 (CI) the committed corpus is only read.
#   Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
target=${1:?usage: bash fuzz/run.sh TARGET SECONDS}
seconds=${2:-60}
mkdir -p "corpus/$target" artifacts
corpora=("corpus/$target")
if [[ ${FUZZ_SCRATCH:-} == 1 ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  corpora=("$scratch" "corpus/$target")
fi
# Safe Rust throughout (unsafe_code is forbidden), so no sanitizer: twice the executions.
exec cargo +nightly fuzz run --sanitizer none "$target" "${corpora[@]}" -- \
  -max_total_time="$seconds" -timeout=10 -max_len=16384 -print_final_stats=1 \
  -artifact_prefix="artifacts/$target-"
