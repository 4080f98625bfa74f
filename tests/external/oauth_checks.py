#!/usr/bin/env python3
"""Connect the official Python MCP SDK's OAuth client (`mcp`, pinned in requirements.txt) to
`ds24-mcp serve --sandbox --public-url …` with nothing but the URL, the vendor's part played by
a real browser (Debian's Chromium driven by playwright-core, oauth_browser.mjs).

    oauth_checks.py MCP_URL SANDBOX_API NODE_MODULES LOG_DIR

MCP_URL is the server's public MCP URL (http://localhost:PORT/mcp); SANDBOX_API the embedded
sandbox's Digistore24 API (from the server's log), asked directly to check what really happened
in the account. Each connection runs the SDK's whole flow: 401 → protected resource metadata →
authorization server metadata → dynamic client registration → the browser on the consent page
(and on Digistore24's approval page) → code → token (PKCE) → MCP. Then it lists and calls tools.
The consent pages are saved as PNGs in LOG_DIR. Last, the official conformance suite's
authorization-server scenarios run against the same server (`conformance authorization`), the
browser giving the consent its authorization code grant asks for.

Prints one `PASS <client>: <check>` or `FAIL <client>: <check> — <what it saw>` line per check
and exits 1 if any check failed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from checklib import FULL_KEY, Checks, Sandbox, first_difference

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 90  # seconds for one connection, browser included

checks = Checks()
report = checks.report


class MemoryStorage:
    """The SDK's TokenStorage, in memory: one connection, one client."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Callback:
    """The client's redirect URI: a one-shot HTTP server on loopback that keeps the query."""

    async def start(self) -> None:
        self.result: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        self.uri = f"http://127.0.0.1:{self.port}/callback"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        parts = line.decode("latin-1").split()
        target = urlsplit(parts[1] if len(parts) > 1 else "/")
        if target.path == "/callback" and not self.result.done():
            self.result.set_result({k: v[0] for k, v in parse_qs(target.query).items()})
        body = b"Connected. You can close this window.\n"
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    def close(self) -> None:
        self.server.close()


class Browser:
    """Runs oauth_browser.mjs for the authorization URL the SDK hands over."""

    def __init__(self, node_modules: str, way: str, access: str, key: str, redirect: str, shot: str, lang: str):
        self.node_modules, self.way, self.access, self.key = node_modules, way, access, key
        self.redirect, self.shot, self.lang = redirect, shot, lang
        self.done: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()

    async def open(self, url: str) -> None:
        env = dict(os.environ, DS24_NODE_MODULES=self.node_modules, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1")
        proc = await asyncio.create_subprocess_exec(
            "node", os.path.join(HERE, "oauth_browser.mjs"), url, self.way, self.access, self.key,
            self.redirect, self.shot, self.lang,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )

        async def outcome() -> None:
            out, err = await proc.communicate()
            self.done.set_result((proc.returncode or 0, (out + err).decode(errors="replace").strip()))

        self.task = asyncio.ensure_future(outcome())


async def connect(url: str, way: str, access: str, key: str, node_modules: str, log_dir: str,
                  lang: str = "en-US") -> tuple[Client, Any, Callback, Browser]:
    """An SDK client with OAuth, not yet entered."""
    callback = Callback()
    await callback.start()
    browser = Browser(node_modules, way, access, key, callback.uri,
                      os.path.join(log_dir, f"oauth-consent-{way}-{access}.png"), lang)

    async def code() -> AuthorizationCodeResult:
        done, _ = await asyncio.wait(
            [callback.result, browser.done], timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED,
        )
        if callback.result in done:
            q = callback.result.result()
            if "code" not in q:
                raise RuntimeError(f"authorization refused: {q}")
            return AuthorizationCodeResult(code=q["code"], state=q.get("state"), iss=q.get("iss"))
        rc, said = browser.done.result() if browser.done.done() else (-1, f"no answer in {TIMEOUT} s")
        raise RuntimeError(f"the browser ended without returning to the client (exit {rc}): {said}")

    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name=f"ds24-mcp external check ({way}, {access})",
            redirect_uris=[callback.uri],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=MemoryStorage(),
        redirect_handler=browser.open,
        callback_handler=code,
    )
    http = httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(60.0))
    return Client(streamable_http_client(url, http_client=http), mode="auto"), http, callback, browser


def described(exc: BaseException) -> str:
    """An exception with the ones an exception group wraps (anyio task groups wrap everything)."""
    said = f"{type(exc).__name__}: {exc}"
    for inner in getattr(exc, "exceptions", None) or []:
        said += f" | {described(inner)}"
    return said


def text_of(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content or [])


async def one(url: str, sandbox: Sandbox, way: str, access: str, key: str, node_modules: str, log_dir: str,
              lang: str = "en-US") -> None:
    name = f"oauth-{way}-{access}"
    client, http, callback, browser = await connect(url, way, access, key, node_modules, log_dir, lang)
    try:
        async with http, client as c:
            report(name, "the SDK's OAuth flow completes (browser on the consent page)", True)
            shot = os.path.join(log_dir, f"oauth-consent-{way}-{access}.png")
            report(name, "consent page screenshot kept", os.path.getsize(shot) > 5_000, shot)
            if way == "connect":
                approval = shot.replace(".png", "-approval.png")
                report(name, "Digistore24 approval page screenshot kept",
                       os.path.exists(approval) and os.path.getsize(approval) > 2_000, approval)
            names = {t.name for t in (await c.list_tools()).tools}
            writes = {"createProduct", "updateProduct", "createBuyUrl"}
            if access == "read":
                report(name, f"tools/list offers read tools only ({len(names)})",
                       "listProducts" in names and not (writes & names), sorted(writes & names))
            else:
                report(name, f"tools/list offers write tools too ({len(names)})",
                       "listProducts" in names and writes <= names, sorted(writes - names))
            got = await c.call_tool("listProducts", {})
            truth = sandbox.call("listProducts")
            report(name, "listProducts matches the sandbox",
                   not got.is_error and got.structured_content == truth,
                   first_difference(got.structured_content, truth) or text_of(got))
            product = f"ext {name} {uuid.uuid4().hex[:8]}"[:60]
            before = sandbox.product_ids()
            r = await c.call_tool("createProduct", {"data": {"name_en": product, "name_de": product, "is_active": "N"}})
            after = sandbox.product_ids()
            if access == "read":
                report(name, "a read-only grant is refused a write, and nothing changes",
                       r.is_error is True and "read-only access" in text_of(r) and before == after,
                       {"isError": r.is_error, "text": text_of(r), "new": sorted(after - before)})
            else:
                pid = str((r.structured_content or {}).get("product_id", ""))
                report(name, "a full-access grant creates the product in the account",
                       not r.is_error and pid in after and pid not in before,
                       {"isError": r.is_error, "text": text_of(r), "new": sorted(after - before)})
    except Exception as exc:  # noqa: BLE001 - any failure is a failed check
        report(name, "connect, list and call", False, described(exc))
    finally:
        callback.close()


async def refused(url: str, sandbox: Sandbox, way: str, node_modules: str, log_dir: str) -> None:
    """The vendor says no (on the consent page, or on Digistore24's page): the client gets
    access_denied and no token, and the account is untouched."""
    name = f"oauth-{way}"
    client, http, callback, _ = await connect(url, way, "full", "", node_modules, log_dir)
    before = sandbox.product_ids()
    try:
        async with http, client:
            report(name, "the client gets no token", False, "connected although the vendor declined")
    except Exception as exc:  # noqa: BLE001
        said = described(exc)
        report(name, "the client gets access_denied and no token", "access_denied" in said, said)
    finally:
        callback.close()
    report(name, "nothing changed in the account", sandbox.product_ids() == before)


async def conformance(url: str, node_modules: str, log_dir: str) -> None:
    """The official conformance suite's authorization-server scenarios (`conformance
    authorization`): metadata, and an authorization code grant whose consent the browser gives."""
    name = "conformance-authorization"
    issuer = url.rsplit("/mcp", 1)[0]
    callback = Callback()
    await callback.start()  # only to reserve a free port: the suite runs its own callback server
    port = callback.port
    callback.close()
    await callback.server.wait_closed()
    redirect = f"http://127.0.0.1:{port}/callback"
    async with httpx2.AsyncClient() as http:
        reg = (await http.post(f"{issuer}/oauth/register", json={
            "client_name": "MCP conformance suite", "redirect_uris": [redirect],
            "token_endpoint_auth_method": "none"})).json()
    out_dir = os.path.join(log_dir, "conformance-authorization")
    suite = await asyncio.create_subprocess_exec(
        os.path.join(node_modules, ".bin", "conformance"), "authorization", "--url", issuer,
        "--client-id", reg["client_id"], "--resource", url, "--port", str(port), "-o", out_dir,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    said: list[str] = []
    browser = Browser(node_modules, "paste", "full", FULL_KEY, redirect,
                      os.path.join(log_dir, "oauth-consent-conformance.png"), "en-US")
    try:
        assert suite.stdout is not None
        while line := (await asyncio.wait_for(suite.stdout.readline(), TIMEOUT)).decode(errors="replace"):
            said.append(line.rstrip())
            if line.startswith(f"{issuer}/oauth/authorize?"):
                await browser.open(line.strip())
        await asyncio.wait_for(suite.wait(), TIMEOUT)
    except Exception as exc:  # noqa: BLE001
        suite.kill()
        report(name, "the suite runs to the end", False, f"{described(exc)}; it said: {' | '.join(said[-8:])}")
        return
    results = []
    for root, _, files in os.walk(out_dir):
        if "checks.json" in files:
            with open(os.path.join(root, "checks.json"), encoding="utf-8") as f:
                results.extend(json.load(f))
    scenarios = {"authorization-server-metadata", "authorization-code-grant"}
    report(name, "both scenarios ran (metadata endpoint, authorization code grant)",
           scenarios <= {r.get("id") for r in results}, " | ".join(said[-8:]))
    for r in results:
        report(name, f"{r.get('id')}: {r.get('description')}", r.get("status") == "SUCCESS",
               r.get("errorMessage") or r.get("details"))


async def main(url: str, sandbox_api: str, node_modules: str, log_dir: str) -> int:
    sandbox = Sandbox(sandbox_api)
    await one(url, sandbox, "paste", "read", FULL_KEY, node_modules, log_dir)
    await one(url, sandbox, "paste", "full", FULL_KEY, node_modules, log_dir)
    await one(url, sandbox, "connect", "full", "", node_modules, log_dir)
    await one(url, sandbox, "connect", "read", "", node_modules, log_dir, lang="de-DE")
    await refused(url, sandbox, "deny", node_modules, log_dir)
    await refused(url, sandbox, "decline", node_modules, log_dir)
    await conformance(url, node_modules, log_dir)
    return checks.exit_code()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(*sys.argv[1:])))
