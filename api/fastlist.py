"""List pages built from ``.values_list()`` rows instead of model instances and DRF fields.

The DRF serializer stays the source of truth: its fields, once ``?fields=``,
``?brief=`` and ``?expand=`` and the caller's scopes have shaped them, are
compiled into a plan that reads each field's column from a row:

- plain model fields: the column itself when DRF's representation is the value
  (strings, integers, booleans, choices, JSON), dates and datetimes as DRF writes
  them, any other scalar through the DRF field's own ``to_representation``;
- related ids (``PrimaryKeyRelatedField``): the foreign key's column;
- the API URL (``ApiUrlField``): one URL built by the field, the row's id put in it;
- ``display``: the serializer's ``display_template`` (the model's ``__str__`` as a
  ``str.format`` template over column paths, e.g. ``"{actor__name} in {body__name}"``);
- method fields: the serializer's ``row_<name>`` method, given the columns named in
  ``row_methods[name]``;
- a nested object (an expanded relation, a one-to-one such as personal data): its
  serializer's plan over the joined columns, ``None`` when the joined row is missing;
- a nested list (identifiers, other names): one query for the page, grouped by
  parent id, in the order of the viewset's ``Prefetch`` queryset.

A serializer with any other field compiles to ``None`` and the list takes the
ordinary path. The query count is the ordinary path's: the page (with its joins),
one query per nested list, and the count of limit/offset pages.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

#: DRF fields whose representation of a non-null value read from the database is the value.
IDENTITY_FIELDS = (
    drf_fields.IntegerField,
    drf_fields.CharField,
    drf_fields.EmailField,
    drf_fields.SlugField,
    drf_fields.URLField,
    drf_fields.BooleanField,
    drf_fields.ChoiceField,
)

_PLACEHOLDER = 987654321987654321


class Unsupported(Exception):
    """A field the fast path does not know how to read from a row."""


class _Columns:
    """The ``values()`` columns of a page, each asked for once (rows are dicts by path)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def index(self, path: str) -> str:
        if path not in self.names:
            self.names.append(path)
        return path


class _Nested:
    """A nested list of a page: one grouped query, filled into each parent's dict."""

    def __init__(self, name: str, queryset: QuerySet, fk: str, plan: Plan, pk_index: int):
        self.name, self.queryset, self.fk, self.plan, self.pk_index = (
            name,
            queryset,
            fk,
            plan,
            pk_index,
        )

    def groups(self, parent_ids: list) -> dict[Any, list]:
        plan = self.plan
        fk = self.fk
        rows = self.queryset.filter(**{f"{fk}__in": parent_ids}).values(fk, *plan.columns.names)
        out: dict[Any, list] = {}
        build = plan.build
        for row in rows:
            out.setdefault(row[fk], []).append(build(row))
        return out


class Plan:
    """How to build one serializer's representation from a row of columns."""

    def __init__(self, columns: _Columns, getters: list[tuple[str, Callable]], nested: list):
        self.columns = columns
        self.nested: list[_Nested] = nested
        names = tuple(name for name, _get in getters)
        gets = tuple(get for _name, get in getters)
        self.build: Callable[[dict], dict] = lambda row: dict(
            zip(names, [get(row) for get in gets], strict=True)
        )

    def rows(self, rows: list[dict]) -> list[dict]:
        build = self.build
        data = [build(row) for row in rows]
        for nested in self.nested:
            idx = nested.pk_index
            groups = nested.groups([row[idx] for row in rows]) if rows else {}
            name = nested.name
            for row, item in zip(rows, data, strict=True):
                item[name] = groups.get(row[idx], [])
        return data


def compile_plan(serializer: serializers.Serializer, queryset: QuerySet) -> Plan | None:
    """The plan of a (configured) serializer instance, or None when a field is unsupported.

    ``queryset`` is the viewset's: its ``Prefetch`` querysets order the nested lists.
    """
    try:
        columns = _Columns()
        nested: list[_Nested] = []
        getters = _compile(serializer, "", columns, nested, queryset)
        columns.index(_pk_column(serializer.Meta.model, ""))  # cursor pages read the id
        return Plan(columns, getters, nested)
    except Unsupported:
        return None


def _compile(serializer, prefix, columns, nested, queryset) -> list[tuple[str, Callable]]:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        raise Unsupported(serializer)
    getters = []
    for field in serializer._readable_fields:
        getters.append(
            (field.field_name, _getter(serializer, model, field, prefix, columns, nested, queryset))
        )
    return getters


def _model_field(model, attrs: list[str]):
    if len(attrs) != 1:
        raise Unsupported(attrs)
    try:
        return model._meta.get_field(attrs[0])
    except Exception as exc:  # FieldDoesNotExist: a property, an annotation
        raise Unsupported(attrs) from exc


def _null_or(index: str, convert: Callable) -> Callable:
    def get(row):
        value = row[index]
        return None if value is None else convert(value)

    return get


def _datetime_converter(field) -> Callable:
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != drf_fields.ISO_8601:
        return field.to_representation
    tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if tz is None:
        return field.to_representation

    def convert(value):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            return field.to_representation(value)
        text = value.astimezone(tz).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _date_converter(field) -> Callable:
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if output_format is None or output_format.lower() != drf_fields.ISO_8601:
        return field.to_representation
    return lambda value: (
        field.to_representation(value) if isinstance(value, dt.datetime) else value.isoformat()
    )


def _getter(serializer, model, field, prefix, columns, nested, queryset) -> Callable:
    if isinstance(field, serializers.ListSerializer):
        return _nested_list(serializer, model, field, prefix, columns, nested, queryset)
    if isinstance(field, serializers.BaseSerializer):
        return _nested_object(model, field, prefix, columns, nested, queryset)
    if isinstance(field, relations.HyperlinkedIdentityField):
        return _url(model, field, prefix, columns)
    if isinstance(field, serializers.SerializerMethodField):
        return _method(serializer, field, prefix, columns)
    if field.source == "*":
        if type(field) is drf_fields.CharField:
            return _display(serializer, prefix, columns)
        raise Unsupported(field)
    model_field = _model_field(model, field.source_attrs)
    if type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
        if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
            raise Unsupported(field)
        return itemgetter(columns.index(prefix + model_field.attname))
    if model_field.is_relation or not model_field.concrete:
        raise Unsupported(field)
    index = columns.index(prefix + model_field.attname)
    kind = type(field)
    if kind in IDENTITY_FIELDS:
        return itemgetter(index)
    if kind is drf_fields.JSONField and not field.binary:
        return itemgetter(index)
    if kind is drf_fields.DateTimeField:
        return _null_or(index, _datetime_converter(field))
    if kind is drf_fields.DateField:
        return _null_or(index, _date_converter(field))
    if isinstance(field, drf_fields.Field) and not isinstance(field, relations.RelatedField):
        return _null_or(index, field.to_representation)
    raise Unsupported(field)


def _pk_column(model, prefix: str) -> str:
    return prefix + model._meta.pk.attname


def _url(model, field, prefix, columns) -> Callable:
    if field.lookup_field != "pk":
        raise Unsupported(field)

    class Placeholder:
        pk = _PLACEHOLDER

    url = field.to_representation(Placeholder())
    text = str(_PLACEHOLDER)
    if url is None or str(url).count(text) != 1:
        raise Unsupported(field)
    head, tail = str(url).split(text)
    index = columns.index(_pk_column(model, prefix))

    def get(row):
        return f"{head}{row[index]}{tail}"

    return get


def _display(serializer, prefix, columns) -> Callable:
    template = getattr(serializer, "display_template", None)
    if not template:
        raise Unsupported("display")
    pieces = []
    indexes = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if not name or spec or conversion:
            raise Unsupported(template)
        indexes.append(columns.index(prefix + name))
        pieces.append("{}")
    positional = "".join(pieces)
    if len(indexes) == 1:
        (index,) = indexes
        return lambda row: positional.format(row[index])
    return lambda row: positional.format(*[row[i] for i in indexes])


def _method(serializer, field, prefix, columns) -> Callable:
    wanted = getattr(serializer, "row_methods", {}).get(field.field_name)
    method = getattr(serializer, f"row_{field.field_name}", None)
    if wanted is None or method is None:
        raise Unsupported(field)
    indexes = [columns.index(prefix + name) for name in wanted]
    return lambda row: method(*[row[i] for i in indexes])


def _nested_object(model, field, prefix, columns, nested, queryset) -> Callable:
    model_field = _model_field(model, field.source_attrs)
    forward = model_field.concrete and (model_field.many_to_one or model_field.one_to_one)
    reverse_one = (not model_field.concrete) and model_field.one_to_one
    if not (forward or reverse_one):
        raise Unsupported(field)
    related = model_field.related_model
    inner_prefix = f"{prefix}{field.source_attrs[0]}__"
    inner: list[_Nested] = []
    getters = _compile(field, inner_prefix, columns, inner, queryset)
    if inner:
        raise Unsupported(field)  # a nested list inside a nested object
    exists = columns.index(inner_prefix + related._meta.pk.attname)
    names = tuple(name for name, _get in getters)
    gets = tuple(get for _name, get in getters)

    def get(row):
        if row[exists] is None:
            return None
        return dict(zip(names, [g(row) for g in gets], strict=True))

    return get


def _nested_list(serializer, model, field, prefix, columns, nested, queryset) -> Callable:
    if prefix:
        raise Unsupported(field)
    model_field = _model_field(model, field.source_attrs)
    if not (model_field.one_to_many and not model_field.concrete):
        raise Unsupported(field)
    child = field.child
    related = model_field.related_model
    if getattr(getattr(child, "Meta", None), "model", None) is not related:
        raise Unsupported(field)
    source = field.source_attrs[0]
    child_qs = _prefetch_queryset(queryset, source)
    if child_qs is None:
        child_qs = related._default_manager.all()
    child_columns = _Columns()
    inner: list[_Nested] = []
    getters = _compile(child, "", child_columns, inner, queryset)
    if inner:
        raise Unsupported(field)
    plan = Plan(child_columns, getters, [])
    fk = model_field.field.attname
    nested.append(
        _Nested(field.field_name, child_qs, fk, plan, columns.index(_pk_column(model, "")))
    )
    return lambda row: None  # filled in by Plan.rows, in its place


def _prefetch_queryset(queryset: QuerySet, source: str) -> QuerySet | None:
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, Prefetch):
            if lookup.prefetch_to == source and lookup.queryset is not None:
                return lookup.queryset
        elif lookup == source:
            return None
    return None


def page_rows(queryset: QuerySet, plan: Plan) -> QuerySet:
    """The rows (dicts by column path) the plan reads, for the paginator to slice."""
    return queryset.prefetch_related(None).values(*plan.columns.names)
