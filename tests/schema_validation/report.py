"""What a run found: the failure text of one test, the grouped report of a run."""

from __future__ import annotations

import re

from tests.schema_validation.validator import Mismatch

MODE_ENV = "SCHEMA_VALIDATION"
MARKER = "no_schema_validation"


def failure_text(found: list[Mismatch]) -> str:
    lines = [f"{len(found)} answer(s) differ from openapi/schema.yaml ({MODE_ENV}=strict):"]
    lines += [f"  {m.line()}" for m in found[:20]]
    if len(found) > 20:
        lines.append(f"  ... and {len(found) - 20} more")
    lines.append(
        "Fix the schema (or the answer) so they agree; a test that talks to an undocumented "
        f"route on purpose says so with @pytest.mark.{MARKER}(reason=...)."
    )
    return "\n".join(lines)


def group(mismatches: list[Mismatch]) -> list[dict]:
    """Mismatches grouped by (operation, status, kind, where with list indices folded, message)."""
    groups: dict[tuple, dict] = {}
    for m in mismatches:
        where = re.sub(r"/\d+(?=/|$)", "/*", m.where)
        message = (
            re.sub(
                r"^.*? (is not|does not|is too|should not|Additional properties)", r"\1", m.message
            )
            if m.kind == "body"
            else m.message
        )
        key = (m.operation, m.status, m.content_type, m.kind, where, message)
        entry = groups.setdefault(
            key,
            {
                "operation": m.operation,
                "status": m.status,
                "content_type": m.content_type,
                "kind": m.kind,
                "where": where,
                "message": message,
                "example": m.message,
                "count": 0,
                "tests": [],
            },
        )
        entry["count"] += 1
        if m.test and m.test not in entry["tests"] and len(entry["tests"]) < 5:
            entry["tests"].append(m.test)
    return sorted(groups.values(), key=lambda g: (g["operation"], g["status"], -g["count"]))
