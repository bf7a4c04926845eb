"""Every error as RFC 9457 ``application/problem+json``, of one shape.

drf-standardized-errors catches every exception raised in a DRF view (its
handler also reports server errors to logging and monitoring); we convert the
registry's domain errors first, and format the result as a problem document.
Django-level errors under ``/api/`` (unknown URL, server error) get the same
shape from ``handler404``/``handler500``; the middleware-made problems
(idempotency, a lost database, a merged id) are built by the same ``problem``.

The shape (``api.schema.ProblemSerializer``): ``type`` (``/api/problems/<code>``, a
page the service serves, see ``api.problems.catalogue``), ``title``, ``status``,
``detail``, ``code``, ``instance`` and ``request_id``, always, the latter equal to
the ``X-Request-ID`` response header. Field errors in ``errors`` name where the
fault is: ``pointer`` (a JSON pointer into the body), ``parameter`` (a query
parameter) or ``header`` (a request header).

Language: every human text follows the request's language, by the one rule written
in ``api.problems.language``.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Mapping

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_standardized_errors.formatter import ExceptionFormatter, flatten_errors
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions

from api.headers import RETRY_AFTER
from api.problems.catalogue import BY_CODE, GENERIC_CODE_OF_STATUS, PROBLEM_BASE, generic_code
from api.problems.language import status_description, translated
from registry.exceptions import ImportFailed, RegistryError
from registry.middleware import request_id_of as _request_id_of

PROBLEM_CONTENT_TYPE = "application/problem+json"
WRITE_METHODS = ("POST", "PUT", "PATCH")
#: Methods whose requests carry no body: every field error of theirs is a query parameter's.
BODILESS_METHODS = ("GET", "HEAD", "OPTIONS", "DELETE")
REQUEST_ID_HEADER = "X-Request-ID"

#: Stable codes of the generic HTTP problems, by status (from the catalogue).
HTTP_CODES = GENERIC_CODE_OF_STATUS

__all__ = ["PROBLEM_BASE", "HTTP_CODES", "ProblemResponse", "problem", "request_id_of"]


def request_id_of(request) -> str:
    """The request's id (``registry.middleware.request_id_of``), for Django's or DRF's request.

    A problem made before that middleware ran (by one placed before it) gets the id the
    middleware would have given; ``ProblemResponse`` echoes it in ``X-Request-ID``.
    """
    django_request = getattr(request, "_request", request)
    if django_request is None:
        return uuid.uuid4().hex
    return _request_id_of(django_request)


class ProblemResponse(HttpResponse):
    """A problem document, rendered at once with orjson (never through content negotiation)."""

    def __init__(self, problem: dict, *, headers: dict | None = None):
        super().__init__(
            orjson.dumps(problem),
            status=problem["status"],
            content_type=PROBLEM_CONTENT_TYPE,
            headers=headers,
        )
        self.problem = problem
        # The same id as the body's, whichever middleware made the problem.
        self[REQUEST_ID_HEADER] = problem["request_id"]


logger = logging.getLogger(__name__)

#: What a lost or refused database connection raises: Django's ``InterfaceError`` ("the
#: connection is closed"), or an ``OperationalError`` that says so. Other
#: ``OperationalError``s (SQLite's "no such table" or "expression tree too deep", a
#: statement timeout) are bugs or bad queries: a 500, logged, never "retry later".
DB_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
#: SQLSTATE classes and codes of a server that is gone, refuses, or holds a lock:
#: 08 connection exception, 57P01-57P03 shutdown / cannot connect now, 53300 too many
#: connections, 55P03 lock not available.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "55P03")
#: What drivers say (without a SQLSTATE) when the connection is lost or refused, or
#: SQLite when the database file is locked.
_UNAVAILABLE_MESSAGE = re.compile(
    r"connection (failed|refused|timed out|is closed|already closed|is lost|is bad|to server)"
    r"|server closed the connection|could not connect|no connection to the server"
    r"|terminating connection|the database system is (starting up|shutting down)"
    r"|ssl connection has been closed|timeout expired|too many connections"
    r"|database (table )?is locked|database is busy|unable to open database file",
    re.IGNORECASE,
)
try:  # Redis (the production cache: throttling, analysis results) down or not answering
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    CACHE_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
        RedisConnectionError,
        RedisTimeoutError,
    )
except ImportError:  # pragma: no cover - redis comes with django-redis
    CACHE_UNAVAILABLE_ERRORS = ()
UNAVAILABLE_ERRORS = DB_UNAVAILABLE_ERRORS + CACHE_UNAVAILABLE_ERRORS


def _database_gone(exc: BaseException) -> bool:
    """An ``OperationalError`` (or its driver cause) about the connection or a lock."""
    for error in (exc, exc.__cause__):
        if error is None:
            continue
        sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if sqlstate and str(sqlstate).startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if _UNAVAILABLE_MESSAGE.search(str(error)):
            return True
    return False


def is_db_unavailable(exc: BaseException | None) -> bool:
    """The database or the cache server went away (or the database is locked): 503 with
    Retry-After. Any other database error is a 500: retrying would not help."""
    if isinstance(exc, (InterfaceError, *CACHE_UNAVAILABLE_ERRORS)):
        return True
    return isinstance(exc, OperationalError) and _database_gone(exc)


def retry_after_seconds() -> int:
    return int(getattr(settings, "DB_UNAVAILABLE_RETRY_AFTER", 5))


class ServiceUnavailable(exceptions.APIException):
    """503: the database (or cache) does not answer; the client retries after ``wait`` s."""

    status_code = 503
    default_code = "service-unavailable"
    default_detail = _("The service is temporarily unavailable: retry after the Retry-After delay.")

    def __init__(self, detail=None, code=None, wait: int | None = None):
        super().__init__(detail, code)
        self.wait = retry_after_seconds() if wait is None else wait


def service_unavailable(request, exc: BaseException | None = None) -> ProblemResponse:
    """The 503 problem for a database that went away: no SQL, no driver message, no trace.

    Django closes the broken connection when the request ends (its ``errors_occurred``
    check) and ``CONN_HEALTH_CHECKS`` replaces a stale persistent one when the next
    request starts, so the service recovers by itself once the database is back.
    """
    if exc is not None:
        logger.warning(
            "Database or cache unavailable during %s %s: %s",
            request.method,
            request.path,
            exc.__class__.__name__,
            exc_info=exc,
        )
    wait = retry_after_seconds()
    return ProblemResponse(
        problem(
            503,
            detail=str(ServiceUnavailable.default_detail),
            request=request,
        ),
        headers={RETRY_AFTER.name: str(wait)},
    )


class DomainAPIException(exceptions.APIException):
    """A registry error carried through DRF's exception handling."""

    def __init__(self, error: RegistryError):
        self.status_code = error.status
        self.error = error
        detail = {k: v for k, v in error.errors.items()} or error.detail
        super().__init__(detail=detail, code=error.code)


def problem(
    status: int,
    *,
    request=None,
    code: str | None = None,
    detail: str = "",
    errors: list[dict] | None = None,
    instance: str = "",
    request_id: str = "",
) -> dict:
    """A problem document of a declared type (``api.problems.catalogue``).

    ``request`` (Django's or DRF's) gives ``instance`` and ``request_id``; a problem
    always has both. An undeclared ``code`` is logged and replaced by the generic code
    of the status, so every ``type`` URI answered resolves to a page.
    """
    code = code or generic_code(status)
    if code not in BY_CODE:
        logger.error("Problem code %r is not declared in api.problems.catalogue.", code)
        code = generic_code(status)
    if request is not None:
        instance = instance or getattr(request, "path", "")
        request_id = request_id or request_id_of(request)
    doc = {
        "type": f"{PROBLEM_BASE}{code}",
        "title": str(BY_CODE[code].title),
        "status": status,
        "detail": translated(detail) or status_description(status),
        "code": code,
        "instance": instance,
        "request_id": request_id or uuid.uuid4().hex,
    }
    if errors:
        doc["errors"] = errors
    return doc


def _pointer(attr: str | None) -> str:
    if not attr or attr == "non_field_errors":
        return "#/"
    return "#/" + "/".join(attr.split("."))


def _parsed_body(request):
    """What DRF parsed from the body, without parsing it now (None: not parsed or none)."""
    data = getattr(request, "_full_data", None)
    return data if isinstance(data, Mapping) else None


def locate(request, attr: str | None) -> dict:
    """Where a field error is: ``{"pointer": ...}`` (body) or ``{"parameter": ...}`` (query).

    A request without a body (GET, HEAD, OPTIONS, DELETE) has only query parameters to
    be wrong. On a write, a name given in the query string and absent from the parsed
    body (the body is parsed before its fields are checked; a query parameter such as
    ``dry_run`` is read before the body) is a query parameter. A cross-field error
    (``non_field_errors``) of a query has neither member.
    """
    root = (attr or "").split(".")[0]
    if request is not None and request.method in BODILESS_METHODS:
        return {"parameter": root} if root and root != "non_field_errors" else {}
    query = getattr(request, "query_params", None) or getattr(request, "GET", {})
    if request is not None and root and root in query:
        body = _parsed_body(request)
        if body is None or root not in body:
            return {"parameter": root}
    return {"pointer": _pointer(attr)}


#: The form field that carries an uploaded spreadsheet: where an import's row errors are.
UPLOAD_FIELD = "file"


def field_error(request, attr: str | None, code: str, message, *, place=None) -> dict:
    return {
        "field": attr or "non_field_errors",
        **(place or locate(request, attr)),
        "code": code,
        "detail": translated(message),
    }


def header_error(header: str, code: str, message: str) -> dict:
    """A field error about a request header."""
    return {"field": header, "header": header, "code": code, "detail": translated(message)}


class ProblemFormatter(ExceptionFormatter):
    def run(self) -> dict:
        exc = self.exc
        request = self.context.get("request")
        status = exc.status_code
        if isinstance(exc, DomainAPIException):
            code, detail = exc.error.code, exc.error.detail
            # A spreadsheet's errors name a row and column (``field``) of the uploaded file.
            place = (
                {"pointer": f"#/{UPLOAD_FIELD}"} if isinstance(exc.error, ImportFailed) else None
            )
            errors = [
                field_error(request, field, code, message, place=place)
                for field, messages in exc.error.errors.items()
                for message in messages
            ]
        elif isinstance(exc, exceptions.ValidationError):
            code, detail = "invalid-input", _("The request body or parameters are not valid.")
            errors = [
                field_error(request, e.attr, e.code, e.detail) for e in flatten_errors(exc.detail)
            ]
        else:
            code = HTTP_CODES.get(status) or str(getattr(exc, "default_code", "error"))
            flat = flatten_errors(exc.detail)
            detail = flat[0].detail if flat else ""
            errors = None
        return problem(status, request=request, code=code, detail=str(detail), errors=errors)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class ProblemExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, RegistryError):
            return DomainAPIException(exc)
        if is_db_unavailable(exc):
            return ServiceUnavailable()
        if isinstance(exc, RequestDataTooBig):
            return PayloadTooLarge()
        if isinstance(exc, SuspiciousOperation):
            # e.g. too many query or form fields (DATA_UPLOAD_MAX_NUMBER_FIELDS): the
            # client's request is malformed, not the server broken.
            return exceptions.ParseError(_("The request has too many fields or is malformed."))
        request = self.context.get("request")
        if (
            isinstance(exc, exceptions.ValidationError)
            and request is not None
            and request.method in WRITE_METHODS
        ):
            # A body that parses but does not validate is 422, like the domain's own
            # validation; malformed query parameters (reads) stay 400.
            exc.status_code = 422
        return super().convert_known_exceptions(exc)

    def should_not_handle(self, exc: Exception) -> bool:
        return False  # a problem document even in DEBUG: /api/ never answers with HTML

    def get_response(self, exc: exceptions.APIException, data: dict) -> ProblemResponse:
        return ProblemResponse(data, headers=self.get_headers(exc))


def _django_problem(request, status: int) -> HttpResponse:
    return ProblemResponse(problem(status, request=request))


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Catch-all under /api/: an unknown URL is a problem document, in DEBUG too.

    A URL that only lacks its trailing slash is redirected on reads (as Django's
    APPEND_SLASH would, had the catch-all not answered first); a write is told
    where to go, since a redirect would lose its body. CSRF-exempt like the API's
    own views: a write to an unknown URL that carries a session cookie is a 404
    problem, not Django's HTML CSRF page.
    """
    from django.http import HttpResponsePermanentRedirect
    from django.urls import Resolver404, resolve

    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            target = request.path + "/"
            if request.META.get("QUERY_STRING"):
                target += "?" + request.META["QUERY_STRING"]
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(target)
            return ProblemResponse(
                problem(
                    404,
                    detail=gettext("Did you mean %(path)s (with the trailing slash)?")
                    % {"path": f"{request.path}/"},
                    request=request,
                )
            )
    return _django_problem(request, 404)


def handler404(request, exception=None):
    if request.path.startswith("/api/"):
        return _django_problem(request, 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith("/api/"):
        # Called while the exception is being handled (an error raised outside a view,
        # e.g. in a middleware): a lost database is a 503, not a 500.
        exc = sys.exc_info()[1]
        if is_db_unavailable(exc):
            return service_unavailable(request, exc)
        return _django_problem(request, 500)
    from django.views.defaults import server_error

    return server_error(request)


def handler400(request, exception=None):
    if request.path.startswith("/api/"):
        return _django_problem(request, 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith("/api/"):
        return _django_problem(request, 403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)
