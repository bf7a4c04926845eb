"""OpenAPI (drf-spectacular): the API-key security scheme, problem responses, headers.

Every operation gets the problem responses it can give and the headers it reads
and answers, from the declarations of ``api.headers`` and the behaviours the
view's code is marked with (``api.headers.behaves``): a status or a header is in
the schema where the code that answers or sets it runs, not where prose says so.
"""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import APIView

from api import headers
from api.id_schema import ID_SCHEMA, TERRITORY_REF_SCHEMA


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


class FilterHelpTexts(DjangoFilterExtension):
    """Filter descriptions from ``help_text``, also for filters typed by ``extend_schema_field``.

    The stock extension drops the help text of a filter whose type is given by
    ``@extend_schema_field`` (ids, territory references).
    """

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text") or _model_help_text(
            model, filter_field.field_name
        )
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
        return parameters


def _model_help_text(model, field_name: str) -> str:
    """The help text of the model field a plain ``Meta.fields`` filter is built from."""
    try:
        return str(model._meta.get_field(field_name).help_text or "")
    except Exception:  # noqa: BLE001 - a lookup path or a method: no model help text
        return ""


#: Order of the operations of a path in the schema.
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


class _Endpoints(EndpointEnumerator):
    def get_allowed_methods(self, callback):
        # DRF lists a viewset's methods from a set, whose order changes from one process
        # to the next (string hashing): the committed schema must not.
        methods = super().get_allowed_methods(callback)
        return sorted(
            methods, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else len(METHOD_ORDER)
        )


class RegistrySchemaGenerator(SchemaGenerator):
    """The same schema from every run: paths in URL order, methods in a fixed order."""

    endpoint_inspector_cls = _Endpoints


# --- ids: one type everywhere ------------------------------------------------------------

#: Names of ids that are no model relation: the merge target, the change's object, the
#: analysis path's ends, the filters on attendees and members, the merged actor's survivor.
EXTRA_ID_NAMES = frozenset(
    {"id", "merged_into", "object_id", "from", "to", "attendee", "member", "membership"}
)


def id_names() -> frozenset[str]:
    """Names that hold the id of a resource: every relation of a registry or api model (and
    its ``_id`` column), and ``EXTRA_ID_NAMES``."""
    from django.apps import apps

    names = set(EXTRA_ID_NAMES)
    for label in ("registry", "api"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if field.is_relation and field.concrete:
                    names |= {field.name, field.attname}
    return frozenset(names)


def _as_id(node: dict) -> None:
    """An integer id schema (or an array or ``oneOf`` holding one) as ``ID_SCHEMA``: the
    64-bit format, no bounds (those of an input field are its column's, not an id's)."""
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        _as_id(node["items"])
    for branch in node.get("oneOf", ()):
        _as_id(branch)
    if node.get("type") == "integer":
        for key in ("minimum", "maximum", "format"):
            node.pop(key, None)
        node.update(ID_SCHEMA)


def one_id_type(result, generator, request, public):
    """Postprocessing hook: every id of a resource has the one type ``ID_SCHEMA``, in the
    parameters and in the bodies and answers (``tests/api/test_schema_ids.py``); every
    ``territory`` parameter, read by the one grammar of ``api.params.parse_territory_ref``,
    is a ``TERRITORY_REF_SCHEMA``."""
    # Schemas given once (``extend_schema_field``, the constants) are shared between
    # operations: each is made its own before it is changed.
    result = copy.deepcopy(result)
    names = id_names()
    for component in result.get("components", {}).get("schemas", {}).values():
        for name, prop in (component.get("properties") or {}).items():
            if name in names:
                _as_id(prop)
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", ()) if isinstance(operation, dict) else ():
                if parameter["name"] == "territory" and parameter["schema"].get("type") == "string":
                    parameter["schema"] = copy.deepcopy(TERRITORY_REF_SCHEMA)
                if parameter["name"] in names:
                    _as_id(parameter["schema"])
    return result


class FieldErrorSerializer(serializers.Serializer):
    """One field at fault, and where it is: in the body, the query string or a header.

    Exactly one of `pointer`, `parameter` and `header` is given, except for a
    cross-field error of the query string (`field` is `non_field_errors`), which has
    none.
    """

    field = serializers.CharField(
        help_text="The field at fault (dotted path), the query parameter or the header, "
        "or non_field_errors."
    )
    pointer = serializers.CharField(
        required=False,
        help_text="An error in the request body: JSON pointer to the field (`#/name`, "
        "`#/items/0/name`); in an uploaded spreadsheet, `#/file` (`field` names the row "
        "and column).",
    )
    parameter = serializers.CharField(
        required=False, help_text="An error in the query string: the parameter's name."
    )
    header = serializers.CharField(
        required=False, help_text="An error in a request header: the header's name."
    )
    code = serializers.CharField(help_text="Machine-readable error code.")
    detail = serializers.CharField(help_text="What is wrong, for a person.")


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem document: every error the API answers has this shape."""

    type = serializers.CharField(
        help_text="URI reference of the problem type, `/api/problems/<code>`: a page that "
        "says what it means and what to do (HTML, or JSON with `Accept: application/json`)."
    )
    title = serializers.CharField(help_text="Short summary of the problem type.")
    status = serializers.IntegerField(help_text="HTTP status code.")
    detail = serializers.CharField(help_text="Explanation of this occurrence.")
    code = serializers.CharField(help_text="Stable machine-readable code (the type's last part).")
    instance = serializers.CharField(help_text="The request path.")
    request_id = serializers.CharField(
        help_text="Id of the request, the same as the `X-Request-ID` response header (a "
        "replayed answer, `Idempotent-Replayed: true`, keeps the first request's): quote it "
        "when reporting a problem."
    )
    errors = FieldErrorSerializer(many=True, required=False, help_text="Field errors, if any.")


def _standard_integer_bounds(field, content: dict) -> None:
    """Bounds of an integer column as PostgreSQL has them, whatever database runs.

    Django bounds an integer field by the running database (64 bits for every
    integer type on SQLite, the column type on PostgreSQL), so the schema came out
    different on each; the committed one must not depend on where it is generated.
    """
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return
    try:
        internal_type = model._meta.get_field(field.source).get_internal_type()
    except FieldDoesNotExist:
        return
    standard = BaseDatabaseOperations.integer_field_ranges.get(internal_type)
    if standard is None:
        return
    running = connection.ops.integer_field_range(internal_type)
    for key, given, wanted in zip(("minimum", "maximum"), running, standard, strict=True):
        if content.get(key) == given:
            content[key] = wanted


def _narrowable(serializer) -> bool:
    """A resource serializer, whose reads ``?fields=`` and ``?brief=true`` narrow."""
    from api.base import RegistrySerializer

    return isinstance(serializer, RegistrySerializer) or (
        isinstance(serializer, type) and issubclass(serializer, RegistrySerializer)
    )


def _delete_may_be_refused(model, seen: frozenset = frozenset()) -> bool:
    """Whether deleting a ``model`` row can meet a PROTECT (or RESTRICT) foreign key.

    What its delete cascades to counts too: Django refuses the whole delete when a
    cascaded row is protected, and the services turn that into a 409
    (``registry.services._common.protected_delete``).
    """
    from django.db import models as m

    for relation in model._meta.related_objects:
        on_delete = getattr(relation, "on_delete", None)
        if on_delete in (m.PROTECT, m.RESTRICT):
            return True
        related = relation.related_model
        if (
            on_delete is m.CASCADE
            and related not in seen
            and related is not model
            and _delete_may_be_refused(related, seen | {model})
        ):
            return True
    return False


def _header_parameter(header: headers.RequestHeader) -> dict:
    """A request header as an operation parameter (inline: clients read ``name`` and ``in``)."""
    return {
        "in": "header",
        "name": header.name,
        "schema": dict(header.schema),
        "description": header.description,
    }


def _header_component(auto_schema, header: headers.ResponseHeader, required: bool) -> dict:
    """A reference to the response header's component (registered once per schema)."""
    schema = {"description": header.description, "schema": dict(header.schema)}
    schema |= {"required": True} if required else {}
    component = ResolvedComponent(
        name=header.component if required else f"{header.component}-optional",
        type=ResolvedComponent.HEADER,
        object=header.name,
        schema=schema,
    )
    auto_schema.registry.register_on_missing(component)
    return component.ref


class RegistryAutoSchema(AutoSchema):
    """Adds the problem responses each operation can give and the headers of api.headers."""

    def _view_method(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def _operation(self) -> headers.Operation:
        from django.conf import settings

        return headers.Operation(
            method=self.method,
            behaviours=headers.behaviours_of(type(self.view), self._view_method()),
            middleware=tuple(settings.MIDDLEWARE),
        )

    def _authenticates(self) -> bool:
        """Whether the view authenticates the request (which also checks its size, api.auth)."""
        return type(self.view).perform_authentication is APIView.perform_authentication

    def _negotiates(self) -> bool:
        """Whether content negotiation may refuse the Accept header (DRF's, a 406)."""
        negotiation = self.view.content_negotiation_class
        return negotiation.select_renderer is DefaultContentNegotiation.select_renderer

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        wire = self._operation()
        responses = operation.get("responses", {})
        for status, response in responses.items():
            for header in headers.RESPONSE_HEADERS:
                presence = header.where(wire, status)
                if presence is None:
                    continue
                response.setdefault("headers", {})[header.name] = _header_component(
                    self, header, presence == "required"
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _insert_min_max(self, field, content):
        super()._insert_min_max(field, content)
        _standard_integer_bounds(field, content)

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        _standard_integer_bounds(field, schema)

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                # An empty query parameter (``?updated_since=``, as an HTML filter form
                # sends it) is the same as leaving it out, everywhere in the API.
                parameter["allowEmptyValue"] = True
        wire = self._operation()
        read = [header for header in headers.REQUEST_HEADERS if header.applies(wire)]
        names = {header.name for header in read}
        parameters = [
            p for p in parameters if not (p.get("in") == "header" and p.get("name") in names)
        ]
        parameters += [_header_parameter(header) for header in read]
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and _narrowable(serializer):
            # ``?fields=`` and ``?brief=true`` keep only some fields, any of them.
            result.pop("required", None)
            self._expandable_as_one_of(serializer, result, direction)
        return result

    def _expandable_as_one_of(self, serializer, result: dict, direction) -> None:
        """An expandable relation is its id, or with ``?expand=`` the related object's
        brief form (its own component, ``<Resource>Brief``): a ``oneOf`` of the two."""
        from api.base import brief_serializer

        if getattr(serializer, "brief_form", False):
            return  # a brief form embedded by ?expand= is not expanded further
        for name, path in getattr(serializer, "expandable", {}).items():
            prop = result.get("properties", {}).get(name)
            if prop is None or "oneOf" in prop:
                continue
            brief = self.resolve_serializer(brief_serializer(path), direction)
            kept = ("description", "nullable", "readOnly")
            one_of = {
                "oneOf": [{k: v for k, v in prop.items() if k not in kept}, brief.ref],
                **{k: prop[k] for k in kept if k in prop},
            }
            text = prop.get("description", "")
            text += f" Its id; with `?expand={name}`, the object's brief form ({brief.name})."
            if name in getattr(serializer, "reach_limited", ()):
                text += (
                    " An actor from outside a territory-scoped key's territory is then its "
                    "id and name only."
                )
            one_of["description"] = text.strip()
            result["properties"][name] = one_of

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        extra = {"400": "Bad request: malformed parameters or body (problem+json)."}
        if self._authenticates():
            extra["401"] = "No valid API key (problem+json)."
            extra["414"] = "The query string is too long (problem+json)."
        if any(p is not permissions.AllowAny for p in self.view.permission_classes):
            extra["403"] = "The key lacks the scope (problem+json)."
        if self._authenticates() or self.view.throttle_classes:
            extra["429"] = "Too many requests: retry after Retry-After (problem+json)."
        if self._negotiates():
            extra["406"] = "No media type of the Accept header is served here (problem+json)."
        if self._is_detail() or method != "GET" or getattr(self.view, "answers_not_found", False):
            extra["404"] = "Not found, or outside the key's territory (problem+json)."
        if method in ("POST", "PUT", "PATCH"):
            extra["413"] = "The request body is too large (problem+json)."
            extra["415"] = "Unsupported media type: send JSON (problem+json)."
            extra["422"] = "Invalid input: each field at fault is named (problem+json)."
        for behaviour in sorted(self._operation().behaviours):
            for code, description in headers.STATUSES.get(behaviour, {}).items():
                extra[code] = f"{extra[code]} Or: {description}" if code in extra else description
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        if method == "DELETE" and model is not None and _delete_may_be_refused(model):
            extra["409"] = "Other records still depend on it (problem+json)."
        extra["503"] = "The database or the cache is away: retry after Retry-After (problem+json)."
        for code, description in extra.items():
            if code in responses:
                continue
            if code == "304":
                responses[code] = {"description": description}
                continue
            responses[code] = self._get_response_for_code(
                ProblemSerializer, code, media_types=["application/problem+json"]
            )
            responses[code]["description"] = description
        return responses

    def _resolve_path_parameters(self, variables):
        parameters = super()._resolve_path_parameters(variables)
        model = getattr(getattr(self.view, "queryset", None), "model", None)
        label = model._meta.verbose_name if model is not None else "object"
        for parameter in parameters:
            if parameter["name"] != "id":
                continue
            # A path id is an id like any other (a router's lookup regex made it a string);
            # the territory routes take its natural key too.
            natural_key = ":" in getattr(self.view, "lookup_value_regex", "")
            parameter["schema"] = copy.deepcopy(TERRITORY_REF_SCHEMA if natural_key else ID_SCHEMA)
            if not parameter.get("description"):
                parameter["description"] = f"Id of the {label}." + (
                    " Its natural key `level:code` (e.g. `commune:75056`) works too."
                    if natural_key
                    else ""
                )
        return parameters

    def _is_detail(self) -> bool:
        return "{" in self.path
