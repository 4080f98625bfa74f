#!/usr/bin/env python3
"""Replicas behind a load balancer, under load, with one of them killed: the hosted deployment.

    load.py BINARY NGINX_URL SANDBOX_API STATE_SECRET LOG_DIR PORT1 PORT2 PORT3 [SECONDS]

Starts three `ds24-mcp serve` replicas on the given loopback ports (the nginx in front of them,
round-robin, is already listening at NGINX_URL), all with one state secret and one upstream
(the `ds24-mcp sandbox` at SANDBOX_API, so they share the account). Then drives SECONDS (60)
of load through nginx with official Python MCP SDK clients of both eras: legacy clients
(initialize once, then stateless calls) reading and creating products, and 2026-07-28 clients
with elicitation that also create a voucher and delete it (a destructive tool: the server asks
for confirmation, the client's callback accepts, and the retry carries the sealed state to
whichever replica nginx picks). A third of the way in it SIGKILLs replica 2, right after
reading that replica's in-flight gauge from its metrics listener; at two thirds it restarts it.

Checks (PASS/FAIL lines, figures as `note` lines):
  - no client sees a session error, and every client keeps its one SDK session to the end;
  - every failed call was lost with the killed replica: failed calls <= the requests nginx had
    already sent to it when it died (its access log: last upstream the victim, answered 502),
    no request to a live replica failed, and each failed call was in flight at the kill. (The
    victim's in-flight gauge, read just before the kill, is reported as a figure: it cannot be
    the bound, since a request nginx has sent but the replica has not yet read is not counted.)
  - a confirmation started on one replica is accepted on another (asked directly of replica 1,
    answered directly to replica 3), and the voucher is gone from the shared account;
  - the restarted replica serves again; every voucher the load deleted is gone.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from mcp import Client, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "external"))
from checklib import FULL_KEY, Checks, Sandbox  # noqa: E402

CLIENT = "replicas"
checks = Checks()
LEGACY_CLIENTS = 4
MODERN_CLIENTS = 4
CALL_TIMEOUT = 30.0
# Per-request metadata of a 2026-07-28 client that can answer elicitations (for raw requests).
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
    "io.modelcontextprotocol/clientInfo": {"name": "replicas-check", "version": "1"},
}


@dataclass
class Call:
    client: str
    op: str
    start: float
    end: float = 0.0
    ok: bool = False
    error: str = ""


@dataclass
class Run:
    calls: list[Call] = field(default_factory=list)
    in_flight: set[int] = field(default_factory=set)  # ids of Call objects not finished
    session_errors: list[str] = field(default_factory=list)
    clients_finished: int = 0
    vouchers_deleted: list[str] = field(default_factory=list)
    confirmations: int = 0


# --- replicas ------------------------------------------------------------------------------------


class Replica:
    def __init__(self, n: int, binary: str, port: int, metrics_port: int, api: str, secret: str, logs: str):
        self.n, self.port, self.metrics_port = n, port, metrics_port
        self.cmd = [
            binary, "serve", "--listen", f"127.0.0.1:{port}", "--api-url", api,
            # Every client reaches the replicas from nginx's one address with one key: the per-key
            # and per-address limits (tested on their own) would turn this failover check into a
            # rate-limit check once the replicas answer faster than 50 calls/s.
            "--state-secret", secret, "--toolsets", "all", "--key-rate-limit", "0", "--ip-rate-limit", "0",
            "--metrics-listen", f"127.0.0.1:{metrics_port}",
        ]
        self.log_path = os.path.join(logs, f"replica{n}.err")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while True:  # polling the health endpoint with a deadline, not a fixed wait
            if self.proc.poll() is not None:
                raise RuntimeError(f"replica {self.n} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica {self.n} not healthy after 30 s; see {self.log_path}")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def metric(self, name: str) -> float:
        """Sum of a metric's samples (all label sets) on this replica's metrics listener."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=2) as r:
            text = r.read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name) and (line[len(name)] in " {"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def mcp_post(self, body: dict[str, Any], modern: bool) -> dict[str, Any]:
        """One raw JSON-RPC request to this replica directly (bypassing nginx)."""
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "authorization": f"Bearer {FULL_KEY}",
            "mcp-protocol-version": "2026-07-28" if modern else "2025-11-25",
        }
        if modern:
            body["params"].setdefault("_meta", META)
            headers["mcp-method"] = body["method"]
            headers["mcp-name"] = body["params"].get("name", "")
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/mcp", data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode())


# --- clients -------------------------------------------------------------------------------------


async def accept(_context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"confirm": True})


def is_session_error(text: str) -> bool:
    t = text.lower()
    return "session" in t or "mcp-session-id" in t or "404" in t


async def client_loop(name: str, mode: str, url: str, run: Run, stop_at: float) -> None:
    modern = mode != "legacy"
    rng = random.Random(name)
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {FULL_KEY}"})
    try:
        async with http:
            async with Client(
                streamable_http_client(url, http_client=http),
                mode=mode,
                elicitation_callback=accept if modern else None,
                read_timeout_seconds=CALL_TIMEOUT,
            ) as client:
                while time.monotonic() < stop_at:
                    roll = rng.random()
                    if modern and roll < 0.15:
                        await voucher_round(client, name, run)
                    elif roll < 0.25:
                        nm = f"repl {name} {uuid.uuid4().hex[:6]}"
                        await one_call(client, name, "createProduct",
                                       {"data": {"name_de": nm, "name_en": nm, "is_active": "N"}}, run)
                    elif roll < 0.6:
                        await one_call(client, name, "listProducts", {}, run)
                    else:
                        await one_call(client, name, "getUserInfo", {}, run)
        run.clients_finished += 1
    except BaseException as e:  # the SDK session itself broke
        run.session_errors.append(f"{name}: client session ended: {type(e).__name__}: {e}")


async def one_call(client: Client, name: str, tool: str, args: dict[str, Any], run: Run) -> bool:
    call = Call(name, tool, time.monotonic())
    run.calls.append(call)
    run.in_flight.add(id(call))
    try:
        result = await asyncio.wait_for(client.call_tool(tool, args), CALL_TIMEOUT)
        call.ok = not result.is_error
        if not call.ok:
            call.error = " ".join(getattr(b, "text", "") for b in result.content or [])[:300]
    except Exception as e:  # noqa: BLE001 - every failure is recorded and judged below
        call.error = f"{type(e).__name__}: {e}"[:300]
    finally:
        call.end = time.monotonic()
        run.in_flight.discard(id(call))
    if not call.ok and is_session_error(call.error):
        run.session_errors.append(f"{name} {tool}: {call.error}")
    return call.ok


async def voucher_round(client: Client, name: str, run: Run) -> None:
    code = f"R{uuid.uuid4().hex[:10].upper()}"
    if not await one_call(client, name, "createVoucher", {"data": {"code": code, "first_rate": 5}}, run):
        return
    # deleteVoucher is destructive: input_required, the callback accepts, the SDK retries with
    # the sealed state through nginx (any replica).
    if await one_call(client, name, "deleteVoucher", {"code": code}, run):
        run.vouchers_deleted.append(code)
        run.confirmations += 1


# --- the run ---------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


async def main() -> int:
    binary, nginx_url, api, secret, logs = sys.argv[1:6]
    ports = [int(p) for p in sys.argv[6:9]]
    seconds = float(sys.argv[9]) if len(sys.argv) > 9 else 60.0
    metrics_ports = [int(p) for p in os.environ["DS24_REPLICA_METRICS_PORTS"].split(",")]
    sandbox = Sandbox(api)
    replicas = [Replica(i + 1, binary, ports[i], metrics_ports[i], api, secret, logs) for i in range(3)]
    run = Run()
    try:
        for r in replicas:
            r.start()
        checks.report(CLIENT, "three replicas with one state secret are healthy", True)

        # A confirmation started on replica 1 and answered on replica 3.
        cross_replica_confirmation(replicas, sandbox)

        t0 = time.monotonic()
        stop_at = t0 + seconds
        tasks = [
            asyncio.create_task(client_loop(f"legacy{i}", "legacy", nginx_url, run, stop_at))
            for i in range(LEGACY_CLIENTS)
        ] + [
            asyncio.create_task(client_loop(f"modern{i}", "2026-07-28", nginx_url, run, stop_at))
            for i in range(MODERN_CLIENTS)
        ]
        victim = replicas[1]
        await asyncio.sleep(seconds / 3)  # the schedule of the experiment, not synchronisation
        # Kill it while it is busy: wait (up to 3 s) until its gauge shows a call in flight.
        deadline = time.monotonic() + 3
        gauge = victim.metric("ds24_mcp_http_requests_in_flight")
        while gauge < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.002)  # polling a gauge with a deadline
            gauge = victim.metric("ds24_mcp_http_requests_in_flight")
        started_before_read = {id(c) for c in run.calls}
        victim.kill()
        kill_at = time.monotonic()
        slipped = sum(1 for c in run.calls if id(c) not in started_before_read and c.start <= kill_at)
        in_flight_everywhere = len(run.in_flight)
        served_before_kill = sum(1 for c in run.calls if c.end and c.end < kill_at)

        await asyncio.sleep(seconds / 3)
        victim.start()
        restart_at = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - t0
        served_after_restart = victim.metric("ds24_mcp_tool_calls_total")

        failed = [c for c in run.calls if not c.ok]
        # Every call that did not succeed counts as failed: an exception (HTTP 502 from nginx when
        # the replica died under the request) and an isError answer alike.
        lost, other_failures = nginx_outcomes(os.environ["DS24_REPLICA_NGINX_LOG"], f"127.0.0.1:{victim.port}")
        durations = [c.end - c.start for c in run.calls if c.ok]
        ok_calls = sum(1 for c in run.calls if c.ok)

        checks.report(CLIENT, "no client sees a session error", not run.session_errors,
                      "; ".join(run.session_errors[:5]))
        checks.report(CLIENT, f"all {LEGACY_CLIENTS + MODERN_CLIENTS} clients keep their one session to the end",
                      run.clients_finished == LEGACY_CLIENTS + MODERN_CLIENTS,
                      f"{run.clients_finished} finished")
        checks.report(CLIENT, f"failed calls ({len(failed)}) <= requests lost with the killed replica ({lost})",
                      len(failed) <= lost,
                      "; ".join(f"{c.op}: {c.error}" for c in failed[:5]))
        checks.report(CLIENT, "no request to a live replica failed", not other_failures,
                      "; ".join(other_failures[:5]))
        checks.report(CLIENT, "every failed call was in flight at the kill",
                      all(in_flight_at(c, kill_at) for c in failed),
                      "; ".join(f"{c.op} {c.start - t0:.3f}-{c.end - t0:.3f}s" for c in failed
                                if not in_flight_at(c, kill_at))[:500])
        checks.report(CLIENT, "the restarted replica serves again", served_after_restart > 0,
                      f"{served_after_restart} tool calls after restart")
        checks.report(CLIENT, "confirmations through the balancer were accepted", run.confirmations > 0,
                      f"{run.confirmations}")
        codes = {v.get("code") for v in list_vouchers(sandbox)}
        still_there = [v for v in run.vouchers_deleted if v in codes]
        checks.report(CLIENT, f"every confirmed deleteVoucher ({len(run.vouchers_deleted)}) took effect in the shared account",
                      bool(run.vouchers_deleted) and not still_there, f"still there: {still_there[:5]}")

        figures = {
            "seconds": round(elapsed, 1),
            "clients": f"{LEGACY_CLIENTS} legacy + {MODERN_CLIENTS} 2026-07-28",
            "calls": len(run.calls),
            "ok": ok_calls,
            "calls_per_s": round(len(run.calls) / elapsed, 1),
            "p50_ms": round(pct(durations, 50) * 1000, 1),
            "p99_ms": round(pct(durations, 99) * 1000, 1),
            "confirmations": run.confirmations,
            "lost_with_killed_replica": lost,
            "victim_gauge_before_kill": int(gauge),
            "started_between_gauge_and_kill": slipped,
            "in_flight_everywhere_at_kill": in_flight_everywhere,
            "failed": len(failed),
            "session_errors": len(run.session_errors),
            "served_before_kill": served_before_kill,
            "victim_calls_after_restart": int(served_after_restart),
            "restart_after_s": round(restart_at - kill_at, 1),
        }
        print(f"note {CLIENT}: figures {json.dumps(figures)}", flush=True)
        for c in failed[:10]:
            print(f"note {CLIENT}: failed {c.client} {c.op} at {c.start - t0:.3f}-{c.end - t0:.3f}s: {c.error}", flush=True)
    except Exception as e:  # noqa: BLE001
        checks.crashed(CLIENT, "runs to the end", e)
    finally:
        for r in replicas:
            r.stop()
    return checks.exit_code()


def in_flight_at(call: Call, kill_at: float) -> bool:
    """Whether the call was under way when the replica died. A call started up to 100 ms after
    the kill counts: nginx may send it on a kept-alive connection to the dead replica before
    the kernel has told it the connection is gone (then nginx cannot retry it: it was sent)."""
    return call.start <= kill_at + 0.1 and kill_at <= call.end + 0.001


def nginx_outcomes(log_path: str, victim: str) -> tuple[int, list[str]]:
    """From nginx's access log: how many POSTs it had sent to the victim when it died (the last
    upstream tried is the victim and the answer is 502), and every other request that failed.

    A refused connection to the dead victim is retried on the next replica and ends 200 (its
    line lists both upstreams), so it is neither."""
    lost, other = 0, []
    with open(log_path) as f:
        for line in f:
            parts = line.strip().split("|")  # method|status|upstream, upstream…|status, status…
            if len(parts) != 4 or not parts[1].isdigit():
                continue
            method, status = parts[0], int(parts[1])
            last_upstream = parts[2].split(",")[-1].strip()
            if status < 500:
                continue
            if method == "POST" and status == 502 and last_upstream == victim:
                lost += 1
            else:
                other.append(line.strip())
    return lost, other


def list_vouchers(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Every voucher of the shared account, asked of the sandbox directly (rows under `coupons`)."""
    data = sandbox.call("listVouchers")
    rows = data.get("coupons") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise RuntimeError(f"listVouchers has no `coupons` list: {str(data)[:300]}")
    return [r for r in rows if isinstance(r, dict)]


def cross_replica_confirmation(replicas: list[Replica], sandbox: Sandbox) -> None:
    code = f"X{uuid.uuid4().hex[:10].upper()}"
    created = replicas[0].mcp_post(rpc("tools/call", {"name": "createVoucher",
                                                      "arguments": {"data": {"code": code, "first_rate": 5}}}), True)
    meta = META
    first = replicas[0].mcp_post(rpc("tools/call", {"name": "deleteVoucher", "arguments": {"code": code},
                                                    "_meta": meta}), True)
    state = (first.get("result") or {}).get("requestState")
    asked = bool(state) and code in {v.get("code") for v in list_vouchers(sandbox)}
    checks.report(CLIENT, "replica 1 asks for confirmation of a destructive call and changes nothing yet", asked,
                  f"created {created}; first {first}")
    answer = replicas[2].mcp_post(rpc("tools/call", {
        "name": "deleteVoucher", "arguments": {"code": code}, "requestState": state,
        "inputResponses": {"confirm": {"action": "accept", "content": {"confirm": True}}}, "_meta": meta}), True)
    result = answer.get("result") or {}
    gone = code not in {v.get("code") for v in list_vouchers(sandbox)}
    checks.report(CLIENT, "replica 3 accepts the confirmation sealed by replica 1 and deletes the voucher",
                  bool(result) and not result.get("isError") and gone, f"{answer}")


def rpc(method: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
