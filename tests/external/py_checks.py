#!/usr/bin/env python3
"""Drive ds24-mcp with the official Python MCP SDK (`mcp`, pinned in requirements.txt) and check
what it gets against the simulated Digistore24 account itself.

    py_checks.py http URL MODE SANDBOX_API   MODE: legacy | 2026-07-28 | auto
    py_checks.py stdio BINARY STATE_FILE

`http` talks Streamable HTTP to a `ds24-mcp serve` whose upstream is the sandbox API at SANDBOX_API
(`ds24-mcp sandbox`, e.g. http://127.0.0.1:PORT/api/call), so every answer can be compared with
what the sandbox says about the same state. `stdio` launches `BINARY stdio --sandbox --state
STATE_FILE` through the SDK's stdio client, once with the read-only key and once with the
full-access key, and in between opens the same state file with `BINARY sandbox` to look at it.

Prints one `PASS <client>: <check>` or `FAIL <client>: <check> — <what it saw>` line per check
and exits 1 if any check failed.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager, contextmanager
from typing import Any, AsyncIterator, Iterator

import anyio
import mcp.types as types
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

from checklib import FULL_KEY, READ_KEY, Checks, Sandbox, first_difference, lean, product_ids

TIMEOUT = 60  # seconds for one client session
EXPECTED_VERSION = {"legacy": "2025-11-25", "2026-07-28": "2026-07-28", "auto": "2026-07-28"}

checks = Checks()
report, crashed = checks.report, checks.crashed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_on(binary: str, state: str, log_path: str) -> Iterator[Sandbox]:
    """`ds24-mcp sandbox --state STATE` on a free loopback port, for as long as the block runs."""
    port = free_port()
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [binary, "sandbox", "--listen", f"127.0.0.1:{port}", "--state", state],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
    try:
        sandbox = Sandbox(f"http://127.0.0.1:{port}/api/call")
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"`ds24-mcp sandbox` exited with {proc.returncode}; see {log_path}")
            try:
                sandbox.call("ping")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"`ds24-mcp sandbox` not answering after 30 s; see {log_path}")
                time.sleep(0.1)  # polling a port with a deadline, not a fixed wait
        yield sandbox
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- MCP sessions -----------------------------------------------------------------------------


@asynccontextmanager
async def http_session(url: str, mode: str, key: str) -> AsyncIterator[Client]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http:
        async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
            yield client


@asynccontextmanager
async def stdio_session(binary: str, state: str, key: str, mode: str = "auto",
                        elicitation_callback: Any = None, extra: tuple[str, ...] = ()) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=binary,
        args=["stdio", "--sandbox", "--state", state, *extra],
        env={"DS24_API_KEY": key, "NO_COLOR": "1"},
    )
    async with Client(params, mode=mode, elicitation_callback=elicitation_callback) as client:
        yield client


def text_of(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content or [])


def new_product_name(client: str) -> str:
    return f"ext {client} {uuid.uuid4().hex[:8]}"[:60]


def create_args(name: str) -> dict[str, Any]:
    return {"data": {"name_en": name, "name_de": name, "is_active": "N"}}


# --- individual checks (each reports exactly one line) ------------------------------------------


async def check_tools_list(client_name: str, c: Client) -> None:
    try:
        tools = (await c.list_tools()).tools
        names = [t.name for t in tools]
        wanted = {"listProducts", "getProduct", "createProduct", "listPurchases", "getUserInfo"}
        missing = sorted(wanted - set(names))
        bad_schema = [t.name for t in tools if (t.input_schema or {}).get("type") != "object"]
        report(
            client_name,
            f"tools/list ({len(names)} tools)",
            len(names) >= 50 and not missing and not bad_schema and len(set(names)) == len(names),
            {"count": len(names), "missing": missing, "non_object_schemas": bad_schema[:5]},
        )
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        crashed(client_name, "tools/list", exc)


async def call_list_products(client_name: str, c: Client) -> dict[str, Any] | None:
    """listProducts through MCP; reports a failure and returns None if the call itself fails."""
    r = await c.call_tool("listProducts", {})
    if r.is_error or not isinstance(r.structured_content, dict):
        report(client_name, "listProducts", False, {"isError": r.is_error, "text": text_of(r)})
        return None
    return r.structured_content


async def check_read_matches(client_name: str, c: Client, sandbox: Sandbox) -> None:
    try:
        got = await call_list_products(client_name, c)
        if got is None:
            return
        truth = sandbox.call("listProducts")
        text_json = json.loads(text_of(await c.call_tool("listProducts", {})) or "null")
        report(
            client_name,
            f"listProducts matches the sandbox ({len(product_ids(truth))} products; the text block is its lean form)",
            got == truth and text_json == lean(truth) and len(product_ids(truth)) > 0,
            first_difference(got, truth) or f"text block differs: {first_difference(text_json, lean(truth))}",
        )
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, "listProducts matches the sandbox", exc)


async def check_write_refused(client_name: str, c: Client, sandbox: Sandbox | None) -> tuple[str, set[str]] | None:
    """createProduct with the read-only key: a clear isError and nothing created.

    With `sandbox` None (stdio), the state is checked later by the caller; returns the name tried
    and the product ids seen through MCP before the call."""
    name = new_product_name(client_name)
    check = "createProduct with the read-only key is refused and changes nothing"
    try:
        before = sandbox.product_ids() if sandbox else product_ids(await call_list_products(client_name, c) or {})
        r = await c.call_tool("createProduct", create_args(name))
        text = text_of(r)
        after = sandbox.product_ids() if sandbox else product_ids(await call_list_products(client_name, c) or {})
        clear = r.is_error is True and "full-access" in text
        if sandbox is None:
            report(client_name, check + " (as seen through MCP)", clear and before == after and bool(before),
                   {"isError": r.is_error, "text": text, "new_ids": sorted(after - before)})
        else:
            report(client_name, check, clear and before == after and bool(before),
                   {"isError": r.is_error, "text": text, "new_ids": sorted(after - before)})
        return name, before
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)
        return None


async def check_write_succeeds(client_name: str, c: Client, sandbox: Sandbox | None) -> tuple[str, str] | None:
    """createProduct with the full-access key: succeeds, and (HTTP) the sandbox has the product."""
    name = new_product_name(client_name)
    check = "createProduct with the full-access key creates the product"
    try:
        before = sandbox.product_ids() if sandbox else set()
        r = await c.call_tool("createProduct", create_args(name))
        sc = r.structured_content if isinstance(r.structured_content, dict) else {}
        pid = sc.get("product_id")
        if r.is_error or pid in (None, ""):
            report(client_name, check, False, {"isError": r.is_error, "text": text_of(r), "structured": sc})
            return None
        pid = str(pid)
        if sandbox is None:
            got = await c.call_tool("getProduct", {"product_id": pid})
            report(client_name, check + f" (product {pid}, read back through MCP)",
                   not got.is_error and name in json.dumps(got.structured_content, ensure_ascii=False),
                   {"isError": got.is_error, "text": text_of(got)})
            return name, pid
        stored = sandbox.call("getProduct", product_id=pid)
        after = sandbox.product_ids()
        report(
            client_name,
            check + f" (product {pid} is in the sandbox)",
            name in json.dumps(stored, ensure_ascii=False) and after == before | {pid},
            {"sandbox_getProduct": stored, "new_ids": sorted(after - before)},
        )
        via_mcp = await c.call_tool("getProduct", {"product_id": pid})
        report(client_name, "getProduct of the new product matches the sandbox",
               not via_mcp.is_error and via_mcp.structured_content == stored,
               {"isError": via_mcp.is_error, "text": text_of(via_mcp)[:200],
                "difference": first_difference(via_mcp.structured_content, stored)})
        return name, pid
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)
        return None


async def check_protocol_errors(client_name: str, c: Client) -> None:
    check = "unknown tool is a JSON-RPC -32602 error"
    try:
        r = await c.call_tool("noSuchTool", {})
        report(client_name, check, False, {"no error raised; isError": r.is_error, "text": text_of(r)})
    except MCPError as exc:
        report(client_name, check, exc.code == -32602, {"code": exc.code, "message": str(exc)})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)
    check = "getProduct with a non-numeric product_id is an isError naming product_id"
    try:
        r = await c.call_tool("getProduct", {"product_id": "abc"})
        report(client_name, check, r.is_error is True and "product_id" in text_of(r),
               {"isError": r.is_error, "text": text_of(r)})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)


async def check_prompts_and_resources(client_name: str, c: Client, sandbox: Sandbox) -> None:
    check = "prompts/list offers the workflows and prompts/get renders one"
    try:
        names = [p.name for p in (await c.list_prompts()).prompts]
        got = await c.get_prompt("copy_product", {"product_id": "12345", "name": "Webinar October", "price": "89.99"})
        text = " ".join(getattr(m.content, "text", "") for m in got.messages)
        report(client_name, check,
               {"copy_product", "create_product", "launch_discount_code", "sales_report"} <= set(names)
               and "12345" in text and "Webinar October" in text and "89.99" in text,
               {"prompts": names, "text": text[:200]})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)
    check = "resources/read of ds24://reference/countries equals the sandbox's listCountries"
    try:
        uris = [str(r.uri) for r in (await c.list_resources()).resources]
        read = await c.read_resource("ds24://reference/countries")
        body = json.loads(read.contents[0].text)
        truth = lean(sandbox.call("listCountries"))
        report(client_name, check, "ds24://reference/countries" in uris and body == truth and bool(truth),
               first_difference(body, truth) or {"uris": uris})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)


async def check_reports(client_name: str, c: Client, sandbox: Sandbox) -> None:
    check = "summarizeTransactions counts what the sandbox lists, with progress notifications"
    try:
        seen: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append(progress)

        r = await c.call_tool("summarizeTransactions", {"from": "start", "to": "now", "group_by": "transaction_type"},
                              progress_callback=on_progress)
        sc = r.structured_content if isinstance(r.structured_content, dict) else {}
        truth = int(sandbox.call("listTransactions", **{"from": "start", "to": "now", "page_size": "1"})["item_count"])
        groups = sum(g["count"] for g in sc.get("groups", []))
        report(client_name, check,
               not r.is_error and sc.get("count") == truth == groups and truth > 0 and len(seen) > 0,
               {"count": sc.get("count"), "sandbox": truth, "groups": groups, "progress": seen[:5], "text": text_of(r)[:200]})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)


async def check_compact_mode(client_name: str, url: str, mode: str, sandbox: Sandbox) -> None:
    check = "compact mode: four tools, searchTools finds listProducts, callTool matches the sandbox"
    try:
        compact_url = url.rstrip("/") + "/compact"
        async with http_session(compact_url, mode, READ_KEY) as c:
            names = [t.name for t in (await c.list_tools()).tools]
            found = (await c.call_tool("searchTools", {"query": "list products"})).structured_content or {}
            hits = [t["name"] for t in found.get("tools", [])]
            got = (await c.call_tool("callTool", {"name": "listProducts", "arguments": {}})).structured_content
            truth = sandbox.call("listProducts")
            report(client_name, check,
                   names == ["searchTools", "describeTool", "callTool", "callDestructiveTool"] and "listProducts" in hits and got == truth,
                   {"tools": names, "search": hits, "difference": first_difference(got, truth)})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, check, exc)


# --- the two ways in ----------------------------------------------------------------------------


async def run_http(url: str, mode: str, sandbox_api: str) -> None:
    client_name = f"python-sdk {mode}"
    sandbox = Sandbox(sandbox_api)
    try:
        with anyio.fail_after(TIMEOUT):
            async with http_session(url, mode, READ_KEY) as c:
                report(client_name, f"connects with the read-only key (protocol {c.protocol_version})",
                       c.protocol_version == EXPECTED_VERSION[mode],
                       f"negotiated {c.protocol_version}, expected {EXPECTED_VERSION[mode]}")
                await check_tools_list(client_name, c)
                await check_read_matches(client_name, c, sandbox)
                await check_write_refused(client_name, c, sandbox)
                await check_protocol_errors(client_name, c)
                await check_prompts_and_resources(client_name, c, sandbox)
                await check_reports(client_name, c, sandbox)
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, "session with the read-only key", exc)
    with anyio.fail_after(TIMEOUT):
        await check_compact_mode(client_name, url, mode, sandbox)
    try:
        with anyio.fail_after(TIMEOUT):
            async with http_session(url, mode, FULL_KEY) as c:
                await check_write_succeeds(client_name, c, sandbox)
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, "session with the full-access key", exc)


async def run_stdio(binary: str, state: str) -> None:
    client_name = "python-sdk stdio"
    log = state + ".sandbox.log"
    for path in (state, state + "-wal", state + "-shm"):
        if os.path.exists(path):
            os.remove(path)
    seen: dict[str, Any] | None = None
    refused: tuple[str, set[str]] | None = None
    try:
        with anyio.fail_after(TIMEOUT):
            async with stdio_session(binary, state, READ_KEY) as c:
                report(client_name, f"connects with DS24_API_KEY={READ_KEY} (protocol {c.protocol_version})",
                       bool(c.protocol_version), c.protocol_version)
                await check_tools_list(client_name, c)
                seen = await call_list_products(client_name, c)
                refused = await check_write_refused(client_name, c, None)
                await check_protocol_errors(client_name, c)
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, f"session with DS24_API_KEY={READ_KEY}", exc)

    # The same state file, opened by the sandbox itself.
    try:
        with sandbox_on(binary, state, log) as sandbox:
            truth = sandbox.call("listProducts")
            if seen is not None:
                report(client_name, f"listProducts matches the sandbox ({len(product_ids(truth))} products)",
                       seen == truth and len(product_ids(truth)) > 0, first_difference(seen, truth) or "no products")
            if refused is not None:
                name, before = refused
                report(client_name, "refused createProduct left the sandbox state unchanged",
                       product_ids(truth) == before and name not in json.dumps(truth, ensure_ascii=False),
                       {"ids_before": sorted(before), "ids_now": sorted(product_ids(truth))})
            ids_before_write = product_ids(truth)
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, "reading the state file with `ds24-mcp sandbox`", exc)
        return

    created: tuple[str, str] | None = None
    try:
        with anyio.fail_after(TIMEOUT):
            async with stdio_session(binary, state, FULL_KEY) as c:
                created = await check_write_succeeds(client_name, c, None)
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, f"session with DS24_API_KEY={FULL_KEY}", exc)
    if created is None:
        return
    name, pid = created
    try:
        with sandbox_on(binary, state, log) as sandbox:
            stored = sandbox.call("getProduct", product_id=pid)
            ids = sandbox.product_ids()
            report(client_name, f"the sandbox state has the product created over stdio ({pid})",
                   name in json.dumps(stored, ensure_ascii=False) and ids == ids_before_write | {pid},
                   {"getProduct": stored, "new_ids": sorted(ids - ids_before_write)})
    except Exception as exc:  # noqa: BLE001
        crashed(client_name, "the sandbox state has the product created over stdio", exc)
    await check_stdio_confirmation(client_name, binary, state)


async def check_stdio_confirmation(client_name: str, binary: str, state: str) -> None:
    """A client on the handshake era (2025-11-25) that can answer elicitation is asked before a
    destructive call over stdio, and the call runs only after its yes (the SDK's own callback)."""
    asked: list[str] = []
    answer: dict[str, Any] = {"action": "decline"}

    async def on_elicit(_ctx: Any, params: Any) -> Any:
        asked.append(getattr(params, "message", ""))
        return types.ElicitResult(action=answer["action"], content=answer.get("content"))

    name = "python-sdk stdio (2025-11-25, elicitation)"
    try:
        with anyio.fail_after(TIMEOUT):
            async with stdio_session(binary, state, FULL_KEY, mode="legacy",
                                     elicitation_callback=on_elicit, extra=("--toolsets", "all")) as c:
                r = await c.call_tool("deleteVoucher", {"code": "FIXED5"})
                report(name, "a declined deleteVoucher is asked about and does not run",
                       len(asked) == 1 and bool(r.is_error) and "cannot be undone" in asked[0],
                       {"asked": asked, "result": text_of(r)})
                answer.update(action="accept", content={"confirm": True})
                r = await c.call_tool("deleteVoucher", {"code": "FIXED5"})
                report(name, "an accepted deleteVoucher is asked about and runs",
                       len(asked) == 2 and not r.is_error and '"Y"' in text_of(r),
                       {"asked": asked, "result": text_of(r)})
    except Exception as exc:  # noqa: BLE001
        crashed(name, "deleteVoucher with confirmation over stdio", exc)
        return
    try:
        with sandbox_on(binary, state, state + ".sandbox.log") as sandbox:
            vouchers = json.dumps(sandbox.call("listVouchers"))
            report(name, "the sandbox state no longer has the deleted voucher FIXED5",
                   "FIXED5" not in vouchers and "WELCOME10" in vouchers, vouchers[:300])
    except Exception as exc:  # noqa: BLE001
        crashed(name, "the sandbox state after the confirmed delete", exc)


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[1] == "http" and argv[3] in EXPECTED_VERSION:
        asyncio.run(run_http(argv[2], argv[3], argv[4]))
    elif len(argv) == 4 and argv[1] == "stdio":
        asyncio.run(run_stdio(argv[2], argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
