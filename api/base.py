"""The pieces every resource shares: serializer options, the viewset, ETags, history.

A resource module declares its filterset, serializers and a small viewset
(queryset, serializer, filterset, the services that write, the path to its
territory); everything else — scope, field selection, expansion, ETags,
preconditions, history, problem errors — comes from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, ClassVar

import orjson
from django.db import models, transaction
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import fastlist, inputs
from api.auth import access_of
from api.headers import (
    CONDITIONAL_READ,
    CREATES,
    ETAG,
    IF_MATCH,
    IF_NONE_MATCH,
    PRECONDITION,
    VERSIONED_WRITE,
    behaves,
)
from api.inputs.references import REFERENCE_FIELDS
from api.pagination import RegistryPagination
from api.params import QueryBooleanField, check_value
from api.scoping import restrict
from registry.models import ChangeRecord

READ_METHODS = ("GET", "HEAD", "OPTIONS")
#: List parameters that shape or page the list (no filterset reads them).
_NOT_FILTERS = frozenset(
    {"limit", "offset", "cursor", "pagination", "fields", "brief", "expand", "ordering", "format"}
)


def _csv_params(request, name: str) -> tuple[str, ...]:
    """The names a repeated, comma-separated parameter gives, each once, in first-seen order.

    ``?expand=actor`` given 1,000 times (or ``fields=id,id,...``) costs what it costs
    once: the serializer, the fast list's plan and its cache key see each name once.
    The number of distinct names is then bounded by what the resource knows (any
    other name is a 400), the number of parameters by ``DATA_UPLOAD_MAX_NUMBER_FIELDS``.
    """
    return tuple(
        dict.fromkeys(
            v.strip()
            for raw in request.query_params.getlist(name)
            for v in raw.split(",")
            if v.strip()
        )
    )


class ApiUrlField(serializers.HyperlinkedIdentityField):
    """The object's API URL from one ``reverse()`` per list rather than one per row.

    The URL of a placeholder id is built once (the field lives as long as the
    request's serializer, so host and scheme are the request's), then each
    row's id is put in its place.
    """

    _PLACEHOLDER = 987654321987654321

    def get_url(self, obj, view_name, request, format):
        pk = getattr(obj, self.lookup_field, None)
        if pk is None or self.lookup_field != "pk" or not isinstance(pk, int):
            return super().get_url(obj, view_name, request, format)
        key = (view_name, format)
        templates = self.__dict__.setdefault("_templates", {})
        if key not in templates:
            url = self.reverse(
                view_name,
                kwargs={self.lookup_url_kwarg: self._PLACEHOLDER},
                request=request,
                format=format,
            )
            templates[key] = (
                url.split(str(self._PLACEHOLDER))
                if url.count(str(self._PLACEHOLDER)) == 1
                else None
            )
        parts = templates[key]
        if parts is None:
            return super().get_url(obj, view_name, request, format)
        return f"{parts[0]}{pk}{parts[1]}"


#: The brief serializer classes made by ``brief_serializer``, by dotted path.
_BRIEF_CLASSES: dict[str, type] = {}


def brief_serializer(path: str) -> type[RegistrySerializer]:
    """The brief form of the resource serializer at ``path``, as a class of its own.

    ``?expand=actor`` embeds an ``ActorBriefSerializer``: the ``ActorSerializer``
    keeping ``Meta.brief_fields``. A class of its own so that the OpenAPI schema has
    its component (``ActorBrief``), which the expandable field's ``oneOf`` [id, brief
    object] refers to (``api.schema.RegistryAutoSchema``).
    """
    cls = _BRIEF_CLASSES.get(path)
    if cls is None:
        full = import_string(path)

        def __init__(self, *args, **kwargs):
            kwargs["brief"] = True
            full.__init__(self, *args, **kwargs)

        model = full.Meta.model._meta.verbose_name
        cls = type(
            full.__name__.removesuffix("Serializer") + "BriefSerializer",
            (full,),
            {
                "__init__": __init__,
                "brief_form": True,
                "__module__": full.__module__,
                "__doc__": f"The brief form of the related {model}, as `?expand=` embeds "
                f"it (fields: {', '.join(full.Meta.brief_fields)}).",
            },
        )
        _BRIEF_CLASSES[path] = cls
    return cls


class RegistrySerializer(serializers.ModelSerializer):
    """A model serializer with ``?fields=``, ``?brief=true`` and ``?expand=`` on reads.

    Subclasses list ``Meta.brief_fields`` and, in ``expandable``, the related
    fields that ``?expand=name`` replaces by the related object's brief form
    (``name -> dotted path of the related resource's serializer``).
    """

    # source="*" hands the object to CharField, whose str() is the label: the same as
    # source="__str__" without DRF inspecting the method's signature on every row.
    display = serializers.CharField(source="*", read_only=True, help_text="Human label.")

    serializer_related_field = inputs.StrictPrimaryKeyRelatedField

    expandable: ClassVar[dict[str, str]] = {}
    #: Expandable actors that a territory-scoped key sees as id and name only when they
    #: are from outside its territory (documented in the schema).
    reach_limited: ClassVar[tuple[str, ...]] = ()
    #: Related fields whose choices a territory-scoped key sees only within its territory:
    #: field name -> path from the related model to its territory id.
    scoped_relations: ClassVar[dict[str, str]] = {}
    #: ``display`` for list pages built from rows (api.fastlist): the model's ``__str__``
    #: as a ``str.format`` template over column paths, e.g. ``"{name}"``; None: no fast path.
    display_template: ClassVar[str | None] = None
    #: Method fields for list pages built from rows: field name -> the columns that
    #: ``row_<name>(page, *values)`` takes (it must answer as ``get_<name>(obj)`` does;
    #: ``page`` is a dict for what it computes once per page).
    row_methods: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, *args, brief: bool = False, nested: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope_relations()
        if brief:
            self._keep(self.Meta.brief_fields)
            return
        request = self.context.get("request")
        if nested or request is None or request.method not in READ_METHODS:
            return
        if self.context.get("full_representation"):
            return
        self._apply_query(request)

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Every model field is read by the input layer's strict fields (api.inputs).
        field_class = inputs.STRICT_FIELDS.get(field_class, field_class)
        if isinstance(model_field, models.TextField) and "max_length" not in kwargs:
            kwargs["max_length"] = inputs.TEXT_MAX_LENGTH
        if field_name == "id" and not kwargs.get("help_text"):
            kwargs["help_text"] = "Unique id, never reused."
        return field_class, kwargs

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        # A territory or an actor: by id or by natural key (api.inputs.references).
        if field_class is self.serializer_related_field:
            field_class = REFERENCE_FIELDS.get(relation_info.related_model, field_class)
        return field_class, kwargs

    def _scope_relations(self) -> None:
        request = self.context.get("request")
        if request is None or not self.scoped_relations:
            return
        territory_id = access_of(request).territory_id
        if territory_id is None:
            return
        for name, path in self.scoped_relations.items():
            field = self.fields.get(name)
            if field is None or field.read_only:
                continue
            target = getattr(field, "child_relation", field)
            target.queryset = restrict(target.queryset, path, territory_id)

    def _keep(self, names) -> None:
        for name in list(self.fields):
            if name not in names:
                self.fields.pop(name)

    def _apply_query(self, request) -> None:
        if check_value(QueryBooleanField(), "brief", request.query_params.get("brief")):
            self._keep(self.Meta.brief_fields)
            return
        expand = _csv_params(request, "expand")
        unknown = sorted(set(expand) - set(self.expandable))
        if unknown:
            raise exceptions.ValidationError(
                {
                    "expand": [
                        translation.gettext("Cannot expand: %(unknown)s. Expandable: %(known)s.")
                        % {
                            "unknown": ", ".join(unknown),
                            "known": ", ".join(sorted(self.expandable))
                            or translation.gettext("none"),
                        }
                    ]
                }
            )
        for name in expand:
            self.fields[name] = brief_serializer(self.expandable[name])(read_only=True)
        wanted = _csv_params(request, "fields")
        if wanted:
            unknown = sorted(set(wanted) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {
                        "fields": [
                            translation.gettext("Unknown field(s): %(names)s.")
                            % {"names": ", ".join(unknown)}
                        ]
                    }
                )
            self._keep(set(wanted))


def _etag_default(value: Any) -> str:
    # What orjson does not encode itself: decimals (weights, confidences), lazy strings.
    return str(value)


def etag_of(data: Any) -> str:
    digest = hashlib.sha256(
        orjson.dumps(data, option=orjson.OPT_SORT_KEYS, default=_etag_default)
    ).hexdigest()
    return f'"{digest[:32]}"'


class ChangeRecordSerializer(serializers.ModelSerializer):
    """One entry of an object's history."""

    user = serializers.CharField(
        source="user.username",
        default=None,
        allow_null=True,
        read_only=True,
        help_text="Account that made the change (none when an API key made it).",
    )

    class Meta:
        model = ChangeRecord
        fields = [
            "id",
            "at",
            "action",
            "model",
            "object_id",
            "user",
            "api_key",
            "request_id",
            "via",
            "reason",
            "before",
            "after",
        ]
        extra_kwargs = {
            "id": {"help_text": "Position in the change ledger (increasing)."},
            "api_key": {"help_text": "Public prefix of the API key that made the change."},
        }


LIST_PARAMETERS = [
    OpenApiParameter("fields", str, description="Comma-separated fields to return."),
    OpenApiParameter("brief", bool, description="Return the brief form (id, url, display)."),
    OpenApiParameter("expand", str, description="Comma-separated related objects to embed."),
]


class RegistryViewSet(viewsets.ModelViewSet):
    """Base viewset: scoped queryset, writes through services, ETags and preconditions."""

    #: Path from the model to its territory id (for territory-scoped keys); None: national.
    territory_path: ClassVar[str | None] = "territory_id"
    #: The registry services that write, called with keywords: ``create(**data) -> obj``,
    #: ``update(<entity>=obj, **data)``, ``delete(<entity>=obj)``.
    service_create: ClassVar[Callable[..., Any]]
    service_update: ClassVar[Callable[..., Any]]
    service_delete: ClassVar[Callable[..., Any]]
    #: The keyword the update and delete services take the object by, e.g. "body".
    entity: ClassVar[str]
    #: Fields set at creation that an update leaves alone (e.g. the body of a college).
    fixed_on_update: ClassVar[tuple[str, ...]] = ()
    ordering = ("id",)
    lookup_value_regex = r"[0-9]+"
    #: Build list pages from ``.values()`` rows when the serializer, as the request shaped
    #: it, compiles to a plan (api.fastlist); otherwise, when False, and when the setting
    #: ``REGISTRY_LIST_FAST_PATH`` is off, through DRF. The plan is reused for every
    #: request of the same ``fast_list_key``: the serializer's fields may depend on no
    #: more than it says.
    fast_list: ClassVar[bool] = False

    # --- reads ---------------------------------------------------------------

    def list(self, request, *args, **kwargs):
        response = self._fast_list(request) if self.fast_list and fastlist.enabled() else None
        if response is None:
            return super().list(request, *args, **kwargs)
        return response

    def _fast_list(self, request):
        """The list page from rows, or None to take DRF's path (unsupported fields, errors)."""
        paginator = self.paginator
        if paginator is None or not isinstance(paginator, RegistryPagination):
            return None
        native = type(request.accepted_renderer) is ORJSONRenderer
        key = (self.fast_list_key(request), native)
        parents = self.get_queryset()
        try:
            plan = fastlist.plan_for(key, self.get_serializer, parents, native_datetimes=native)
        except exceptions.ValidationError:
            return None  # DRF's path raises it, after the filters' own errors
        if plan is None:
            return None
        queryset = parents
        rows_key = page_sql_key = None
        params = request.query_params
        if set(params) - _NOT_FILTERS:
            queryset = self.filter_queryset(queryset)
        else:
            # The whole list the caller may see: ``get_queryset`` depends on its access.
            access = access_of(request)
            rows_key = (
                "all",
                f"{type(self).__module__}.{type(self).__qualname__}",
                sorted(access.scopes),
                access.territory_id,
            )
            # No parameter filters: a filterset given none of its parameters leaves the
            # queryset as it is (every filter lets an empty value through; the fast
            # list's viewsets have no filter with a default, and their tests compare
            # both paths without parameters). Only the ordering applies.
            queryset = self._order(queryset, request)
            # What the page's SQL depends on but its offset and limit: the plan's key
            # (view, fields, access...) and the other parameters (``?ordering=``). Not
            # the cursor: its position, direction and offset are each page's
            # (``api.page_sql.CursorPage`` keys its SQL by ordering and lookup).
            page_sql_key = (
                key,
                tuple(
                    (name, tuple(params.getlist(name)))
                    for name in sorted(params)
                    if name not in ("limit", "offset", "cursor")
                ),
            )

        def rows():
            return plan.annotate(plan.values(queryset), parents)

        page = paginator.paginate_queryset(
            rows,
            request,
            view=self,
            count_queryset=queryset,
            rows_key=rows_key,
            page_sql_key=page_sql_key,
        )
        if native:
            # Dates and datetimes left as they are, written by orjson as DRF writes them.
            request.accepted_renderer = _FastListRenderer()
        return self.get_paginated_response(plan.rows(page, parents))

    def _order(self, queryset, request):
        """``filter_queryset`` without the filterset (``?ordering=``)."""
        for backend in self.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                queryset = backend().filter_queryset(request, queryset, self)
        return queryset

    def fast_list_key(self, request) -> tuple:
        """Everything the list serializer's fields and ``get_queryset`` depend on.

        The view, the field-shaping parameters, the caller's scopes and territory, and
        what goes into URLs (scheme, host, script prefix, format) and dates (time zone).
        """
        params = request.query_params
        access = access_of(request)
        return (
            type(self),
            request.method,
            _csv_params(request, "fields"),
            _csv_params(request, "expand"),
            tuple(params.getlist("brief")),
            access.scopes,
            access.territory_id,
            request.build_absolute_uri("/"),
            get_script_prefix(),
            self.format_kwarg,
            timezone.get_current_timezone_name(),
            translation.get_language(),
        )

    def get_queryset(self):
        return restrict(
            super().get_queryset(), self.territory_path, access_of(self.request).territory_id
        )

    def full_data(self, instance) -> dict:
        """The whole representation the caller may see, ignoring ?fields/?brief/?expand."""
        context = {**self.get_serializer_context(), "full_representation": True}
        return self.get_serializer_class()(instance, context=context).data

    @behaves(CONDITIONAL_READ)
    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance)
        tag = etag_of(self.full_data(instance))
        if etag_matches(request.headers.get(IF_NONE_MATCH.name), tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={ETAG.name: tag})
        return Response(serializer.data, headers={ETAG.name: tag})

    def get_object(self):
        # A write reads its object for the If-Match check and again to apply the
        # change: one query is enough.
        if getattr(self, "_object", None) is None:
            self._object = super().get_object()
        return self._object

    # --- writes --------------------------------------------------------------

    def check_precondition(self, instance) -> None:
        """``If-Match``: refuse a write based on a stale representation (412)."""
        header = self.request.headers.get(IF_MATCH.name)
        if header is None:
            return
        if header.strip() == "*":
            return
        if not etag_matches(header, etag_of(self.full_data(instance)), strong=True):
            raise PreconditionFailed()

    def _ensure_in_scope(self, instance) -> None:
        territory_id = access_of(self.request).territory_id
        if territory_id is None or self.territory_path is None:
            return
        model = type(instance)
        visible = restrict(
            model._default_manager.filter(pk=instance.pk), self.territory_path, territory_id
        )
        if not visible.exists():
            raise exceptions.ValidationError(
                {"territory": [gettext("Outside the territory your API key is limited to.")]}
            )

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.instance = type(self).service_create(**serializer.validated_data)
            self._ensure_in_scope(serializer.instance)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k not in self.fixed_on_update}
        with transaction.atomic():
            type(self).service_update(**{self.entity: serializer.instance}, **data)
            self._ensure_in_scope(serializer.instance)

    def perform_destroy(self, instance):
        type(self).service_delete(**{self.entity: instance})

    @behaves(VERSIONED_WRITE, CREATES)
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        return self._with_fresh_etag(response)

    @behaves(VERSIONED_WRITE, PRECONDITION)
    def update(self, request, *args, **kwargs):
        self.check_precondition(self.get_object())
        response = super().update(request, *args, **kwargs)
        return self._with_fresh_etag(response)

    @behaves(VERSIONED_WRITE, PRECONDITION)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)  # update(), with its marks

    @behaves(PRECONDITION)
    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _with_fresh_etag(self, response):
        pk = response.data.get("id") if isinstance(response.data, dict) else None
        if pk is not None:
            instance = self.get_queryset().get(pk=pk)
            response.data = self.get_serializer(instance).data
            response[ETAG.name] = etag_of(self.full_data(instance))
        return response

    # --- history -------------------------------------------------------------

    @extend_schema(
        summary="History of the object",
        description="Every recorded change of this object, oldest first: who, when, through "
        "which request, and the values before and after.",
        responses=ChangeRecordSerializer(many=True),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], ordering=None)
    def history(self, request, *args, **kwargs):
        instance = self.get_object()
        records = (
            ChangeRecord.objects.filter(model=instance._meta.label_lower, object_id=instance.pk)
            .select_related("user")
            .order_by("id")
        )
        page = self.paginate_queryset(records)
        return self.get_paginated_response(ChangeRecordSerializer(page, many=True).data)

    def get_serializer_class(self):
        if self.action == "history":
            return ChangeRecordSerializer
        return super().get_serializer_class()


class _FastListRenderer(ORJSONRenderer):
    """The JSON renderer, writing UTC datetimes with "Z" as DRF's DateTimeField does."""

    options = ORJSONRenderer.options | orjson.OPT_UTC_Z


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "The object changed since you read it (If-Match does not match its ETag). "
        "Fetch it again and reapply your change."
    )
    default_code = "precondition-failed"


def etag_matches(header: str | None, tag: str, *, strong: bool = False) -> bool:
    """Whether ``header`` (a list of entity tags, or ``*``) names ``tag``.

    ``If-None-Match`` compares weakly (a ``W/`` tag matches its strong twin);
    ``If-Match`` strongly (RFC 9110 13.1.1: a weak tag never matches), ``strong=True``.
    """
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    if "*" in candidates:
        return True
    if strong:
        return tag in candidates
    return tag in (c.removeprefix("W/") for c in candidates)


def document(resource: str, plural: str, extra: dict | None = None):
    """Descriptions for the standard operations of a resource (drf-spectacular)."""
    base = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"Pages of {plural}, filtered and ordered as asked. "
            "Limit/offset pages by default, `pagination=cursor` for a stable walk.",
            parameters=LIST_PARAMETERS,
        ),
        "retrieve": extend_schema(
            summary=f"Get a {resource}",
            description=f"One {resource}, with an `ETag` header; `If-None-Match` answers 304 "
            "when it has not changed.",
            parameters=LIST_PARAMETERS,
        ),
        "create": extend_schema(
            summary=f"Create a {resource}",
            description=f"Creates a {resource} (scope `write`). Validation errors name each "
            "field at fault.",
        ),
        "update": extend_schema(
            summary=f"Replace a {resource}",
            description=f"Replaces the writable fields of a {resource}. Send `If-Match` with "
            "the ETag you read to refuse a lost update (412).",
        ),
        "partial_update": extend_schema(
            summary=f"Change a {resource}",
            description=f"Changes the given fields of a {resource}. Send `If-Match` with the "
            "ETag you read to refuse a lost update (412).",
        ),
        "destroy": extend_schema(
            summary=f"Delete a {resource}",
            description=f"Deletes a {resource} (and what cascades from it, all recorded). "
            "Send `If-Match` with the ETag you read to refuse deleting what changed since "
            "(412). Where other records can depend on it, refused with 409 while they do.",
        ),
    }
    base.update(extra or {})
    return extend_schema_view(**base)
