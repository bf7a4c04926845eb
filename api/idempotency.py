"""``Idempotency-Key`` on sync and bulk calls: a retried request gets the first answer.

The first request with a key stores a "running" record (committed at once, so a
concurrent retry sees it), runs, then stores its response. A retry with the
same key and payload replays that response (``Idempotent-Replayed: true``); the
same key with another payload is refused (422); a retry while the first is
still running gets 409. Responses of 5xx are not kept, so they can be retried.
Keys are per API key (or account) and expire after ``IDEMPOTENCY_TTL_HOURS``.

A running record is leased to the worker that runs it for
``IDEMPOTENCY_LEASE_SECONDS`` (longer than any request may run: the gunicorn
timeout kills a worker before). A worker killed mid-request cannot mark its
record done, so until the lease ends a retry gets 409 with ``Retry-After`` (the
seconds left), and after it the retry takes the record over and runs the request.
The take-over is one conditional ``UPDATE`` on the record's ``attempt``: of two
retries racing after the lease, one runs and the other gets 409. A taken-over
worker that finishes after all stores nothing (its ``attempt`` is no longer the
record's).

The key is what the IETF draft makes it, a structured-field string: 1 to
``MAX_KEY_LENGTH`` printable ASCII characters, declared once in ``api.headers``
(whose schema the OpenAPI document gives). Anything else (NUL and other
control characters, which PostgreSQL refuses in text, non-ASCII, too long) is a
400 naming the header, before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from api.headers import (
    IDEMPOTENCY_KEY,
    IDEMPOTENT,
    IDEMPOTENT_REPLAYED,
    RETRY_AFTER,
    behaves,
)
from api.models import ApiKey, IdempotencyRecord
from api.problems import ProblemResponse, header_error, problem

MAX_KEY_LENGTH = IDEMPOTENCY_KEY.schema["maxLength"]
HEADER = IDEMPOTENCY_KEY.name
_VALID_KEY = re.compile(IDEMPOTENCY_KEY.schema["pattern"])


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


def _key_error(key: str) -> str | None:
    """Why the header's value is not a usable key, or None."""
    if not key.strip():
        return gettext("The %(header)s header is empty: give 1 to %(max)s characters.") % {
            "header": HEADER,
            "max": MAX_KEY_LENGTH,
        }
    if len(key) > MAX_KEY_LENGTH:
        return gettext("The %(header)s header is too long: give at most %(max)s characters.") % {
            "header": HEADER,
            "max": MAX_KEY_LENGTH,
        }
    if not _VALID_KEY.fullmatch(key):
        return gettext(
            "The %(header)s header may hold only printable ASCII characters "
            "(no control characters such as NUL, no accented letters): a UUID is a good key."
        ) % {"header": HEADER}
    return None


def _owner(request) -> str:
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return f"key:{auth.prefix}"
    return f"user:{getattr(request.user, 'pk', '')}"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _refuse(
    request,
    status: int,
    code: str,
    detail: str,
    *,
    errors: list[dict] | None = None,
    retry_after: int | None = None,
) -> ProblemResponse:
    headers = {RETRY_AFTER.name: str(retry_after)} if retry_after is not None else None
    return ProblemResponse(
        problem(status, request=request, code=code, detail=detail, errors=errors),
        headers=headers,
    )


def _in_use(request, wait: dt.timedelta) -> ProblemResponse:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return _refuse(
        request,
        409,
        "idempotency-key-in-use",
        gettext(
            "The first request with this Idempotency-Key is still running; retry after the "
            "Retry-After delay (%(seconds)s s). Should its worker have stopped, the retry "
            "after that delay runs the request."
        )
        % {"seconds": seconds},
        retry_after=seconds,
    )


def _lease_end(record: IdempotencyRecord) -> dt.datetime:
    # Records made before leases existed have none: they are leased from their start.
    return record.lease_until or record.created_at + lease()


def _take_over(record: IdempotencyRecord, now: dt.datetime) -> bool:
    """Make ``record`` ours if nobody else did since it was read (one conditional UPDATE)."""
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, running=True, attempt=record.attempt
    ).update(attempt=record.attempt + 1, lease_until=now + lease())
    if taken:
        record.attempt += 1
        record.lease_until = now + lease()
    return bool(taken)


def _ours(record: IdempotencyRecord):
    """The record, as long as no retry took it over."""
    return IdempotencyRecord.objects.filter(pk=record.pk, attempt=record.attempt)


def idempotent(method):
    """Decorate a DRF view method so that ``Idempotency-Key`` retries are safe."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(self, request, *args, **kwargs)
        error = _key_error(key)
        if error is not None:
            return _refuse(
                request,
                400,
                "bad-idempotency-key",
                error,
                errors=[header_error(HEADER, "invalid", error)],
            )
        owner, fingerprint = _owner(request), _fingerprint(request)
        now = timezone.now()
        IdempotencyRecord.objects.filter(created_at__lt=now - ttl()).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, lease_until=now + lease()
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if existing is None:  # expired and purged between the two queries
                return _in_use(request, dt.timedelta(seconds=1))
            if existing.fingerprint != fingerprint:
                return _refuse(
                    request,
                    422,
                    "idempotency-key-reused",
                    gettext("This Idempotency-Key was used for another request: use a new key."),
                )
            if existing.running:
                if _lease_end(existing) > now:
                    return _in_use(request, _lease_end(existing) - now)
                if not _take_over(existing, now):  # another retry took it over first
                    return _in_use(request, lease())
                record = existing
            else:
                replay = HttpResponse(
                    bytes(existing.body),
                    status=existing.status,
                    content_type=existing.content_type,
                )
                replay[IDEMPOTENT_REPLAYED.name] = "true"
                return replay
        try:
            response = method(self, request, *args, **kwargs)
        except BaseException:
            _ours(record).delete()
            raise
        return _Store(record, response)

    # The schema declares Idempotency-Key, Idempotent-Replayed and the 409 (api.headers).
    return behaves(IDEMPOTENT)(wrapper)


class _Store:
    """Marker: the view's finalize step stores the rendered response (see IdempotentMixin)."""

    def __init__(self, record: IdempotencyRecord, response):
        self.record = record
        self.response = response


class IdempotentMixin:
    """Stores, once rendered, the response of a method decorated with ``idempotent``."""

    def finalize_response(self, request, response, *args, **kwargs):
        store = response if isinstance(response, _Store) else None
        if store is not None:
            response = store.response
        response = super().finalize_response(request, response, *args, **kwargs)
        if store is not None:
            if response.status_code >= 500:
                _ours(store.record).delete()
            else:
                response.render()
                # Taken over by a retry (this worker outlived its lease): the retry stores.
                _ours(store.record).update(
                    running=False,
                    status=response.status_code,
                    content_type=response.get("Content-Type", ""),
                    body=response.content,
                )
        return response
