"""A compiled plan: the generated ``build(row, page)`` and the nested lists of a page.

A plan outlives the request that compiled it (``api.fastlist.cache``), so it keeps
plain data only: column paths, the generated function and the plain callables it
refers to, the SQL text of a nested list's column. Querysets are the request's: the
caller hands the viewset's queryset to ``values``, ``annotate`` and ``rows``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.db import connections
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject

from api.fastlist.columns import Columns, precompiled


def prefetch_queryset(queryset: QuerySet, source: str) -> QuerySet | None:
    """The queryset of ``queryset``'s ``Prefetch(source, queryset=...)``, if it has one."""
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, Prefetch):
            if lookup.prefetch_to == source and lookup.queryset is not None:
                return lookup.queryset
        elif lookup == source:
            return None
    return None


class Nested:
    """A nested list of a page, filled into each parent's dict.

    On PostgreSQL, when its columns read the same from JSON, it comes with the page
    (a ``jsonb_agg(json_build_object(...) ORDER BY ...)`` subquery column): no query
    of its own. Otherwise one query for the page, grouped by parent id. Its rows and
    their order are those of the viewset's ``Prefetch(source, queryset=...)`` (else
    the related model's default manager), read from the request's queryset.
    """

    def __init__(self, name: str, source: str, related, fk: str, plan: Plan, parent, pk: str):
        self.name, self.source, self.related, self.fk = name, source, related, fk
        self.plan, self.parent, self.pk = plan, parent, pk
        self.column = f"_nested_{name}"
        #: The column's SQL, compiled on the first page (text and parameters only); False
        #: when it cannot be compiled once, and is then built on every page.
        self._sql: RawSQL | bool | None = None

    def queryset(self, parents: QuerySet) -> QuerySet:
        """The child rows, as the parents' queryset prefetches them."""
        child = prefetch_queryset(parents, self.source)
        return child if child is not None else self.related._default_manager.all()

    def array(self, parents: QuerySet, connection) -> Subquery | RawSQL | None:
        """The page's column of this list as JSON text, on PostgreSQL (else None)."""
        if connection.vendor != "postgresql" or self.plan.columns.typed:
            return None
        if self._sql:
            return self._sql
        subquery = self._subquery(self.queryset(parents))
        if subquery is None:
            return None
        if self._sql is None:
            self._sql = precompiled(self.parent, subquery, connection) or False
        return self._sql or subquery

    def _subquery(self, queryset: QuerySet) -> Subquery | None:
        from django.contrib.postgres.aggregates import JSONBAgg

        query = queryset.query
        if query.extra_order_by or not query.standard_ordering:
            return None
        ordering = query.order_by or (
            queryset.model._meta.ordering if query.default_ordering else ()
        )
        columns = self.plan.columns.names
        rows = (
            queryset.filter(**{self.fk: OuterRef(self.pk)})
            .order_by()
            .values(self.fk)
            .annotate(
                _rows=JSONBAgg(JSONObject(**{name: name for name in columns}), order_by=ordering)
            )
            .values("_rows")
        )
        # Text, parsed by orjson (Django would parse it with the json module).
        return Subquery(rows, output_field=TextField())

    def groups(self, parents: QuerySet, parent_ids: list, page: dict) -> dict[Any, list]:
        plan = self.plan
        fk = self.fk
        rows = (
            self.queryset(parents)
            .filter(**{f"{fk}__in": parent_ids})
            .values(fk, *plan.columns.names)
        )
        out: dict[Any, list] = {}
        build = plan.build
        for row in rows:
            out.setdefault(row[fk], []).append(build(row, page))
        return out


class Code:
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


def dict_source(entries: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{name!r}: {expr}" for name, expr in entries) + "}"


class Plan:
    """How to build one serializer's representation from a row of columns.

    ``build(row, page)`` is generated Python: one dict display reading the row's columns
    (what a loop over field objects would do, without a call per field).
    """

    def __init__(self, columns: Columns, entries: list[tuple[str, str]], nested: list, code):
        self.columns = columns
        self.nested: list[Nested] = nested
        self.source = f"def build(row, page):\n    return {dict_source(entries)}\n"
        namespace = dict(code.env)
        exec(compile(self.source, "<api.fastlist plan>", "exec"), namespace)  # noqa: S102
        self.build: Callable[[dict, dict], dict] = namespace["build"]

    def values(self, queryset: QuerySet) -> QuerySet:
        """The rows (dicts by column path) the plan reads from ``queryset``."""
        columns = self.columns
        return queryset.prefetch_related(None).values(*columns.names, **columns.expressions)

    def annotate(self, rows: QuerySet, parents: QuerySet) -> QuerySet:
        """``rows`` with the nested lists' columns, where the database can write them.

        ``parents``: the viewset's queryset, whose ``Prefetch`` querysets give the
        nested lists' rows and order.
        """
        connection = connections[rows.db]
        arrays = {}
        for nested in self.nested:
            array = nested.array(parents, connection)
            if array is not None:
                arrays[nested.column] = array
        return rows.annotate(**arrays) if arrays else rows

    def rows(self, rows: list[dict], parents: QuerySet) -> list[dict]:
        """The representations of a page's rows (``parents`` as for ``annotate``)."""
        build = self.build
        page: dict[str, Any] = {}  # what method fields compute once per page
        data = [build(row, page) for row in rows]
        for nested in self.nested:
            name, pk, column = nested.name, nested.pk, nested.column
            if rows and column in rows[0]:
                child = nested.plan.build
                loads = orjson.loads
                for row, item in zip(rows, data, strict=True):
                    text = row[column]
                    item[name] = [child(value, page) for value in loads(text)] if text else []
                continue
            groups = nested.groups(parents, [row[pk] for row in rows], page) if rows else {}
            for row, item in zip(rows, data, strict=True):
                item[name] = groups.get(row[pk], [])
        return data
