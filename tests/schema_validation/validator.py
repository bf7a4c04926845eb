"""openapi-core's response validation of one answer, cached, with readable mismatches.

Library: openapi-core (python-openapi), the maintained OpenAPI 3 request/response
validator (path templates, status ranges, media type ranges, ``nullable``, ``oneOf``,
header styles), rather than a hand-written walk over the schema. Its Django adapter is not
used for the request side: it derives the path template from the URL resolver's route,
which DRF's router writes as a regex (``(?P<pk>[^/.]+)``) and names ``pk`` where the schema
says ``{id}``; openapi-core's own template matching on the concrete path finds the
operation instead.

Cost: the spec is loaded once per process (~0.6 s with openapi-core's import). openapi-core
builds a jsonschema validator (and a validator class, for the additional-properties
policy) for every schema of every answer and walks every path template to find the
operation; both are cached here (``_caching_factory``, ``_caching_path_finder``), which
took a check from ~10 ms to ~2-3 ms. Identical answers are then validated once: the
outcome is cached by (method, route shape, status, media type, declared headers, body
digest). Measured over tests/api on SQLite (-n 0): 5,173 answers, 3,767 validated,
12-27 s of a 360-730 s run (3-4 %), depending on the machine's load.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.committed_schema import SCHEMA_PATH, committed_schema, load_yaml

#: JSON media types: their bodies are validated against the schema (others: status,
#: media type and headers only; a CSV, XLSX, GEXF or SVG body has no JSON schema to meet).
JSON_MEDIA = re.compile(r"^application/(?:[\w.-]+\+)?json$")
#: Undocumented properties in an answer count as mismatches: a generated client would
#: drop them into ``additional_properties`` untyped.
ADDITIONAL_PROPERTIES = "forbid"


@dataclass(frozen=True)
class Mismatch:
    """One way an answer differs from the schema."""

    operation: str  # "GET /api/actors/{id}/", or the concrete path when no operation matched
    status: int
    content_type: str
    kind: str  # undocumented operation / status / media type, body, header
    where: str  # a JSON pointer into the body, or a header's name ("" when not applicable)
    message: str
    test: str = ""

    def line(self) -> str:
        where = f" at {self.where}" if self.where else ""
        return f"{self.operation} -> {self.status} ({self.content_type}): {self.kind}{where}: {self.message}"


@dataclass
class Stats:
    answers: int = 0
    validated: int = 0  # cache misses, validated by openapi-core
    seconds: float = 0.0
    by_kind: Counter = field(default_factory=Counter)


class _Request:
    """What openapi-core's response validator needs of a request: method, host and path.

    Not openapi-core's DjangoOpenAPIRequest: see the module docstring (path templates).
    """

    def __init__(self, method: str, path: str) -> None:
        from openapi_core.datatypes import RequestParameters

        self.method = method.lower()
        self.host_url = "http://testserver"
        self.path = path
        self.parameters = RequestParameters()
        self.body = b""
        self.content_type = ""


class Validator:
    """The committed schema, loaded once, and a cache of the answers already validated."""

    def __init__(self, schema_path: Path = SCHEMA_PATH) -> None:
        self.schema_path = schema_path
        self.cache: dict[tuple, tuple[tuple[str, str, str], ...]] = {}
        self.stats = Stats()

    @cached_property
    def spec(self) -> dict:
        if self.schema_path == SCHEMA_PATH:
            return committed_schema()  # parsed once per process, shared with the tests
        return load_yaml(self.schema_path.read_text(encoding="utf-8"))

    @cached_property
    def app(self):
        from openapi_core import Config, OpenAPI
        from openapi_core.deserializing.media_types.util import json_loads

        config = Config(
            # The spec is checked by tests/api/test_openapi.py (spectacular --validate).
            spec_validator_cls=None,
            schema_validators_factory=_caching_factory(),
            path_finder_cls=_caching_path_finder(),
            extra_media_type_deserializers={"application/problem+json": json_loads},
            additional_properties_default_policy=ADDITIONAL_PROPERTIES,
        )
        return OpenAPI.from_dict(nullable_refs(self.spec), config=config)

    @cached_property
    def header_names(self) -> frozenset[str]:
        """Every response header some operation declares (lower case): part of the cache key."""
        responses = [
            response
            for item in self.spec.get("paths", {}).values()
            for operation in item.values()
            if isinstance(operation, dict)
            for response in operation.get("responses", {}).values()
        ]
        responses += self.spec.get("components", {}).get("responses", {}).values()
        return frozenset(h.lower() for r in responses for h in (r.get("headers") or {}))

    def check(
        self,
        *,
        method: str,
        path: str,
        status: int,
        headers,
        data: bytes,
        head: bool = False,
        streamed: bool = False,
    ) -> list[Mismatch]:
        """The mismatches of one answer (``headers``: a mapping; ``data``: the body)."""
        started = time.perf_counter()
        content_type = headers.get("Content-Type", "")
        mimetype = content_type.split(";", 1)[0].strip().lower()
        # A HEAD answer is checked as the GET one, without its body.
        is_json = bool(JSON_MEDIA.match(mimetype)) and not head
        declared = tuple(
            sorted(
                (k.lower(), _header_shape(v))
                for k, v in headers.items()
                if k.lower() in self.header_names
            )
        )
        body = data if is_json else b""
        has_body = bool(data) or streamed
        route = (method, _template_key(path), status)
        located = self.cache.get(route)
        if located is None:
            located = self.cache[route] = self._locate(method, path, status)
        template, response, found = located
        if response is not None:
            # The body and the headers are validated apart, each once per distinct value:
            # an answer whose body was seen with other ids in its headers costs a lookup.
            body_key = (
                route,
                head,
                has_body,
                mimetype,
                hashlib.blake2b(body, digest_size=16).digest(),
            )
            body_errors = self.cache.get(body_key)
            if body_errors is None:
                body_errors = self.cache[body_key] = self._described(
                    template, self._body_errors(response, content_type, body, is_json, has_body)
                )
                self.stats.validated += 1
            header_key = (route, declared)
            header_errors = self.cache.get(header_key)
            if header_errors is None:
                header_errors = self.cache[header_key] = self._described(
                    template, self._header_errors(response, headers)
                )
            found = found + body_errors + header_errors
        self.stats.answers += 1
        self.stats.seconds += time.perf_counter() - started
        operation = f"{method} {path}"
        out = []
        for kind, where, message, template in found:
            out.append(Mismatch(template or operation, status, mimetype, kind, where, message))
            self.stats.by_kind[kind] += 1
        return out

    @staticmethod
    def _described(template: str, errors) -> tuple:
        return tuple(
            (kind, where, message, template)
            for error in errors
            for kind, where, message in describe(error)
        )

    def _locate(self, method, path, status):
        """(the operation's template, its response for ``status``, the errors so far):
        openapi-core's first steps of a response validation."""
        from openapi_core.templating.paths.exceptions import PathError
        from openapi_core.templating.responses.exceptions import ResponseFinderError

        checker = self.app.response_validator
        try:
            _path, operation, _server, path_result, _ = checker._find_path(_Request(method, path))
        except PathError as exc:
            return "", None, self._described("", [exc])
        template = f"{method} {path_result.pattern}"
        try:
            response = checker._find_operation_response(status, operation)
        except ResponseFinderError as exc:
            return template, None, self._described(template, [exc])
        return template, response, ()

    def _body_errors(self, response, content_type, body, is_json, has_body):
        """The body against the response's content (JSON bodies validated, others by their
        media type only)."""
        from openapi_core.validation.response.exceptions import DataValidationError

        checker = self.app.response_validator
        mimetype = content_type.split(";", 1)[0].strip()
        if "content" not in response:
            if has_body:
                yield NoBodyDeclared(mimetype)
        elif is_json:
            try:
                checker._get_data(body, mimetype, response)
            except DataValidationError as exc:
                yield exc
        elif mimetype:  # status, media type and headers only
            try:
                checker._find_media_type(response / "content", mimetype)
            except Exception as exc:  # noqa: BLE001 - MediaTypeNotFound, reported as such
                yield exc

    def _header_errors(self, response, headers):
        from openapi_core.validation.response.exceptions import HeadersError
        from werkzeug.datastructures import Headers

        try:
            self.app.response_validator._get_headers(Headers(list(headers.items())), response)
        except HeadersError as exc:
            yield from exc.context


class NoBodyDeclared(Exception):
    """The answer has a body where the schema declares none."""


#: Accepts ``null`` only (OpenAPI 3.0 has no null type: a nullable type with no other value).
NULL_ONLY = {"type": "object", "nullable": True, "enum": [None], "properties": {}}


#: Where drf-spectacular puts ``nullable: true`` beside no ``type``.
COMPOSITIONS = ("allOf", "oneOf", "anyOf")


def nullable_refs(node: Any) -> Any:
    """drf-spectacular's nullable compositions read as "this, or null": a nullable
    reference (``{allOf: [$ref], nullable: true}``) and a nullable choice
    (``{oneOf: [integer, $ref], nullable: true}``, an expandable relation).

    That is how generators read them (openapi-python-client types such a field
    ``None | Model``), but OpenAPI 3.0.3 makes ``nullable`` apply only beside a ``type``,
    so openapi-core's validator, which follows 3.0.3 to the letter, refuses the null. The
    rewrite (``anyOf`` of the composition and a null-only schema) says the same thing in
    terms both agree on; the committed file is not changed. (Under OpenAPI 3.1, which
    drf-spectacular can emit, the schema itself would say ``{type: 'null'}``.)
    """
    if isinstance(node, list):
        return [nullable_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: nullable_refs(value) for key, value in node.items()}
    kinds = [k for k in COMPOSITIONS if k in out]
    if out.get("nullable") is True and kinds and "type" not in out:
        choice = {k: out[k] for k in kinds}
        rest = {k: v for k, v in out.items() if k not in (*kinds, "nullable")}
        return {**rest, "anyOf": [choice, NULL_ONLY]}
    return out


def _caching_factory():
    """openapi-core's OpenAPI 3.0 response-side schema validators, each built once.

    openapi-core makes a new jsonschema validator (and, for the additional-properties policy,
    a new validator class) for every schema of every answer: ~1-5 ms each, most of the cost
    of a check. A validator is stateless, so one per schema location serves every answer.
    """
    from openapi_core.validation.schemas import oas30_read_schema_validators_factory as base
    from openapi_core.validation.schemas.factories import SchemaValidatorsFactory

    class CachingSchemaValidatorsFactory(SchemaValidatorsFactory):
        def __init__(self) -> None:
            super().__init__(base.schema_validator_cls, base.format_checker)
            self._built: dict[tuple, Any] = {}

        def create(self, spec, schema, *args, **kwargs):
            key = (tuple(schema.parts), args, tuple(sorted(kwargs.items())))
            built = self._built.get(key)
            if built is None:
                built = self._built[key] = super().create(spec, schema, *args, **kwargs)
            return built

    return CachingSchemaValidatorsFactory()


def _caching_path_finder():
    """openapi-core's path finder, remembering each (method, URL) it resolved (~1 ms each:
    it walks every path template of the schema)."""
    from openapi_core.templating.paths.finders import APICallPathFinder

    class CachingPathFinder(APICallPathFinder):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._found: dict[tuple[str, str], Any] = {}

        def find(self, method, name):
            key = (method, name)
            found = self._found.get(key)
            if found is None:
                found = self._found[key] = super().find(method, name)  # PathError: not kept
            return found

    return CachingPathFinder


def _header_shape(value: str) -> str:
    """A header's value in the cache key: short values whole (an enum such as ``true`` or
    ``hit``), long ones (an ETag, a request id) by their shape only, letters and digits
    folded (``W/"x"``, ``x-x-x-x-x``): what a pattern on them checks, without making every
    answer a cache miss."""
    if len(value) <= 16:
        return value
    return re.sub(r"[A-Za-z0-9]+", "x", value)


def _template_key(path: str) -> str:
    """Ids in a path do not change which schema applies: one cache line per route shape."""
    return re.sub(r"/\d+(?=/|$)", "/{n}", path)


def describe(error: Exception) -> list[tuple[str, str, str]]:
    """(kind, where, message) for one openapi-core error, schema errors spelled out."""
    from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.validation.response.exceptions import (
        HeaderValidationError,
        MissingData,
    )

    chain = [error]
    while chain[-1].__cause__ is not None:
        chain.append(chain[-1].__cause__)
    for exc in chain:
        if isinstance(exc, OperationNotFound):
            return [("undocumented method", "", str(exc))]
        if isinstance(exc, PathError):
            return [("undocumented path", "", str(exc))]
        if isinstance(exc, ResponseNotFound):
            return [("undocumented status", "", str(exc))]
        if isinstance(exc, MediaTypeNotFound):
            return [
                ("undocumented media type", "", f"not among {', '.join(exc.availableMimetypes)}")
            ]
        if isinstance(exc, MissingData):
            return [("body", "", "the schema declares a body; the answer has none")]
        if isinstance(exc, NoBodyDeclared):
            return [("body", "", f"the answer has a body ({exc}); the schema declares none")]
    for exc in chain:
        schema_errors = list(getattr(exc, "schema_errors", None) or ())
        if schema_errors:
            kind = "header" if isinstance(error, HeaderValidationError) else "body"
            name = getattr(error, "name", "") if kind == "header" else ""
            return [(kind, name or _pointer(e), _message(e)) for e in _leaves(schema_errors)]
    if isinstance(error, HeaderValidationError):
        return [("header", getattr(error, "name", ""), str(error))]
    return [("other", "", f"{error.__class__.__name__}: {chain[-1]}")]


def _leaves(errors):
    """jsonschema's best guesses inside oneOf/anyOf, so a message names the field that differs."""
    from jsonschema.exceptions import best_match

    out = []
    for error in errors:
        if error.validator in ("oneOf", "anyOf") and error.context:
            out.append(best_match(error.context))
        else:
            out.append(error)
    return out


def _pointer(error) -> str:
    return "/" + "/".join(str(p) for p in error.absolute_path)


def _message(error) -> str:
    text = error.message
    return text if len(text) <= 300 else text[:297] + "..."
