#!/usr/bin/env python3
"""Launch a packed MCP Bundle the way Claude Desktop does, and use it.

    bundle_check.py BUNDLE.mcpb UNPACK_DIR SANDBOX_API

Unpacks the bundle (a zip), reads its manifest.json, fills `mcp_config` with the user settings
(`${__dirname}`, `${user_config.api_key}` = sandbox-full, `${user_config.read_only}`), points the
server at the sandbox (DS24_API_URL, the one variable Claude Desktop would not set) and talks to
it with the Python MCP SDK over stdio: once with Read-only off, once on.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import zipfile
from typing import Any

from mcp import Client, StdioServerParameters

from checklib import FULL_KEY, Checks

CLIENT = "bundle"
checks = Checks()


def unpack(bundle: str, into: str) -> dict[str, Any]:
    with zipfile.ZipFile(bundle) as z:
        z.extractall(into)
        for info in z.infolist():  # zipfile does not restore permissions
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                path = os.path.join(into, info.filename)
                os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    with open(os.path.join(into, "manifest.json")) as f:
        return json.load(f)


def fill(value: str, dirname: str, settings: dict[str, str]) -> str:
    value = value.replace("${__dirname}", dirname)
    for k, v in settings.items():
        value = value.replace("${user_config.%s}" % k, v)
    return value


async def session(manifest: dict[str, Any], dirname: str, api: str, read_only: bool) -> tuple[list[str], bool]:
    cfg = manifest["server"]["mcp_config"]
    settings = {"api_key": FULL_KEY, "read_only": "true" if read_only else "false"}
    env = {k: fill(v, dirname, settings) for k, v in cfg.get("env", {}).items()}
    env["DS24_API_URL"] = api
    params = StdioServerParameters(
        command=fill(cfg["command"], dirname, settings),
        args=[fill(a, dirname, settings) for a in cfg.get("args", [])],
        env=env,
    )
    async with Client(params) as client:
        tools = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("listProducts", {})
        return tools, not result.is_error


async def main() -> int:
    bundle, into, api = sys.argv[1:4]
    try:
        manifest = unpack(bundle, into)
        server = manifest["server"]
        entry = os.path.join(into, server["entry_point"])
        checks.report(CLIENT, "the bundle carries its entry point, executable", os.access(entry, os.X_OK), entry)
        licences = sorted(n for n in os.listdir(into) if n.startswith("LICENSE"))
        checks.report(CLIENT, f"the bundle carries the licence texts its manifest names ({manifest.get('license')})",
                      licences == ["LICENSE-APACHE", "LICENSE-MIT"], licences)
        checks.report(CLIENT, "the API key is a sensitive user setting",
                      manifest["user_config"]["api_key"].get("sensitive") is True, manifest["user_config"])
        full, ok_full = await asyncio.wait_for(session(manifest, into, api, False), 60)
        ro, ok_ro = await asyncio.wait_for(session(manifest, into, api, True), 60)
        checks.report(CLIENT, f"launched as Claude Desktop would: {len(full)} tools, listProducts answers",
                      ok_full and "createProduct" in full, f"{len(full)} tools")
        checks.report(CLIENT, f"the Read-only switch leaves {len(ro)} tools and no write tool",
                      ok_ro and "createProduct" not in ro and 0 < len(ro) < len(full), f"{len(ro)} of {len(full)}")
    except Exception as e:  # noqa: BLE001
        checks.crashed(CLIENT, "runs to the end", e)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
