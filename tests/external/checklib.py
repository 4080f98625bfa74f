"""Shared by the check scripts of tests/external: PASS/FAIL lines, and the sandbox asked directly.

Standard library only, so scripts that drive non-Python clients need nothing installed.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

READ_KEY = "sandbox-read"
FULL_KEY = "sandbox-full"


class Checks:
    """Prints one `PASS <client>: <check>` or `FAIL <client>: <check> — <what it saw>` line per check."""

    def __init__(self) -> None:
        self.failures = 0

    def report(self, client: str, check: str, ok: bool, saw: Any = "") -> bool:
        if ok:
            print(f"PASS {client}: {check}", flush=True)
        else:
            self.failures += 1
            print(f"FAIL {client}: {check} — {snippet(saw)}", flush=True)
        return ok

    def crashed(self, client: str, check: str, exc: BaseException) -> None:
        self.report(client, check, False, f"{type(exc).__name__}: {exc}")

    def exit_code(self) -> int:
        return 1 if self.failures else 0


def snippet(value: Any, limit: int = 600) -> str:
    """A one-line, bounded rendering of what a check saw."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def first_difference(got: Any, want: Any, path: str = "$") -> str | None:
    """Where two JSON values first differ, as `path: got X, sandbox has Y`; None if equal."""
    if isinstance(got, dict) and isinstance(want, dict):
        for key in sorted(set(got) | set(want)):
            if key not in got:
                return f"{path}.{key}: missing, sandbox has {snippet(want[key], 120)}"
            if key not in want:
                return f"{path}.{key}: {snippet(got[key], 120)}, sandbox has no such key"
            diff = first_difference(got[key], want[key], f"{path}.{key}")
            if diff:
                return diff
        return None
    if isinstance(got, list) and isinstance(want, list):
        for i, (g, w) in enumerate(zip(got, want)):
            diff = first_difference(g, w, f"{path}[{i}]")
            if diff:
                return diff
        if len(got) != len(want):
            return f"{path}: {len(got)} items, sandbox has {len(want)}"
        return None
    if got != want:
        return f"{path}: {snippet(got, 120)}, sandbox has {snippet(want, 120)}"
    return None


class Sandbox:
    """The Digistore24 API of `ds24-mcp sandbox`: POST {api}/{function}, form-encoded params."""

    def __init__(self, api: str) -> None:
        self.api = api.rstrip("/")

    def call(self, function: str, key: str = READ_KEY, **params: str) -> dict[str, Any]:
        # The MCP server asks Digistore24 for English answers; ask the same so labels compare equal.
        body = urllib.parse.urlencode({"language": "en", **params}).encode()
        req = urllib.request.Request(
            f"{self.api}/{function}",
            data=body,
            headers={"X-DS-API-KEY": key, "Accept": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=15) as resp:
            envelope = json.load(resp)
        if envelope.get("result") != "success":
            raise RuntimeError(f"sandbox {function} answered {snippet(envelope)}")
        return envelope.get("data") or {}

    def product_ids(self) -> set[str]:
        return product_ids(self.call("listProducts"))


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _flatten(fields: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for k, v in fields.items():
        if isinstance(v, dict) and v:
            _flatten(v, f"{prefix}{k}.", out)
        else:
            out[f"{prefix}{k}"] = v


def lean(value: Any) -> Any:
    """What ds24-mcp puts in the text block, written again here from its documentation (README,
    "Answers"): no empty values, no `X_msg` label beside its `X`, and lists of two or more records
    as tables (`columns`, `rows`, with values equal in every row under `same`)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k.endswith("_msg") and k[: -len("_msg")] in value:
                continue
            c = lean(v)
            if not _empty(c):
                out[k] = c
        return out
    if isinstance(value, list):
        if len(value) >= 2 and all(isinstance(v, dict) for v in value):
            rows = []
            for item in value:
                flat: dict[str, Any] = {}
                _flatten(lean(item), "", flat)
                rows.append(flat)
            columns: list[str] = []
            for row in rows:
                for k in row:
                    if k not in columns:
                        columns.append(k)
            same = {c: rows[0][c] for c in columns
                    if c in rows[0] and all(c in r and r[c] == rows[0][c] for r in rows)}
            varying = [c for c in columns if c not in same]
            table: dict[str, Any] = {}
            if same:
                table["same"] = same
            table["columns"] = varying
            table["rows"] = [[r.get(c, "") for c in varying] for r in rows]
            return table
        return [lean(v) for v in value]
    return value


def product_ids(data: Any) -> set[str]:
    """The ids in a listProducts answer (`product_id` or `id`)."""
    products = data.get("products", []) if isinstance(data, dict) else []
    return {str(p.get("product_id", p.get("id"))) for p in products if isinstance(p, dict)}
