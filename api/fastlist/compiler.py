"""Compiling a configured DRF serializer into a plan (``compile_plan``).

Each readable field becomes a Python expression over the row's columns (see the
package's docstring for the kinds of fields); a field of any other kind raises
``Unsupported``, whose message names the field and why, and the list takes DRF's
path. What the generated code refers to is plain: strings, module functions,
static ``row_<name>`` methods, and copies of DRF fields detached from their
serializer (no parent, no validators, no queryset), so that a cached plan keeps no
request, serializer, queryset or model instance alive.
"""

from __future__ import annotations

import datetime as dt
import inspect
import string
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

from api.fastlist.columns import Columns, Unsupported, json_loads, utc_text
from api.fastlist.plan import Code, Nested, Plan, dict_source

_TEXT = frozenset({"CharField", "TextField", "EmailField", "SlugField", "URLField"})
_INTEGER = frozenset(
    {
        "IntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "PositiveBigIntegerField",
        "AutoField",
        "SmallAutoField",
        "BigAutoField",
    }
)
#: DRF field -> the model fields whose non-null value read from the database (or from
#: PostgreSQL's JSON of it) is already DRF's representation of it.
IDENTITY_FIELDS = {
    drf_fields.CharField: _TEXT,
    drf_fields.EmailField: _TEXT,
    drf_fields.SlugField: _TEXT,
    drf_fields.URLField: _TEXT,
    drf_fields.IntegerField: _INTEGER,
    drf_fields.BooleanField: frozenset({"BooleanField"}),
    drf_fields.ChoiceField: _TEXT | _INTEGER,
}

_PLACEHOLDER = 987654321987654321


def compile_plan(
    serializer: serializers.Serializer, queryset: QuerySet, *, native_datetimes: bool = False
) -> Plan:
    """The plan of a (configured) serializer instance; ``Unsupported`` names a field it
    cannot read from rows.

    ``queryset`` is the viewset's (its database chooses how columns are read).
    ``native_datetimes``: leave dates and UTC datetimes as they are, for a renderer
    that writes them as DRF's fields do (orjson with ``OPT_UTC_Z``).
    """
    columns = Columns()
    nested: list[Nested] = []
    postgresql = connections[queryset.db].vendor == "postgresql"
    code = Code(native_datetimes=native_datetimes, postgresql=postgresql)
    entries = _compile(serializer, "", columns, nested, code)
    columns.index(_pk_column(serializer.Meta.model, ""))  # cursor pages read the id
    return Plan(columns, entries, nested, code)


def _compile(serializer, prefix, columns, nested, code) -> list[tuple[str, str]]:
    """(field name, Python expression of its value from ``row``) of each readable field."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        raise Unsupported(f"{type(serializer).__name__}: not a model serializer")
    context = (model, prefix, columns, nested, code)
    return [
        (field.field_name, _expression(serializer, field, *context))
        for field in serializer._readable_fields
    ]


def _model_field(model, attrs: list[str]):
    if len(attrs) != 1:
        raise Unsupported(f"source {'.'.join(attrs)!r}: a dotted source")
    try:
        return model._meta.get_field(attrs[0])
    except Exception as exc:  # FieldDoesNotExist: a property, an annotation
        raise Unsupported(f"source {attrs[0]!r}: not a field of {model.__name__}") from exc


def _refused(field, why: str) -> Unsupported:
    """The reason a field is not read from rows, for the log line of the fallback."""
    return Unsupported(f"field {field.field_name!r} ({type(field).__name__}): {why}")


def _detached(field):
    """A copy of a DRF field for its ``to_representation`` alone: no parent serializer
    (hence no request), no validators or queryset (which may hold querysets)."""
    kwargs = {k: v for k, v in field._kwargs.items() if k not in ("validators", "queryset")}
    try:
        return type(field)(*field._args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a field that cannot be built apart
        raise _refused(field, "cannot be copied apart from its serializer") from exc


def _column(path: str) -> str:
    return f"row[{path!r}]"


def _null_or(path: str, convert: Callable | None, code: Code) -> str:
    if convert is None:
        return _column(path)
    return f"(None if (_v := row[{path!r}]) is None else {code.ref(convert)}(_v))"


def _datetime_converter(field, code: Code) -> Callable | None:
    """How DRF writes the field's datetimes; None: as they are, for the native renderer."""
    field = _detached(field)
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != drf_fields.ISO_8601:
        return field.to_representation
    tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if tz is None:
        return field.to_representation

    datetime, zero = dt.datetime, dt.timedelta(0)
    utc = tz.utcoffset(None) == zero and tz.dst(None) in (None, zero)
    if utc and code.native_datetimes:
        # The database's aware UTC datetimes, which orjson writes with OPT_UTC_Z as DRF
        # does (isoformat, "Z" for +00:00).
        return None

    def convert(value):
        # DRF's way (enforce_timezone, isoformat, "Z" for UTC) for aware datetimes; a
        # UTC value needs no conversion to UTC.
        if value.__class__ is datetime:
            offset = value.utcoffset()
            if offset is not None:
                if not (utc and offset == zero):
                    value = value.astimezone(tz)
                text = value.isoformat()
                return text[:-6] + "Z" if text.endswith("+00:00") else text
        return field.to_representation(value)

    convert.utc = utc  # type: ignore[attr-defined]
    return convert


def _date_converter(field, code: Code) -> Callable | None:
    """How DRF writes the field's dates; None: as they are, for the native renderer."""
    field = _detached(field)
    output_format = getattr(field, "format", api_settings.DATE_FORMAT)
    if output_format is None or output_format.lower() != drf_fields.ISO_8601:
        return field.to_representation
    if code.native_datetimes:
        return None  # orjson writes a date as its isoformat(); a string is left as it is
    # A string: a date PostgreSQL wrote in JSON (ISO already), which DRF returns as is.
    return lambda value: (
        value
        if isinstance(value, str)
        else field.to_representation(value)
        if isinstance(value, dt.datetime)
        else value.isoformat()
    )


def _expression(serializer, field, model, prefix, columns, nested, code) -> str:
    if isinstance(field, serializers.ListSerializer):
        return _nested_list(model, field, prefix, columns, nested, code)
    if isinstance(field, serializers.BaseSerializer):
        return _nested_object(model, field, prefix, columns, code)
    if isinstance(field, relations.HyperlinkedIdentityField):
        return _url(model, field, prefix, columns, code)
    if isinstance(field, serializers.SerializerMethodField):
        return _method(serializer, field, prefix, columns, code)
    if field.source == "*":
        if _kind(field) is drf_fields.CharField:
            return _display(serializer, prefix, columns, code)
        raise _refused(field, "the whole object as source")
    model_field = _model_field(model, field.source_attrs)
    if _kind(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
        if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
            raise _refused(field, "ids of a to-many relation")
        return _column(columns.index(prefix + model_field.attname))
    if model_field.is_relation or not model_field.concrete:
        raise _refused(field, "a relation it does not read")
    path = prefix + model_field.attname
    kind = _kind(field)
    stored = model_field.get_internal_type()
    if stored in IDENTITY_FIELDS.get(kind, ()) or _plain_bigint(field, stored):
        return _column(columns.index(path))
    if kind is drf_fields.JSONField and stored == "JSONField" and not field.binary:
        if code.json_as_text and model_field.decoder is None:
            return f"{code.ref(json_loads)}({_column(columns.json_text(path))})"
        return _column(columns.index(path))
    if kind is drf_fields.DateField and stored == "DateField":
        return _null_or(columns.index(path), _date_converter(field, code), code)
    if kind is drf_fields.DateTimeField:
        convert = _datetime_converter(field, code)
        if code.postgresql and (convert is None or getattr(convert, "utc", False)):
            # UTC text from the database: no datetime to parse, then to write.
            return f"{code.ref(utc_text)}({_column(columns.utc_text(path))})"
        return _null_or(columns.index(path, typed=True), convert, code)
    if isinstance(field, drf_fields.Field) and not isinstance(field, relations.RelatedField):
        convert = _detached(field).to_representation
        return _null_or(columns.index(path, typed=True), convert, code)
    raise _refused(field, "a related field it does not read")


def _kind(field) -> type:
    """The DRF field class whose output ``field`` has: the input layer's strict fields
    (api.inputs) subclass DRF's and only change what they accept."""
    for cls in type(field).__mro__:
        if cls.__module__ in (drf_fields.__name__, relations.__name__):
            return cls
    return type(field)


def _plain_bigint(field, stored: str) -> bool:
    """A ``BigIntegerField`` that DRF writes as a number (not coerced to a string)."""
    kind = getattr(drf_fields, "BigIntegerField", None)
    if kind is None or _kind(field) is not kind or stored not in _INTEGER:
        return False
    return not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)


def _pk_column(model, prefix: str) -> str:
    return prefix + model._meta.pk.attname


def _url(model, field, prefix, columns, code) -> str:
    if field.lookup_field != "pk":
        raise _refused(field, "a URL by another lookup than the id")

    class Placeholder:
        pk = _PLACEHOLDER

    url = field.to_representation(Placeholder())
    text = str(_PLACEHOLDER)
    if url is None or str(url).count(text) != 1:
        raise _refused(field, "a URL without the id in it")
    head, tail = str(url).split(text)
    pk = columns.index(_pk_column(model, prefix))
    return f"{code.ref(head)} + str(row[{pk!r}]) + {code.ref(tail)}"


def _display(serializer, prefix, columns, code) -> str:
    template = getattr(serializer, "display_template", None)
    if not template:
        raise Unsupported(f"'display' needs a {type(serializer).__name__}.display_template")
    pieces = []
    paths = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if not name or spec or conversion:
            raise Unsupported(f"display_template {template!r}: a field with a format")
        paths.append(columns.index(prefix + name, typed=True))
        pieces.append("{}")
    fmt = code.ref("".join(pieces))
    return f"{fmt}.format({', '.join(map(_column, paths))})"


def _method(serializer, field, prefix, columns, code) -> str:
    wanted = getattr(serializer, "row_methods", {}).get(field.field_name)
    name = f"row_{field.field_name}"
    if wanted is None:
        raise _refused(field, f"no row_methods entry for {field.field_name!r}")
    # A static method: the plan outlives the serializer (and its request).
    if not isinstance(inspect.getattr_static(type(serializer), name, None), staticmethod):
        raise _refused(field, f"no static method {name}(page, *values)")
    method = getattr(type(serializer), name)
    paths = [columns.index(prefix + name, typed=True) for name in wanted]
    return f"{code.ref(method)}(page, {', '.join(map(_column, paths))})"


def _nested_object(model, field, prefix, columns, code) -> str:
    model_field = _model_field(model, field.source_attrs)
    forward = model_field.concrete and (model_field.many_to_one or model_field.one_to_one)
    reverse_one = (not model_field.concrete) and model_field.one_to_one
    if not (forward or reverse_one):
        raise _refused(field, "a nested object of a to-many relation")
    related = model_field.related_model
    inner_prefix = f"{prefix}{field.source_attrs[0]}__"
    inner: list[Nested] = []
    try:
        entries = _compile(field, inner_prefix, columns, inner, code)
    except Unsupported as exc:
        raise _refused(field, str(exc)) from exc
    if inner:
        raise _refused(field, "a nested list inside a nested object")
    exists = columns.index(inner_prefix + related._meta.pk.attname)
    return f"(None if row[{exists!r}] is None else {dict_source(entries)})"


def _nested_list(model, field, prefix, columns, nested, code) -> str:
    if prefix:
        raise _refused(field, "a nested list inside a nested object")
    model_field = _model_field(model, field.source_attrs)
    if not (model_field.one_to_many and not model_field.concrete):
        raise _refused(field, "a nested list of another relation than a reverse foreign key")
    child = field.child
    related = model_field.related_model
    if getattr(getattr(child, "Meta", None), "model", None) is not related:
        raise _refused(field, f"a nested list whose serializer is not of {related.__name__}")
    source = field.source_attrs[0]
    child_columns = Columns()
    inner: list[Nested] = []
    child_code = Code(native_datetimes=code.native_datetimes, json_as_text=False)
    try:
        entries = _compile(child, "", child_columns, inner, child_code)
    except Unsupported as exc:
        raise _refused(field, str(exc)) from exc
    if inner:
        raise _refused(field, "a nested list inside a nested list")
    plan = Plan(child_columns, entries, [], child_code)
    pk = columns.index(_pk_column(model, ""))
    fk = model_field.field.attname
    nested.append(Nested(field.field_name, source, related, fk, plan, model, pk))
    return "None"  # filled in by Plan.rows, in its place
