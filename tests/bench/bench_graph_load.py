"""Benchmark of loading a territory's graph from PostgreSQL beside reading its rows alone
(on demand).

    .venv/bin/python tests/bench/bench_graph_load.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench100

Not collected by pytest. Reads a database already seeded (``seed_demo --scale
100``), migrated and analysed; writes nothing. Target (issue 16): the loader
within 2x of the baseline.

- **loader**: ``graph.loaders.registry_graph(territory_id=..., as_of=...)``, cold
  (no cache is involved: the loader has none), best of ``--repeat``; split into
  each query (rows fetched and converted: ``QuerySet._fetch_all``, timed inside
  the real call) and the rest, which is building the NetworkX MultiGraph.
- **baseline**: the rows of the same queries (the loader's own querysets, so the
  same filters and columns), fetched with ``.values_list()`` and
  materialised as lists, nothing built; best of ``--repeat``. The loader pauses
  the garbage collector while it works: the baseline is printed with the
  collector running (the target's reference) and paused (the same conditions).

Default territory: the largest of the demo (région Centre-Val de Loire,
``region:24``).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench100"
TARGET_RATIO = 2.0


def baseline(territory_id: int, as_of: dt.date) -> dict[str, list]:
    """The loader's rows, fetched alone: the querysets of ``graph.loaders.network`` (the
    same filters and columns), each materialised as a list, nothing built."""
    from graph.loaders import network
    from graph.loaders.common import bodies_of

    bodies = bodies_of(territory_id, as_of)
    rows: dict[str, list] = {}
    rows["bodies"] = list(network.body_query(bodies))
    rows["memberships"] = list(network.membership_query(bodies, as_of))
    rows["actors"] = list(network.actor_query(territory_id, as_of, None))
    outside = {m[1] for m in rows["memberships"]} - {a[0] for a in rows["actors"]}
    rows["members from elsewhere"] = (
        list(network.outside_actor_query(outside, None)) if outside else []
    )
    rows["interactions"] = list(
        network.interaction_query(territory_id, as_of, bodies, None, bool(rows["memberships"]))
    )
    return rows


class FetchSpy:
    """For the length of a ``with``: seconds spent fetching each queryset's rows
    (``QuerySet._fetch_all``: the SQL, the transfer and the rows made into tuples),
    labelled by model, in the order they ran."""

    def __init__(self) -> None:
        self.fetches: list[tuple[str, int, float]] = []

    def __enter__(self) -> FetchSpy:
        from django.db.models.query import QuerySet

        self._original = original = QuerySet._fetch_all
        spy = self

        def timed(qs):
            if qs._result_cache is not None:
                return original(qs)
            started = time.perf_counter()
            original(qs)
            spy.fetches.append(
                (qs.model.__name__, len(qs._result_cache), time.perf_counter() - started)
            )

        QuerySet._fetch_all = timed
        return self

    def __exit__(self, *exc) -> bool:
        from django.db.models.query import QuerySet

        QuerySet._fetch_all = self._original
        return False


def settle() -> None:
    """A collected heap, its free memory given back: each run starts from the same state."""
    gc.collect()
    with contextlib.suppress(OSError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def interleaved(repeat: int, runs: dict[str, Callable[[], object]]) -> dict[str, list[float]]:
    """Seconds of each run, ``repeat`` times, taken in turn (a, b, c, a, b, c...): a load
    on the machine that comes and goes weighs on all of them alike. The collector
    state a run wants is set by the run itself."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            settle()
            started = time.perf_counter()
            result = fn()
            seconds[name].append(time.perf_counter() - started)
            del result
    return seconds


def paused(fn: Callable[[], object]) -> Callable[[], object]:
    def run():
        gc.disable()
        try:
            return fn()
        finally:
            gc.enable()

    return run


class BuildSpy:
    """For the length of a ``with``, wrap the loader's build steps (those of
    ``graph.loaders.building``)."""

    STEPS = (("nodes", "add_nodes"), ("edges", "add_edges"))

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {}

    def __enter__(self) -> BuildSpy:
        from graph.loaders import building as network

        self._originals = []
        for label, name in self.STEPS:
            original = getattr(network, name, None)
            if original is None:
                continue
            self._originals.append((name, original))
            setattr(network, name, self._wrap(label, original))
        return self

    def _wrap(self, label, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds.setdefault(label, []).append(time.perf_counter() - started)

        return wrapper

    def __exit__(self, *exc) -> bool:
        from graph.loaders import building as network

        for name, original in self._originals:
            setattr(network, name, original)
        return False


def line(step: str, seconds: float, note: str = "") -> None:
    print(f"  {step:<44} {seconds:>9.3f}s  {note}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--level", default="region", help="territory level (default region)")
    parser.add_argument("--code", default="24", help="territory code (default 24)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="default today")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (best kept)")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("This benchmark runs on PostgreSQL: --database-url postgres://...", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    from graph import loaders
    from registry.models import Territory

    as_of = args.as_of or dt.date.today()
    territory = Territory.objects.get(level=args.level, code=args.code)
    print(f"territory {territory.level}:{territory.code} {territory.name} (id {territory.pk})")
    print(f"as of {as_of}; best of {args.repeat}; {os.cpu_count()} CPUs, load {os.getloadavg()}")
    spies: list[tuple[FetchSpy, BuildSpy]] = []
    graphs = []

    def load():
        with FetchSpy() as fetch, BuildSpy() as build:
            graph = loaders.registry_graph(territory_id=territory.pk, as_of=as_of)
        spies.append((fetch, build))
        graphs[:] = [(graph.number_of_nodes(), graph.number_of_edges())]
        return graph

    try:
        rows = baseline(territory.pk, as_of)
        seconds = interleaved(
            args.repeat,
            {
                "baseline": lambda: baseline(territory.pk, as_of),
                "baseline, collector paused": paused(lambda: baseline(territory.pk, as_of)),
                "loader": load,
            },
        )
    finally:
        connections.close_all()
    base_s = min(seconds["baseline"])
    paused_s = min(seconds["baseline, collector paused"])
    load_s = min(seconds["loader"])

    def runs(name: str) -> str:
        return "runs " + ", ".join(f"{s:.3f}" for s in seconds[name])

    print(f"\n## Rows: {', '.join(f'{k} {len(v):,}' for k, v in rows.items())}")
    print(f"## Graph: {graphs[0][0]:,} nodes, {graphs[0][1]:,} edges")
    print("\n## Baseline: the same rows with .values_list(), as lists")
    line("rows (collector running)", base_s, runs("baseline"))
    line("rows (collector paused, as in the loader)", paused_s, runs("baseline, collector paused"))
    fetch, build = spies[seconds["loader"].index(load_s)]
    print("\n## Loader: graph.loaders.registry_graph, its best run")
    fetched = 0.0
    for model, n, s in fetch.fetches:
        fetched += s
        line(f"query {model}", s, f"{n:,} rows")
    line("building the MultiGraph (all but the queries)", load_s - fetched)
    for label, spent in build.seconds.items():
        line(f"  of which {label}", sum(spent), f"{len(spent)} calls" if len(spent) > 1 else "")
    line("total", load_s, runs("loader"))
    ratio = load_s / base_s
    print("\n## Summary")
    print("| metric | figure | baseline | ratio | target | met? |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(
        f"| registry_graph {territory.level}:{territory.code} | {load_s:.3f}s | {base_s:.3f}s "
        f"| {ratio:.2f}x | <= {TARGET_RATIO:.0f}x | {'yes' if ratio <= TARGET_RATIO else '**no**'} |"
    )
    print(
        f"| (baseline with the collector paused) | {load_s:.3f}s | {paused_s:.3f}s "
        f"| {load_s / paused_s:.2f}x | | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
