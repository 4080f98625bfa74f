#!/usr/bin/env python3
"""Checks of conformance_report.py's verdicts on made-up suite results (standard library only).

    python3 conformance_report_test.py

Prints one PASS/FAIL line per case, like the other check scripts; exit 1 if any case failed.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import conformance_report  # noqa: E402
from checklib import Checks  # noqa: E402

CLIENT = "conformance-report"
BASELINE = """\
server:
  - stateless:needs-fixture # a comment
not_applicable:
  - id: prompts-list:prompts-list
    reason: "no prompts yet: a reason with a # inside"
  - id: tools-call:tools-call
    reason: "fixture tool"
    message: "Unknown tool: test_simple_text"
  - id: sse:sse-session
    reason: "stateless"
    only_at: "2025-11-25"
"""


def check(check_id: str, status: str, message: str = "") -> dict:
    return {"id": check_id, "status": status, "errorMessage": message}


SCHEMA_OK = check("wire-schema-valid", "SUCCESS")
GOOD = {
    "tools-list": [check("tools-list", "SUCCESS"), SCHEMA_OK],
    "stateless": [check("discover", "SUCCESS"), check("needs-fixture", "FAILURE", "Not testable: no fixture tool")],
    "prompts-list": [check("prompts-list", "FAILURE", "Failed: prompts/list"), SCHEMA_OK],
    "tools-call": [check("tools-call", "FAILURE", "Failed: Unknown tool: test_simple_text. Call tools/list"), SCHEMA_OK],
}


def run(scenarios: dict[str, list[dict]], version: str = "2026-07-28", baseline: str = BASELINE) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = root / "results"
        summary = []
        for name, checks in scenarios.items():
            d = results / f"server-{name}-2026-01-02T03-04-05-678Z"
            d.mkdir(parents=True)
            (d / "checks.json").write_text(json.dumps(checks))
            ok = sum(c["status"] == "SUCCESS" for c in checks)
            bad = sum(c["status"] == "FAILURE" for c in checks)
            summary.append(f"{'✓' if bad == 0 else '✗'} {name}: {ok} passed, {bad} failed")
        (root / "baseline.yml").write_text(baseline)
        (root / "suite.log").write_text("=== SUMMARY ===\n" + "\n".join(summary) + "\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = conformance_report.main(["x", version, str(results), str(root / "baseline.yml"), str(root / "suite.log")])
        return rc, out.getvalue()


def main() -> int:
    checks = Checks()

    def case(name: str, scenarios: dict, want_rc: int, want: list[str], version: str = "2026-07-28",
             baseline: str = BASELINE, unwanted: tuple[str, ...] = ()) -> None:
        try:
            rc, out = run(scenarios, version, baseline)
            ok = rc == want_rc and all(w in out for w in want) and not any(u in out for u in unwanted)
            checks.report(CLIENT, name, ok, {"rc": rc, "output": out})
        except Exception as exc:  # noqa: BLE001
            checks.crashed(CLIENT, name, exc)

    case("a clean run passes, with listed checks not judged", GOOD, 0,
         ["PASS conformance 2026-07-28: tools-list (2 checks passed)",
          "PASS conformance 2026-07-28: stateless (1 check passed, 1 listed check not judged)",
          "PASS conformance 2026-07-28: 2 scenarios that need what this server lacks",
          "no prompts yet: a reason with a # inside"])
    case("an expected failure without `Not testable:` is a real failure",
         {**GOOD, "stateless": [check("discover", "SUCCESS"), check("needs-fixture", "FAILURE", "HTTP 500")]}, 1,
         ["FAIL conformance 2026-07-28: stateless — needs-fixture FAILURE: HTTP 500"])
    case("a not-applicable check failing with another message is a real failure",
         {**GOOD, "tools-call": [check("tools-call", "FAILURE", "fetch failed"), SCHEMA_OK]}, 1,
         ["FAIL conformance 2026-07-28: tools-call — tools-call FAILURE: fetch failed"])
    case("a listed check that passes is stale",
         {**GOOD, "prompts-list": [check("prompts-list", "SUCCESS"), SCHEMA_OK]}, 1,
         ["FAIL conformance 2026-07-28: prompts-list — prompts-list passes but is listed"])
    case("a failing wire-schema-valid fails even where the rest is not applicable",
         {**GOOD, "prompts-list": [check("prompts-list", "FAILURE", "x"), check("wire-schema-valid", "FAILURE", "bad")]}, 1,
         ["FAIL conformance 2026-07-28: prompts-list — wire-schema-valid FAILURE: bad"])
    case("an unlisted failure fails", {**GOOD, "ping": [check("ping", "FAILURE", "timeout")]}, 1,
         ["FAIL conformance 2026-07-28: ping — ping FAILURE: timeout"])
    case("a scenario with nothing passed makes no PASS line",
         {**GOOD, "sse": [check("sse-session", "WARNING", "no session id")]}, 0,
         ["note conformance 2025-11-25: sse not judged"], version="2025-11-25",
         unwanted=("PASS conformance 2025-11-25: sse",))
    case("not applicable only at its version",
         {**GOOD, "sse": [check("sse-session", "WARNING", "no session id")]}, 1,
         ["FAIL conformance 2026-07-28: sse — sse-session WARNING"])
    case("a run where no scenario passed a check fails",
         {"prompts-list": [check("prompts-list", "FAILURE", "Failed: prompts/list")],
          "lifecycle": [check("skipped", "INFO")]}, 1,
         ["FAIL conformance 2026-07-28: no scenario passed a check of its own"],
         unwanted=("PASS ",))
    case("no result files fail", {}, 1, ["FAIL conformance 2026-07-28: the suite produced no results"])
    case("a not_applicable entry without a reason is refused", GOOD, 1, ["has no reason"],
         baseline="server:\nnot_applicable:\n  - id: prompts-list:prompts-list\n")
    case("an entry that is not scenario:check is refused", GOOD, 1, ["expected `- scenario:check-id`"],
         baseline="server:\n  - stateless\n")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())
