#!/usr/bin/env bash
# The operations checks of the external stage (called by run.sh, one part at a time):
#
#   operations.sh metrics   BIN SANDBOX_API            promtool check metrics on a live /metrics
#   operations.sh container ROOT BIN                   podman build of deploy/Containerfile (prebuilt stage)
#   operations.sh bundle    ROOT BIN NPM_DIR PY SANDBOX_API
#                                                      mcpb validate, scripts/release.sh (binary,
#                                                      bundle packed by mcpb, SHA256SUMS), then the
#                                                      bundle launched as Claude Desktop would
#
# Prints PASS/FAIL/note lines like the other check scripts. BIN for `container` and `bundle` is
# the static (musl) binary when there is one.
set -uo pipefail
exec </dev/null

pass() { echo "PASS $1: $2"; }
fail() { echo "FAIL $1: $2 — $3"; FAILED=1; }
FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ds24-ops.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

metrics() {
  local bin=$1 api=$2 addr url i
  command -v promtool >/dev/null || { fail metrics "promtool is installed" "apt-get install prometheus"; return; }
  "$bin" serve --listen 127.0.0.1:0 --api-url "$api" --metrics-listen 127.0.0.1:0 --key-rate-limit 1 \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  PIDS+=($!)
  for _ in $(seq 300); do
    url=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/serve.err" | grep -o 'MCP endpoint ready at http://[^ ]*/mcp' | head -n1)
    addr=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/serve.err" | grep -o 'metrics at http://[^ ]*/metrics' | head -n1)
    [ -n "$url" ] && [ -n "$addr" ] && break
    sleep 0.1 # polling a log with a deadline
  done
  url=${url#MCP endpoint ready at }
  addr=${addr#metrics at }
  [ -n "$url" ] || { fail metrics "serve --metrics-listen starts" "$(tail -c 600 "$WORK/serve.err")"; return; }
  # A few calls of each kind: ok, invalid arguments, rate limited, unauthenticated.
  for i in 1 2 3 4; do
    curl -s -X POST "$url" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
      -H 'mcp-protocol-version: 2025-11-25' -H 'authorization: Bearer sandbox-read' \
      -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"listProducts\",\"arguments\":{}}}" >/dev/null
  done
  curl -s -X POST "$url" -H 'content-type: application/json' -d '{}' >/dev/null
  curl -s "$addr" >"$WORK/metrics.txt"
  if grep -q '^ds24_mcp_tool_calls_total{' "$WORK/metrics.txt" &&
    grep -q '^ds24_mcp_upstream_duration_seconds_bucket{' "$WORK/metrics.txt"; then
    pass metrics "/metrics has tool calls and the upstream latency histogram"
  else
    fail metrics "/metrics has tool calls and the upstream latency histogram" "$(head -c 600 "$WORK/metrics.txt")"
  fi
  if promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1; then
    pass metrics "promtool check metrics ($(promtool --version 2>&1 | head -n1 | awk '{print $3}')) finds no problem"
  else
    fail metrics "promtool check metrics finds no problem" "$(head -c 800 "$WORK/promtool.out")"
  fi
  if grep -q 'sandbox-read' "$WORK/metrics.txt"; then
    fail metrics "no key in the metrics" "the key appears"
  else
    pass metrics "no key in the metrics"
  fi
}

container() {
  local root=$1 bin=$2 rel=target/x86_64-unknown-linux-musl/release/ds24-mcp out
  command -v podman >/dev/null || { fail container "podman is installed" "apt-get install podman"; return; }
  if [ "$(realpath "$bin")" != "$(realpath "$root/$rel" 2>/dev/null)" ]; then
    fail container "the static binary is at $rel" "BIN is $bin"
    return
  fi
  if file "$bin" 2>/dev/null | grep -q 'dynamically linked'; then
    fail container "the binary is static" "$(file "$bin")"
  else
    pass container "the binary is static ($(file -b "$bin" 2>/dev/null | cut -d, -f1-2))"
  fi
  if (cd "$root" && podman build -q -f deploy/Containerfile --target prebuilt -t localhost/ds24-mcp:external-check .) \
    >"$WORK/podman.out" 2>&1; then
    pass container "podman build -f deploy/Containerfile --target prebuilt"
  else
    fail container "podman build -f deploy/Containerfile --target prebuilt" "$(tail -c 800 "$WORK/podman.out")"
    return
  fi
  out=$(podman image inspect localhost/ds24-mcp:external-check \
    --format '{{.Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Size}}' 2>&1)
  case $out in
    '65532:65532 ["/ds24-mcp"] ["serve"] '*) pass container "image runs /ds24-mcp serve as user 65532, $(( ${out##* } / 1024 / 1024 )) MiB" ;;
    *) fail container "image runs /ds24-mcp serve as user 65532" "$out" ;;
  esac
  # The image has no writable directory: the sandbox must keep its account in memory there.
  env=$(podman image inspect localhost/ds24-mcp:external-check --format '{{json .Config.Env}}' 2>&1)
  case $env in
    *'"DS24_SANDBOX_STATE=:memory:"'*) pass container "serve --sandbox in the image keeps its account in memory" ;;
    *) fail container "serve --sandbox in the image keeps its account in memory (the image has no writable directory)" "$env" ;;
  esac
  # Running containers does not work on this machine; the image's file tree is checked instead.
  podman save -q -o "$WORK/image.tar" localhost/ds24-mcp:external-check >/dev/null 2>&1
  mkdir -p "$WORK/image" && tar -xf "$WORK/image.tar" -C "$WORK/image" 2>/dev/null
  local files=""
  for layer in $(find "$WORK/image" -type f \( -name '*.tar' -o -name 'layer.tar' \) ! -name image.tar); do
    files+=$(tar -tf "$layer" 2>/dev/null)$'\n'
  done
  for layer in $(find "$WORK/image/blobs" -type f 2>/dev/null); do
    files+=$(tar -tf "$layer" 2>/dev/null)$'\n'
  done
  if grep -qx 'ds24-mcp' <<<"$files" && grep -qx 'etc/passwd' <<<"$files" && ! grep -q '^bin/\|^usr/' <<<"$files"; then
    pass container "the image holds /ds24-mcp and /etc/passwd and no base system"
  else
    fail container "the image holds /ds24-mcp and /etc/passwd and no base system" "$(sort -u <<<"$files" | head -20 | tr '\n' ' ')"
  fi
  podman rmi -f localhost/ds24-mcp:external-check >/dev/null 2>&1
}

bundle() {
  local root=$1 bin=$2 npm=$3 py=$4 api=$5 mcpb bundle version
  mcpb="$npm/node_modules/.bin/mcpb"
  [ -x "$mcpb" ] || { fail bundle "mcpb CLI installed" "$mcpb missing"; return; }
  if "$mcpb" validate "$root/packaging/mcpb/manifest.json" >"$WORK/validate.out" 2>&1; then
    pass bundle "mcpb validate packaging/mcpb/manifest.json ($("$mcpb" --version 2>/dev/null))"
  else
    fail bundle "mcpb validate packaging/mcpb/manifest.json" "$(tail -c 800 "$WORK/validate.out")"
  fi
  # The release script itself: binary, bundle (validated and packed by mcpb), checksums.
  if (cd "$root" && MCPB="$mcpb" bash scripts/release.sh) >"$WORK/release.out" 2>&1; then
    pass bundle "scripts/release.sh builds the binary, the bundle and SHA256SUMS"
  else
    fail bundle "scripts/release.sh builds the binary, the bundle and SHA256SUMS" "$(tail -c 800 "$WORK/release.out")"
    return
  fi
  version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
  bundle="$root/dist/ds24-mcp-$version-x86_64-unknown-linux-musl.mcpb"
  if (cd "$root/dist" && sha256sum -c SHA256SUMS >/dev/null 2>&1) && cmp -s "$bin" "$root/dist/ds24-mcp-$version-x86_64-unknown-linux-musl"; then
    pass bundle "the checksums hold and the released binary is the one tested here"
  else
    fail bundle "the checksums hold and the released binary is the one tested here" "$(ls -l "$root/dist")"
  fi
  # Claude Desktop's view: unpack, substitute the user settings into mcp_config, launch over stdio.
  "$py" "$(dirname "${BASH_SOURCE[0]}")/bundle_check.py" "$bundle" "$WORK/unpacked" "$api"
}

case ${1:-} in
  metrics) metrics "$2" "$3" ;;
  container) container "$2" "$3" ;;
  bundle) bundle "$2" "$3" "$4" "$5" "$6" ;;
  *) echo "usage: operations.sh metrics|container|bundle ..." >&2; exit 2 ;;
esac
exit "$FAILED"
