"""Benchmark of the analyses (influence map, renewal) beside igraph on the same graph (on demand).

    .venv/bin/python tests/bench/bench_analysis.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench100

Not collected by pytest. Reads a database already seeded (``seed_demo --scale
100``) and migrated; writes nothing to it (the API key of the HTTP step is
created in a transaction that is rolled back), only to the cache.

Three territories, each the largest (actors + bodies below it, through
``TerritoryClosure``) within a size bound, printed at the start:

- ``--territory`` (default: the largest of all): the real, cold
  ``graph.influence.influence_map`` end to end, with the time and peak memory of
  each of its steps (collapse, PageRank, ``graph.centrality.betweenness``,
  ``nx.constraint``, ``graph.centrality.effective_size``, core numbers, Louvain)
  taken inside that one call by wrapping the functions it calls; beside it igraph
  computing the same metrics on the same collapsed graph (node order kept,
  ``weight``, ``distance = 1/weight``; igraph has no effective size: the SciPy
  one is counted on its side too), and the two checked against each other. Then
  the renewal: ``api.analysis.kinds.assessments`` on all the territory's bodies
  (split into its steps), and the ranking of 1,000 bodies (the territory's facts
  replicated under new ids, their networks taken from the territory's body nodes
  in turn).
- ``--api-territory`` (default: the largest with at most ``--api-max-nodes``,
  by default ``ANALYSIS_SYNC_MAX_NODES``, the largest answered in a request):
  the cold API path (``runner.compute``: load + map + JSON, split into its
  parts) and the warm one (``runner.lookup`` and the Django test client on
  /api/analysis/influence-map), with the local-memory cache and, when
  ``--redis-url`` answers, django-redis; the cold "renewal" kind.
- ``--accuracy-territory`` (default: the largest with at most
  ``ANALYSIS_SYNC_MAX_NODES`` nodes): sampled betweenness
  (``graph.centrality.betweenness``, NetworkX's pivots, k = 128, 256, 512)
  against exact betweenness, Spearman rank correlation (target >= 0.95); the
  exact reference is ``graph.centrality.betweenness`` when it fits
  ``--exact-budget``, else igraph (said so). Checked once against
  ``nx.betweenness_centrality`` on the same pivots.

Memory is the peak resident set above the resident set at the start of the
step (``VmHWM`` - ``VmRSS`` after resetting the high-water mark through
``/proc/self/clear_refs``, after ``gc.collect()`` and ``malloc_trim`` for a
whole step, not for the steps timed inside a call), so it counts C allocations
(igraph, SciPy) as well as Python's; memory freed by an earlier step and reused
is not counted (a lower bound). Linux only.

igraph is a benchmark-only dependency (``pip install igraph``); pyinstrument
(``--profile``) too.
"""

from __future__ import annotations

import argparse
import ctypes
import dataclasses
import datetime as dt
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench100"
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"

TARGET_COLD_RATIO = 1.2  # cold influence map (collapse included) within 1.2x of igraph
TARGET_COLD_S = 30.0  # ... and under 30 s, on the largest territory
TARGET_SYNTHETIC_RATIO = 1.5  # the same on the synthetic graph
SYNTHETIC_NODES, SYNTHETIC_TIES = 20_000, 100_000
TARGET_WARM_MS = 50.0  # warm answer
TARGET_RENEWAL_S = 5.0  # renewal ranking of 1,000 bodies, given the positions
TARGET_RENEWAL_COLD_S = 10.0  # cold renewal ranking of the largest territory's bodies
TARGET_SPEARMAN = 0.95  # sampled vs exact betweenness
RENEWAL_BODIES = 1_000


# --- measuring ------------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


try:
    _LIBC = ctypes.CDLL("libc.so.6")
except OSError:  # pragma: no cover - not glibc
    _LIBC = None

#: One slot per measure() running: the highest VmHWM a nested measure() reset away.
_LOST_KB: list[int] = []


def measure(fn: Callable[[], object], *, settle: bool = True) -> tuple[object, float, float]:
    """Run ``fn``: (result, seconds, peak MB above the resident set at the start).

    ``settle`` collects garbage and trims malloc first (not inside a timed call).
    Nested calls keep the outer peak right: the mark each reset wipes is kept.
    """
    if settle:
        gc.collect()
        if _LIBC is not None:
            _LIBC.malloc_trim(0)
    if _LOST_KB:
        _LOST_KB[-1] = max(_LOST_KB[-1], _status_kb("VmHWM"))
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current resident set
    except OSError:
        pass
    start_kb = _status_kb("VmRSS")
    _LOST_KB.append(0)
    started = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - started
        lost = _LOST_KB.pop()
    peak_mb = max(0, max(_status_kb("VmHWM"), lost) - start_kb) / 1024
    return result, seconds, peak_mb


class Spy:
    """For the length of a ``with``, wrap functions where a module looks them up:
    per label, the calls, seconds, peak MB (largest of one call) and last result."""

    def __init__(self, targets: list[tuple[str, object, str]]):
        self.targets = targets  # (label, module, attribute)
        self.calls: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        self.mb: dict[str, float] = {}
        self.last: dict[str, object] = {}
        self._originals: list[tuple[object, str, object]] = []

    def _wrap(self, label: str, fn):
        def wrapper(*a, **kw):
            result, s, mb = measure(lambda: fn(*a, **kw), settle=False)
            self.calls[label] = self.calls.get(label, 0) + 1
            self.seconds[label] = self.seconds.get(label, 0.0) + s
            self.mb[label] = max(self.mb.get(label, 0.0), mb)
            self.last[label] = result
            return result

        return wrapper

    def __enter__(self) -> Spy:
        for label, module, name in self.targets:
            original = getattr(module, name)
            self._originals.append((module, name, original))
            setattr(module, name, self._wrap(label, original))
        return self

    def __exit__(self, *exc) -> bool:
        for module, name, original in reversed(self._originals):
            setattr(module, name, original)
        self._originals.clear()
        return False

    def lines(self, total: float) -> None:
        """One line per label, then what the wrapped calls leave of ``total``."""
        for label, _module, _name in self.targets:
            if label in self.seconds:
                calls = self.calls[label]
                Table.line(
                    "  " + label,
                    self.seconds[label],
                    self.mb[label],
                    f"{calls:,} calls" if calls > 1 else "",
                )
        Table.line("  the rest", total - sum(self.seconds.values()))


def _ram_gb() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def fmt_s(seconds: float) -> str:
    return f"{seconds:.3f}s" if seconds < 10 else f"{seconds:,.0f}s"


def fmt_mb(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:,.0f} MB"


class Table:
    """Rows printed as they come, kept for the summary."""

    def __init__(self) -> None:
        self.summary: list[tuple[str, str, str, str, str, str]] = []

    @staticmethod
    def line(step: str, seconds: float | None, mb: float | None = None, note: str = ""):
        s = "-" if seconds is None else fmt_s(seconds)
        print(f"  {step:<56} {s:>10} {fmt_mb(mb):>10}  {note}", flush=True)

    def add(self, metric, figure, baseline, ratio, target, met) -> None:
        self.summary.append((metric, figure, baseline, ratio, target, met))

    def markdown(self) -> str:
        head = ("metric", "figure", "baseline", "ratio", "target", "met?")
        rows = [head, ("---",) * 6, *self.summary]
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def section(title: str) -> None:
    print(f"\n## {title}", flush=True)


def met(ok: bool) -> str:
    return "yes" if ok else "**no**"


# --- territories ----------------------------------------------------------------------------


def territory_sizes() -> list[tuple[int, str, int]]:
    """(id, "level:code name", actors + bodies below it), largest first."""
    from django.db import connection

    from registry.models import Actor, Body, Territory, TerritoryClosure

    closure = TerritoryClosure._meta.db_table
    query = f"""
        SELECT c.ancestor_id, COUNT(*) FROM {closure} c
        JOIN (SELECT territory_id FROM {Actor._meta.db_table}
              UNION ALL SELECT territory_id FROM {Body._meta.db_table}) x
          ON x.territory_id = c.descendant_id
        GROUP BY c.ancestor_id
    """
    with connection.cursor() as cursor:
        cursor.execute(query)
        counts = dict(cursor.fetchall())
    names = {
        t.pk: f"{t.level}:{t.code} {t.name}" for t in Territory.objects.filter(pk__in=list(counts))
    }
    return sorted(
        ((pk, names[pk], n) for pk, n in counts.items()), key=lambda row: (-row[2], row[0])
    )


def pick(sizes, chosen: int | None, max_nodes: int | None, what: str) -> int:
    if chosen is None:
        fitting = [row for row in sizes if max_nodes is None or row[2] <= max_nodes]
        chosen = fitting[0][0]
        how = "largest" if max_nodes is None else f"largest with <= {max_nodes:,} nodes"
    else:
        how = "given"
    row = next(r for r in sizes if r[0] == chosen)
    print(f"{what:<20} {row[1]} (id {row[0]}): {row[2]:,} actors + bodies below it ({how})")
    return chosen


# --- igraph ----------------------------------------------------------------------------------


def to_igraph(simple):
    """The collapsed simple graph as igraph, vertex i = i-th node of ``simple`` (node order)."""
    import igraph as ig

    nodes = list(simple.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    edges, weights, distances = [], [], []
    for u, v, data in simple.edges(data=True):
        edges.append((index[u], index[v]))
        weights.append(data["weight"])
        distances.append(data["distance"])
    g = ig.Graph(n=len(nodes), edges=edges, directed=False)
    g.es["weight"] = weights
    g.es["distance"] = distances
    return g, nodes


def igraph_sampled_betweenness(g, nodes, pivots) -> list[float]:
    """Betweenness from ``pivots`` only, scaled as NetworkX scales its sampled estimate
    (sources and non-sources differ; igraph counts each pair once: a common factor)."""
    index = {u: i for i, u in enumerate(nodes)}
    sources = sorted(index[p] for p in pivots)
    raw = g.betweenness(weights="distance", sources=sources)
    k, n = len(sources), len(nodes)
    if k >= n:
        return list(raw)
    is_source = set(sources)
    return [
        b / ((k - 1) if i in is_source else k) * (1.0 / max(n - 1, 1)) for i, b in enumerate(raw)
    ]


def igraph_louvain_leiden(g, seed: int):
    """igraph's Louvain then Leiden from it, seeded as ``graph.kernels.communities`` does."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        louvain = g.community_multilevel(weights="weight")
        return g.community_leiden(
            objective_function="modularity",
            weights="weight",
            n_iterations=-1,
            initial_membership=louvain.membership,
        )
    finally:
        ig.set_random_number_generator(random)


def run_igraph(simple, *, seed: int, exact_max: int, samples: int):
    """The influence map's metrics in igraph: ({metric: (seconds, MB, values)}, g, nodes).

    igraph has no effective size: ``graph.centrality.effective_size`` (SciPy) stands in.
    Betweenness runs in igraph's one call (one core), as a user of igraph would run it.
    """
    from graph import centrality, kernels

    # igraph has no effective size: the SciPy one of graph.kernels stands in, given its
    # arrays already built (not timed: igraph's side is not charged our conversion).
    compiled = kernels.compile_graph(simple)
    out: dict[str, tuple[float, float, object]] = {}
    (g, nodes), s, mb = measure(lambda: to_igraph(simple))
    out["convert"] = (s, mb, None)
    n = len(nodes)
    k = n if n <= exact_max else min(samples, n)
    if k == n:
        label, fn = "betweenness (exact)", lambda: g.betweenness(weights="distance")
    else:
        pivots = centrality.pivots(simple, k, seed)
        label, fn = (
            f"betweenness ({k} pivots)",
            lambda: igraph_sampled_betweenness(g, nodes, pivots),
        )
    for name, step in (
        ("degree", lambda: g.degree()),
        ("strength", lambda: g.strength(weights="weight")),
        ("pagerank", lambda: g.pagerank(weights="weight", damping=0.85)),
        (label, fn),
        ("constraint", lambda: g.constraint(weights="weight")),
        ("effective size (SciPy, as graph.kernels)", lambda: kernels.effective_size(compiled)),
        ("coreness", lambda: g.coreness()),
        ("louvain + leiden", lambda: igraph_louvain_leiden(g, seed)),
    ):
        values, s, mb = measure(step)
        out[name] = (s, mb, values)
    return out, g, nodes


def spearman_on(nodes, x: dict | list, y: dict | list, only=None) -> float | None:
    from graph.stats import spearman

    def get(series, i, u):
        return series[u] if isinstance(series, dict) else series[i]

    keep = [
        (get(x, i, u), get(y, i, u))
        for i, u in enumerate(nodes)
        if (only is None or u in only)
        and get(x, i, u) == get(x, i, u)  # not NaN
        and get(y, i, u) == get(y, i, u)
    ]
    return spearman([a for a, _ in keep], [b for _, b in keep]) if keep else None


def modularity(simple, parts) -> float:
    import networkx as nx

    return nx.community.modularity(simple, parts, weight="weight")


# --- the sections ----------------------------------------------------------------------------------


def influence_spy() -> Spy:
    """The calls ``graph.influence.influence_map`` makes, where it looks them up."""
    from graph import influence, kernels
    from graph.kernels import brandes

    return Spy(
        [
            ("collapse", influence, "collapse"),
            ("convert (kernels.compile_graph)", kernels, "compile_graph"),
            ("pagerank (kernels)", kernels, "pagerank"),
            ("betweenness: handed to the workers", brandes, "start"),
            ("betweenness: waiting for the workers", brandes.Pending, "result"),
            ("constraint (kernels)", kernels, "constraint"),
            ("effective size (kernels, SciPy)", kernels, "effective_size"),
            ("core number (kernels)", kernels, "core_number"),
            ("communities (kernels, Louvain + Leiden)", kernels, "communities"),
        ]
    )


def influence_section(args, table: Table, territory_id: int, as_of: dt.date):
    from graph import loaders

    section(f"Influence map, territory {territory_id}, as of {as_of} (ours beside igraph)")
    print(f"  {'step':<56} {'seconds':>10} {'peak mem':>10}")
    graph, s_load, mb_load = measure(
        lambda: loaders.registry_graph(territory_id=territory_id, as_of=as_of)
    )
    Table.line(
        "load: registry_graph",
        s_load,
        mb_load,
        f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges (facts)",
    )
    simple = compare_map(
        args, table, graph, as_of, f"territory {territory_id}", TARGET_COLD_RATIO, TARGET_COLD_S
    )
    return {"graph": graph, "simple": simple}


def synthetic_graph(nodes: int, ties: int, seed: int):
    """A registry-shaped graph of ``nodes`` actors and bodies and ``ties`` facts.

    One body per 25 nodes; actors in circles of about 50 around a few bodies
    (memberships, weights of the roles), interactions 80% inside the circle and
    the rest anywhere (weights 1-5, one in ten an opposition).
    """
    import networkx as nx

    from graph.model import MEMBERSHIP_WEIGHTS

    rng = random.Random(seed)
    bodies = nodes // 25
    actors = nodes - bodies
    g = nx.MultiGraph()
    for i in range(1, actors + 1):
        g.add_node(f"a{i}", kind="actor", label=f"A{i}", category="resident")
    for i in range(1, bodies + 1):
        g.add_node(f"b{i}", kind="body", label=f"B{i}", category="conseil_quartier")
    roles = list(MEMBERSHIP_WEIGHTS)
    circle = 50
    facts = 0
    for i in range(1, actors + 1):  # each actor in one or two bodies of its circle
        home = (i - 1) // circle
        for body in {home % bodies, (home + rng.randrange(3)) % bodies}:
            role = rng.choice(roles)
            facts += 1
            g.add_edge(
                f"a{i}",
                f"b{body + 1}",
                key=f"m{facts}",
                relation="membership",
                type=role,
                weight=MEMBERSHIP_WEIGHTS[role],
                sign=1,
            )
    n = 0
    while facts < ties:
        u = rng.randrange(actors)
        if rng.random() < 0.8:
            v = (u // circle) * circle + rng.randrange(circle)
        else:
            v = rng.randrange(actors)
        if u == v or v >= actors:
            continue
        n += 1
        facts += 1
        g.add_edge(
            f"a{u + 1}",
            f"a{v + 1}",
            key=f"i{n}",
            relation="interaction",
            type="cooperation",
            weight=rng.randint(1, 5),
            sign=-1 if rng.random() < 0.1 else 1,
            directed=False,
        )
    return g


def synthetic_section(args, table: Table, as_of: dt.date):
    section(
        f"Influence map, synthetic graph of {SYNTHETIC_NODES:,} nodes and "
        f"{SYNTHETIC_TIES:,} facts (ours beside igraph)"
    )
    graph, s, _mb = measure(lambda: synthetic_graph(SYNTHETIC_NODES, SYNTHETIC_TIES, args.seed))
    Table.line("built", s, None, f"{graph.number_of_edges():,} facts")
    compare_map(args, table, graph, as_of, "synthetic", TARGET_SYNTHETIC_RATIO, None)


def compare_map(args, table, graph, as_of, what, target_ratio, target_seconds):
    """The cold influence map of ``graph`` beside igraph on its collapsed graph."""
    import networkx as nx

    from api.analysis.runner import config
    from graph.influence import influence_map

    exact_max = config("EXACT_BETWEENNESS_MAX_NODES")
    samples = config("BETWEENNESS_SAMPLES")
    with influence_spy() as spy:
        result, s_map, mb_map = measure(
            lambda: influence_map(
                graph,
                as_of=as_of,
                seed=args.seed,
                exact_betweenness_max_nodes=exact_max,
                betweenness_samples=samples,
            )
        )
    simple = spy.last["collapse"]
    n = simple.number_of_nodes()
    how = result.betweenness_method
    if result.betweenness_samples:
        how += f", {result.betweenness_samples} pivots"
    Table.line(
        "influence_map, cold, end to end (one call)",
        s_map,
        mb_map,
        f"{n:,} nodes, {simple.number_of_edges():,} ties; betweenness {how}",
    )
    spy.lines(s_map)

    print("  igraph (same collapsed graph, same node order, same metric set):")
    igm, g, nodes = run_igraph(simple, seed=args.seed, exact_max=exact_max, samples=samples)
    ig_metrics = sum(s for s, _mb, _v in igm.values())
    ig_mb = max(mb for _s, mb, _v in igm.values())
    for name, (s, mb, _values) in igm.items():
        Table.line("  " + name, s, mb)
    Table.line("igraph: convert + metrics (collapse not counted)", ig_metrics, ig_mb)
    ratio = s_map / ig_metrics
    print(
        f"  ratio influence_map (collapse included) / igraph (convert + metrics): {ratio:,.2f}x "
        f"(target <= {target_ratio:g}x)"
    )
    table.add(
        f"cold influence_map, {what}, {n:,} nodes (collapse included; vs igraph convert+metrics)",
        fmt_s(s_map),
        f"igraph {fmt_s(ig_metrics)}",
        f"{ratio:,.2f}x",
        f"<= {target_ratio:g}x",
        met(ratio <= target_ratio),
    )
    if target_seconds is not None:
        table.add(
            f"cold influence_map, {what}, absolute",
            fmt_s(s_map),
            "",
            "",
            f"< {target_seconds:g} s",
            met(s_map < target_seconds),
        )
    table.add(
        f"peak memory, cold map, {what}",
        f"{fmt_mb(mb_map)} (RAM {_ram_gb():.0f} GB)",
        f"igraph {fmt_mb(ig_mb)} (largest step)",
        "",
        "(reported)",
        "",
    )

    print("  correctness, graph.influence's calls vs igraph and NetworkX:")
    pr = spy.last["pagerank (kernels)"]
    gap = max(abs(pr[u] - v) / v for u, v in zip(nodes, igm["pagerank"][2], strict=True))
    print(f"    pagerank       largest relative gap to igraph {gap:.1e}")
    con = spy.last["constraint (kernels)"]
    print(
        f"    constraint     {spearman_on(nodes, con, igm['constraint'][2], only=set(con)):.6f}"
        f"  ({len(con):,} nodes)"
    )
    es = spy.last["effective size (kernels, SciPy)"]
    sample = random.Random(0).sample(nodes, min(n, 200))
    reference = nx.effective_size(simple, nodes=sample, weight="weight")  # per-node path
    gap = max((abs(es[u] - v) for u, v in reference.items() if v == v), default=0.0)
    print(
        f"    effective size largest gap to nx.effective_size {gap:.1e} "
        f"({len(sample)} sampled nodes; igraph has none)"
    )
    core = spy.last["core number (kernels)"]
    same = sum(core[u] == c for u, c in zip(nodes, igm["coreness"][2], strict=True))
    print(f"    core number    {same:,}/{n:,} equal")
    ours = spy.last["communities (kernels, Louvain + Leiden)"]
    louvain, s_louvain, _ = measure(
        lambda: nx.community.louvain_communities(simple, weight="weight", seed=args.seed)
    )
    q_ours, q_nx = modularity(simple, ours), modularity(simple, louvain)
    print(
        f"    communities    ours (Louvain + Leiden) {len(ours)}, Q={q_ours:.5f}; NetworkX Louvain "
        f"{len(louvain)}, Q={q_nx:.5f} ({fmt_s(s_louvain)})"
    )
    table.add(
        f"modularity, {what}: ours (igraph Louvain + Leiden) vs NetworkX Louvain, same seed",
        f"{q_ours:.5f}",
        f"NetworkX {q_nx:.5f}",
        f"{q_ours - q_nx:+.5f}",
        ">= 0",
        met(q_ours >= q_nx),
    )
    btw = spy.last["betweenness: waiting for the workers"]
    ig_btw = next(v for name, (_s, _mb, v) in igm.items() if name.startswith("betweenness"))
    factor = sum(btw.values()) / (sum(ig_btw) or 1)
    gap = max(abs(btw[u] - factor * ig_btw[i]) / (abs(btw[u]) or 1) for i, u in enumerate(nodes))
    print(
        f"    betweenness    {spearman_on(nodes, btw, ig_btw):.6f} on the same pivots, "
        f"largest relative gap {gap:.1e} (igraph x {factor:.3g})"
    )
    return simple


def accuracy_section(args, table: Table, territory_id: int, as_of: dt.date):
    import networkx as nx

    from api.analysis.runner import config
    from graph import centrality, loaders
    from graph.model import collapse

    section(f"Betweenness: sampled vs exact, territory {territory_id}")
    simple = collapse(loaders.registry_graph(territory_id=territory_id, as_of=as_of))
    n = simple.number_of_nodes()
    print(f"  {n:,} nodes, {simple.number_of_edges():,} ties")

    def sampled(k):
        return centrality.betweenness(simple, weight="distance", k=min(k, n), seed=args.seed)

    # graph.centrality on NetworkX's pivots is NetworkX's estimate: checked once
    k_check = min(32, n)
    nx_values, s_nx, _ = measure(
        lambda: nx.betweenness_centrality(
            simple, k=k_check, normalized=True, weight="distance", seed=args.seed
        )
    )
    ours, s_ours, _ = measure(lambda: sampled(k_check))
    gaps = [abs(nx_values[u] - ours[u]) / (abs(nx_values[u]) or 1) for u in simple]
    print(
        f"  check, k={k_check}: nx.betweenness_centrality {fmt_s(s_nx)}, graph.centrality "
        f"{fmt_s(s_ours)}: Spearman {spearman_on(list(simple), nx_values, ours):.6f}, "
        f"{sum(g > 1e-6 for g in gaps):,}/{n:,} nodes differ by > 1e-6 (relative, largest "
        f"{max(gaps):.1e}: NetworkX splits equal-length float paths graph.centrality ties)"
    )
    # Lengths rounded to 1/1024 add up exactly in floats: no tie to tell apart, same values.
    dyadic = nx.Graph(simple)
    for _u, _v, data in dyadic.edges(data=True):
        data["distance"] = round(data["distance"] * 1024) / 1024
    nx_dy = nx.betweenness_centrality(dyadic, k=k_check, weight="distance", seed=args.seed)
    ours_dy = centrality.betweenness(dyadic, weight="distance", k=k_check, seed=args.seed)
    gap = max(abs(nx_dy[u] - ours_dy[u]) / (abs(nx_dy[u]) or 1) for u in dyadic)
    print(f"  same check, lengths rounded to 1/1024 (exact sums): largest relative gap {gap:.1e}")
    exact_est = s_ours / k_check * n
    if exact_est <= args.exact_budget:
        exact, s_exact, mb = measure(lambda: centrality.betweenness(simple, weight="distance"))
        ref = "graph.centrality exact"
    else:
        g, _nodes = to_igraph(simple)
        exact, s_exact, mb = measure(lambda: g.betweenness(weights="distance"))
        exact = dict(zip(simple, exact, strict=True))
        ref = f"igraph exact (graph.centrality exact estimated at {fmt_s(exact_est)})"
    Table.line("exact reference: " + ref, s_exact, mb)
    production = min(config("BETWEENNESS_SAMPLES"), n)
    for k in (128, 256, 512):
        if k > n:
            continue
        values, s, _ = measure(lambda k=k: sampled(k))
        rho = spearman_on(list(simple), values, exact)
        print(f"  k={k:<4} seed {args.seed}: Spearman vs exact {rho:.4f}  ({fmt_s(s)})")
        if k == production:
            table.add(
                f"betweenness k={k} vs exact, Spearman ({n:,} nodes)",
                f"{rho:.3f}",
                ref.split(" (")[0],
                "",
                f">= {TARGET_SPEARMAN}",
                met(rho >= TARGET_SPEARMAN),
            )


def api_section(args, table: Table, territory_id: int, as_of: dt.date):
    from django.test import override_settings

    from api.analysis import kinds, runner

    section(f"API path, territory {territory_id}: cold (runner.compute) and warm")
    ask = runner.Request(
        kind="influence-map",
        territory_id=territory_id,
        as_of=as_of,
        params=tuple(
            sorted(
                {
                    "seed": args.seed,
                    "category": (),
                    "interaction_type": (),
                    "min_weight": 1,
                    "memberships": True,
                }.items()
            )
        ),
        fmt="json",
    )
    # The parts of the cold path, timed by wrapping kinds' own references (this process only).
    parts: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **kw):
            started = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    originals = (kinds._graph, kinds.influence_map, kinds.export.to_node_link, kinds._json)
    version = runner.loaders.data_version
    runner.loaders.data_version = timed("data_version", version)
    kinds._graph = timed("load", kinds._graph)
    kinds.influence_map = timed("influence_map", kinds.influence_map)
    kinds.export.to_node_link = timed("node-link", kinds.export.to_node_link)
    kinds._json = timed("orjson", kinds._json)
    try:
        answer, s_cold, mb_cold = measure(lambda: runner.compute(ask))
    finally:
        kinds._graph, kinds.influence_map, kinds.export.to_node_link, kinds._json = originals
        runner.loaders.data_version = version
    split = ", ".join(f"{k} {v:.2f}s" for k, v in parts.items())
    Table.line("cold: runner.compute", s_cold, mb_cold, f"{len(answer.payload):,} bytes; {split}")
    table.add(
        "cold API path (load+map+JSON)",
        fmt_s(s_cold),
        f"map alone {fmt_s(parts.get('influence_map', 0))}",
        "",
        "(reported)",
        "",
    )

    entry = None
    from django.core.cache import cache

    entry = cache.get(ask.key())
    caches = [("local memory", None)]
    redis = redis_settings(args.redis_url)
    if redis:
        caches.append((f"redis {args.redis_url}", redis))
    for label, override in caches:
        ctx = override_settings(CACHES=override) if override else _null()
        with ctx:
            if override:
                from django.core.cache import cache as current

                current.set(ask.key(), entry, timeout=runner.config("CACHE_TTL"))
            lookup_ms = repeat_ms(lambda: runner.lookup(ask), args.repeat, expect=answer.payload)
            client_ms = client_repeat_ms(territory_id, as_of, args, expect=answer.payload)
        med, p95 = pct(lookup_ms)
        Table.line(f"warm runner.lookup [{label}]", med / 1000, None, f"median; p95 {p95:.1f} ms")
        cmed, cp95 = pct(client_ms)
        Table.line(
            f"warm HTTP (test client) [{label}]", cmed / 1000, None, f"median; p95 {cp95:.1f} ms"
        )
        table.add(
            f"warm lookup [{label}]",
            f"{med:.1f} ms (p95 {p95:.1f})",
            "",
            "",
            f"< {TARGET_WARM_MS:g} ms",
            met(med < TARGET_WARM_MS),
        )
        table.add(
            f"warm HTTP [{label}]",
            f"{cmed:.1f} ms (p95 {cp95:.1f})",
            "",
            "",
            f"< {TARGET_WARM_MS:g} ms",
            met(cmed < TARGET_WARM_MS),
        )
    return len(answer.payload)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def redis_settings(url: str | None):
    if not url:
        return None
    import environ

    try:
        import redis as redis_lib

        redis_lib.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - no Redis: say so and go on
        print(f"  (no Redis at {url}: {exc.__class__.__name__}; local memory only)")
        return None
    config = environ.Env.cache_url_config(url)
    config.setdefault("OPTIONS", {}).update({"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2})
    return {"default": config}


def pct(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def repeat_ms(fn, repeat: int, *, expect: bytes) -> list[float]:
    found = fn()
    assert found is not None and found.cached and found.payload == expect, "not a cache hit"
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


class _Rollback(Exception):
    pass


def client_repeat_ms(territory_id: int, as_of: dt.date, args, *, expect: bytes) -> list[float]:
    """The warm answer through the whole Django stack, with a key made in a rolled-back
    transaction (nothing stays in the database)."""
    from django.db import transaction
    from rest_framework.test import APIClient

    from api.models import ApiKey

    times: list[float] = []
    try:
        with transaction.atomic():
            _key, raw = ApiKey.objects.create_key(
                name="bench-analysis", scopes=["read", "analysis"]
            )
            client = APIClient(SERVER_NAME="localhost")
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
            url = f"/api/analysis/influence-map?territory={territory_id}&as_of={as_of.isoformat()}"
            for i in range(args.repeat + 1):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, (response.status_code, response.content[:300])
                assert response["X-Analysis-Cache"] == "hit", response["X-Analysis-Cache"]
                if i == 0:
                    assert response.content == expect, "the API served another answer"
                else:
                    times.append(elapsed)
            raise _Rollback
    except _Rollback:
        pass
    return times


def renewal_section(args, table: Table, territory_id: int, as_of: dt.date, graph):
    """``kinds.assessments`` on all the territory's bodies, and the ranking of 1,000 bodies."""
    from api.analysis import kinds, runner
    from api.analysis.charters import installation_config
    from graph import loaders
    from graph.model import body_node
    from graph.positions import network_positions
    from graph.renewal import (
        assess_body,
        body_network,
        decision_distances,
        membership_index,
        rank_bodies,
    )

    section(f"Renewal ranking, territory {territory_id}")
    settings = installation_config()  # the synthetic bodies: no charter

    # 1. the real thing: kinds.assessments (load, positions, profile, facts, one search,
    #    body_network and assess_body per body), then rank_bodies
    ask = runner.Request(
        kind="renewal",
        territory_id=territory_id,
        as_of=as_of,
        params=(("seed", args.seed),),
        fmt="json",
    )
    spy = Spy(
        [
            ("load: registry_graph", loaders, "registry_graph"),
            ("cut: registry_subgraph", loaders, "registry_subgraph"),
            ("peer_members", loaders, "peer_members"),
            ("communities_by_body", kinds, "communities_by_body"),
            ("network_positions (collapse, PageRank, Leiden)", kinds, "network_positions"),
            ("territory_profile", loaders, "territory_profile"),
            ("body_facts", loaders, "body_facts"),
            ("decision_distances", kinds, "decision_distances"),
            ("membership_index", kinds, "membership_index"),
            ("body_network", kinds, "body_network"),
            ("assess_body", kinds, "assess_body"),
        ]
    )
    with spy:
        assessed, s_assess, mb_assess = measure(lambda: kinds.assessments(ask))
        results = assessed.assessments
    ranking, s_rank, _ = measure(lambda: rank_bodies(results))
    Table.line(
        f"kinds.assessments, all {len(results)} bodies (cold)",
        s_assess,
        mb_assess,
        f"+ rank_bodies {fmt_s(s_rank)}",
    )
    spy.lines(s_assess)
    whole = s_assess + s_rank
    table.add(
        f"kinds.assessments + rank_bodies, all {len(results)} bodies (territory {territory_id})",
        fmt_s(whole),
        "",
        "",
        f"< {TARGET_RENEWAL_COLD_S:g} s",
        met(whole < TARGET_RENEWAL_COLD_S),
    )

    # 2. 1,000 bodies: the territory's facts replicated under new ids, each given the
    #    network of one of the territory's body nodes in turn
    ids = sorted(loaders.bodies_of(territory_id, as_of).values_list("id", flat=True))
    facts = loaders.body_facts(body_ids=ids, as_of=as_of)
    profile = loaders.territory_profile(territory_id=territory_id, as_of=as_of)
    positions, s_pos, _ = measure(lambda: network_positions(graph, seed=args.seed))
    in_graph = [f.id for f in facts if body_node(f.id) in graph]
    base = max(ids) + 1
    thousand = [
        facts[i] if i < len(facts) else dataclasses.replace(facts[i % len(facts)], id=base + i)
        for i in range(RENEWAL_BODIES)
    ]
    steps = dict.fromkeys(
        ("decision_distances", "membership_index", "body_network", "assess_body", "rank_bodies"),
        0.0,
    )

    def timed(step, fn):
        started = time.perf_counter()
        result = fn()
        steps[step] += time.perf_counter() - started
        return result

    def rank_thousand():
        deciders = timed("decision_distances", lambda: decision_distances(graph))
        memberships = timed("membership_index", lambda: membership_index(graph))
        communities_total = len(set(positions.communities.values()))
        results = []
        for i, f in enumerate(thousand):
            network = timed(
                "body_network",
                lambda i=i: body_network(
                    graph,
                    in_graph[i % len(in_graph)],
                    communities=positions.communities,
                    pagerank=positions.pagerank,
                    decider_distance=deciders,
                    communities_total=communities_total,
                    memberships=memberships,
                ),
            )
            network = dataclasses.replace(network, body_id=f.id)
            results.append(
                timed(
                    "assess_body",
                    lambda f=f, network=network: assess_body(
                        f, as_of=as_of, network=network, profile=profile, config=settings
                    ),
                )
            )
        return timed("rank_bodies", lambda: rank_bodies(results))

    ranking, s_thousand, mb_thousand = measure(rank_thousand)
    Table.line(
        f"ranking of {RENEWAL_BODIES:,} bodies (networks computed)",
        s_thousand,
        mb_thousand,
        f"{len(ranking)} ranked; facts of {len(facts)} bodies, networks of {len(in_graph)}",
    )
    for step, s in steps.items():
        per_body = step in ("body_network", "assess_body")
        note = f"{s / RENEWAL_BODIES * 1000:.2f} ms per body" if per_body else "once"
        Table.line("  " + step, s, None, note)
    Table.line("  (not counted: load, network_positions, profile, facts)", s_pos, None, "positions")
    table.add(
        f"renewal ranking, {RENEWAL_BODIES:,} bodies (decision_distances, membership_index, "
        "body_network, "
        "assess_body x 1,000 + rank_bodies)",
        fmt_s(s_thousand),
        f"+ network_positions {fmt_s(s_pos)}",
        "",
        f"< {TARGET_RENEWAL_S:g} s",
        met(s_thousand < TARGET_RENEWAL_S),
    )


def sync_section(args, table: Table, sizes, as_of: dt.date):
    """Cold ``runner.compute`` of the influence map and the renewal ranking, territory by
    territory from the smallest above 1,000 nodes up, until both take over
    ``--sync-seconds``: what ``ANALYSIS_SYNC_MAX_NODES`` may be."""
    from django.core.cache import cache

    from api.analysis import runner

    section(f"Cold answers by territory size (what answers within {args.sync_seconds:g} s)")
    print(f"  {'territory':<48} {'nodes':>8} {'influence':>10} {'renewal':>10}")
    within = 0
    rows = sorted((row for row in sizes if row[2] >= 1000), key=lambda row: row[2])
    # One territory per size band (the demo has many of about the same size).
    banded, last = [], 0
    for row in rows:
        if row[2] >= last * 1.3:
            banded.append(row)
            last = row[2]
    jobs = []
    for pk, name, n in banded:
        seconds = []
        for kind in ("influence-map", "renewal"):
            cache.clear()
            ask = runner.Request(
                kind=kind, territory_id=pk, as_of=as_of, params=(("seed", args.seed),), fmt="json"
            )
            _answer, s, _mb = measure(lambda ask=ask: runner.compute(ask))
            seconds.append(s)
        print(f"  {name[:48]:<48} {n:>8,} {fmt_s(seconds[0]):>10} {fmt_s(seconds[1]):>10}")
        if max(seconds) <= args.sync_seconds:
            within = max(within, n)
        else:
            jobs.append(name)
            if min(seconds) > 2 * args.sync_seconds:
                break  # larger ones only take longer
    larger = [row[1] for row in sizes if row[2] > within]
    print(f"  largest answered within {args.sync_seconds:g} s: {within:,} nodes")
    print(f"  demo territories above it: {', '.join(larger) or 'none'}")
    bound = runner.config("SYNC_MAX_NODES")
    queued = [f"{row[1]} ({row[2]:,})" for row in sizes if row[2] > bound]
    print(f"  jobs with ANALYSIS_SYNC_MAX_NODES {bound:,}: {', '.join(queued) or 'none'}")
    table.add(
        f"largest territory answered cold within {args.sync_seconds:g} s (influence + renewal)",
        f"{within:,} nodes",
        f"ANALYSIS_SYNC_MAX_NODES {runner.config('SYNC_MAX_NODES'):,}",
        "",
        "(reported)",
        "",
    )


def renewal_api(args, table: Table, territory_id: int, as_of: dt.date):
    """The whole "renewal" kind (runner.compute) where it fits: the API territory."""
    from api.analysis import runner

    ask = runner.Request(
        kind="renewal", territory_id=territory_id, as_of=as_of, params=(), fmt="json"
    )
    answer, s, mb = measure(lambda: runner.compute(ask))
    Table.line(
        f"runner.compute renewal, territory {territory_id}", s, mb, f"{len(answer.payload):,} bytes"
    )
    table.add(
        f"renewal kind, cold, territory {territory_id}",
        fmt_s(s),
        "",
        "",
        f"(< {TARGET_RENEWAL_S:g} s)",
        met(s < TARGET_RENEWAL_S),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--territory", type=int, help="territory id (default: the largest)")
    parser.add_argument("--api-territory", type=int, help="territory of the API path")
    parser.add_argument(
        "--api-max-nodes", type=int, help="default ANALYSIS_SYNC_MAX_NODES (answered in a request)"
    )
    parser.add_argument("--accuracy-territory", type=int)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="default today")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=50, help="warm repetitions (default 50)")
    parser.add_argument(
        "--exact-budget", type=float, default=600.0, help="seconds for an exact betweenness"
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="'' to skip Redis")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["influence", "synthetic", "accuracy", "api", "renewal", "sync"],
    )
    parser.add_argument(
        "--profile",
        choices=["influence-map", "renewal"],
        help="pyinstrument profile of influence_map or kinds.assessments on --territory",
    )
    parser.add_argument(
        "--sync-seconds", type=float, default=5.0, help="cold answer bound of the sync sweep"
    )
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

    from api.analysis import kinds  # noqa: F401 - registers the computers
    from api.analysis.runner import config
    from graph.kernels import brandes

    as_of = args.as_of or dt.date.today()
    table = Table()
    # Betweenness on the worker processes, as the API's runner computes it.
    allowed = brandes.workers_allowed()
    allowed.__enter__()
    try:
        sizes = territory_sizes()
        big = pick(sizes, args.territory, None, "territory")
        api_t = pick(
            sizes,
            args.api_territory,
            args.api_max_nodes or config("SYNC_MAX_NODES"),
            "api territory",
        )
        acc_t = pick(sizes, args.accuracy_territory, config("SYNC_MAX_NODES"), "accuracy territory")
        print(
            f"as of {as_of}; exact betweenness up to {config('EXACT_BETWEENNESS_MAX_NODES'):,} "
            f"nodes, else {config('BETWEENNESS_SAMPLES')} pivots; "
            f"memory: peak RSS above the step's start (VmHWM)"
        )
        state = None
        if "influence" not in args.skip:
            state = guarded(lambda: influence_section(args, table, big, as_of))
        if "synthetic" not in args.skip:
            guarded(lambda: synthetic_section(args, table, as_of))
        if "api" not in args.skip:
            guarded(lambda: api_section(args, table, api_t, as_of))
        if "accuracy" not in args.skip:
            guarded(lambda: accuracy_section(args, table, acc_t, as_of))
        if "renewal" not in args.skip:
            from graph import loaders

            graph = (
                state["graph"] if state else loaders.registry_graph(territory_id=big, as_of=as_of)
            )
            guarded(lambda: renewal_section(args, table, big, as_of, graph))
            guarded(lambda: renewal_api(args, table, api_t, as_of))
        if "sync" not in args.skip:
            guarded(lambda: sync_section(args, table, sizes, as_of))
        if args.profile:
            profile(args, big, as_of, state)
    finally:
        allowed.__exit__(None, None, None)
        connections.close_all()
    section("Summary")
    print(table.markdown())
    return 0


def guarded(fn):
    """Run a section; a failure is printed (the end of its trace) and the run goes on."""
    import traceback

    try:
        return fn()
    except Exception:  # noqa: BLE001 - one section failing must not hide the others
        lines = traceback.format_exc().strip().splitlines()
        print("  SECTION FAILED:\n    " + "\n    ".join(lines[-6:]), flush=True)
        return None


def profile(args, territory_id: int, as_of: dt.date, state) -> None:
    from pyinstrument import Profiler

    from api.analysis import kinds, runner
    from graph import loaders
    from graph.influence import influence_map

    section(f"Profile: {args.profile}, territory {territory_id}")
    profiler = Profiler(interval=0.001)
    if args.profile == "influence-map":
        graph = (
            state["graph"]
            if state
            else loaders.registry_graph(territory_id=territory_id, as_of=as_of)
        )
        with profiler:
            influence_map(graph, as_of=as_of, seed=args.seed)
    else:
        ask = runner.Request(
            kind="renewal",
            territory_id=territory_id,
            as_of=as_of,
            params=(("seed", args.seed),),
            fmt="json",
        )
        with profiler:
            kinds.assessments(ask)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main())
