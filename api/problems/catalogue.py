"""The problem types: one declaration, read by the problem builder and the type pages.

Every problem the API answers has a ``code`` and a ``type`` URI,
``/api/problems/<code>``. This table is the one place a code is declared: its
title, the statuses it comes with, what it means and what the client should do.
``api.problems.problem`` takes the title from here (and refuses an undeclared
code, falling back to the generic code of the status, logged), and
``api.resources.problem_pages`` serves each type URI as a page (HTML, or JSON when
asked) from the same rows, in English and in French.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

#: The base of every problem ``type`` URI (relative to the service: RFC 9457 allows it).
PROBLEM_BASE = "/api/problems/"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: what a client reads on its type page."""

    code: str
    #: The statuses it is answered with, the usual one first.
    statuses: tuple[int, ...]
    title: str | Promise
    #: What it means.
    meaning: str | Promise
    #: What to do about it.
    action: str | Promise

    @property
    def status(self) -> int:
        return self.statuses[0]

    @property
    def uri(self) -> str:
        return f"{PROBLEM_BASE}{self.code}"


PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType(
        "bad-request",
        (400,),
        _("Bad request"),
        _("The request could not be read: malformed JSON, too many fields, a broken header."),
        _("Fix the request as `detail` says; retrying it unchanged gives the same answer."),
    ),
    ProblemType(
        "invalid-input",
        (422, 400),
        _("Invalid input"),
        _(
            "A body field (422) or a query parameter (400) is not valid. Each one at fault is "
            "listed in `errors`: `pointer` locates a body field (a JSON pointer), `parameter` "
            "names a query parameter, `header` names a request header."
        ),
        _("Correct each field or parameter listed in `errors` and send the request again."),
    ),
    ProblemType(
        "not-authenticated",
        (401,),
        _("Not authenticated"),
        _("No valid API key came with the request (missing, wrong, revoked or expired)."),
        _(
            "Send `Authorization: Api-Key <prefix>.<secret>` with a valid key; ask the "
            "registry's operator for one."
        ),
    ),
    ProblemType(
        "permission-denied",
        (403,),
        _("Permission denied"),
        _("The API key is valid but lacks the scope this operation needs."),
        _(
            "Use a key with the scope named in `detail` (read, write, personal_data, "
            "analysis), or ask the operator to grant it."
        ),
    ),
    ProblemType(
        "not-found",
        (404,),
        _("Not found"),
        _(
            "No such URL, or no such object, or an object outside the territory your key is "
            "limited to: the three answer alike."
        ),
        _("Check the URL and the id; list the resource to find the object again."),
    ),
    ProblemType(
        "method-not-allowed",
        (405,),
        _("Method not allowed"),
        _("This URL does not take this HTTP method."),
        _("Use one of the methods the `Allow` response header lists."),
    ),
    ProblemType(
        "not-acceptable",
        (406,),
        _("Not acceptable"),
        _("The service cannot answer in any media type the `Accept` header asks for."),
        _("Ask for `application/json` (or leave `Accept` out)."),
    ),
    ProblemType(
        "conflict",
        (409,),
        _("Conflict"),
        _("The change conflicts with the current data, e.g. other records still depend on it."),
        _("Read the current state, resolve what `detail` names, then retry."),
    ),
    ProblemType(
        "already-erased",
        (409,),
        _("Already erased"),
        _("The person's personal data was already erased."),
        _("Nothing to do: the erasure is complete."),
    ),
    ProblemType(
        "idempotency-key-in-use",
        (409,),
        _("Idempotency key in use"),
        _("The first request with this `Idempotency-Key` is still running."),
        _(
            "Retry the same request with the same key after the `Retry-After` delay: you get "
            "the first request's answer, or it runs if its worker stopped."
        ),
    ),
    ProblemType(
        "merged",
        (410,),
        _("Merged"),
        _("This actor was merged into another one; its id no longer holds a record."),
        _("Use the id in `merged_into` (the `Location` header gives this route for it)."),
    ),
    ProblemType(
        "precondition-failed",
        (412,),
        _("Precondition failed"),
        _("The object changed since you read it: `If-Match` does not match its `ETag`."),
        _("Read the object again (new `ETag`), reapply your change and send it with that tag."),
    ),
    ProblemType(
        "payload-too-large",
        (413,),
        _("Payload too large"),
        _("The request body, the export or the analysis is over the service's size bound."),
        _("Send a smaller body or file, or ask for a smaller territory."),
    ),
    ProblemType(
        "uri-too-long",
        (414,),
        _("URI too long"),
        _("The query string is over the service's length bound."),
        _("Give fewer or shorter parameters; page through the list instead."),
    ),
    ProblemType(
        "unsupported-media-type",
        (415,),
        _("Unsupported media type"),
        _("The body's `Content-Type` is not one this operation reads."),
        _(
            "Send JSON (`application/json`), or `multipart/form-data` for a file upload, as "
            "the schema declares."
        ),
    ),
    ProblemType(
        "bad-idempotency-key",
        (400,),
        _("Bad idempotency key"),
        _("The `Idempotency-Key` header is empty, too long or not printable ASCII."),
        _("Send 1 to 200 printable ASCII characters: a UUID is a good key."),
    ),
    ProblemType(
        "idempotency-key-reused",
        (422,),
        _("Idempotency key reused"),
        _("This `Idempotency-Key` was used for another request (another body or URL)."),
        _("Use a new key for a new request; reuse a key only to retry the same request."),
    ),
    ProblemType(
        "membership-overlap",
        (422,),
        _("Membership overlap"),
        _("The membership overlaps another one of the same actor in the same body and role."),
        _("End the current membership first, or change the dates so the periods do not meet."),
    ),
    ProblemType(
        "import-failed",
        (422,),
        _("Import failed"),
        _("The uploaded file is malformed or some rows are not valid; nothing was written."),
        _("Fix each row and column listed in `errors` and upload the file again."),
    ),
    ProblemType(
        "not-a-person",
        (422,),
        _("Not a person"),
        _("The operation applies to persons only, and this actor is an organization."),
        _("Give the id of a person."),
    ),
    ProblemType(
        "registry-error",
        (400,),
        _("Registry error"),
        _("The registry refused the operation."),
        _("Read `detail`; fix the request and retry."),
    ),
    ProblemType(
        "precondition-required",
        (428,),
        _("Precondition required"),
        _("This operation needs an `If-Match` header, so a lost update cannot happen."),
        _("Read the object, then send its `ETag` in `If-Match`."),
    ),
    ProblemType(
        "throttled",
        (429,),
        _("Too many requests"),
        _("The key (or the client address) sent more requests than its rate allows."),
        _("Wait for the `Retry-After` delay (seconds), then retry."),
    ),
    ProblemType(
        "server-error",
        (500,),
        _("Server error"),
        _("The service failed while answering. The error is logged; no detail is disclosed."),
        _("Retry later; if it persists, report it to the operator with the `request_id`."),
    ),
    ProblemType(
        "service-unavailable",
        (503,),
        _("Service unavailable"),
        _("The database or the cache does not answer for the moment."),
        _("Retry after the `Retry-After` delay (seconds)."),
    ),
)

#: The declaration by code.
BY_CODE: dict[str, ProblemType] = {row.code: row for row in PROBLEM_TYPES}

#: The generic code of each status: the first declared type usually answered with it
#: (the generic types are declared before the specific ones of the same status).
GENERIC_CODE_OF_STATUS: dict[int, str] = {}
for _row in PROBLEM_TYPES:
    GENERIC_CODE_OF_STATUS.setdefault(_row.status, _row.code)
del _row


def generic_code(status: int) -> str:
    """The code of a problem that has no more specific one."""
    if status in GENERIC_CODE_OF_STATUS:
        return GENERIC_CODE_OF_STATUS[status]
    return "server-error" if status >= 500 else "bad-request"
