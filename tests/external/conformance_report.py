#!/usr/bin/env python3
"""Turn one run of the official MCP conformance suite into PASS/FAIL lines.

    conformance_report.py VERSION RESULTS_DIR EXPECTED_FAILURES_YML SUITE_OUTPUT

RESULTS_DIR is the suite's `-o` directory (one `server-<scenario>-<time>/checks.json` per
scenario); SUITE_OUTPUT is what the suite printed, whose SUMMARY must name the same scenarios.
The verdicts follow the suite's own baseline rules: a check with status FAILURE or
WARNING fails unless `scenario:check-id` (or the whole scenario) is in the expected-failures
file, and a listed check that succeeded is a stale entry, which fails too.

Printed, per spec version:
- one line per generic scenario (anything that is not only fixture checks), PASS or FAIL;
- one line for all scenarios that fail only at their listed fixture checks;
- a `note` line (not counted) for scenarios that do not apply to this server (NOT_APPLICABLE)
  and for scenarios the suite ran without any check (it skips some for stateless servers).
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# Scenarios of `--suite all` that do not apply to a stateless, tools-only server. They run (the
# suite has no exclude option) but are not judged. Each needs a reason.
NOT_APPLICABLE = {
    "logging-set-level": "calls logging/setLevel, but the server declares no `logging` capability "
    "(optional; deprecated in 2026-07-28), so -32601 is the correct answer",
    "server-sse-polling": "SSE polling and resumption need a session and a GET stream; the server is "
    "stateless by design and answers GET with 405 (allowed by the spec)",
    "server-sse-multiple-streams": "at 2025-11-25 it needs a session id for several GET streams; "
    "stateless by design (at 2026-07-28 the scenario applies and is judged)",
}
# server-sse-multiple-streams is judged at 2026-07-28, where it needs no session.
NOT_APPLICABLE_ONLY_AT = {"server-sse-multiple-streams": {"2025-11-25"}}

BAD = {"FAILURE", "WARNING"}
DIR_RE = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")


def load_baseline(path: Path) -> tuple[set[str], set[str]]:
    """(whole scenarios, scenario:check ids) listed under `server:`."""
    whole: set[str] = set()
    checks: set[str] = set()
    in_server = False
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith(" "):
            in_server = line.strip() == "server:"
            continue
        m = re.match(r"^\s+-\s+(\S+)$", line)
        if in_server and m:
            entry = m.group(1).strip("'\"")
            (checks if ":" in entry else whole).add(entry)
    return whole, checks


def shorten(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    version, results, yml, output = argv[1], Path(argv[2]), Path(argv[3]), Path(argv[4])
    client = f"conformance {version}"
    whole, listed = load_baseline(yml)

    scenarios: dict[str, list[dict]] = {}
    for checks_file in sorted(results.glob("*/checks.json")):
        m = DIR_RE.match(checks_file.parent.name)
        if m:
            scenarios[m.group("scenario")] = json.loads(checks_file.read_text())
    if not scenarios:
        print(f"FAIL {client}: the suite produced no results in {results}")
        return 1

    summary = re.findall(r"^[✓✗] (\S+): \d+ passed, \d+ failed$", output.read_text(errors="replace"), re.M)
    if sorted(summary) != sorted(scenarios):
        print(f"FAIL {client}: the suite's summary and its result files disagree — summary only: "
              f"{sorted(set(summary) - set(scenarios))}, files only: {sorted(set(scenarios) - set(summary))}")
        return 1

    failed = 0
    fixture_only: list[str] = []
    for name, checks in scenarios.items():
        if name in NOT_APPLICABLE and version in NOT_APPLICABLE_ONLY_AT.get(name, {version}):
            bad = [c["id"] for c in checks if c.get("status") in BAD]
            print(f"note {client}: {name} not judged: {NOT_APPLICABLE[name]}"
                  + (f" (suite reported {', '.join(bad)})" if bad else ""))
            continue
        statuses = [c.get("status") for c in checks]
        if not any(s in BAD or s == "SUCCESS" for s in statuses):
            print(f"note {client}: {name} ran no check ({', '.join(sorted(set(statuses))) or 'empty'}): "
                  "the suite skips it for this server")
            continue
        unexpected, stale, expected, passed = [], [], [], []
        for c in checks:
            key = f"{name}:{c['id']}"
            baselined = name in whole or key in listed
            if c.get("status") in BAD:
                (expected if baselined else unexpected).append(c)
            elif c.get("status") == "SUCCESS":
                (stale if key in listed else passed).append(c)
        if unexpected or stale:
            failed += 1
            saw = [f"{c['id']} {c['status']}: {shorten(c.get('errorMessage') or c.get('description', ''))}"
                   for c in unexpected]
            saw += [f"{c['id']} passes but is listed in {yml.name}: remove it" for c in stale]
            print(f"FAIL {client}: {name} — " + " | ".join(saw))
        elif expected and all(c["id"] == "wire-schema-valid" for c in passed):
            fixture_only.append(name)
        else:
            extra = f", {plural(len(expected), 'expected fixture failure')}" if expected else ""
            print(f"PASS {client}: {name} ({plural(len(passed), 'check')} passed{extra})")

    if fixture_only:
        print(f"PASS {client}: {len(fixture_only)} fixture-dependent scenarios fail only at their listed "
              f"fixture checks, with schema-valid messages ({', '.join(fixture_only)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
