"""``/api/health/``: whether the database and the cache answer, for probes and operators."""

from __future__ import annotations

import logging
import time
import uuid

import orjson
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from api.headers import RETRY_AFTER
from api.problems import ProblemResponse, problem, retry_after_seconds
from api.schema import ProblemSerializer, RegistryAutoSchema

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"


class HealthCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="True when the dependency answered correctly.")
    latency_ms = serializers.FloatField(
        help_text="How long the check took, in milliseconds (until the failure when it failed)."
    )
    error = serializers.CharField(
        required=False,
        help_text="Why the check failed (absent when ok); never a driver message or SQL.",
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["ok"], help_text="`ok`: every dependency answers (otherwise the answer is 503)."
    )
    database = HealthCheckSerializer(help_text="The database: a `SELECT 1` round trip.")
    cache = HealthCheckSerializer(
        help_text="The cache (Redis in production): a value written, read back and deleted."
    )


class HealthProblemSerializer(ProblemSerializer):
    """The 503 problem of the health check, with the checks that say which part is down."""

    database = HealthCheckSerializer(help_text="The database check.")
    cache = HealthCheckSerializer(help_text="The cache check.")


def _timed(name: str, check) -> dict:
    start = time.perf_counter()
    try:
        ok = bool(check())
        error = "" if ok else "The answer was wrong."
    except Exception as exc:  # noqa: BLE001 - any failure is "does not answer"
        logger.warning("Health check of the %s failed: %r", name, exc)
        ok, error = False, "Did not answer."
    result = {"ok": ok, "latency_ms": round((time.perf_counter() - start) * 1000, 3)}
    if not ok:
        result["error"] = error
    return result


def check_database() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0] == 1


def check_cache() -> bool:
    key = f"registry:health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        return cache.get(key) == "ok"
    finally:
        cache.delete(key)


class JSONRegardless(BaseContentNegotiation):
    """A probe gets JSON whatever it accepts (never a 406)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class HealthSchema(RegistryAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses["503"] = self._get_response_for_code(
            HealthProblemSerializer, "503", media_types=[PROBLEM]
        )
        responses["503"]["description"] = (
            "A dependency does not answer (problem+json, with `Retry-After`). Besides the "
            "problem members, the document carries the `database` and `cache` checks, shaped "
            "as in the 200 answer, so a probe reads both answers alike."
        )
        return responses


class HealthView(APIView):
    """Whether the database and the cache answer."""

    # No key needed, and one sent is not looked up (the database may be down); no
    # throttle, since counting requests needs the very cache being checked.
    permission_classes = [permissions.AllowAny]
    throttle_classes = []
    content_negotiation_class = JSONRegardless
    schema = HealthSchema()

    def perform_authentication(self, request):
        pass  # lazy: nothing here reads request.user

    @extend_schema(
        operation_id="health",
        summary="Health of the service",
        description=(
            "Whether the database and the cache answer, with how long each took. 200 when "
            "both do; 503 (problem+json with `Retry-After`, and the same checks) when either "
            "does not. No API key is needed (one sent is ignored) and the answer is never "
            "cached. Meant for load balancers and monitoring; plain HTTP is not redirected to "
            "HTTPS here."
        ),
        tags=["health"],
        responses={
            200: OpenApiResponse(HealthSerializer, description="Every dependency answers."),
            503: OpenApiResponse(
                HealthProblemSerializer, description="A dependency does not answer."
            ),
        },
    )
    def get(self, request):
        checks = {
            "database": _timed("database", check_database),
            "cache": _timed("cache", check_cache),
        }
        if all(check["ok"] for check in checks.values()):
            response = HttpResponse(
                orjson.dumps({"status": "ok", **checks}), content_type="application/json"
            )
        else:
            failed = gettext(" and ").join(
                name for name, check in checks.items() if not check["ok"]
            )
            doc = problem(
                503,
                detail=gettext("The %(parts)s did not answer.") % {"parts": failed},
                request=request,
            )
            response = ProblemResponse(
                {**doc, **checks}, headers={RETRY_AFTER.name: str(retry_after_seconds())}
            )
        add_never_cache_headers(response)
        return response
