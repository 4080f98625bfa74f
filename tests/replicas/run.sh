#!/usr/bin/env bash
# Replicas behind a load balancer: three `ds24-mcp serve` with one state secret behind nginx
# (round-robin), one shared upstream (`ds24-mcp sandbox`), 60 s of load from MCP clients of both
# eras, one replica SIGKILLed and restarted mid-run. See load.py for what is checked.
#
#   bash tests/replicas/run.sh BINARY PYTHON [SECONDS]
#
# BINARY is a built ds24-mcp; PYTHON one with the `mcp` SDK (tests/external/.cache/venv). nginx
# (Debian package nginx-light or nginx) must be installed; it runs as the current user from a
# temporary prefix. Prints PASS/FAIL/note lines; exit 1 if a check failed. Called by
# tests/external/run.sh; runs on its own too.
set -uo pipefail
exec </dev/null

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${1:?usage: run.sh BINARY PYTHON [SECONDS]}
PY=${2:?usage: run.sh BINARY PYTHON [SECONDS]}
SECONDS_OF_LOAD=${3:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ds24-replicas.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "${KEEP_LOGS:-0}" != 1 ]; then rm -rf "$WORK"; else echo "note replicas: logs in $WORK"; fi
}
trap cleanup EXIT

NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null)
if [ -z "$NGINX" ]; then
  echo "FAIL replicas: nginx is installed — apt-get install nginx-light"
  exit 1
fi

# Eight free loopback ports: sandbox, nginx, three replicas, three metrics listeners.
read -r -a PORTS <<<"$("$PY" - <<'PY'
import socket
socks = [socket.socket() for _ in range(8)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PY
)"
SANDBOX_PORT=${PORTS[0]} NGINX_PORT=${PORTS[1]}
R1=${PORTS[2]} R2=${PORTS[3]} R3=${PORTS[4]}
export DS24_REPLICA_METRICS_PORTS="${PORTS[5]},${PORTS[6]},${PORTS[7]}"

# The shared upstream: every replica sees the same account. 20 ms per call keeps several calls
# in flight on each replica, as with the real Digistore24 (whose calls take longer still).
"$BIN" sandbox --listen "127.0.0.1:$SANDBOX_PORT" --state :memory: --latency 20 >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
PIDS+=($!)
API="http://127.0.0.1:$SANDBOX_PORT/api/call"
for _ in $(seq 300); do
  curl -s --max-time 2 -X POST -H 'X-DS-API-KEY: sandbox-read' "$API/ping" | grep -q '"result":"success"' && break
  sleep 0.1 # polling a port with a deadline
done

# nginx: round-robin over the three replicas. A refused connection (the killed replica) is
# retried on the next one: nothing was sent. A request already sent to the replica that died is
# NOT retried (no `non_idempotent`): it may have been a write, so the client gets the 502.
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
USER_LINE=""
if [ "$(id -u)" = 0 ]; then USER_LINE="user root root;"; fi
cat >"$WORK/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 512; }
http {
  # What the failover check counts: which replica each request went to and how it ended.
  log_format upstreams '\$request_method|\$status|\$upstream_addr|\$upstream_status';
  access_log $WORK/nginx/logs/access.log upstreams;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  upstream ds24_mcp {
    server 127.0.0.1:$R1 max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$R2 max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$R3 max_fails=1 fail_timeout=2s;
    keepalive 16;
    # Shorter than the replicas' own idle timeout (60 s), so nginx never reuses a connection
    # the replica is closing at that moment (a 502 from a live replica).
    keepalive_timeout 30s;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://ds24_mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
      proxy_read_timeout 150s;
    }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/logs/error.log" >"$WORK/nginx.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
  sleep 0.1 # polling a port with a deadline
done

SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')
DS24_REPLICA_NGINX_LOG="$WORK/nginx/logs/access.log" \
  "$PY" "$HERE/load.py" "$BIN" "http://127.0.0.1:$NGINX_PORT/mcp" "$API" "$SECRET" "$WORK" "$R1" "$R2" "$R3" "$SECONDS_OF_LOAD"
rc=$?
if [ "$rc" -ne 0 ]; then
  for f in "$WORK"/replica*.err "$WORK/nginx/logs/error.log"; do
    [ -s "$f" ] && { echo "---- tail of $f" >&2; tail -n 5 "$f" >&2; }
  done
fi
exit "$rc"
