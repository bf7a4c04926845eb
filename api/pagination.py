"""Limit/offset pages for people, cursor pages for sync; both with a hard maximum size."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.pagination import BasePagination, CursorPagination, LimitOffsetPagination

from api import page_sql
from api.fastlist.columns import precompiled
from api.page_sql import LIMIT_MARK, OFFSET_MARK, CursorPage, PageSql, remember
from api.params import QueryIntegerField, check_value
from registry.selectors.versions import ledger_version, ledger_version_expression

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: How long a page count is reused while nothing was written (seconds): the count is
#: keyed by the query and the last change of the ledger, so a write starts a new one.
COUNT_CACHE_SECONDS = 60


#: The ledger's version (its last committed change), read with the rows of a page.
LEDGER = "_ledger_last_change"


def last_change_of(db: str) -> str | None:
    """The ledger's version, in commit order (what ``LEDGER`` reads with a page)."""
    return ledger_version(db)


def count_key(queryset, last_change: str | None = None, rows_key=None) -> str | None:
    """The cache key of a queryset's count: what its rows are and the ledger's version.

    Every write is recorded in the ledger (registry.tracking), so a new committed
    change means a new key. The version is the one the change feed and the analyses
    use (``registry.selectors.versions``): in commit order, so a transaction that
    took its ids early and committed late still moves it (the highest id would not).
    What the rows are: ``rows_key`` when the caller knows it, else the SQL of their
    ids (the order and the columns do not change the count).
    """
    if rows_key is None:
        try:
            rows_key = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return None
    last = last_change if last_change is not None else last_change_of(queryset.db)
    digest = hashlib.sha256(repr((queryset.db, rows_key, last)).encode()).hexdigest()
    return f"registry:page-count:{digest}"


#: The ledger's version expression by database alias, compiled once (SQL text only).
_LEDGER_SQL: dict[str, RawSQL] = {}


def _ledger_version(queryset):
    """``ledger_version_expression`` for ``queryset``'s rows, its SQL compiled once."""
    db = queryset.db
    sql = _LEDGER_SQL.get(db)
    if sql is None:
        expression = ledger_version_expression(db)
        sql = precompiled(queryset.model, expression, connections[db])
        if sql is None:
            return expression
        _LEDGER_SQL[db] = sql
    return sql


class _LimitOffset(LimitOffsetPagination):
    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def __init__(self, count_queryset=None, rows_key=None):
        self.count_queryset = count_queryset
        self.rows_key = rows_key
        #: Set by ``RegistryPagination.paginate_queryset`` (the page's query is then a
        #: function that builds it).
        self.page_sql_key: tuple | None = None

    def paginate_queryset(self, queryset, request, view=None):
        # The page first: a page shorter than the limit tells the count without counting.
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        page = self._page(queryset)
        if (page and len(page) < self.limit) or (not page and self.offset == 0):
            self.count = self.offset + len(page)
        else:
            counted = self.count_queryset if self.count_queryset is not None else queryset
            last = page[0][LEDGER] if page and self.count_queryset is not None else None
            self.count = self.get_count(counted, last_change=last)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return page

    def _page(self, queryset) -> list:
        """The page's rows; ``queryset`` is a function that builds it when
        ``page_sql_key`` is given (a page of known shape needs none)."""
        start, stop = self.offset, self.offset + self.limit
        source = self.count_queryset
        if source is None:
            return list(queryset[start:stop])
        if self.page_sql_key is None:
            return list(_paged(queryset, source, start, stop))
        key = (*self.page_sql_key, source.db)
        try:
            compiled = page_sql.PAGE_SQL[key]
        except KeyError:
            built = _paged(queryset(), source, OFFSET_MARK, OFFSET_MARK + LIMIT_MARK)
            compiled = remember(key, PageSql.of(built) if _pages_by_ids(source) else None)
        if compiled is None:
            return list(_paged(queryset(), source, start, stop))
        return compiled.rows(source.db, start, self.limit)

    def get_count(self, queryset, last_change=None):
        """The count, reused while the ledger records no change (the same SQL, same data)."""
        key = count_key(queryset, last_change, self.rows_key)
        if key is None:
            return super().get_count(queryset)
        count = cache.get(key)
        if count is None:
            count = super().get_count(queryset)
            cache.set(key, count, COUNT_CACHE_SECONDS)
        return count


def _pages_by_ids(source) -> bool:
    """Whether a page's ids are chosen first (``_paged``), then its rows read."""
    return (
        not source.query.distinct
        and connections[source.db].features.allow_sliced_subqueries_with_in
    )


def _paged(queryset, source, start: int, stop: int):
    """Rows (dicts) of ``source``'s page: the ledger's last change comes with them (for
    the count's key); and, unless DISTINCT, the page's ids are chosen first, so that the
    joins run for the page only and not for every row the offset skips."""
    queryset = queryset.annotate(**{LEDGER: _ledger_version(source)})
    if _pages_by_ids(source):
        return queryset.filter(pk__in=source.values("pk")[start:stop])
    return queryset[start:stop]


def _check_whole(params, name: str, *, low: int) -> None:
    """A page parameter that is given must be a whole number from ``low`` (else 400).

    Read as every query integer is (``api.params``): ASCII digits within 64 bits, so
    DRF's own ``int()`` afterwards sees only those (``?offset=٣`` was offset 3, and
    an offset beyond 64 bits a 500 on both databases).
    """
    check_value(QueryIntegerField(min_value=low), name, params.get(name))


class _Cursor(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {"cursor": [gettext("Not a cursor from this list: start again without one.")]}
            ) from None

    def get_ordering(self, request, queryset, view):
        # Always the id, whatever ``?ordering=`` or the view's default order say: a
        # cursor on a non-unique key (a name, a territory level) repeats or skips rows
        # when rows are added during the walk; ids are unique and only grow.
        return (self.ordering,)


class RegistryPagination(BasePagination):
    """Limit/offset by default; ``?pagination=cursor`` (then the ``next`` links) for cursor pages.

    Cursor pages walk the list in id order and stay stable while rows are
    added, which is what a sync needs; limit/offset pages follow ``ordering``
    and carry a ``count``. Pages hold at most 1,000 items (larger limits are
    cut to 1,000).
    """

    def _impl(self, request, count_queryset=None, rows_key=None) -> BasePagination:
        params = request.query_params
        mode = params.get("pagination") or ""
        if mode not in ("", "offset", "cursor"):
            raise exceptions.ValidationError({"pagination": [gettext("Give offset or cursor.")]})
        _check_whole(params, "limit", low=1)
        if "cursor" in params or mode == "cursor":
            return _Cursor()
        _check_whole(params, "offset", low=0)
        return _LimitOffset(count_queryset, rows_key)

    def paginate_queryset(
        self,
        queryset: QuerySet | Callable[[], QuerySet],
        request,
        view=None,
        count_queryset=None,
        rows_key=None,
        page_sql_key: tuple | None = None,
    ):
        """A page of ``queryset``; ``count_queryset``, if given, is what limit/offset counts.

        ``rows_key``, if given, says which rows ``count_queryset`` holds (its count is
        cached by it: see ``count_key``). ``page_sql_key``, if given (with both), names
        the shape of the page's query: plain values that say everything its SQL depends
        on but the offset and limit; its SQL is then compiled once (``PageSql``), and
        ``queryset`` may be a function that builds it, called only when needed.
        """

        def built() -> QuerySet:
            rows = queryset() if callable(queryset) else queryset
            if not rows.ordered:
                raise ImproperlyConfigured(
                    f"{view.__class__.__name__} lists an unordered queryset: pages would be "
                    "unstable. Give the queryset an order_by() or the model a Meta.ordering."
                )
            return rows

        if page_sql_key is None or count_queryset is None:
            page_sql_key, rows = None, built()
        else:
            rows = built
        self.impl = self._impl(request, count_queryset, rows_key)
        if page_sql_key is not None:
            if isinstance(self.impl, _LimitOffset):
                self.impl.page_sql_key = page_sql_key
            elif isinstance(self.impl, _Cursor):
                rows = CursorPage(rows, page_sql_key, count_queryset.db)
            else:  # a subclass's own pages
                rows = rows()
        return self.impl.paginate_queryset(rows, request, view)

    def get_paginated_response(self, data):
        response = self.impl.get_paginated_response(data)
        if isinstance(self.impl, _Cursor):
            response.data = {"count": None, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": "Total number of items (limit/offset pages only).",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "URL of the next page, if any.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "URL of the previous page, if any.",
                },
                "results": {**schema, "description": "The items of this page."},
            },
        }

    def get_schema_operation_parameters(self, view):
        def param(name, description, schema):
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
            }

        return [
            param(
                "limit",
                f"Items per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                {"type": "integer", "minimum": 1},
            ),
            param(
                "offset",
                "Index of the first item (limit/offset pages).",
                {"type": "integer", "minimum": 0},
            ),
            param(
                "pagination",
                "'cursor' starts a cursor walk in id order (stable while data changes).",
                {"type": "string", "enum": ["offset", "cursor"]},
            ),
            param(
                "cursor", "Opaque position returned in 'next' (cursor pages).", {"type": "string"}
            ),
        ]
