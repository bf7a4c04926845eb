"""Benchmark of the analyses (influence map, renewal) beside igraph on the same graph (on demand).

    .venv/bin/python tests/bench/bench_analysis.py \\
        --database-url postgres://postgres@127.0.0.1:5432/bench100

Not collected by pytest. Reads a database already seeded (``seed_demo --scale
100``) and migrated; writes nothing to it (the API key of the HTTP step is
created in a transaction that is rolled back), only to the cache.

Three territories, each the largest (actors + bodies below it, through
``TerritoryClosure``) within a size bound, printed at the start:

- ``--territory`` (default: the largest of all): load, the influence map's
  metrics one by one in NetworkX beside igraph on the same collapsed graph
  (``graph.model.collapse``, node order kept, ``weight``, ``distance =
  1/weight``), the renewal ranking of its bodies and of 1,000 bodies.
  NetworkX runs the calls ``influence_map`` makes; what cannot run is
  extrapolated and marked ``~``: betweenness over ``--budget`` seconds from a
  timed probe of 8 pivots (the work is per pivot), ``nx.effective_size`` when
  its SciPy path would allocate dense n x n arrays over ``--max-dense-gb``
  from induced subgraphs of 1,000-4,000 random nodes (t = a m^b), the
  renewal's ``body_network`` over budget from a sample of bodies.
- ``--api-territory`` (default: the largest with at most ``--api-max-nodes``,
  by default ``ANALYSIS_SYNC_MAX_NODES``, the largest answered in a request):
  the cold API path (``runner.compute``: load + map + JSON, split into its parts) and the warm one (``runner.lookup`` and the Django test client on
  /api/analysis/influence-map), with the local-memory cache and, when
  ``--redis-url`` answers, django-redis.
- ``--accuracy-territory`` (default: the largest with at most
  ``ANALYSIS_SYNC_MAX_NODES`` nodes, the largest answered in a request):
  sampled betweenness (the pivots NetworkX draws with the seed, k = 128, 256,
  512) against exact betweenness, Spearman rank correlation (target >= 0.95).
  The sampled values are computed by igraph from exactly NetworkX's pivots
  (checked against NetworkX itself); the exact reference is NetworkX when it
  fits ``--exact-budget``, else igraph (said so).

Memory is the peak resident set above the resident set at the start of the
step (``VmHWM`` - ``VmRSS`` after resetting the high-water mark through
``/proc/self/clear_refs``, after ``gc.collect()`` and ``malloc_trim``), so it
counts C allocations (igraph, SciPy) as well as Python's; memory freed by an
earlier step and reused is not counted (a lower bound). Linux only.

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

TARGET_COLD_RATIO = 5.0  # cold influence map within 5x of igraph
TARGET_WARM_MS = 50.0  # warm answer
TARGET_RENEWAL_S = 5.0  # renewal ranking of 1,000 bodies
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


def measure(fn: Callable[[], object]) -> tuple[object, float, float]:
    """Run ``fn``: (result, seconds, peak MB above the resident set at the start)."""
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current resident set
    except OSError:
        pass
    start_kb = _status_kb("VmRSS")
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak_mb = max(0, _status_kb("VmHWM") - start_kb) / 1024
    return result, seconds, peak_mb


def _ram_gb() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def fmt_s(seconds: float, estimated: bool = False) -> str:
    text = f"{seconds:.3f}s" if seconds < 10 else f"{seconds:,.0f}s"
    return ("~" + text) if estimated else text


def fmt_mb(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:,.0f} MB"


class Table:
    """Rows printed as they come, kept for the summary."""

    def __init__(self) -> None:
        self.summary: list[tuple[str, str, str, str, str, str]] = []

    @staticmethod
    def line(
        step: str, seconds: float | None, mb: float | None = None, note: str = "", *, est=False
    ):
        s = "-" if seconds is None else fmt_s(seconds, est)
        print(f"  {step:<56} {s:>10} {fmt_mb(mb):>10}  {note}", flush=True)

    def add(self, metric, figure, baseline, ratio, target, met) -> None:
        self.summary.append((metric, figure, baseline, ratio, target, met))

    def markdown(self) -> str:
        head = ("metric", "figure", "baseline", "ratio", "target", "met?")
        rows = [head, ("---",) * 6, *self.summary]
        return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def section(title: str) -> None:
    print(f"\n## {title}", flush=True)


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


def nx_pivots(simple, k: int, seed: int) -> list:
    """The pivots ``nx.betweenness_centrality(k=k, seed=seed)`` draws (its own code path)."""
    if k >= simple.number_of_nodes():
        return list(simple.nodes)
    return random.Random(seed).sample(list(simple.nodes()), k)


def igraph_sampled_betweenness(g, nodes, pivots) -> list[float]:
    """Betweenness from ``pivots`` only, scaled as NetworkX scales its sampled estimate
    (sources and non-sources differ; the common factor does not matter for ranks)."""
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


def effective_size_scipy(simple, nodes) -> list[float]:
    """Burt's effective size (weighted, as ``nx.effective_size``) from sparse matrices:
    esize(u) = sum over neighbours v of (1 - sum_w p(u,w) m(v,w)), p the tie's share of
    u's strength, m the tie over v's strongest one. igraph has no effective size."""
    import numpy as np
    from scipy import sparse

    index = {u: i for i, u in enumerate(nodes)}
    n = len(nodes)
    rows, cols, vals = [], [], []
    for u, v, data in simple.edges(data=True):
        if u == v:
            continue
        i, j = index[u], index[v]
        rows += [i, j]
        cols += [j, i]
        vals += [float(data["weight"])] * 2
    w = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    strength = np.asarray(w.sum(axis=1)).ravel()
    strongest = w.max(axis=1).toarray().ravel()
    with np.errstate(divide="ignore"):
        p = sparse.diags(np.where(strength > 0, 1.0 / strength, 0.0)) @ w
        m = sparse.diags(np.where(strongest > 0, 1.0 / strongest, 0.0)) @ w
    redundancy = (p @ m.T).multiply(w > 0)  # only on ties: sum_w p(u,w) m(v,w)
    degree = np.diff(w.indptr)
    esize = degree - np.asarray(redundancy.sum(axis=1)).ravel()
    return [float(x) if d else float("nan") for x, d in zip(esize, degree, strict=True)]


def run_igraph(simple, *, seed: int, exact_max: int, samples: int, exact_budget: float):
    """Every metric of the influence map in igraph: {metric: (seconds, MB, values)}."""
    out: dict[str, tuple[float, float, object]] = {}
    (g, nodes), s, mb = measure(lambda: to_igraph(simple))
    out["convert"] = (s, mb, None)
    n = len(nodes)
    for name, fn in (
        ("degree", lambda: g.degree()),
        ("strength", lambda: g.strength(weights="weight")),
        ("pagerank", lambda: g.pagerank(weights="weight", damping=0.85)),
        ("constraint", lambda: g.constraint(weights="weight")),
        ("coreness", lambda: g.coreness()),
        ("multilevel", lambda: g.community_multilevel(weights="weight")),
        ("effective size (SciPy)", lambda: effective_size_scipy(simple, nodes)),
    ):
        values, s, mb = measure(fn)
        out[name] = (s, mb, values)
    k = None if n <= exact_max else min(samples, n)
    if k is None:
        values, s, mb = measure(lambda: g.betweenness(weights="distance"))
        out["betweenness (exact)"] = (s, mb, values)
    else:
        pivots = nx_pivots(simple, k, seed)
        values, s, mb = measure(lambda: igraph_sampled_betweenness(g, nodes, pivots))
        out[f"betweenness ({k} pivots)"] = (s, mb, values)
        per_source = s / k
        if per_source * n <= exact_budget:
            values, s, mb = measure(lambda: g.betweenness(weights="distance"))
            out["betweenness exact (not in the map)"] = (s, mb, values)
        else:
            out["betweenness exact (not in the map)"] = (per_source * n, None, "estimated")
    out["_graph"] = (0.0, 0.0, (g, nodes))
    return out


# --- NetworkX, metric by metric, within a budget --------------------------------------------------


def nx_metrics(
    simple,
    *,
    seed: int,
    exact_max: int,
    samples: int,
    budget: float,
    max_dense_gb: float,
    rng_seed=0,
):
    """The influence map's metrics as ``graph.influence.influence_map`` computes them.

    {metric: (seconds, MB, values or None, estimated?)}; see the module docstring
    for what is extrapolated.
    """
    import networkx as nx

    from graph.influence import weighted_pagerank

    out: dict[str, tuple[float, float | None, object, bool]] = {}
    nodes = list(simple.nodes)
    n = len(nodes)

    values, s, mb = measure(lambda: weighted_pagerank(simple))
    out["pagerank"] = (s, mb, values, False)

    exact = n <= exact_max
    k = n if exact else min(samples, n)
    probe = min(8, k)
    _, s_probe, _ = measure(
        lambda: nx.betweenness_centrality(
            simple, k=probe, normalized=True, weight="distance", seed=seed
        )
    )
    label = "betweenness (exact)" if exact else f"betweenness ({k} pivots)"
    if s_probe / probe * k <= budget:
        values, s, mb = measure(
            lambda: nx.betweenness_centrality(
                simple, k=None if exact else k, normalized=True, weight="distance", seed=seed
            )
        )
        out[label] = (s, mb, values, False)
    else:
        out[label] = (s_probe / probe * k, None, None, True)

    values, s, mb = measure(lambda: nx.constraint(simple, weight="weight"))
    out["constraint"] = (s, mb, values, False)

    # nx.effective_size's SciPy path densifies (P1 @ P2.T).toarray() and 1 - it: two
    # n x n float64 arrays. Over --max-dense-gb it is not run: its time is extrapolated
    # from induced subgraphs of random nodes (t = a m^b), its values for the
    # correctness check taken from the per-node path (same definition) on a sample.
    dense_gb = 2 * 8 * n * n / 1e9
    if dense_gb <= max_dense_gb:
        values, s, mb = measure(lambda: nx.effective_size(simple, weight="weight"))
        out["effective size"] = (s, mb, values, False)
    else:
        rng = random.Random(rng_seed)
        fit = []
        for m in (1000, 2000, 4000):
            if 2 * 8 * m * m / 1e9 > max_dense_gb:
                break
            sub = simple.subgraph(rng.sample(nodes, m)).copy()
            _, s, _ = measure(lambda sub=sub: nx.effective_size(sub, weight="weight"))
            fit.append((m, s))
        # The dense n x n arrays grow as n^2 and dominate: scaled from the largest point
        # (an exponent fitted at these sizes is noise).
        if not fit:
            m = min(n, 500)
            sub = simple.subgraph(rng.sample(nodes, m)).copy()
            _, s0, _ = measure(lambda sub=sub: nx.effective_size(sub, weight="weight"))
            fit = [(m, s0)]
        m2, s2 = fit[-1]
        exponent = 2.0
        estimate = s2 * (n / m2) ** exponent
        values = nx.effective_size(simple, nodes=rng.sample(nodes, 100), weight="weight")
        out["effective size"] = (estimate, None, values, True)
        print(
            f"    (effective size not run: its dense arrays need {dense_gb:,.1f} GB > "
            f"--max-dense-gb {max_dense_gb:g}, RAM {_ram_gb():.0f} GB; time ~ n^2 from "
            + ", ".join(f"{m:,} nodes {t:.1f}s" for m, t in fit)
            + ")"
        )

    def cores():
        no_loops = nx.Graph(simple)
        no_loops.remove_edges_from(list(nx.selfloop_edges(no_loops)))
        return nx.core_number(no_loops)

    values, s, mb = measure(cores)
    out["core number"] = (s, mb, values, False)
    values, s, mb = measure(
        lambda: nx.community.louvain_communities(simple, weight="weight", seed=seed)
    )
    out["louvain"] = (s, mb, values, False)
    return out


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


def influence_section(args, table: Table, territory_id: int, as_of: dt.date):
    from api.analysis.runner import config
    from graph import loaders
    from graph.model import collapse

    section(f"Influence map, territory {territory_id}, as of {as_of} (NetworkX beside igraph)")
    exact_max = config("EXACT_BETWEENNESS_MAX_NODES")
    samples = config("BETWEENNESS_SAMPLES")
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
    simple, s_collapse, mb = measure(lambda: collapse(graph))
    n = simple.number_of_nodes()
    Table.line("collapse", s_collapse, mb, f"{n:,} nodes, {simple.number_of_edges():,} ties")

    print("  NetworkX (graph.influence's calls):")
    nxm = nx_metrics(
        simple,
        seed=args.seed,
        exact_max=exact_max,
        samples=samples,
        budget=args.budget,
        max_dense_gb=args.max_dense_gb,
    )
    nx_total = s_collapse
    any_est = False
    for name, (s, mb, _v, est) in nxm.items():
        Table.line("  " + name, s, mb, "extrapolated from a sample" if est else "", est=est)
        nx_total += s
        any_est |= est
    full_map = None
    if not any_est:
        from graph.influence import influence_map

        full_map, s_map, mb_map = measure(
            lambda: influence_map(
                graph,
                as_of=as_of,
                seed=args.seed,
                exact_betweenness_max_nodes=exact_max,
                betweenness_samples=samples,
            )
        )
        Table.line("influence_map (whole, cold)", s_map, mb_map, full_map.betweenness_method)
        nx_total, nx_mb = s_map, mb_map
    else:
        nx_mb = max((mb for _s, mb, _v, _e in nxm.values() if mb is not None), default=None)
        Table.line("influence_map (sum of the steps)", nx_total, None, "", est=True)

    print("  igraph (same collapsed graph, same node order):")
    igm = run_igraph(
        simple,
        seed=args.seed,
        exact_max=exact_max,
        samples=samples,
        exact_budget=args.exact_budget,
    )
    g, nodes = igm.pop("_graph")[2]
    ig_total, ig_mb = s_collapse, 0.0  # the same collapsed graph is its input too
    for name, (s, mb, values) in igm.items():
        est = isinstance(values, str)
        Table.line("  " + name, s, mb, "estimated from the sampled run" if est else "", est=est)
        if "not in the map" not in name:
            ig_total += s
            ig_mb = max(ig_mb, mb or 0.0)
    Table.line("igraph total (collapse + convert + metrics)", ig_total, ig_mb)
    ratio = nx_total / ig_total
    print(f"  ratio NetworkX cold / igraph: {ratio:,.1f}x (target <= {TARGET_COLD_RATIO:g}x)")
    table.add(
        f"cold influence map, {n:,} nodes",
        fmt_s(nx_total, any_est),
        f"igraph {fmt_s(ig_total)}",
        f"{ratio:,.0f}x",
        f"<= {TARGET_COLD_RATIO:g}x",
        "yes" if ratio <= TARGET_COLD_RATIO else "**no**",
    )
    dense_gb = 2 * 8 * n * n / 1e9
    table.add(
        "peak memory, cold map",
        fmt_mb(nx_mb)
        + (
            f" + nx.effective_size's dense arrays {dense_gb:,.0f} GB (RAM {_ram_gb():.0f} GB)"
            if dense_gb > args.max_dense_gb
            else ""
        ),
        f"igraph {fmt_mb(ig_mb)}",
        "",
        "(reported)",
        "",
    )

    print("  correctness, NetworkX vs igraph (Spearman):")
    nx_pr = nxm["pagerank"][2]
    print(f"    pagerank      {spearman_on(nodes, nx_pr, igm['pagerank'][2]):.6f}")
    con = nxm["constraint"][2]
    print(
        f"    constraint    {spearman_on(nodes, con, igm['constraint'][2], only=set(con)):.6f}"
        f"  ({len(con):,} nodes)"
    )
    es = nxm["effective size"][2]
    print(
        f"    effective size {spearman_on(nodes, es, igm['effective size (SciPy)'][2], only=set(es)):.6f}"
        f"  ({len(es):,} nodes; igraph has none: SciPy formula)"
    )
    core = nxm["core number"][2]
    same = sum(core[u] == c for u, c in zip(nodes, igm["coreness"][2], strict=True))
    print(f"    core number   {same:,}/{n:,} equal")
    parts_nx = nxm["louvain"][2]
    parts_ig = [set(nodes[i] for i in c) for c in igm["multilevel"][2]]
    print(
        f"    communities   NetworkX {len(parts_nx)} (Q={modularity(simple, parts_nx):.4f}), "
        f"igraph {len(parts_ig)} (Q={modularity(simple, parts_ig):.4f})"
    )
    for name, (_s, _mb, values, _est) in nxm.items():
        if name.startswith("betweenness") and values is not None and name in igm:
            print(f"    {name} {spearman_on(nodes, values, igm[name][2]):.6f}")
    return {"graph": graph, "simple": simple, "g": g, "nodes": nodes, "map": full_map}


def accuracy_section(args, table: Table, territory_id: int, as_of: dt.date):
    import networkx as nx

    from api.analysis.runner import config
    from graph import loaders
    from graph.model import collapse

    section(f"Betweenness: sampled vs exact, territory {territory_id}")
    simple = collapse(loaders.registry_graph(territory_id=territory_id, as_of=as_of))
    g, nodes = to_igraph(simple)
    n = simple.number_of_nodes()
    print(f"  {n:,} nodes, {simple.number_of_edges():,} ties")
    # NetworkX exact, if it fits the budget (timed per source on a probe)
    _, s_probe, _ = measure(
        lambda: nx.betweenness_centrality(simple, k=min(8, n), weight="distance", seed=args.seed)
    )
    nx_exact_est = s_probe / min(8, n) * n
    if nx_exact_est <= args.exact_budget:
        exact, s_exact, mb = measure(
            lambda: nx.betweenness_centrality(simple, normalized=True, weight="distance")
        )
        ref = "NetworkX exact"
    else:
        exact, s_exact, mb = measure(lambda: g.betweenness(weights="distance"))
        ref = f"igraph exact (NetworkX exact estimated at {fmt_s(nx_exact_est)})"
    Table.line("exact reference: " + ref, s_exact, mb)
    # igraph with NetworkX's pivots is NetworkX's estimate: checked once
    k_check = 256 if s_probe / 8 * 256 <= args.budget else 32
    nx_sampled, s_nx, _ = measure(
        lambda: nx.betweenness_centrality(
            simple, k=min(k_check, n), normalized=True, weight="distance", seed=args.seed
        )
    )
    ig_same = igraph_sampled_betweenness(g, nodes, nx_pivots(simple, min(k_check, n), args.seed))
    check = spearman_on(nodes, nx_sampled, ig_same)
    # igraph counts each unordered pair once on an undirected graph: one common factor
    factor = sum(nx_sampled.values()) / (sum(ig_same) or 1)
    gap = max(
        abs(nx_sampled[u] - factor * ig_same[i]) / (abs(nx_sampled[u]) or 1)
        for i, u in enumerate(nodes)
    )
    print(
        f"  check: NetworkX k={k_check} ({fmt_s(s_nx)}) vs igraph on the same pivots: "
        f"Spearman {check:.6f}, largest relative gap {gap:.2e} (igraph x {factor:.3g})"
    )
    production = min(config("BETWEENNESS_SAMPLES"), n)
    for k in (128, 256, 512):
        if k > n:
            continue
        sampled, s, _ = measure(
            lambda k=k: igraph_sampled_betweenness(g, nodes, nx_pivots(simple, k, args.seed))
        )
        rho = spearman_on(nodes, sampled, exact)
        print(f"  k={k:<4} seed {args.seed}: Spearman vs exact {rho:.4f}  (igraph {fmt_s(s)})")
        if k == production:
            table.add(
                f"betweenness k={k} vs exact, Spearman ({n:,} nodes)",
                f"{rho:.3f}",
                ref.split(" (")[0],
                "",
                f">= {TARGET_SPEARMAN}",
                "yes" if rho >= TARGET_SPEARMAN else "**no**",
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
            "yes" if med < TARGET_WARM_MS else "**no**",
        )
        table.add(
            f"warm HTTP [{label}]",
            f"{cmed:.1f} ms (p95 {cp95:.1f})",
            "",
            "",
            f"< {TARGET_WARM_MS:g} ms",
            "yes" if cmed < TARGET_WARM_MS else "**no**",
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
    """The renewal ranking of the territory's bodies, and of 1,000 bodies (pure part)."""
    from api.analysis import kinds
    from graph import loaders
    from graph.model import body_node
    from graph.positions import network_positions
    from graph.renewal import assess_body, body_network, rank_bodies
    from registry.models import Body

    section(f"Renewal ranking, territory {territory_id}")
    settings = kinds.renewal_config()
    all_ids = sorted(Body.objects.values_list("id", flat=True))
    territory_ids = sorted(loaders.bodies_of(territory_id, as_of).values_list("id", flat=True))
    print(f"  {len(territory_ids)} bodies in the territory, {len(all_ids)} in the database")

    _, s_load, _ = measure(lambda: loaders.registry_graph(territory_id=territory_id, as_of=as_of))
    Table.line("load: registry_graph", s_load)
    positions, s_pos, mb_pos = measure(lambda: network_positions(graph, seed=args.seed))
    Table.line("network_positions (collapse, PageRank, Louvain)", s_pos, mb_pos)
    profile, s_prof, _ = measure(
        lambda: loaders.territory_profile(territory_id=territory_id, as_of=as_of)
    )
    Table.line("territory_profile", s_prof)
    facts, s_facts, mb_facts = measure(lambda: loaders.body_facts(body_ids=all_ids, as_of=as_of))
    Table.line(f"body_facts, all {len(facts)} bodies", s_facts, mb_facts)

    in_graph = [f.id for f in facts if body_node(f.id) in graph]

    def one_network(body_id):
        return body_network(
            graph, body_id, communities=positions.communities, pagerank=positions.pagerank
        )

    # body_network per body: timed on a sample when the whole is over budget
    probe = in_graph[: min(3, len(in_graph))]
    _, s_probe, _ = measure(lambda: [one_network(b) for b in probe])
    per_network = s_probe / max(len(probe), 1)
    if per_network * len(in_graph) <= args.budget:
        networks, s_net, mb_net = measure(lambda: {b: one_network(b) for b in in_graph})
        est_net = False
    else:
        m = max(len(probe), min(len(in_graph), int(args.budget / max(per_network, 1e-9))))
        sample = random.Random(0).sample(in_graph, m)
        sampled, s_sample, _ = measure(lambda: {b: one_network(b) for b in sample})
        per_network = s_sample / m
        networks, s_net, mb_net, est_net = sampled, per_network * len(in_graph), None, True
    per_network = s_net / max(len(in_graph), 1)
    Table.line(
        f"body_network x {len(in_graph)} bodies in the graph",
        s_net,
        mb_net,
        f"{per_network * 1000:,.0f} ms per body"
        + (f" (sample of {len(networks)})" if est_net else ""),
        est=est_net,
    )

    # 1,000 bodies: the 612 facts replicated under new ids, each with its original's network
    base = max(all_ids) + 1
    thousand = [
        dataclasses.replace(facts[i % len(facts)], id=base + i) if i >= len(facts) else facts[i]
        for i in range(RENEWAL_BODIES)
    ]
    origin = [facts[i % len(facts)].id for i in range(RENEWAL_BODIES)]

    pool = list(networks.values())

    def network_of(i: int, o: int, body_id: int):
        # the body's own network, or (when only a sample was computed) one of the sample's
        if body_node(o) not in graph or not pool:
            return None
        return dataclasses.replace(networks.get(o) or pool[i % len(pool)], body_id=body_id)

    def assess_all():
        results = [
            assess_body(
                f,
                as_of=as_of,
                network=network_of(i, o, f.id),
                profile=profile,
                config=settings,
            )
            for i, (f, o) in enumerate(zip(thousand, origin, strict=True))
        ]
        return rank_bodies(results)

    ranking, s_assess, mb_assess = measure(assess_all)
    with_network = sum(1 for o in origin if body_node(o) in graph)
    Table.line(
        f"assess_body x {RENEWAL_BODIES:,} + rank_bodies (networks given)",
        s_assess,
        mb_assess,
        f"{len(ranking)} ranked",
    )
    pure = s_assess + per_network * with_network
    Table.line(
        f"pure ranking of {RENEWAL_BODIES:,}: + body_network x {with_network}",
        pure,
        None,
        "",
        est=est_net,
    )
    table.add(
        f"renewal ranking, {RENEWAL_BODIES:,} bodies (pure: networks + assess + rank)",
        fmt_s(pure, est_net),
        f"assess+rank alone {fmt_s(s_assess)}",
        "",
        f"< {TARGET_RENEWAL_S:g} s",
        "yes" if pure < TARGET_RENEWAL_S else "**no**",
    )
    whole = s_load + s_pos + s_prof + s_facts + s_net + s_assess * len(facts) / RENEWAL_BODIES
    Table.line(
        f"kinds.assessments, all {len(facts)} bodies (sum of steps)", whole, None, "", est=est_net
    )
    table.add(
        f"kinds.assessments, all {len(facts)} bodies (territory {territory_id})",
        fmt_s(whole, est_net),
        "",
        "",
        f"(< {TARGET_RENEWAL_S:g} s)",
        "yes" if whole < TARGET_RENEWAL_S else "**no**",
    )
    return est_net


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
        "yes" if s < TARGET_RENEWAL_S else "**no**",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--territory", type=int, help="territory id (default: the largest)")
    parser.add_argument("--api-territory", type=int, help="territory of the API path")
    parser.add_argument(
        "--api-max-nodes", type=int, help="default ANALYSIS_SYNC_MAX_NODES (answered in a request)"
    )
    parser.add_argument(
        "--max-dense-gb",
        type=float,
        default=4.0,
        help="largest dense n x n arrays a NetworkX step may allocate (else extrapolated)",
    )
    parser.add_argument("--accuracy-territory", type=int)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="default today")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=50, help="warm repetitions (default 50)")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="seconds a NetworkX step may take before it is sampled and extrapolated",
    )
    parser.add_argument(
        "--exact-budget", type=float, default=600.0, help="seconds for an exact betweenness"
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="'' to skip Redis")
    parser.add_argument(
        "--skip", action="append", default=[], choices=["influence", "accuracy", "api", "renewal"]
    )
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also time the replacements suggested for the slow steps (checked against them)",
    )
    parser.add_argument(
        "--profile",
        choices=["renewal-network", "constraint"],
        help="pyinstrument profile of one body_network or of constraint on 20 nodes",
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

    as_of = args.as_of or dt.date.today()
    table = Table()
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
            f"nodes, else {config('BETWEENNESS_SAMPLES')} pivots; budget {args.budget:g}s per "
            f"NetworkX step; memory: peak RSS above the step's start (VmHWM)"
        )
        state = None
        if "influence" not in args.skip:
            state = guarded(lambda: influence_section(args, table, big, as_of))
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
        if args.what_if:
            guarded(lambda: what_if_section(args, table, big, as_of, state))
        if args.profile:
            profile(args, big, as_of, state)
    finally:
        connections.close_all()
    section("Summary")
    print(table.markdown())
    return 0


def what_if_section(args, table: Table, territory_id: int, as_of: dt.date, state) -> None:
    """What the slow steps would cost done another way, checked against what they replace.

    Not the project's code: evidence for the owners of ``graph/``.
    """
    import networkx as nx
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    from graph import loaders
    from graph.influence import weighted_pagerank
    from graph.model import collapse, node_order
    from graph.positions import network_positions
    from graph.renewal import _is_decision_maker, _members_of, body_network

    section(f"What would fix it, territory {territory_id}")
    graph = (
        state["graph"] if state else loaders.registry_graph(territory_id=territory_id, as_of=as_of)
    )
    simple = state["simple"] if state else collapse(graph)
    nodes = list(simple.nodes)

    # 1. PageRank: NetworkX's SciPy path instead of the pure-Python power iteration
    fast, s_fast, mb = measure(
        lambda: nx.pagerank(simple, alpha=0.85, weight="weight", tol=1e-12, max_iter=1000)
    )
    slow, s_slow, _ = measure(lambda: weighted_pagerank(simple))
    same = sum(round(fast[u], 6) == round(slow[u], 6) for u in nodes)
    Table.line(
        "nx.pagerank (SciPy) vs weighted_pagerank",
        s_fast,
        mb,
        f"vs {fmt_s(s_slow)}; {same:,}/{len(nodes):,} equal at 6 decimals",
    )

    # 2. effective size from sparse matrices (no n x n array)
    g, ig_nodes = (state["g"], state["nodes"]) if state else to_igraph(simple)
    esize, s_es, mb = measure(lambda: effective_size_scipy(simple, nodes))
    sample = random.Random(0).sample(nodes, min(len(nodes), 200))
    reference = nx.effective_size(simple, nodes=sample, weight="weight")  # per-node path
    where = {u: i for i, u in enumerate(nodes)}
    gap = max((abs(esize[where[u]] - v) for u, v in reference.items() if v == v), default=0.0)
    Table.line(
        "effective size, sparse formula",
        s_es,
        mb,
        f"largest gap to nx's per-node path {gap:.1e} ({len(sample)} nodes)",
    )

    # 3. betweenness: the same pivots and accumulation in igraph
    k = min(runner_config("BETWEENNESS_SAMPLES"), len(nodes))
    _, s_btw, mb = measure(
        lambda: igraph_sampled_betweenness(g, ig_nodes, nx_pivots(simple, k, args.seed))
    )
    Table.line(f"betweenness, NetworkX's {k} pivots in igraph", s_btw, mb)

    # 4. renewal: the distance to decision-makers from one search for all bodies
    #    d_{G-b}(m) = d_G(m) when d_G(m) <= d_G(b) (a path through b is longer), or when m
    #    has a neighbour x != b with d_G(x) = d_G(m) - 1 (x is then unaffected); else a
    #    search without b for that member only.
    def one_search():
        index = {u: i for i, u in enumerate(nodes)}
        rows = [index[u] for u, v in simple.edges() if u != v]
        cols = [index[v] for u, v in simple.edges() if u != v]
        n = len(nodes)
        a = sparse.csr_matrix((np.ones(2 * len(rows)), (rows + cols, cols + rows)), shape=(n, n))
        deciders = [index[u] for u, d in graph.nodes(data=True) if _is_decision_maker(d)]
        d_g = csgraph.dijkstra(a, directed=False, indices=deciders, unweighted=True, min_only=True)
        out, searched = {}, 0
        for b_node in (u for u in nodes if u.startswith("b")):
            b = index[b_node]
            members = sorted(_members_of(graph, b_node), key=node_order)
            result, without_b = {}, None
            for m_node in members:
                m = index[m_node]
                d = d_g[m]
                around = a.indices[a.indptr[m] : a.indptr[m + 1]]
                if d <= d_g[b] or any(x != b and d_g[x] == d - 1 for x in around):
                    result[m_node] = d
                else:
                    if without_b is None:  # one search without b, for this body's members
                        keep = np.ones(n)
                        keep[b] = 0
                        mask = sparse.diags(keep)
                        without_b = csgraph.dijkstra(
                            mask @ a @ mask,
                            directed=False,
                            indices=[x for x in deciders if x != b],
                            unweighted=True,
                            min_only=True,
                        )
                        searched += 1
                    result[m_node] = without_b[m]
            out[b_node] = {u: (None if np.isinf(v) else int(v)) for u, v in result.items()}
        return out, searched

    (distances, searched), s_dist, mb = measure(one_search)
    bodies = [u for u in nodes if u.startswith("b")]
    Table.line(
        f"decision distances, all {len(bodies)} bodies, one search",
        s_dist,
        mb,
        f"{searched} bodies needed a search of their own",
    )
    positions = network_positions(graph, seed=args.seed)
    check = random.Random(0).sample(bodies, min(3, len(bodies)))
    agree = sum(
        dict(
            body_network(
                graph,
                int(b[1:]),
                communities=positions.communities,
                pagerank=positions.pagerank,
            ).distances
        )
        == distances[b]
        for b in check
    )
    Table.line(
        f"  same distances as body_network on {len(check)} sampled bodies",
        None,
        None,
        f"{agree}/{len(check)}",
    )


def runner_config(name: str):
    from api.analysis.runner import config

    return config(name)


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
    import networkx as nx
    from pyinstrument import Profiler

    from graph import loaders
    from graph.model import body_node, collapse
    from graph.positions import Positions
    from graph.renewal import body_network

    graph = (
        state["graph"] if state else loaders.registry_graph(territory_id=territory_id, as_of=as_of)
    )
    profiler = Profiler(interval=0.001)
    if args.profile == "renewal-network":
        body = next(n for n in graph if n.startswith("b") and graph.degree(n) > 0)
        fake = Positions(pagerank={}, communities={n: 0 for n in graph})
        with profiler:
            body_network(graph, int(body[1:]), communities=fake.communities, pagerank={})
        assert body_node(int(body[1:])) == body
    else:
        simple = state["simple"] if state else collapse(graph)
        chosen = random.Random(0).sample(list(simple), 20)
        with profiler:
            nx.constraint(simple, nodes=chosen, weight="weight")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main())
