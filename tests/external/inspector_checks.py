#!/usr/bin/env python3
"""Drive ds24-mcp with the MCP Inspector CLI v2 (`@modelcontextprotocol/inspector --cli`), in
both protocol eras, and check its output against the sandbox.

    inspector_checks.py NPM_DIR MCP_URL SANDBOX_API WORK_DIR

NPM_DIR holds the pinned install (node_modules/.bin/mcp-inspector); Node 22 must be first on PATH.
Every call is a fresh CLI process, as a developer would type it:

    mcp-inspector --cli --server-url URL --transport http --header "Authorization: Bearer KEY" \
        --protocol-era legacy|modern --method ... --format json

The Inspector keeps its catalog and client config under WORK_DIR (not ~/.mcp-inspector), and
--stored-auth-only keeps it from ever starting an OAuth login. Standard library only; prints
PASS/FAIL lines like py_checks.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

from checklib import Checks, Sandbox, first_difference, product_ids

ERAS = {"legacy": "2025-11-25", "modern": "2026-07-28"}
TOOL_IS_ERROR = 5  # the CLI's documented exit code for a tool result with isError
checks = Checks()
report = checks.report


class Inspector:
    def __init__(self, npm_dir: str, url: str, work: str) -> None:
        self.bin = os.path.join(npm_dir, "node_modules", ".bin", "mcp-inspector")
        self.url = url
        self.env = dict(os.environ)
        self.env["MCP_CATALOG_PATH"] = os.path.join(work, "inspector-catalog.json")
        self.env["MCP_CLIENT_CONFIG_PATH"] = os.path.join(work, "inspector-client.json")

    def run(self, era: str, key: str, *args: str) -> tuple[int, Any, str]:
        """(exit code, parsed stdout or the raw text, stderr)."""
        cmd = [self.bin, "--cli", "--server-url", self.url, "--transport", "http",
               "--header", f"Authorization: Bearer {key}", "--stored-auth-only",
               "--protocol-era", era, "--format", "json", *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=90,
                              stdin=subprocess.DEVNULL)
        try:
            out: Any = json.loads(proc.stdout)
        except json.JSONDecodeError:
            out = proc.stdout
        return proc.returncode, out, proc.stderr


def result_of(out: Any) -> dict[str, Any]:
    return (out.get("result") or {}) if isinstance(out, dict) else {}


def text_of(result: dict[str, Any]) -> str:
    return " ".join(b.get("text", "") for b in result.get("content") or [] if isinstance(b, dict))


def era_checks(insp: Inspector, era: str, sandbox_api: str) -> None:
    client = f"inspector-cli {era}"
    sandbox = Sandbox(sandbox_api)

    def saw(rc: int, out: Any, err: str) -> dict[str, Any]:
        return {"exit": rc, "stdout": out, "stderr": err[-300:]}

    rc, out, err = insp.run(era, "sandbox-read", "--method", "initialize")
    version = result_of(out).get("protocolVersion")
    report(client, f"initialize negotiates {version}",
           rc == 0 and version == ERAS[era] and (result_of(out).get("serverInfo") or {}).get("name") == "ds24-mcp",
           saw(rc, out, err))

    rc, out, err = insp.run(era, "sandbox-read", "--method", "tools/list")
    tools = result_of(out).get("tools") or []
    names = {t.get("name") for t in tools}
    report(client, f"tools/list ({len(tools)} tools)",
           rc == 0 and len(tools) >= 50 and {"listProducts", "getProduct", "createProduct"} <= names,
           saw(rc, out if rc else f"{len(tools)} tools", err))

    rc, out, err = insp.run(era, "sandbox-read", "--method", "tools/call", "--tool-name", "listProducts")
    truth = sandbox.call("listProducts")
    got = result_of(out)
    report(client, "tools/call listProducts matches the sandbox",
           rc == 0 and not got.get("isError") and got.get("structuredContent") == truth and len(product_ids(truth)) > 0,
           {"exit": rc, "isError": got.get("isError"), "text": text_of(got)[:200],
            "difference": first_difference(got.get("structuredContent"), truth), "stderr": err[-300:]})

    # The README's example call, with --tool-arg coercion.
    rc, out, err = insp.run(era, "sandbox-read", "--method", "tools/call", "--tool-name", "listPurchases",
                            "--tool-arg", "from=-7d")
    got = result_of(out)
    report(client, "tools/call listPurchases --tool-arg from=-7d (the README's example)",
           rc == 0 and not got.get("isError") and isinstance(got.get("structuredContent"), dict)
           and len(got["structuredContent"].get("purchase_list") or []) > 0,
           saw(rc, out, err))

    name = f"ext inspector {era} {uuid.uuid4().hex[:8]}"
    before = product_ids(sandbox.call("listProducts"))
    rc, out, err = insp.run(era, "sandbox-read", "--method", "tools/call", "--tool-name", "createProduct",
                            "--tool-args-json", json.dumps({"data": {"name_en": name, "name_de": name}}))
    got = result_of(out)
    after = product_ids(sandbox.call("listProducts"))
    report(client, f"tools/call createProduct with the read-only key: exit {TOOL_IS_ERROR} (tool_is_error), "
                   "mentions a full-access key, nothing created",
           rc == TOOL_IS_ERROR and got.get("isError") is True and "full-access" in text_of(got) and before == after and bool(before),
           {"exit": rc, "result": got, "new_ids": sorted(after - before), "stderr": err[-300:]})


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    npm_dir, url, sandbox_api, work = argv[1:]
    insp = Inspector(npm_dir, url, work)
    for era in ERAS:
        try:
            era_checks(insp, era, sandbox_api)
        except Exception as exc:  # noqa: BLE001 - the era's remaining checks cannot run
            report(f"inspector-cli {era}", "run", False, f"{type(exc).__name__}: {exc}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
