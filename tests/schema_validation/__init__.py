"""Every answer the test suite gets from ``/api/`` is checked against the committed schema.

A pytest plugin (registered by tests/conftest.py): it wraps Django's test client
(``django.test.Client.request``, which DRF's ``APIClient`` and the ``client`` /
``admin_client`` fixtures all go through, redirects followed included), and checks each
answer to an ``/api/`` route against ``openapi/schema.yaml``: the operation by path
template and method, the response by status code, the media type, a JSON body
(``application/json``, ``application/problem+json``, any ``+json``) against its schema,
and the declared response headers. A field whose type differs from the schema, an
undocumented status or media type, a property the schema does not declare: each is a
mismatch, wherever in the suite the request was made.

The checking itself (openapi-core, cached) is in ``validator.py``; ``report.py`` writes
what a run found.

Read as every generator reads them, not to the letter of OpenAPI 3.0.3: drf-spectacular's
nullable references (``allOf: [$ref]`` beside ``nullable: true``, see
``validator.nullable_refs``). Not checked: the schema and its viewers (``/api/schema/``,
``/api/docs/``, ``/api/redoc/``), and the browsable API's HTML pages asked for by a browser.

The mode is the environment's ``SCHEMA_VALIDATION``:

- ``strict`` (the default, so the test command fails on any mismatch): a test whose requests got a mismatching answer fails, listing each one
  (after the test's own outcome: a test that failed for its own reason keeps its error,
  with the mismatches added as a note);
- ``report``: mismatches are collected
  into the JSON file ``SCHEMA_VALIDATION_REPORT`` (default
  ``schema-mismatches.<database vendor>.json`` in the pytest root, so that the test
  command's SQLite and PostgreSQL passes, run side by side, keep one each), merged from
  every xdist worker;
- ``off``: nothing is checked.

A test that deliberately talks to an undocumented route, or answers that the schema
does not describe on purpose, says so with
``@pytest.mark.no_schema_validation(reason="...")`` (the reason is required).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.committed_schema import ROOT, SCHEMA_PATH
from tests.schema_validation.report import MARKER, MODE_ENV, failure_text, group
from tests.schema_validation.validator import Mismatch, Stats, Validator

__all__ = ["MARKER", "ROOT", "SCHEMA_PATH", "check_answer", "check_httpx_response", "install"]

REPORT_ENV = "SCHEMA_VALIDATION_REPORT"
#: Set to 1 to print, at the end of the run, how many answers were checked and the time spent.
STATS_ENV = "SCHEMA_VALIDATION_STATS"
MODES = ("strict", "report", "off")
#: ``report`` until the schema fixes of issue 12 are merged; ``strict`` is the goal.
DEFAULT_MODE = "strict"
#: Served under /api/ but not API operations: the schema itself and its two viewers.
NOT_OPERATIONS = ("/api/schema/", "/api/docs/", "/api/redoc/")


def mode() -> str:
    value = os.environ.get(MODE_ENV, DEFAULT_MODE).strip().lower() or DEFAULT_MODE
    if value not in MODES:
        raise pytest.UsageError(f"{MODE_ENV} must be one of {', '.join(MODES)}, not {value!r}")
    return value


_validator: Validator | None = None
_collected: list[Mismatch] = []
_current: dict[str, Any] = {"item": None, "found": []}


def validator() -> Validator:
    global _validator
    if _validator is None:
        _validator = Validator()
    return _validator


def _is_api(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(NOT_OPERATIONS)


def _check_response(response) -> None:
    """Called with every answer of Django's test client."""
    request = getattr(response, "wsgi_request", None)
    if request is None:
        return
    # Streamed answers are never consumed here: only JSON bodies are validated, and the
    # API streams only files (CSV, XLSX, exports).
    if _browsable(request, response):
        return
    streamed = getattr(response, "streaming", False)
    data = b"" if streamed else response.content
    check_answer(
        request.method,
        request.path,
        response.status_code,
        response.headers,
        data,
        streamed=streamed,
    )


def _browsable(request, response) -> bool:
    """The browsable API: HTML asked for by a browser, a convenience the README documents
    beside the schema, not an operation's media type (HTML sent to any other client is
    still a mismatch)."""
    asked = request.headers.get("Accept", "")
    answered = response.headers.get("Content-Type", "")
    return answered.startswith("text/html") and "text/html" in asked


def check_httpx_response(response) -> None:
    """An httpx response event hook: the same check for a live server's answers (the
    generated client's test)."""
    if mode() == "off":
        return
    response.read()
    check_answer(
        response.request.method,
        response.request.url.path,
        response.status_code,
        response.headers,
        response.content,
    )


def check_answer(
    method: str, path: str, status: int, headers, data: bytes, *, streamed: bool = False
) -> None:
    """Check one answer and record its mismatches for the running test."""
    if not _is_api(path):
        return
    item = _current["item"]
    if item is not None and item.get_closest_marker(MARKER):
        return
    method = method.upper()
    head = method == "HEAD"
    if head:
        method, data = "GET", b""
    try:
        found = validator().check(
            method=method,
            path=path,
            status=status,
            headers=headers,
            data=data,
            head=head,
            streamed=streamed and not head,
        )
    except Exception as exc:  # noqa: BLE001 - a fault of this plugin is reported, not hidden
        found = [
            Mismatch(
                f"{method} {path}",
                status,
                headers.get("Content-Type", ""),
                "validator error",
                "",
                f"{exc.__class__.__name__}: {exc}",
            )
        ]
    test = item.nodeid if item is not None else ""
    for mismatch in found:
        _current["found"].append(mismatch)
        _collected.append(Mismatch(**{**asdict(mismatch), "test": test}))


def install(config) -> None:
    """Wrap Django's test client (once per process) and register the opt-out marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(reason): the test's answers are not checked against openapi/schema.yaml "
        "(a deliberately undocumented route or answer; say why)",
    )
    if mode() == "off":
        return
    from django.test.client import Client

    if getattr(Client.request, "_schema_checked", False):
        return
    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        _check_response(response)
        return response

    request._schema_checked = True
    request._original = original
    Client.request = request
    config.pluginmanager.register(_Plugin(), "schema_validation")


class _Plugin:
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        marker = item.get_closest_marker(MARKER)
        if marker is not None and not (marker.kwargs.get("reason") or marker.args):
            raise pytest.UsageError(f"{item.nodeid}: @{MARKER} needs a reason=")
        _current["item"] = item
        try:
            return (yield)
        finally:
            _current["item"] = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._phase(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase(item))

    def _phase(self, item):
        _current["found"] = []
        try:
            result = yield
        except BaseException as exc:
            if _current["found"] and mode() == "strict":
                exc.add_note(failure_text(_current["found"]))
            raise
        if _current["found"] and mode() == "strict":
            pytest.fail(failure_text(_current["found"]), pytrace=False)
        return result

    def pytest_sessionfinish(self, session):
        config = session.config
        workeroutput = getattr(config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand everything to the controller
            workeroutput["schema_mismatches"] = json.dumps([asdict(m) for m in _collected])
            workeroutput["schema_stats"] = json.dumps(_stats_dict())
            return
        _finish(config, _collected, [_stats_dict()])

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {}) or {}
        if "schema_mismatches" in output:
            _collected.extend(Mismatch(**m) for m in json.loads(output["schema_mismatches"]))
            _worker_stats.append(json.loads(output["schema_stats"]))


_worker_stats: list[dict] = []


def _stats_dict() -> dict:
    s = validator().stats if _validator is not None else Stats()
    return {"answers": s.answers, "validated": s.validated, "seconds": round(s.seconds, 3)}


def _finish(config, mismatches: list[Mismatch], stats: list[dict]) -> None:
    stats = stats + _worker_stats if _worker_stats else stats
    if mode() == "report":
        from django.db import connection

        default = config.rootpath / f"schema-mismatches.{connection.vendor}.json"
        target = Path(os.environ.get(REPORT_ENV) or default)
        groups = group(mismatches)
        target.write_text(
            json.dumps(
                {"mismatches": len(mismatches), "groups": groups}, indent=1, ensure_ascii=False
            )
        )
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"schema validation ({MODE_ENV}=report): {len(mismatches)} mismatching answer "
                f"parts in {len(groups)} groups, written to {target}"
            )
    if os.environ.get(STATS_ENV) == "1":
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            for s in stats:
                if s["answers"]:
                    reporter.write_line(
                        f"schema validation: {s['answers']} answers checked, "
                        f"{s['validated']} validated, {s['seconds']} s"
                    )
