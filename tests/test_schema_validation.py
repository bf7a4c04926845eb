"""The response validator of the test suite (tests/schema_validation) does catch mismatches."""

from __future__ import annotations

import orjson

from tests.schema_validation.validator import Validator

CHECK = {"ok": True, "latency_ms": 1.5}
HEALTHY = {"status": "ok", "database": CHECK, "cache": CHECK}
HEADERS = {
    "Content-Type": "application/json",
    "X-Request-ID": "0123456789abcdef0123456789abcdef",
    "Content-Language": "en",
}


def kinds(validator: Validator, status: int, body: dict, headers=HEADERS) -> set[str]:
    found = validator.check(
        method="GET", path="/api/health/", status=status, headers=headers, data=orjson.dumps(body)
    )
    return {(m.kind, m.where) for m in found}


def test_a_conforming_answer_has_no_mismatch_and_every_kind_of_difference_is_one():
    validator = Validator()
    # The route's conforming answer first: what follows on the same route is still checked.
    assert kinds(validator, 200, HEALTHY) == set()
    assert kinds(validator, 200, {**HEALTHY, "status": 5})  # wrong type
    assert kinds(validator, 200, {**HEALTHY, "status": "fine"})  # not in the enum
    assert kinds(validator, 200, {**HEALTHY, "extra": 1})  # an undeclared member
    assert kinds(validator, 200, {"status": "ok"})  # required members missing
    assert kinds(validator, 299, HEALTHY)  # an undeclared status
