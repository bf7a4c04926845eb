"""Authentication by API key, scope permissions and per-key throttling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework_api_key.permissions import KeyParser

from api.models import ALL_SCOPES, ApiKey
from registry.models.staff import staff_territory_id

#: Largest multipart upload (the spreadsheet imports take files up to 10 MB), form included.
MAX_UPLOAD_REQUEST_BYTES = 11 * 1024 * 1024


#: What a key looks like: ``<prefix>.<secret>``, letters and digits (djangorestframework-api-key).
KEY_SHAPE = re.compile(r"[A-Za-z0-9]{1,64}\.[A-Za-z0-9]{1,256}")

#: Longest query string (production's gunicorn already refuses request lines over 4 KB).
MAX_QUERY_STRING = 8192


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload-too-large"
    default_detail = _("The request body is too large.")


class QueryTooLong(exceptions.APIException):
    status_code = 414
    default_code = "uri-too-long"
    default_detail = _("The query string is too long.")


def check_request_size(request) -> None:
    """Refuse a request over the size limits, before anything reads or parses it.

    DRF parsers read the request as a stream, which Django's own check
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``, on ``request.body`` only) never sees; this
    applies that limit to every body but multipart uploads, which get
    ``MAX_UPLOAD_REQUEST_BYTES`` (their files go to disk, not memory). The query
    string is bounded in length (414) and in number of parameters
    (``DATA_UPLOAD_MAX_NUMBER_FIELDS``, 400), so no filter meets a pattern or an
    ``IN`` list too large for the database.
    """
    if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
        raise QueryTooLong(
            gettext("The query string is longer than %(max)s characters.")
            % {"max": MAX_QUERY_STRING}
        )
    try:
        request._request.GET  # noqa: B018 (parses it once, counting the parameters)
    except TooManyFieldsSent:
        raise exceptions.ParseError(gettext("Too many query parameters.")) from None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise exceptions.ParseError(gettext("Invalid Content-Length header.")) from None
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        limit = MAX_UPLOAD_REQUEST_BYTES
    else:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        raise RequestTooLarge(
            gettext("The request body is larger than %(limit)s bytes.") % {"limit": limit}
        )


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; the secret is checked against its hash.

    It runs first for every API request, before the body is read: it also refuses a
    request over the size limits (413, 414), see ``check_request_size``.
    """

    keyword = "Api-Key"
    parser = KeyParser()

    def authenticate(self, request):
        check_request_size(request)
        key = self.parser.get(request)
        if key is None:
            return None
        if not KEY_SHAPE.fullmatch(key):
            # Not even shaped like a key (control characters, NUL bytes the database
            # would choke on, a megabyte of text): refused without a lookup.
            refuse_credentials(
                request, exceptions.AuthenticationFailed(gettext("Invalid API key."))
            )
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            refuse_credentials(
                request, exceptions.AuthenticationFailed(gettext("Invalid API key."))
            )
        if api_key.has_expired:
            refuse_credentials(
                request, exceptions.AuthenticationFailed(gettext("This API key has expired."))
            )
        now = timezone.now()
        if api_key.last_used is None or (now - api_key.last_used).total_seconds() > 300:
            # Coarse on purpose: one write per key every five minutes at most.
            ApiKey.objects.filter(pk=api_key.pk).update(last_used=now)
        return (KeyUser(api_key), api_key)

    def authenticate_header(self, request) -> str:
        return self.keyword


@dataclass(frozen=True)
class KeyUser:
    """The request's user when it authenticated with an API key (not a Django account)."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False
    is_superuser: bool = False
    pk: None = None
    id: None = None

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"

    def has_perm(self, perm, obj=None) -> bool:
        return False


@dataclass(frozen=True)
class Access:
    """What the caller may do: scopes and the territory it is confined to."""

    scopes: frozenset[str]
    territory_id: int | None

    def has(self, scope: str) -> bool:
        return scope in self.scopes


def key_access(api_key: ApiKey) -> Access:
    """What an API key may do (its requests, and the webhooks it owns)."""
    return Access(frozenset(api_key.scopes or []), api_key.territory_id)


def access_of(request) -> Access:
    """The caller's access, from its API key or its Django account (browsable API, admin)."""
    cached = getattr(request, "_registry_access", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        access = key_access(auth)
    else:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            scopes = set(ALL_SCOPES)
            if not user.has_perm("registry.view_personaldata"):
                scopes.discard("personal_data")
            # Staff limited to a territory in the admin are limited to it in the API too.
            access = Access(frozenset(scopes), staff_territory_id(user))
        elif user is not None and user.is_authenticated:
            access = Access(frozenset({"read"}), None)
        else:
            access = Access(frozenset(), None)
    request._registry_access = access
    return access


class HasScope(permissions.BasePermission):
    """Reads need ``read``, writes ``write``; a view may ask for more (``required_scopes``)."""

    message = _("Your API key lacks the scope this operation needs.")

    def has_permission(self, request, view) -> bool:
        access = access_of(request)
        needed = {"read"} if request.method in permissions.SAFE_METHODS else {"write"}
        needed |= set(getattr(view, "required_scopes", ()))
        missing = needed - access.scopes
        if missing:
            if not request.user or not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(
                    gettext("Authentication required: send 'Authorization: Api-Key <key>'.")
                )
            self.message = gettext("Your credentials lack the scope(s): %(scopes)s.") % {
                "scopes": ", ".join(sorted(missing))
            }
            return False
        return True


class _AlwaysSaysWhen(throttling.SimpleRateThrottle):
    """A refusal always says when to come back (``Retry-After``).

    DRF's ``wait()`` is None once the history holds more requests than the rate allows
    (the rate was lowered, or several workers raced): the 429 then had no Retry-After.
    Here it is the time until enough of the history has expired.
    """

    def wait(self):
        wait = super().wait()
        if wait is not None or not self.history:
            return wait
        blocking = self.history[min(self.num_requests, len(self.history)) - 1]
        return max(1.0, self.duration - (self.now - blocking))


class KeyRateThrottle(_AlwaysSaysWhen):
    """Requests per key (or per account, or per address), counted in the shared cache."""

    scope = "key"

    def get_cache_key(self, request, view) -> str:
        auth = getattr(request, "auth", None)
        if isinstance(auth, ApiKey):
            ident = f"key:{auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class FailedAuthThrottle(_AlwaysSaysWhen):
    """Requests with a wrong, revoked or expired key, per client address, in the shared cache.

    They never reach the per-key throttle (authentication refuses them first), and each
    costs a lookup and a hash; without this an address could try keys as fast as it
    likes. Over ``API_AUTH_FAILURE_RATE`` (default 300/min) they get 429 with
    ``Retry-After`` instead of 401. (Requests without any key cost nothing to refuse.)
    """

    scope = "auth_failure"

    def get_rate(self) -> str:
        return getattr(settings, "API_AUTH_FAILURE_RATE", "300/min")

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def refuse_credentials(request, exc: exceptions.APIException) -> NoReturn:
    """Raise ``exc`` (401), or 429 once the address is over its budget of failed keys."""
    throttle = FailedAuthThrottle()
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(wait=throttle.wait())
    raise exc
