#!/usr/bin/env python3
"""Drive mcp-remote (the stdio bridge Claude Desktop uses) the way the README configures it, over
its stdin/stdout, and check what comes back against the sandbox.

    mcp_remote_check.py NPM_DIR MCP_URL SANDBOX_API LOG_FILE

Runs, in NPM_DIR (where mcp-remote is installed at the pinned version, so npx finds it locally):

    npx -y mcp-remote@0.15.1 MCP_URL --header 'Authorization:${DS24_AUTH}' --allow-http
    with DS24_AUTH="Bearer sandbox-full"

exactly the README's Claude Desktop entry (the `${DS24_AUTH}` is passed literally, as Claude
Desktop does; mcp-remote expands it). Then sends initialize, notifications/initialized, tools/list
and tools/call, reading the answers line by line with a deadline (no fixed sleeps).
Needs only the standard library. Prints PASS/FAIL lines like py_checks.py.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from typing import Any

from checklib import Checks, Sandbox, first_difference, product_ids, snippet

MCP_REMOTE = "mcp-remote@0.15.1"
CLIENT = "mcp-remote"
checks = Checks()


def report(check: str, ok: bool, saw: Any = "") -> bool:
    return checks.report(CLIENT, check, ok, saw)


class Bridge:
    """mcp-remote as a child process: JSON-RPC lines in, JSON-RPC lines out."""

    def __init__(self, npm_dir: str, url: str, log_path: str, config_dir: str) -> None:
        env = dict(os.environ)
        env["DS24_AUTH"] = "Bearer sandbox-full"
        env["MCP_REMOTE_CONFIG_DIR"] = config_dir  # keep ~/.mcp-auth untouched
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            ["npx", "-y", MCP_REMOTE, url, "--header", "Authorization:${DS24_AUTH}", "--allow-http"],
            cwd=npm_dir,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.noise: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def response(self, msg_id: int, timeout: float) -> dict[str, Any]:
        """The response with this id; other lines (notifications, logs) are kept as noise."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no response to id {msg_id} within {timeout:.0f} s; other stdout: {self.noise[-3:]}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise EOFError(f"mcp-remote closed stdout (exit {self.proc.poll()}) before answering id {msg_id}")
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                self.noise.append(line.decode(errors="replace").strip())
                continue
            if isinstance(message, dict) and message.get("id") == msg_id:
                return message
            self.noise.append(snippet(message, 200))

    def request(self, msg_id: int, method: str, params: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.response(msg_id, timeout)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def structured(response: dict[str, Any]) -> dict[str, Any]:
    return (response.get("result") or {}).get("structuredContent") or {}


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    npm_dir, url, sandbox_api, log_path = argv[1:]
    with tempfile.TemporaryDirectory(prefix="mcp-remote-config.") as config_dir:
        bridge = Bridge(npm_dir, url, log_path, config_dir)
        try:
            run(bridge, sandbox_api)
        except Exception as exc:  # noqa: BLE001 - the remaining checks cannot run
            report("session", False, f"{type(exc).__name__}: {exc}")
        finally:
            bridge.close()
    return checks.exit_code()


def run(bridge: Bridge, sandbox_api: str) -> None:
    sandbox = Sandbox(sandbox_api)
    # The first start of npx + mcp-remote + its connection to the server takes a few seconds.
    init = bridge.request(1, "initialize", {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "claude-desktop-like", "version": "0"},
    }, timeout=90)
    result = init.get("result") or {}
    if not report(f"initialize (protocol {result.get('protocolVersion')}, server {(result.get('serverInfo') or {}).get('name')})",
                  bool(result.get("protocolVersion")) and "tools" in (result.get("capabilities") or {}), init):
        return
    bridge.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    listed = bridge.request(2, "tools/list", {})
    tools = (listed.get("result") or {}).get("tools") or []
    names = {t.get("name") for t in tools}
    report(f"tools/list ({len(tools)} tools)",
           len(tools) >= 50 and {"listProducts", "createProduct"} <= names, listed)

    got = bridge.request(3, "tools/call", {"name": "listProducts", "arguments": {}})
    truth = sandbox.call("listProducts")
    is_error = (got.get("result") or {}).get("isError")
    report("tools/call listProducts matches the sandbox",
           not is_error and structured(got) == truth and len(product_ids(truth)) > 0,
           got if is_error or "result" not in got else first_difference(structured(got), truth))

    name = f"ext mcp-remote {uuid.uuid4().hex[:8]}"
    before = product_ids(truth)
    made = bridge.request(4, "tools/call", {"name": "createProduct",
                                           "arguments": {"data": {"name_en": name, "name_de": name, "is_active": "N"}}})
    pid = structured(made).get("product_id")
    if not report("tools/call createProduct with DS24_AUTH=\"Bearer sandbox-full\" succeeds",
                  not (made.get("result") or {}).get("isError") and pid not in (None, ""), made):
        return
    stored = sandbox.call("getProduct", product_id=str(pid))
    after = product_ids(sandbox.call("listProducts"))
    report(f"the created product {pid} is in the sandbox",
           name in json.dumps(stored, ensure_ascii=False) and after == before | {str(pid)},
           {"getProduct": stored, "new_ids": sorted(after - before)})


if __name__ == "__main__":
    sys.exit(main(sys.argv))
