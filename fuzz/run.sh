#!/usr/bin/env bash
# Runs one fuzz target: bash fuzz/run.sh TARGET SECONDS   (bash fuzz/run.sh --build: build them all)
#   http_message    a JSON-RPC body through the whole in-process service (HTTP gates, bounded
#                   reader, rmcp, handler, pipeline; an in-process upstream)
#   message_reader  the bounded message reader against serde_json
#   arguments       tool arguments through validation and form encoding, decoded back
#   sandbox_wire    the sandbox's wire parser: path, query, form and JSON bodies
#   answer          Digistore24's answer through ds24-client's envelope reading and the shaping
# New inputs go to fuzz/corpus/TARGET (minimise before committing: see fuzz/README.md); with
# FUZZ_SCRATCH=1 (CI) the committed corpus is only read; FUZZ_RUNS=N stops after N inputs.
# Crashes land in fuzz/artifacts/.
#
# The targets are cargo-fuzz targets (`cargo +nightly fuzz run TARGET` works, with sanitizers if
# you like), but this script needs neither nightly nor cargo-fuzz: it builds them with the
# project's pinned toolchain and the coverage instrumentation cargo-fuzz uses. The code is safe
# Rust throughout (unsafe_code is forbidden), so no sanitizer. FUZZ_PROFILE=smoke (CI) builds in
# a fraction of the time; the default, release, runs several times faster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
target=${1:?usage: bash fuzz/run.sh TARGET SECONDS  (or --build: build every target)}
seconds=${2:-60}
profile=${FUZZ_PROFILE:-release}
host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# --target keeps the instrumentation off build scripts and proc macros.
if [[ $target == --build ]]; then
  exec cargo build --locked --profile "$profile" --target "$host" --bins
fi
cargo build --locked --profile "$profile" --target "$host" --bin "$target"
mkdir -p "corpus/$target" artifacts
corpora=("corpus/$target")
if [[ ${FUZZ_SCRATCH:-} == 1 ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  corpora=("$scratch" "corpus/$target")
fi
# Inputs that once failed are always replayed.
[[ -d "regressions/$target" ]] && corpora+=("regressions/$target")
runs=()
[[ -n ${FUZZ_RUNS:-} ]] && runs=(-runs="$FUZZ_RUNS") # stop after this many inputs instead
"target/$host/$profile/$target" "${corpora[@]}" "${runs[@]}" \
  -max_total_time="$seconds" -timeout=10 -max_len=16384 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="artifacts/$target-"
