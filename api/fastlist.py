"""List pages built from ``.values()`` rows instead of model instances and DRF fields.

The DRF serializer stays the source of truth: its fields, once ``?fields=``,
``?brief=`` and ``?expand=`` and the caller's scopes have shaped them, are
compiled into a plan, a generated ``build(row, page)`` that reads each field from
a row of columns:

- plain model fields: the column itself when DRF's representation is the value
  (strings, integers, booleans, choices), JSON parsed by orjson from the column's
  text, dates and datetimes as DRF writes them (on PostgreSQL, datetimes read as
  UTC text; with the JSON renderer, dates left to orjson), any other scalar through
  the DRF field's own ``to_representation``;
- related ids (``PrimaryKeyRelatedField``): the foreign key's column;
- the API URL (``ApiUrlField``): one URL built by the field, the row's id put in it;
- ``display``: the serializer's ``display_template`` (the model's ``__str__`` as a
  ``str.format`` template over column paths, e.g. ``"{actor__name} in {body__name}"``);
- method fields: the serializer's ``row_<name>(page, *values)`` method, given the
  columns named in ``row_methods[name]`` (``page``: a dict for what it computes once
  per page);
- a nested object (an expanded relation, a one-to-one such as personal data): its
  serializer's plan over the joined columns, ``None`` when the joined row is missing;
- a nested list (identifiers, other names), in the order of the viewset's
  ``Prefetch`` queryset: on PostgreSQL a ``jsonb_agg`` column of the page, else one
  query for the page, grouped by parent id.

A serializer with any other field compiles to ``None`` and the list takes DRF's
path. ``tests/api/test_list_fast_path.py`` checks that both give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from collections.abc import Callable
from typing import Any

import orjson
from django.db import connections
from django.db.models import F, Func, OuterRef, Prefetch, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, JSONObject
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.settings import api_settings

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


#: A number orjson would read as a float where the json module reads an int.
_LONG_NUMBER = re.compile(r"\d{16}")


def _json_loads(text: str | None) -> Any:
    """What Django's JSONField reads from the text, with orjson where it reads the same."""
    if text is None:
        return None
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:  # e.g. 1e400, which the json module reads as inf
            pass
    return json.loads(text)


class _UtcText(Func):
    """PostgreSQL: a timestamptz as UTC text with microseconds, whatever the DateStyle."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    output_field = TextField()


def _utc_text(text: str | None) -> str | None:
    """DRF's UTC datetime from ``_UtcText``: no fraction when it is zero, then "Z"."""
    if text is None:
        return None
    return (text[:-7] if text.endswith(".000000") else text) + "Z"


class Unsupported(Exception):
    """A field the fast path does not know how to read from a row."""


class _Columns:
    """The ``values()`` columns of a page, each asked for once (rows are dicts by path)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        #: Columns whose representation needs the database's own type (a datetime, a
        #: decimal...), not what PostgreSQL writes in JSON.
        self.typed: set[str] = set()
        #: Columns read through an expression: name -> expression.
        self.expressions: dict[str, Any] = {}

    def json_text(self, path: str) -> str:
        """A JSON column read as its text (parsed by orjson rather than the json module)."""
        return self._expression(path, "json", Cast(F(path), output_field=TextField()))

    def utc_text(self, path: str) -> str:
        """A PostgreSQL timestamptz read as UTC text, ``YYYY-MM-DDTHH:MM:SS.ffffff``."""
        return self._expression(path, "utc", _UtcText(F(path)))

    def _expression(self, path: str, kind: str, expression) -> str:
        name = f"fastlist_{kind}_{path}"
        self.expressions.setdefault(name, expression)
        return name

    def index(self, path: str, *, typed: bool = False) -> str:
        if path not in self.names:
            self.names.append(path)
        if typed:
            self.typed.add(path)
        return path


class _Nested:
    """A nested list of a page, filled into each parent's dict.

    On PostgreSQL, when its columns read the same from JSON, it comes with the page
    (a ``jsonb_agg(json_build_object(...) ORDER BY ...)`` subquery column): no query
    of its own. Otherwise one query for the page, grouped by parent id.
    """

    def __init__(self, name: str, queryset: QuerySet, fk: str, plan: Plan, parent, pk: str):
        self.name, self.queryset, self.fk, self.plan, self.pk = name, queryset, fk, plan, pk
        self.parent = parent
        self.column = f"_nested_{name}"
        self._array: Subquery | RawSQL | None = None  # built once, for every page

    def array(self, connection) -> Subquery | RawSQL | None:
        """The page's column of this list as JSON text, on PostgreSQL (else None)."""
        if connection.vendor != "postgresql" or self.plan.columns.typed:
            return None
        if self._array is None:
            subquery = self._subquery()
            if subquery is None:
                return None
            self._array = self._compiled(subquery, connection) or subquery
        return self._array

    def _subquery(self) -> Subquery | None:
        from django.contrib.postgres.aggregates import JSONBAgg

        query = self.queryset.query
        if query.extra_order_by or not query.standard_ordering:
            return None
        ordering = query.order_by or (
            self.queryset.model._meta.ordering if query.default_ordering else ()
        )
        columns = self.plan.columns.names
        rows = (
            self.queryset.filter(**{self.fk: OuterRef(self.pk)})
            .order_by()
            .values(self.fk)
            .annotate(
                _rows=JSONBAgg(JSONObject(**{name: name for name in columns}), order_by=ordering)
            )
            .values("_rows")
        )
        # Text, parsed by orjson (Django would parse it with the json module).
        return Subquery(rows, output_field=TextField())

    def _compiled(self, subquery: Subquery, connection) -> RawSQL | None:
        """The subquery's SQL, compiled once rather than on every page.

        Its reference to the parent row names the parent's table, which is the
        page query's base table (Django aliases only later joins of a table).
        """
        outer = self.parent._default_manager.order_by().annotate(_nested=subquery)
        sql, params = outer.values("_nested").query.get_compiler(connection=connection).as_sql()
        quote = connection.ops.quote_name
        head = "SELECT "
        tail = f" AS {quote('_nested')} FROM {quote(self.parent._meta.db_table)}"
        if not (sql.startswith(head) and sql.endswith(tail)):
            return None
        return RawSQL(sql[len(head) : -len(tail)], params, output_field=TextField())

    def groups(self, parent_ids: list, page: dict) -> dict[Any, list]:
        plan = self.plan
        fk = self.fk
        rows = self.queryset.filter(**{f"{fk}__in": parent_ids}).values(fk, *plan.columns.names)
        out: dict[Any, list] = {}
        build = plan.build
        for row in rows:
            out.setdefault(row[fk], []).append(build(row, page))
        return out


class _Code:
    """The objects a generated ``build(row, page)`` refers to, by the names it uses."""

    def __init__(
        self, *, native_datetimes: bool = False, json_as_text: bool = True, postgresql=False
    ) -> None:
        self.env: dict[str, Any] = {}
        #: Read timestamps as UTC text (top level, on PostgreSQL).
        self.postgresql = postgresql
        #: Leave dates and UTC datetimes as they are (``compile_plan``).
        self.native_datetimes = native_datetimes
        #: Read JSON columns as text and parse them with orjson (not in nested lists,
        #: whose rows come as JSON already).
        self.json_as_text = json_as_text

    def ref(self, obj: Any) -> str:
        name = f"_o{len(self.env)}"
        self.env[name] = obj
        return name


def _dict_source(entries: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{name!r}: {expr}" for name, expr in entries) + "}"


class Plan:
    """How to build one serializer's representation from a row of columns.

    ``build(row, page)`` is generated Python: one dict display reading the row's columns
    (what a loop over field objects would do, without a call per field).
    """

    def __init__(self, columns: _Columns, entries: list[tuple[str, str]], nested: list, code):
        self.columns = columns
        self.nested: list[_Nested] = nested
        self.source = f"def build(row, page):\n    return {_dict_source(entries)}\n"
        namespace = dict(code.env)
        exec(compile(self.source, "<api.fastlist plan>", "exec"), namespace)  # noqa: S102
        self.build: Callable[[dict], dict] = namespace["build"]

    def values(self, queryset: QuerySet) -> QuerySet:
        """The rows (dicts by column path) the plan reads from ``queryset``."""
        columns = self.columns
        return queryset.prefetch_related(None).values(*columns.names, **columns.expressions)

    def annotate(self, rows: QuerySet) -> QuerySet:
        """``rows`` with the nested lists' columns, where the database can write them."""
        connection = connections[rows.db]
        arrays = {}
        for nested in self.nested:
            array = nested.array(connection)
            if array is not None:
                arrays[nested.column] = array
        return rows.annotate(**arrays) if arrays else rows

    def rows(self, rows: list[dict]) -> list[dict]:
        build = self.build
        page: dict[str, Any] = {}  # what method fields compute once per page
        data = [build(row, page) for row in rows]
        for nested in self.nested:
            name, pk, column = nested.name, nested.pk, nested.column
            if rows and column in rows[0]:
                child = nested.plan.build
                for row, item in zip(rows, data, strict=True):
                    text = row[column]
                    item[name] = (
                        [child(value, page) for value in orjson.loads(text)] if text else []
                    )
                continue
            groups = nested.groups([row[pk] for row in rows], page) if rows else {}
            for row, item in zip(rows, data, strict=True):
                item[name] = groups.get(row[pk], [])
        return data


def compile_plan(
    serializer: serializers.Serializer, queryset: QuerySet, *, native_datetimes: bool = False
) -> Plan | None:
    """The plan of a (configured) serializer instance, or None when a field is unsupported.

    ``queryset`` is the viewset's: its ``Prefetch`` querysets order the nested lists.
    ``native_datetimes``: leave dates and UTC datetimes as they are, for a renderer
    that writes them as DRF's fields do (orjson with ``OPT_UTC_Z``).
    """
    try:
        columns = _Columns()
        nested: list[_Nested] = []
        postgresql = connections[queryset.db].vendor == "postgresql"
        code = _Code(native_datetimes=native_datetimes, postgresql=postgresql)
        entries = _compile(serializer, "", columns, nested, queryset, code)
        columns.index(_pk_column(serializer.Meta.model, ""))  # cursor pages read the id
        return Plan(columns, entries, nested, code)
    except Unsupported:
        return None


def _compile(serializer, prefix, columns, nested, queryset, code) -> list[tuple[str, str]]:
    """(field name, Python expression of its value from ``row``) of each readable field."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None:
        raise Unsupported(serializer)
    context = (model, prefix, columns, nested, queryset, code)
    return [
        (field.field_name, _expression(serializer, field, *context))
        for field in serializer._readable_fields
    ]


def _model_field(model, attrs: list[str]):
    if len(attrs) != 1:
        raise Unsupported(attrs)
    try:
        return model._meta.get_field(attrs[0])
    except Exception as exc:  # FieldDoesNotExist: a property, an annotation
        raise Unsupported(attrs) from exc


def _column(path: str) -> str:
    return f"row[{path!r}]"


def _null_or(path: str, convert: Callable | None, code: _Code) -> str:
    if convert is None:
        return _column(path)
    return f"(None if (_v := row[{path!r}]) is None else {code.ref(convert)}(_v))"


def _datetime_converter(field, code: _Code) -> Callable | None:
    """How DRF writes the field's datetimes; None: as they are, for the native renderer."""
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


def _date_converter(field, code: _Code) -> Callable | None:
    """How DRF writes the field's dates; None: as they are, for the native renderer."""
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


def _expression(serializer, field, model, prefix, columns, nested, queryset, code) -> str:
    if isinstance(field, serializers.ListSerializer):
        return _nested_list(model, field, prefix, columns, nested, queryset, code)
    if isinstance(field, serializers.BaseSerializer):
        return _nested_object(model, field, prefix, columns, queryset, code)
    if isinstance(field, relations.HyperlinkedIdentityField):
        return _url(model, field, prefix, columns, code)
    if isinstance(field, serializers.SerializerMethodField):
        return _method(serializer, field, prefix, columns, code)
    if field.source == "*":
        if _kind(field) is drf_fields.CharField:
            return _display(serializer, prefix, columns, code)
        raise Unsupported(field)
    model_field = _model_field(model, field.source_attrs)
    if _kind(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
        if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
            raise Unsupported(field)
        return _column(columns.index(prefix + model_field.attname))
    if model_field.is_relation or not model_field.concrete:
        raise Unsupported(field)
    path = prefix + model_field.attname
    kind = _kind(field)
    stored = model_field.get_internal_type()
    if stored in IDENTITY_FIELDS.get(kind, ()) or _plain_bigint(field, stored):
        return _column(columns.index(path))
    if kind is drf_fields.JSONField and stored == "JSONField" and not field.binary:
        if code.json_as_text and model_field.decoder is None:
            return f"{code.ref(_json_loads)}({_column(columns.json_text(path))})"
        return _column(columns.index(path))
    if kind is drf_fields.DateField and stored == "DateField":
        return _null_or(columns.index(path), _date_converter(field, code), code)
    if kind is drf_fields.DateTimeField:
        convert = _datetime_converter(field, code)
        if code.postgresql and (convert is None or getattr(convert, "utc", False)):
            # UTC text from the database: no datetime to parse, then to write.
            return f"{code.ref(_utc_text)}({_column(columns.utc_text(path))})"
        return _null_or(columns.index(path, typed=True), convert, code)
    if isinstance(field, drf_fields.Field) and not isinstance(field, relations.RelatedField):
        return _null_or(columns.index(path, typed=True), field.to_representation, code)
    raise Unsupported(field)


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
        raise Unsupported(field)

    class Placeholder:
        pk = _PLACEHOLDER

    url = field.to_representation(Placeholder())
    text = str(_PLACEHOLDER)
    if url is None or str(url).count(text) != 1:
        raise Unsupported(field)
    head, tail = str(url).split(text)
    pk = columns.index(_pk_column(model, prefix))
    return f"{code.ref(head)} + str(row[{pk!r}]) + {code.ref(tail)}"


def _display(serializer, prefix, columns, code) -> str:
    template = getattr(serializer, "display_template", None)
    if not template:
        raise Unsupported("display")
    pieces = []
    paths = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if not name or spec or conversion:
            raise Unsupported(template)
        paths.append(columns.index(prefix + name, typed=True))
        pieces.append("{}")
    fmt = code.ref("".join(pieces))
    return f"{fmt}.format({', '.join(map(_column, paths))})"


def _method(serializer, field, prefix, columns, code) -> str:
    wanted = getattr(serializer, "row_methods", {}).get(field.field_name)
    method = getattr(serializer, f"row_{field.field_name}", None)
    if wanted is None or method is None:
        raise Unsupported(field)
    paths = [columns.index(prefix + name, typed=True) for name in wanted]
    return f"{code.ref(method)}(page, {', '.join(map(_column, paths))})"


def _nested_object(model, field, prefix, columns, queryset, code) -> str:
    model_field = _model_field(model, field.source_attrs)
    forward = model_field.concrete and (model_field.many_to_one or model_field.one_to_one)
    reverse_one = (not model_field.concrete) and model_field.one_to_one
    if not (forward or reverse_one):
        raise Unsupported(field)
    related = model_field.related_model
    inner_prefix = f"{prefix}{field.source_attrs[0]}__"
    inner: list[_Nested] = []
    entries = _compile(field, inner_prefix, columns, inner, queryset, code)
    if inner:
        raise Unsupported(field)  # a nested list inside a nested object
    exists = columns.index(inner_prefix + related._meta.pk.attname)
    return f"(None if row[{exists!r}] is None else {_dict_source(entries)})"


def _nested_list(model, field, prefix, columns, nested, queryset, code) -> str:
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
    child_code = _Code(native_datetimes=code.native_datetimes, json_as_text=False)
    entries = _compile(child, "", child_columns, inner, queryset, child_code)
    if inner:
        raise Unsupported(field)
    plan = Plan(child_columns, entries, [], child_code)
    pk = columns.index(_pk_column(model, ""))
    fk = model_field.field.attname
    nested.append(_Nested(field.field_name, child_qs, fk, plan, model, pk))
    return "None"  # filled in by Plan.rows, in its place


def _prefetch_queryset(queryset: QuerySet, source: str) -> QuerySet | None:
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, Prefetch):
            if lookup.prefetch_to == source and lookup.queryset is not None:
                return lookup.queryset
        elif lookup == source:
            return None
    return None
