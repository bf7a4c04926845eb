"""The SQL of a whole list's page, compiled once per shape (``PageSql``), and the cursor
pages that read it (``CursorPage``): text, parameters and column names only, never a
queryset."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

#: The SQL of limit/offset pages of whole lists (no filter), by shape (``page_sql_key``
#: and database alias): text, parameters and column names only, no queryset. None: that
#: shape's page is built by the ORM every time (see ``PageSql.of``).
PAGE_SQL: dict[tuple, PageSql | None] = {}
#: Beyond this many shapes the cache starts again (each is a few kB).
MAX_PAGE_SQL = 256
#: The offset, limit and cursor position a page query is compiled with once, then
#: replaced by each page's: numbers no real page has (and no column name or parameter).
OFFSET_MARK, LIMIT_MARK, POSITION_MARK = (
    9_111_111_111_111_119,
    8_222_222_222_222_227,
    7_333_333_333_333_331,
)


class PageSql:
    """The compiled SQL of one shape of page, its offset and limit left to fill in.

    Building and compiling a page's query costs the ORM about a millisecond (a clone per
    step, every selected column resolved and hashed); a whole list's page query differs
    from one page to the next by its offset and limit only, which Django writes into the
    SQL text as numbers. Rows come as ``.values()`` would give them: dicts by column
    name, in the same order, with no converter (a shape whose columns need one is left
    to the ORM).
    """

    PLAIN = (str, int, float, bool, type(None))

    def __init__(self, sql: str, params: tuple, names: tuple[str, ...], position: int | None):
        self.sql, self.params, self.names = sql, params, names
        #: The index in ``params`` of the cursor's position, if the page has one.
        self.position = position

    @classmethod
    def of(cls, queryset, *, positioned: bool = False) -> PageSql | None:
        """The SQL of ``queryset`` (a ``.values()`` page sliced by ``OFFSET_MARK``/``LIMIT_MARK``,
        and, if ``positioned``, filtered by ``POSITION_MARK``)."""
        query = queryset.query
        compiler = query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        params = list(params)
        position = None
        if positioned:
            if [type(p) for p in params if p == POSITION_MARK] != [int]:
                return None
            position = params.index(POSITION_MARK)
            params[position] = 0
        if (
            compiler.get_converters(fields)
            or len(names) != compiler.col_count
            or sql.count(str(OFFSET_MARK)) != 1
            or sql.count(str(LIMIT_MARK)) != 1
            or f"LIMIT {LIMIT_MARK}" not in sql
            or f"OFFSET {OFFSET_MARK}" not in sql
            # Parameters that are plain values (not a date of the day, an object).
            or not all(type(p) in cls.PLAIN for p in params)
            or any(
                str(n) in str(p) for p in params for n in (OFFSET_MARK, LIMIT_MARK, POSITION_MARK)
            )
            or str(POSITION_MARK) in sql
        ):
            return None
        return cls(sql, tuple(params), names, position)

    def rows(self, db: str, offset: int, limit: int, position: int | None = None) -> list[dict]:
        sql = self.sql.replace(str(OFFSET_MARK), str(int(offset))).replace(
            str(LIMIT_MARK), str(int(limit))
        )
        params = self.params
        if self.position is not None:
            params = list(params)
            params[self.position] = int(position)
        names = self.names
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def remember(key: tuple, compiled: PageSql | None) -> PageSql | None:
    """``compiled`` kept for ``key`` (the cache starts again past ``MAX_PAGE_SQL``)."""
    if len(PAGE_SQL) >= MAX_PAGE_SQL:
        PAGE_SQL.clear()
    PAGE_SQL[key] = compiled
    return compiled


#: A cursor's position that a page of known shape reads by its compiled SQL: an id as
#: Django reads it from the cursor's text (ASCII digits, within 64 bits); any other text
#: is left to the ORM, which answers it as it always did.
_ID_TEXT = re.compile(r"[0-9]{1,19}")


class CursorPage:
    """A whole list's page query as DRF's cursor pagination asks for it (``order_by``,
    then ``filter`` by the cursor's position, then a slice), read by its SQL compiled
    once per shape (``PageSql``): the ordering and the filter's lookup are the shape,
    the position, offset and limit are each page's.

    ``build`` makes the ``.values()`` queryset, for the first page of a shape and for
    what the compiled SQL cannot read.
    """

    def __init__(self, build: Callable[[], QuerySet], key: tuple, db: str):
        self.build, self.key, self.db = build, key, db
        self.ordering: tuple = ()
        self.lookups: dict = {}

    def order_by(self, *fields) -> CursorPage:
        self.ordering = fields
        return self

    def filter(self, **lookups) -> CursorPage:
        self.lookups.update(lookups)
        return self

    def _queryset(self, lookups: dict) -> QuerySet:
        return self.build().order_by(*self.ordering).filter(**lookups)

    def __getitem__(self, window: slice) -> list[dict]:
        offset, stop = window.start or 0, window.stop
        (position,) = self.lookups.values() if len(self.lookups) == 1 else (None,)
        readable = stop is not None and (
            not self.lookups or (isinstance(position, str) and _ID_TEXT.fullmatch(position))
        )
        if readable and int(position or 0) >= 2**63:
            readable = False
        if not readable:
            return list(self._queryset(self.lookups)[window])
        key = ("cursor", *self.key, self.db, self.ordering, tuple(self.lookups))
        try:
            compiled = PAGE_SQL[key]
        except KeyError:
            lookups = dict.fromkeys(self.lookups, POSITION_MARK)
            built = self._queryset(lookups)[OFFSET_MARK : OFFSET_MARK + LIMIT_MARK]
            compiled = remember(key, PageSql.of(built, positioned=bool(lookups)))
        if compiled is None:
            return list(self._queryset(self.lookups)[window])
        return compiled.rows(self.db, offset, stop - offset, position)
