"""The per-process plan cache, the switch that turns the fast path off, the fallback's log.

The log line is at INFO, not WARNING: a fallback is by design for some shapes of a
list (``?expand=`` of a relation whose brief form has no ``display_template``, a
territory key's expanded actors from outside its reach) and the answer is the same
bytes, only slower; a WARNING would fire in every healthy process and teach operators
to ignore warnings. The tests guard the shapes that must stay fast; the line is for an
operator who wonders why a list is slow (``LOG_LEVEL=INFO``, the default).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from api.fastlist.columns import Unsupported
from api.fastlist.compiler import compile_plan
from api.fastlist.plan import Plan

logger = logging.getLogger("api.fastlist")

#: Compiled plans by the viewset's ``fast_list_key`` (and whether the renderer is
#: orjson's); None: that shape of the list takes DRF's path. Plain data only.
PLANS: dict[tuple, Plan | None] = {}
#: Beyond this many shapes the cache starts again (each is a few kB).
MAX_PLANS = 256

_logged: set[str] = set()
_lock = threading.Lock()


def enabled() -> bool:
    """Whether lists may be built from rows (``REGISTRY_LIST_FAST_PATH``, default on)."""
    return getattr(settings, "REGISTRY_LIST_FAST_PATH", True)


def plan_for(
    key: tuple,
    make_serializer: Callable[[], Any],
    queryset: QuerySet,
    *,
    native_datetimes: bool,
) -> Plan | None:
    """The cached plan of ``key``, compiled from ``make_serializer()`` the first time.

    None: the serializer has a field the fast path does not read (logged once per
    serializer class). What ``make_serializer`` raises (a 400 for ``?fields=nope``) is
    left to the caller and not cached.
    """
    try:
        return PLANS[key]
    except KeyError:
        pass
    serializer = make_serializer()
    try:
        plan = compile_plan(serializer, queryset, native_datetimes=native_datetimes)
    except Unsupported as exc:
        fell_back(type(serializer), str(exc))
        plan = None
    if len(PLANS) >= MAX_PLANS:
        PLANS.clear()
    PLANS[key] = plan
    return plan


def fell_back(serializer_class: type, reason: str) -> None:
    """Log, once per serializer class and process, that its list takes DRF's path."""
    name = f"{serializer_class.__module__}.{serializer_class.__qualname__}"
    with _lock:
        if name in _logged:
            return
        _logged.add(name)
    logger.info("List of %s built by DRF's serializers (slower), not from rows: %s", name, reason)
