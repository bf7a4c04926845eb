"""The columns a plan reads from a page's ``.values()`` rows, and how some are written.

Plain data only (column paths and Django expressions): plans live in a per-process
cache (``api.fastlist.cache``) and must not keep querysets, model instances or a
request alive.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from django.db.models import F, Func, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

#: A number orjson would read as a float where the json module reads an int.
_LONG_NUMBER = re.compile(r"\d{16}")


def json_loads(text: str | None) -> Any:
    """What Django's JSONField reads from the text, with orjson where it reads the same."""
    if text is None:
        return None
    if _LONG_NUMBER.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:  # e.g. 1e400, which the json module reads as inf
            pass
    return json.loads(text)


class UtcText(Func):
    """PostgreSQL: a timestamptz as UTC text with microseconds, whatever the DateStyle."""

    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    output_field = TextField()


def utc_text(text: str | None) -> str | None:
    """DRF's UTC datetime from ``UtcText``: no fraction when it is zero, then "Z"."""
    if text is None:
        return None
    return (text[:-7] if text.endswith(".000000") else text) + "Z"


class Unsupported(Exception):
    """A field the fast path does not know how to read from a row."""


class Columns:
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
        return self._expression(path, "utc", UtcText(F(path)))

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


def precompiled(model, expression, connection, output_field=None) -> RawSQL | None:
    """``expression`` (annotating rows of ``model``) as SQL text compiled once, or None.

    Building and compiling an expression costs the ORM a fraction of a millisecond per
    query (copies, identities, subqueries' orderings); a page reads the same one on
    every request. Its references to the row name ``model``'s table, which is the page
    query's base table (Django aliases only later joins of a table).
    """
    outer = model._default_manager.order_by().annotate(_expression=expression)
    sql, params = outer.values("_expression").query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    head = "SELECT "
    tail = f" AS {quote('_expression')} FROM {quote(model._meta.db_table)}"
    if not (sql.startswith(head) and sql.endswith(tail)):
        return None
    return RawSQL(sql[len(head) : -len(tail)], params, output_field=output_field or TextField())
