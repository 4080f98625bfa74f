#!/usr/bin/env bash
# Raw HTTP negatives with curl against a running `ds24-mcp serve --sandbox` (no --anonymous-key):
#
#   http_negatives.sh http://127.0.0.1:PORT [PYTHON]
#
# Each check sends one request and prints `PASS curl: <check>` or
# `FAIL curl: <check> — <status, headers and body it saw>`. Ends with requests that must still
# work, to show that none of the bad ones hurt the server. JSON is read with PYTHON (default python3).
set -uo pipefail

BASE=${1:?usage: http_negatives.sh http://127.0.0.1:PORT [PYTHON]}
PY=${2:-python3}
URL="$BASE/mcp"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ds24-curl.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0

JSON=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
LEGACY=(-H 'MCP-Protocol-Version: 2025-11-25')
READ_KEY=(-H 'Authorization: Bearer sandbox-read')

# request NAME CURL_ARGS... : saves status, headers and body as $TMP/NAME.{status,headers,body}
request() {
  local name=$1
  shift
  curl -sS --max-time 20 -o "$TMP/$name.body" -D "$TMP/$name.headers" -w '%{http_code}' "$@" \
    >"$TMP/$name.status" 2>"$TMP/$name.curl-err" || true
}

# seen NAME: one line with what a request got back (for FAIL lines)
seen() {
  local name=$1
  printf 'HTTP %s; headers: %s; body: %s; curl: %s' \
    "$(cat "$TMP/$name.status")" \
    "$(tr -d '\r' <"$TMP/$name.headers" | grep -iv '^date:' | tr '\n' ' ' | cut -c1-300)" \
    "$(head -c 400 "$TMP/$name.body" | tr '\n' ' ')" \
    "$(head -c 200 "$TMP/$name.curl-err" | tr '\n' ' ')"
}

# json_ok NAME PYTHON_EXPR: true if the body is JSON and the expression (over `d`) holds
json_ok() {
  "$PY" - "$TMP/$1.body" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
    sys.exit(0 if eval(sys.argv[2], {"d": d}) else 1)
except Exception:
    sys.exit(1)
EOF
}

status_is() { [ "$(cat "$TMP/$1.status")" = "$2" ]; }
header_has() { tr -d '\r' <"$TMP/$1.headers" | grep -qiF "$2"; }

check() { # check NAME DESCRIPTION CONDITION...
  local name=$1 what=$2
  shift 2
  if "$@"; then
    echo "PASS curl: $what"
  else
    echo "FAIL curl: $what — $(seen "$name")"
    failed=$((failed + 1))
  fi
}

all() { # all CMD1 ';;' CMD2 ... : every command succeeds; no command at all (or an empty one) fails
  local cmd=() ran=0 arg
  for arg in "$@" ";;"; do
    if [ "$arg" = ";;" ]; then
      [ ${#cmd[@]} -gt 0 ] || return 1
      "${cmd[@]}" || return 1
      ran=$((ran + 1))
      cmd=()
    else
      cmd+=("$arg")
    fi
  done
  [ "$ran" -gt 0 ]
}

TOOLS_LIST='{"jsonrpc":"2.0","id":1,"method":"tools/list"}'

request nokey "${JSON[@]}" "${LEGACY[@]}" "$URL" -d "$TOOLS_LIST"
check nokey "401 without a key, with WWW-Authenticate: Bearer realm=\"digistore24\"" \
  all status_is nokey 401 ";;" header_has nokey 'www-authenticate: Bearer realm="digistore24"'

request origin "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" -H 'Origin: https://evil.example' "$URL" -d "$TOOLS_LIST"
check origin "403 for a foreign Origin (https://evil.example)" status_is origin 403

request host "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" -H 'Host: evil.example' "$URL" -d "$TOOLS_LIST"
check host "403 for a foreign Host (evil.example)" status_is host 403

request hostv6 "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" -H 'Host: [::1]evil.example' "$URL" -d "$TOOLS_LIST"
check hostv6 "403 for a Host that only starts like an allowed one ([::1]evil.example)" status_is hostv6 403

request preflight -X OPTIONS -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: POST' "$URL"
check preflight "403 for a CORS preflight from a foreign Origin" status_is preflight 403

request rotwice "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" -H 'X-DS24-Read-Only: false' \
  -H 'X-DS24-Read-Only: true' "$URL" -d "$TOOLS_LIST"
check rotwice "X-DS24-Read-Only false then true lists only read tools" \
  json_ok rotwice 'all(t["annotations"].get("readOnlyHint") is True for t in d["result"]["tools"])'

request get -H 'Accept: text/event-stream' "${READ_KEY[@]}" "$URL"
check get "405 for GET on the endpoint" status_is get 405

request delete -X DELETE "${READ_KEY[@]}" "$URL"
check delete "405 for DELETE on the endpoint" status_is delete 405

# 1 MiB is the default --max-body-bytes; send a valid request padded to 1.5 MiB.
"$PY" -c 'import json,sys; sys.stdout.write(json.dumps({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_pad":"x"*(3<<19)}}))' >"$TMP/big.json"
request big "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" --data-binary "@$TMP/big.json"
check big "413 for a 1.5 MiB body" status_is big 413

request malformed "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" -d '{"jsonrpc":"2.0","id":1,"method":'
check malformed "malformed JSON gets a JSON-RPC parse error (-32700)" \
  json_ok malformed 'd.get("jsonrpc") == "2.0" and d["error"]["code"] == -32700'

request unknown "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"noSuchTool","arguments":{}}}'
check unknown "unknown tool gets JSON-RPC error -32602" \
  json_ok unknown 'd["id"] == 2 and d["error"]["code"] == -32602'

request badarg "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"getProduct","arguments":{"product_id":"abc"}}}'
check badarg "getProduct {\"product_id\":\"abc\"} is a tool error (isError) naming product_id" \
  json_ok badarg 'd["result"]["isError"] is True and "product_id" in d["result"]["content"][0]["text"]'

request badtype "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"listProducts","arguments":"not an object"}}'
check badtype "tools/call with non-object arguments is JSON-RPC error -32602 (invalid params)" \
  json_ok badtype 'd["id"] == 4 and d["error"]["code"] == -32602'

# --- the server still answers normally --------------------------------------------------------
request health "$BASE/healthz"
check health "GET /healthz is 200 after the bad requests" status_is health 200

request init "${JSON[@]}" "${READ_KEY[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":10,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"0"}}}'
check init "legacy initialize still answers (2025-11-25, no session id)" \
  all status_is init 200 ";;" json_ok init 'd["result"]["protocolVersion"] == "2025-11-25"' ";;" \
  eval '! header_has init mcp-session-id'

request call "${JSON[@]}" "${LEGACY[@]}" "${READ_KEY[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"listProducts","arguments":{}}}'
check call "legacy tools/call listProducts still answers with products" \
  json_ok call 'd["result"].get("isError") is not True and len(d["result"]["structuredContent"]["products"]) > 0'

META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'
request discover "${JSON[@]}" "${READ_KEY[@]}" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: server/discover' \
  "$URL" -d "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"server/discover\",\"params\":{$META}}"
check discover "modern server/discover still answers (supports 2026-07-28)" \
  json_ok discover '"2026-07-28" in d["result"]["supportedVersions"]'

request mcall "${JSON[@]}" "${READ_KEY[@]}" -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' \
  -H 'Mcp-Name: getUserInfo' "$URL" \
  -d "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"getUserInfo\",\"arguments\":{},$META}}"
check mcall "modern tools/call getUserInfo still answers" \
  json_ok mcall 'd["result"].get("isError") is not True and isinstance(d["result"]["structuredContent"], dict)'

exit $((failed > 0))
