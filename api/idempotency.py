"""``Idempotency-Key`` on sync and bulk calls: a retried request gets the first answer.

The first request with a key stores a "running" record (committed at once, so a
concurrent retry sees it), runs, then stores its response. A retry with the
same key and payload replays that response (``Idempotent-Replayed: true``); the
same key with another payload is refused (422); a retry while the first is
still running gets 409. Responses of 5xx are not kept, so they can be retried.
Keys are per API key (or account) and expire after ``IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from api.models import ApiKey, IdempotencyRecord
from api.problems import ProblemResponse, problem

MAX_KEY_LENGTH = 200


def ttl() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "IDEMPOTENCY_TTL_HOURS", 24))


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


def _refuse(request, status: int, code: str, detail: str) -> ProblemResponse:
    return ProblemResponse(problem(status, code=code, detail=detail, instance=request.path))


def idempotent(method):
    """Decorate a DRF view method so that ``Idempotency-Key`` retries are safe."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return method(self, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            return _refuse(
                request, 400, "bad-idempotency-key", f"Give 1 to {MAX_KEY_LENGTH} characters."
            )
        owner, fingerprint = _owner(request), _fingerprint(request)
        IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if existing is None:  # expired and purged between the two queries
                return _refuse(request, 409, "idempotency-key-in-use", "Retry the request.")
            if existing.fingerprint != fingerprint:
                return _refuse(
                    request,
                    422,
                    "idempotency-key-reused",
                    "This Idempotency-Key was used for another request: use a new key.",
                )
            if existing.running:
                return _refuse(
                    request,
                    409,
                    "idempotency-key-in-use",
                    "The first request with this Idempotency-Key is still running; retry later.",
                )
            replay = HttpResponse(
                bytes(existing.body), status=existing.status, content_type=existing.content_type
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = method(self, request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        return _Store(record, response)

    return wrapper


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
                store.record.delete()
            else:
                response.render()
                store.record.running = False
                store.record.status = response.status_code
                store.record.content_type = response.get("Content-Type", "")
                store.record.body = response.content
                store.record.save(update_fields=["running", "status", "content_type", "body"])
        return response
