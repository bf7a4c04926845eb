"""The HTTP headers of the API, each declared once, and the behaviours that set or read them.

A header is declared here with its name, description, schema and where it
applies; the code that sets or reads it uses the declaration (``ETAG.name``,
``IDEMPOTENCY_KEY.schema["maxLength"]``), and the schema hooks
(``api.schema.RegistryAutoSchema``) write the OpenAPI document from the same
declarations, so the two cannot drift.

Where a header applies is said by *behaviours*: marks that the code doing the
thing puts on a view method (or a view class, for all its methods) with
``behaves``. ``@idempotent`` marks its method ``IDEMPOTENT`` itself; the base
viewset's retrieve is ``CONDITIONAL_READ``, its writes ``VERSIONED_WRITE`` and
``PRECONDITION``. A behaviour also brings the statuses it answers
(``STATUSES``): 304 with a conditional read, 412 with a precondition, 409 with
idempotency, 202 with a queued job, 413 with a bounded read.

Headers set by middleware (``X-Request-ID``, ``Content-Language``) are declared
on every response when their middleware is installed.

Pure Python (no Django import at module level): ``api.settings`` derives the
CORS header lists from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from registry.middleware import REQUEST_ID_HEADER, REQUEST_ID_MAX_LENGTH

# --- behaviours --------------------------------------------------------------------------

#: Answers with an ``ETag`` and honours ``If-None-Match`` (304 when it still matches).
CONDITIONAL_READ = "conditional-read"
#: Answers the written object with its new ``ETag``.
VERSIONED_WRITE = "versioned-write"
#: Creates an object and answers its URL in ``Location`` (DRF's ``CreateModelMixin``).
CREATES = "creates"
#: Honours ``If-Match``: a write based on a stale representation is refused (412).
PRECONDITION = "precondition"
#: Honours ``Idempotency-Key`` (``api.idempotency.idempotent``).
IDEMPOTENT = "idempotent"
#: May queue the work and answer 202 with the job's ``Location``.
QUEUES_JOB = "queues-job"
#: Answers ``X-Analysis-Cache`` (``api.analysis.runner``'s cache).
ANALYSIS_CACHE = "analysis-cache"
#: A read refused with 413 when what it would build is over a bound.
BOUNDED_READ = "bounded-read"

#: The statuses each behaviour answers: status -> description (problem+json unless 304).
STATUSES: dict[str, dict[str, str]] = {
    CONDITIONAL_READ: {
        "304": "Not modified: the representation still has the ETag given in If-None-Match "
        "(no body)."
    },
    PRECONDITION: {"412": "If-Match does not match the current ETag (problem+json)."},
    IDEMPOTENT: {
        "409": "The first request with this Idempotency-Key is still running: retry after "
        "Retry-After (problem+json)."
    },
    BOUNDED_READ: {"413": "What the request asks for is over the service's bound (problem+json)."},
}


def behaves(*behaviours: str):
    """Mark a view method (or a view class: all its methods) with what it does on the wire."""

    def mark(target):
        target.wire_behaviours = frozenset(getattr(target, "wire_behaviours", ())) | set(behaviours)
        return target

    return mark


def behaviours_of(view_class: type, method: Callable | None) -> frozenset[str]:
    """The behaviours of a view's method: its own and its class's."""
    return frozenset(getattr(view_class, "wire_behaviours", ())) | frozenset(
        getattr(method, "wire_behaviours", ())
    )


# --- declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """What a header's rule knows of an operation."""

    method: str
    behaviours: frozenset[str]
    middleware: tuple[str, ...] = ()


#: Where a response header is: None (absent), "required" or "optional".
Presence = str | None


@dataclass(frozen=True)
class Header:
    name: str
    description: str
    schema: dict = field(default_factory=lambda: {"type": "string"})

    @property
    def component(self) -> str:
        """The name of its OpenAPI component (``components/headers`` or ``parameters``)."""
        return self.name


@dataclass(frozen=True)
class RequestHeader(Header):
    #: The behaviour of the operations that read it.
    read_by: str = ""

    def applies(self, operation: Operation) -> bool:
        return self.read_by in operation.behaviours


@dataclass(frozen=True)
class ResponseHeader(Header):
    #: (operation, status) -> presence on that response.
    where: Callable[[Operation, str], Presence] = lambda operation, status: None


# Request headers.

IF_MATCH = RequestHeader(
    "If-Match",
    "The ETag you read (from a GET or the last write): the write is refused with 412 if the "
    "representation changed since. `*` matches any. Without it, the write is unconditional.",
    read_by=PRECONDITION,
)
IF_NONE_MATCH = RequestHeader(
    "If-None-Match",
    "An ETag you hold (or several, comma-separated, or `*`): 304 without a body while the "
    "representation still has it.",
    read_by=CONDITIONAL_READ,
)
#: Longest Idempotency-Key (the IETF draft makes it a structured-field string).
IDEMPOTENCY_KEY_MAX_LENGTH = 200
IDEMPOTENCY_KEY = RequestHeader(
    "Idempotency-Key",
    "Makes retries safe: a retry with the same key and body gets the first answer "
    "(`Idempotent-Replayed: true`), the same key with another body a 422, a retry while the "
    f"first runs a 409 with Retry-After. 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII "
    "characters, not only spaces (a UUID is a good key); anything else is a 400 naming the "
    "header. Keys are per API key and kept a day (`IDEMPOTENCY_TTL_HOURS`).",
    schema={
        "type": "string",
        "minLength": 1,
        "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
        # Printable ASCII (0x20-0x7e), at least one character that is not a space.
        "pattern": "^[ -~]*[!-~][ -~]*$",
    },
    read_by=IDEMPOTENT,
)


# Response headers.


def _etag(operation: Operation, status: str) -> Presence:
    b = operation.behaviours
    if CONDITIONAL_READ in b and status in ("200", "304"):
        return "required"
    if VERSIONED_WRITE in b and status in ("200", "201"):
        return "required"
    return None


def _replayed(operation: Operation, status: str) -> Presence:
    # Only what the view method returns is stored (an error it raises is not, nor an
    # answer given before it runs): its 2xx answers.
    if IDEMPOTENT in operation.behaviours and status.startswith("2"):
        return "optional"
    return None


def _retry_after(operation: Operation, status: str) -> Presence:
    if status in ("429", "503"):
        return "required"
    if status == "409" and IDEMPOTENT in operation.behaviours:
        return "required"
    return None


def _location(operation: Operation, status: str) -> Presence:
    if status == "202" and QUEUES_JOB in operation.behaviours:
        return "required"
    if status == "201" and CREATES in operation.behaviours:
        return "required"
    if status == "410":  # api.merged: the same route for the actor that holds the id now
        return "required"
    return None


def _analysis_cache(operation: Operation, status: str) -> Presence:
    if ANALYSIS_CACHE in operation.behaviours and status in ("200", "304"):
        return "required"
    return None


def _set_by(middleware: str) -> Callable[[Operation, str], Presence]:
    def where(operation: Operation, status: str) -> Presence:
        return "required" if middleware in operation.middleware else None

    return where


ETAG = ResponseHeader(
    "ETag",
    "The version of the representation: send it back in If-None-Match (304 while unchanged) "
    "or If-Match (412 if it changed).",
    where=_etag,
)
IDEMPOTENT_REPLAYED = ResponseHeader(
    "Idempotent-Replayed",
    "`true` when this answer is the stored answer of an earlier request with the same "
    "Idempotency-Key (nothing was run again).",
    schema={"type": "string", "enum": ["true"]},
    where=_replayed,
)
REQUEST_ID = ResponseHeader(
    REQUEST_ID_HEADER,
    "Id of the request, as in the change ledger (`request_id`) and in problem documents: "
    "quote it when reporting a problem. A proxy's own X-Request-ID is kept.",
    schema={"type": "string", "maxLength": REQUEST_ID_MAX_LENGTH},
    where=_set_by("registry.middleware.ChangeContextMiddleware"),
)
RETRY_AFTER = ResponseHeader(
    "Retry-After",
    "Seconds to wait before retrying.",
    schema={"type": "integer", "minimum": 0},
    where=_retry_after,
)
LOCATION = ResponseHeader(
    "Location",
    "On 201 the new object's URL; on 202 the job to poll; on 410 this route for the "
    "record that holds the id now.",
    schema={"type": "string", "format": "uri-reference"},
    where=_location,
)
ANALYSIS_CACHE_STATUS = ResponseHeader(
    "X-Analysis-Cache",
    "`hit` when the answer came from the analysis cache, `miss` when it was computed now.",
    schema={"type": "string", "enum": ["hit", "miss"]},
    where=_analysis_cache,
)
WWW_AUTHENTICATE = ResponseHeader(
    "WWW-Authenticate",
    "The scheme to authenticate with: `Api-Key` (send `Authorization: Api-Key <key>`).",
    where=lambda operation, status: "required" if status == "401" else None,
)
LINK = ResponseHeader(
    "Link",
    'On 410, the record that holds the id now: `<url>; rel="alternate"`.',
    where=lambda operation, status: "required" if status == "410" else None,
)
CONTENT_LANGUAGE = ResponseHeader(
    "Content-Language",
    "The language of the labels and messages of the answer (from Accept-Language).",
    where=_set_by("django.middleware.locale.LocaleMiddleware"),
)

REQUEST_HEADERS: tuple[RequestHeader, ...] = (IF_MATCH, IF_NONE_MATCH, IDEMPOTENCY_KEY)
RESPONSE_HEADERS: tuple[ResponseHeader, ...] = (
    ETAG,
    IDEMPOTENT_REPLAYED,
    REQUEST_ID,
    RETRY_AFTER,
    LOCATION,
    ANALYSIS_CACHE_STATUS,
    CONTENT_LANGUAGE,
    WWW_AUTHENTICATE,
    LINK,
)


def cors_allow_headers() -> tuple[str, ...]:
    """The request headers a browser on another origin may send (lowercase, CORS)."""
    return tuple(h.name.lower() for h in (*REQUEST_HEADERS, REQUEST_ID))


def cors_expose_headers() -> list[str]:
    """The response headers a browser on another origin may read."""
    return [h.name for h in RESPONSE_HEADERS]
