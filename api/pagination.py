"""Limit/offset pages for people, cursor pages for sync; both with a hard maximum size."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from rest_framework.pagination import BasePagination, CursorPagination, LimitOffsetPagination

from registry.models import ChangeRecord

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
#: How long a page count is reused while nothing was written (seconds): the count is
#: keyed by the query and the last change of the ledger, so a write starts a new one.
COUNT_CACHE_SECONDS = 60


def count_key(queryset) -> str | None:
    """The cache key of a queryset's count: its SQL and the ledger's last change."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return None
    last = ChangeRecord.objects.using(queryset.db).order_by("-id").values_list("id", "at").first()
    digest = hashlib.sha256(repr((queryset.db, sql, params, last)).encode()).hexdigest()
    return f"registry:page-count:{digest}"


class _LimitOffset(LimitOffsetPagination):
    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def __init__(self, count_queryset=None):
        self.count_queryset = count_queryset

    def paginate_queryset(self, queryset, request, view=None):
        # The page first: a page shorter than the limit tells the count without counting.
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        page = list(queryset[self.offset : self.offset + self.limit])
        if (page and len(page) < self.limit) or (not page and self.offset == 0):
            self.count = self.offset + len(page)
        else:
            counted = self.count_queryset if self.count_queryset is not None else queryset
            self.count = self.get_count(counted)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return page

    def get_count(self, queryset):
        """The count, reused while the ledger records no change (the same SQL, same data)."""
        key = count_key(queryset)
        if key is None:
            return super().get_count(queryset)
        count = cache.get(key)
        if count is None:
            count = super().get_count(queryset)
            cache.set(key, count, COUNT_CACHE_SECONDS)
        return count


class _Cursor(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"

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

    def _impl(self, request, count_queryset=None) -> BasePagination:
        if "cursor" in request.query_params or request.query_params.get("pagination") == "cursor":
            return _Cursor()
        return _LimitOffset(count_queryset)

    def paginate_queryset(self, queryset, request, view=None, count_queryset=None):
        """A page of ``queryset``; ``count_queryset``, if given, is what limit/offset counts."""
        if not queryset.ordered:
            raise ImproperlyConfigured(
                f"{view.__class__.__name__} lists an unordered queryset: pages would be "
                "unstable. Give the queryset an order_by() or the model a Meta.ordering."
            )
        self.impl = self._impl(request, count_queryset)
        return self.impl.paginate_queryset(queryset, request, view)

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
