"""Run an analysis once, keep its answer for as long as its data is unchanged.

Every analysis answer is cached under a key made of what was asked (the kind,
territory, date, parameters and format) and stored with the **data version**
it was computed from (``graph.loaders.data_version``: the last committed change
filed under the territory, or touching a member from elsewhere). A request
reads the entry, asks the database for the current version (one indexed
query) and serves the entry only when both agree: a write to the territory's
data gives a fresh result, never a stale one; a write elsewhere leaves it. What
an answer read beyond its territory (members who live elsewhere, a body's network
territory above the one asked for) comes back from its computer as ``Reads`` and
is part of that version.

Analyses larger than ``SYNC_MAX_NODES`` are not computed in the request: they
are queued as a django-tasks task (``compute_task``), run by ``manage.py
db_worker``, and the caller polls ``/api/analysis/jobs/{id}/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core.cache import cache

from graph import loaders
from graph.kernels import brandes
from registry.params import parse_date

#: Bumped when the shape of a cached answer changes, so old entries are ignored
#: or what it holds is computed otherwise (5: strengths, recruitment contact; the SVG
#: names every community and writes counts per language; big communities are laid out
#: on a spiral; 6: the metrics on igraph, communities by Louvain then Leiden).
CACHE_SCHEMA = 6


@dataclass(frozen=True)
class Answer:
    """A rendered analysis answer."""

    payload: bytes
    content_type: str
    version: str
    cached: bool


@dataclass(frozen=True)
class Request:
    """What was asked: enough to compute it again in a worker."""

    kind: str
    territory_id: int
    as_of: dt.date
    params: tuple[tuple[str, object], ...]
    fmt: str
    #: The reader's reach (``api.scoping.Reach.territory_id``): None for an unscoped key.
    #: Part of the cache key: a scoped key's answer holds less than an unscoped one's,
    #: and neither may be served to the other.
    reach: int | None = None

    def key(self) -> str:
        raw = orjson.dumps(
            [
                CACHE_SCHEMA,
                self.kind,
                self.territory_id,
                self.as_of.isoformat(),
                self.params,
                self.fmt,
                self.reach,
            ],
            default=str,
        )
        return "analysis:" + hashlib.sha256(raw).hexdigest()

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "territory_id": self.territory_id,
            "as_of": self.as_of.isoformat(),
            "params": [list(p) for p in self.params],
            "fmt": self.fmt,
            "reach": self.reach,
        }

    @classmethod
    def from_json(cls, data: dict) -> Request:
        return cls(
            kind=data["kind"],
            territory_id=int(data["territory_id"]),
            as_of=parse_date(data["as_of"]),
            params=tuple((k, _freeze(v)) for k, v in data["params"]),
            fmt=data["fmt"],
            reach=None if data.get("reach") is None else int(data["reach"]),
        )


def _freeze(value):
    return tuple(value) if isinstance(value, list) else value


def config(name: str):
    return settings.REGISTRY_ANALYSIS[name]


@dataclass(frozen=True)
class Reads:
    """What an answer read beyond its territory, so that a change there refreshes it too."""

    #: Members who live elsewhere (``graph.loaders.registry_graph``'s outside actors).
    outside_actor_ids: frozenset[int] = frozenset()
    #: Other territories whose data it read (a body's network territory above the one
    #: analysed, ``graph.loaders.network_territories``).
    territory_ids: frozenset[int] = frozenset()

    @classmethod
    def of(cls, value: Reads | frozenset[int]) -> Reads:
        """A computer's third value: ``Reads``, or the outside actor ids alone."""
        return value if isinstance(value, Reads) else cls(outside_actor_ids=frozenset(value))

    def version(self, territory_id: int) -> str:
        return loaders.data_version(
            territory_id=territory_id,
            outside_actor_ids=self.outside_actor_ids,
            also_territory_ids=self.territory_ids,
        )


#: kind -> function(request) -> (payload bytes, content type, what it read: ``Reads``, or
#: the outside actor ids alone). Filled by api.analysis.kinds; a worker finds the same
#: functions by name.
COMPUTERS: dict[str, Callable[[Request], tuple[bytes, str, Reads | frozenset[int]]]] = {}


def register(kind: str):
    def decorator(function):
        COMPUTERS[kind] = function
        return function

    return decorator


def lookup(request: Request) -> Answer | None:
    """The cached answer if it was computed from the data as it is now, else None."""
    entry = cache.get(request.key())
    if not entry:
        return None
    reads = Reads(entry["outside"], entry.get("territories", frozenset()))
    if reads.version(request.territory_id) != entry["version"]:
        return None
    return Answer(entry["payload"], entry["content_type"], entry["version"], cached=True)


def compute(request: Request) -> Answer:
    """Compute now (in this process), store and return the answer."""
    with loaders.snapshot():
        # The version is read inside the same snapshot as the data (see snapshot()).
        version = loaders.data_version(territory_id=request.territory_id)
        # The betweenness workers (graph.kernels.brandes): this process's main is guarded.
        with brandes.workers_allowed():
            payload, content_type, read = COMPUTERS[request.kind](request)
        reads = Reads.of(read)
        if reads != Reads():
            version = reads.version(request.territory_id)
    cache.set(
        request.key(),
        {
            "version": version,
            "outside": reads.outside_actor_ids,
            "territories": reads.territory_ids,
            "payload": payload,
            "content_type": content_type,
        },
        timeout=config("CACHE_TTL"),
    )
    return Answer(payload, content_type, version, cached=False)
