"""Authentication by API key, scope permissions and per-key throttling."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework_api_key.permissions import KeyParser

from api.models import ALL_SCOPES, ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``; the secret is checked against its hash."""

    keyword = "Api-Key"
    parser = KeyParser()

    def authenticate(self, request):
        key = self.parser.get(request)
        if key is None:
            return None
        try:
            api_key = ApiKey.objects.get_from_key(key)
        except ApiKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
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


def access_of(request) -> Access:
    """The caller's access, from its API key or its Django account (browsable API, admin)."""
    cached = getattr(request, "_registry_access", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        access = Access(frozenset(auth.scopes or []), auth.territory_id)
    else:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            scopes = set(ALL_SCOPES)
            if not user.has_perm("registry.view_personaldata"):
                scopes.discard("personal_data")
            access = Access(frozenset(scopes), None)
        elif user is not None and user.is_authenticated:
            access = Access(frozenset({"read"}), None)
        else:
            access = Access(frozenset(), None)
    request._registry_access = access
    return access


class HasScope(permissions.BasePermission):
    """Reads need ``read``, writes ``write``; a view may ask for more (``required_scopes``)."""

    message = "Your API key lacks the scope this operation needs."

    def has_permission(self, request, view) -> bool:
        access = access_of(request)
        needed = {"read"} if request.method in permissions.SAFE_METHODS else {"write"}
        needed |= set(getattr(view, "required_scopes", ()))
        missing = needed - access.scopes
        if missing:
            if not request.user or not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(
                    "Authentication required: send 'Authorization: Api-Key <key>'."
                )
            self.message = f"Your credentials lack the scope(s): {', '.join(sorted(missing))}."
            return False
        return True


class KeyRateThrottle(throttling.SimpleRateThrottle):
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
