"""OpenAPI (drf-spectacular): the API-key security scheme and problem responses everywhere."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <prefix>.<secret>`. Scopes: read, write, personal_data, "
            "analysis; a key may be limited to a territory and below.",
        }


class FieldErrorSerializer(serializers.Serializer):
    """One field at fault."""

    field = serializers.CharField(
        help_text="The field at fault (dotted path), or non_field_errors."
    )
    pointer = serializers.CharField(help_text="JSON pointer to the field in the request body.")
    code = serializers.CharField(help_text="Machine-readable error code.")
    detail = serializers.CharField(help_text="What is wrong, for a person.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document."""

    type = serializers.CharField(help_text="URI reference of the problem type.")
    title = serializers.CharField(help_text="Short summary of the problem type.")
    status = serializers.IntegerField(help_text="HTTP status code.")
    detail = serializers.CharField(help_text="Explanation of this occurrence.")
    code = serializers.CharField(help_text="Stable machine-readable code.")
    instance = serializers.CharField(required=False, help_text="The request path.")
    request_id = serializers.CharField(required=False, help_text="Id of the request, to quote.")
    errors = FieldErrorSerializer(many=True, required=False, help_text="Field errors, if any.")


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ProblemSerializer, description=description)


class RegistryAutoSchema(AutoSchema):
    """Adds the problem responses each operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        extra = {
            "400": "Bad request: malformed parameters or body (problem+json).",
            "401": "No valid API key (problem+json).",
            "403": "The key lacks the scope (problem+json).",
            "429": "Too many requests; see Retry-After (problem+json).",
        }
        if self._is_detail() or method != "GET":
            extra["404"] = "Not found, or outside the key's territory (problem+json)."
        if method in ("POST", "PUT", "PATCH"):
            extra["415"] = "Unsupported media type (problem+json)."
            extra["422"] = "Invalid input: each field at fault is named (problem+json)."
        if method in ("PUT", "PATCH", "DELETE"):
            extra["412"] = "If-Match does not match the current ETag (problem+json)."
        if method == "DELETE":
            extra["409"] = "Other records still depend on it (problem+json)."
        for code, description in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, media_types=["application/problem+json"]
                )
                responses[code]["description"] = description
        return responses

    def _is_detail(self) -> bool:
        return "{" in self.path
