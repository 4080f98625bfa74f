#!/usr/bin/env python3
"""Turn one run of the official MCP conformance suite into PASS/FAIL lines.

    conformance_report.py VERSION RESULTS_DIR BASELINE_YML SUITE_OUTPUT

RESULTS_DIR is the suite's `-o` directory (one `server-<scenario>-<time>/checks.json` per
scenario); SUITE_OUTPUT is what the suite printed, whose SUMMARY must name the same scenarios.
BASELINE_YML (conformance-expected-failures.yml) has two lists of `scenario:check-id` entries:

- `server:` expected failures. A listed check that fails counts as expected only when the suite
  itself marks it untestable (its message starts with `Not testable:`); any other failure under a
  listed id is a real failure.
- `not_applicable:` checks of features the server does not have (yet), each with a `reason`, an
  optional `only_at` spec version and an optional `message` the failure must contain.

Every other check with status FAILURE or WARNING fails, and a listed check that succeeds is a
stale entry, which fails too. Printed, per spec version:
- one line per scenario with checks of its own that passed, PASS or FAIL;
- one PASS line for the scenarios whose only passing check is `wire-schema-valid` (every message
  schema-valid) while the rest is listed;
- `note` lines (not counted) with the reasons for what was not judged, and for scenarios the suite
  ran without any check (it skips some for stateless servers).
A scenario with nothing that passed never makes a PASS line, and a run in which no scenario passed
a check fails. Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

NOT_TESTABLE = "Not testable:"
SCHEMA_CHECK = "wire-schema-valid"
BAD = {"FAILURE", "WARNING"}
DIR_RE = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")
ID_RE = re.compile(r"^[\w.-]+:[\w.-]+$")


@dataclass
class NotApplicable:
    reason: str
    only_at: str | None = None
    message: str | None = None


class BaselineError(ValueError):
    pass


def strip_comment(line: str) -> str:
    """`line` without a trailing `# comment` (a `#` after whitespace, outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def load_baseline(path: Path) -> tuple[set[str], dict[str, NotApplicable]]:
    """(expected-failure ids, not-applicable entries by id), from the subset of YAML the file uses."""
    expected: set[str] = set()
    not_applicable: dict[str, NotApplicable] = {}
    section = None
    current: dict[str, str] | None = None

    def close() -> None:
        if current is None:
            return
        entry_id = current.get("id", "")
        if not ID_RE.match(entry_id):
            raise BaselineError(f"not_applicable entry {entry_id!r} is not `scenario:check-id`")
        if not current.get("reason"):
            raise BaselineError(f"not_applicable entry {entry_id} has no reason")
        if entry_id in not_applicable:
            raise BaselineError(f"not_applicable lists {entry_id} twice")
        not_applicable[entry_id] = NotApplicable(
            current["reason"], current.get("only_at") or None, current.get("message") or None)

    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = strip_comment(raw)
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        if not line.startswith(" "):
            close()
            current = None
            section = line.strip().rstrip(":")
            if section not in ("server", "client", "not_applicable"):
                raise BaselineError(f"{where}: unknown section {section!r}")
            continue
        if section == "server":
            m = re.match(r"^\s+-\s+(\S+)$", line)
            if not m or not ID_RE.match(unquote(m.group(1))):
                raise BaselineError(f"{where}: expected `- scenario:check-id`, got {raw.strip()!r}")
            expected.add(unquote(m.group(1)))
        elif section == "not_applicable":
            m = re.match(r"^\s+(-\s+)?(id|reason|only_at|message):\s*(.*)$", line)
            if not m:
                raise BaselineError(f"{where}: expected `- id:`, `reason:`, `only_at:` or `message:`, got {raw.strip()!r}")
            starts, key, value = m.group(1), m.group(2), unquote(m.group(3))
            if starts:
                if key != "id":
                    raise BaselineError(f"{where}: a not_applicable entry starts with `- id:`")
                close()
                current = {}
            elif current is None:
                raise BaselineError(f"{where}: `{key}` outside an entry")
            current[key] = value
    close()
    both = expected & set(not_applicable)
    if both:
        raise BaselineError(f"listed both as expected failures and as not applicable: {sorted(both)}")
    return expected, not_applicable


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
    try:
        expected_ids, not_applicable = load_baseline(yml)
    except BaselineError as exc:
        print(f"FAIL {client}: {yml.name} is readable — {exc}")
        return 1
    na_here = {k: v for k, v in not_applicable.items() if v.only_at in (None, version)}

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

    seen = {f"{name}:{c.get('id')}" for name, checks in scenarios.items() for c in checks}
    failed = 0
    judged = 0
    schema_only: list[str] = []
    reasons: dict[str, list[str]] = {}  # why something was not judged -> the check ids
    for name, checks in scenarios.items():
        statuses = [c.get("status") for c in checks]
        if not any(s in BAD or s == "SUCCESS" for s in statuses):
            print(f"note {client}: {name} ran no check ({', '.join(sorted(set(map(str, statuses)))) or 'empty'}): "
                  "the suite skips it for this server")
            continue
        unexpected: list[str] = []
        stale: list[str] = []
        passed: list[str] = []
        listed = 0
        for c in checks:
            check_id = str(c.get("id"))
            key = f"{name}:{check_id}"
            status = c.get("status")
            message = str(c.get("errorMessage") or "")
            na = na_here.get(key)
            if status in BAD:
                if key in expected_ids:
                    if message.startswith(NOT_TESTABLE):
                        listed += 1
                        reasons.setdefault("the suite marks it untestable here (`Not testable:`)", []).append(key)
                    else:
                        unexpected.append(f"{check_id} {status}: {shorten(message or c.get('description', ''))} "
                                          f"(listed as an expected failure, but the suite does not say `{NOT_TESTABLE}`)")
                elif na is not None:
                    if na.message is not None and na.message not in message:
                        unexpected.append(f"{check_id} {status}: {shorten(message or c.get('description', ''))} "
                                          f"(not applicable only when the message contains {na.message!r})")
                    else:
                        listed += 1
                        reasons.setdefault(f"not applicable: {na.reason}", []).append(key)
                else:
                    unexpected.append(f"{check_id} {status}: {shorten(message or c.get('description', ''))}")
            elif status == "SUCCESS":
                if key in expected_ids or na is not None:
                    stale.append(f"{check_id} passes but is listed in {yml.name}: delete its entry")
                else:
                    passed.append(check_id)
        if unexpected or stale:
            failed += 1
            print(f"FAIL {client}: {name} — " + " | ".join(unexpected + stale))
        elif not passed:
            print(f"note {client}: {name} not judged: no check of it passed, the rest is listed")
        elif all(p == SCHEMA_CHECK for p in passed) and listed:
            schema_only.append(name)
        else:
            judged += 1
            extra = f", {plural(listed, 'listed check')} not judged" if listed else ""
            print(f"PASS {client}: {name} ({plural(len(passed), 'check')} passed{extra})")

    if schema_only:
        judged += 1
        print(f"PASS {client}: {len(schema_only)} scenarios that need what this server lacks send only "
              f"schema-valid messages ({SCHEMA_CHECK}) and fail only at listed checks ({', '.join(schema_only)})")
    for reason, keys in reasons.items():
        print(f"note {client}: {plural(len(keys), 'check')} not judged, {reason}: {', '.join(keys)}")
    unseen = sorted((expected_ids | set(na_here)) - seen)
    if unseen:
        print(f"note {client}: listed checks that did not run at {version}: {', '.join(unseen)}")
    if not judged and not failed:
        print(f"FAIL {client}: no scenario passed a check of its own")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
