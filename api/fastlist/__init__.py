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

A serializer with any other field raises ``Unsupported`` and the list takes DRF's
path. ``tests/api/test_list_fast_path.py`` checks that both give the same bytes.

Contained (the way out of generated code):

- ``REGISTRY_LIST_FAST_PATH=false`` (setting and environment variable) turns it off:
  every list answers through the DRF serializers, with the same bytes;
- a list that falls back to DRF's path says so once per serializer class and
  process, naming the field and why, on the ``api.fastlist`` logger (``cache``);
- the per-process plan cache (``cache.PLANS``) holds plans of plain data: column
  paths, generated functions and the plain callables they call; no queryset, model
  instance, serializer or request (the request's queryset is handed to each call).

Modules: ``columns`` (what a page reads), ``plan`` (the built plan and its nested
lists), ``compiler`` (serializer -> plan), ``cache`` (the per-process cache, the
setting and the fallback's log line).
"""

from api.fastlist.cache import PLANS, enabled, plan_for
from api.fastlist.columns import Unsupported, UtcText, utc_text
from api.fastlist.compiler import compile_plan
from api.fastlist.plan import Plan

__all__ = [
    "PLANS",
    "Plan",
    "Unsupported",
    "UtcText",
    "compile_plan",
    "enabled",
    "plan_for",
    "utc_text",
]
