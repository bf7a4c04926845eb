"""``/api/problems/<code>``: the page each problem ``type`` URI resolves to.

Every problem document's ``type`` is ``/api/problems/<code>``; following it gives
what the problem means and what to do, from the one declaration of the problem
types (``api.problems.catalogue``) that also builds the problems. HTML by default
(a person following the link), JSON when ``Accept`` asks for it; in English, or in
French with ``Accept-Language: fr`` (``Content-Language`` says which). No API key
is needed: a client that got a 401 may read why. ``/api/problems/`` lists them all.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api.problems.catalogue import BY_CODE, PROBLEM_TYPES, ProblemType
from api.schema import RegistryAutoSchema

_CODE_SPAN = re.compile(r"`([^`]+)`")


class ProblemTypeSerializer(serializers.Serializer):
    """A problem type: what a problem of this ``type`` means and what to do about it."""

    type = serializers.CharField(help_text="The type URI, as problems carry it.")
    code = serializers.CharField(help_text="The problem's stable code.")
    title = serializers.CharField(help_text="Short summary (in the request's language).")
    statuses = serializers.ListField(
        child=serializers.IntegerField(), help_text="HTTP statuses it comes with, usual first."
    )
    meaning = serializers.CharField(help_text="What it means (`code` marks names).")
    action = serializers.CharField(help_text="What the client should do about it.")


def _document(row: ProblemType) -> dict:
    return {
        "type": row.uri,
        "code": row.code,
        "title": str(row.title),
        "statuses": list(row.statuses),
        "meaning": str(row.meaning),
        "action": str(row.action),
    }


def _html(text: str):
    """Escaped text with its `code` spans as <code>."""
    return mark_safe(_CODE_SPAN.sub(r"<code>\1</code>", escape(text)))  # noqa: S308 - escaped


class ProblemPageRenderer(TemplateHTMLRenderer):
    template_name = "api/problem_type.html"

    def get_template_context(self, data, renderer_context):
        response = renderer_context["response"]
        if response.exception:  # not reached: problems are answered as ProblemResponse
            return data
        rows = data if isinstance(data, list) else [data]
        # Only problem types make rows: OPTIONS answers the view's metadata, which an
        # HTML rendering (?format=html) shows as an empty page, not a 500.
        rows = [row for row in rows if isinstance(row, dict) and "meaning" in row]
        return {
            "language": get_language(),
            "index": isinstance(data, list),
            "types": [
                {**row, "meaning_html": _html(row["meaning"]), "action_html": _html(row["action"])}
                for row in rows
            ],
        }


class ProblemPagesSchema(RegistryAutoSchema):
    """No key is read, so neither 401 nor 403 can be answered."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in ("401", "403"):
            responses.pop(status, None)
        return responses


class _ProblemPages(APIView):
    # Public: the page of ``not-authenticated`` must be readable without a key.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [ProblemPageRenderer, ORJSONRenderer]
    schema = ProblemPagesSchema()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Language"] = get_language()
        response["Vary"] = "Accept, Accept-Language"
        return response


_MEDIA = "HTML (`text/html`, the default) or JSON (`Accept: application/json`)."
_FORMAT = OpenApiParameter(
    "format",
    str,
    enum=["html", "json"],
    description="The representation, as `Accept` would choose it: `html` or `json`.",
)
_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="The problem's code (`type`'s last part)."
)


class ProblemTypeView(_ProblemPages):
    """What a problem type means and what to do about it."""

    @extend_schema(
        operation_id="problem_type",
        summary="A problem type's page",
        description="The page a problem's `type` URI resolves to: "
        + _MEDIA
        + " In French with `Accept-Language: fr`. No API key needed.",
        tags=["problems"],
        auth=[],
        parameters=[_CODE, _FORMAT],
        responses={
            (200, "application/json"): OpenApiResponse(
                ProblemTypeSerializer, description="The problem type."
            ),
            (200, "text/html"): OpenApiResponse(
                OpenApiTypes.STR, description="The page, for a person."
            ),
        },
    )
    def get(self, request, code: str):
        row = BY_CODE.get(code)
        if row is None:
            raise exceptions.NotFound(gettext("No problem type has this code: see /api/problems/."))
        return Response(_document(row))


class ProblemTypeListView(_ProblemPages):
    """Every problem type the API answers with."""

    @extend_schema(
        operation_id="problem_types",
        summary="Every problem type",
        description="Every problem type the API may answer with: " + _MEDIA + " No API key needed.",
        tags=["problems"],
        auth=[],
        parameters=[_FORMAT],
        responses={
            (200, "application/json"): OpenApiResponse(
                ProblemTypeSerializer(many=True), description="Every problem type."
            ),
            (200, "text/html"): OpenApiResponse(
                OpenApiTypes.STR, description="The list, for a person."
            ),
        },
    )
    def get(self, request):
        return Response([_document(row) for row in PROBLEM_TYPES])
