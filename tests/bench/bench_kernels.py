"""igraph beside networkit on the kernels of the influence map (on demand): the measurements
behind the choice written in ``graph.kernels``.

    .venv/bin/python tests/bench/bench_kernels.py [--nodes 65000] [--edges 545000]

Not collected by pytest; needs no database. A weighted graph of ``--nodes`` nodes in
planted communities of about 200 (80% of the edges inside them, weights 1-11) is built
once; each library converts it, then runs PageRank, core numbers, Burt constraint
(igraph only: networkit has none), community detection (igraph: Louvain then Leiden
from its partition, as ``graph.kernels.communities``; networkit: PLM, its parallel
Louvain, and ParallelLeiden) and betweenness from 32 sources (igraph: NetworkX's
pivots through ``sources``; networkit: ``EstimateBetweenness``, its own pivots, in
parallel). Each figure is the wall time of one run (on an otherwise idle machine:
networkit's threads suffer most from a busy one); then each
randomised networkit kernel is run twice with the same seed, to tell whether the same
seed gives the same answer (``graph.kernels`` promises it).

networkit is a benchmark-only dependency (``pip install networkit``).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np


def planted(n: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    community = rng.integers(0, max(1, n // 200), size=n)
    order = np.argsort(community, kind="stable")
    sorted_community = community[order]
    edges: set[tuple[int, int]] = set()
    while len(edges) < m:
        u = rng.integers(0, n, size=m)
        inside = rng.random(m) < 0.8
        start = np.searchsorted(sorted_community, community[u])
        near = order[np.clip(start + rng.integers(0, 200, size=m), 0, n - 1)]
        v = np.where(inside, near, rng.integers(0, n, size=m))
        for a, b in zip(u.tolist(), v.tolist(), strict=True):
            if a != b:
                edges.add((min(a, b), max(a, b)))
                if len(edges) >= m:
                    break
    pairs = np.array(sorted(edges), dtype=np.int64)
    weights = rng.integers(1, 12, size=len(pairs)).astype(float)
    return pairs, weights


def timed(label: str, fn, rows: list):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    rows.append((label, seconds))
    print(f"  {label:<52} {seconds:8.3f} s", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=65_000)
    parser.add_argument("--edges", type=int, default=545_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    try:
        import networkit as nk
    except ImportError:
        print("networkit is not installed: pip install networkit", file=sys.stderr)
        return 2
    import igraph as ig

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.bench.bench_analysis import igraph_louvain_leiden

    n = args.nodes
    pairs, weights = planted(n, args.edges, args.seed)
    print(f"planted graph: {n:,} nodes, {len(pairs):,} edges; {nk.getMaxNumberOfThreads()} threads")
    rows: list = []

    print("igraph")
    g = timed(
        "convert",
        lambda: ig.Graph(n=n, edges=pairs.tolist(), directed=False),
        rows,
    )
    g.es["weight"] = weights.tolist()
    g.es["distance"] = (1 / weights).tolist()
    timed("PageRank (PRPACK)", lambda: g.pagerank(weights="weight"), rows)
    timed("core numbers", lambda: g.coreness(), rows)
    timed("Burt constraint", lambda: g.constraint(weights="weight"), rows)

    def louvain_leiden(seed):
        return igraph_louvain_leiden(g, seed)  # as graph.kernels.communities runs it

    parts = timed("Louvain + Leiden", lambda: louvain_leiden(args.seed), rows)
    q_ig = g.modularity(parts, weights="weight")
    same_ig = louvain_leiden(args.seed).membership == parts.membership
    pivots = random.Random(args.seed).sample(range(n), 32)
    timed(
        "betweenness, 32 given sources (one core)",
        lambda: g.betweenness(weights="distance", sources=pivots, directed=False),
        rows,
    )

    print("networkit")
    G = timed(
        "convert",
        lambda: nk.GraphFromCoo((weights, (pairs[:, 0], pairs[:, 1])), n=n, weighted=True),
        rows,
    )
    D = nk.GraphFromCoo((1 / weights, (pairs[:, 0], pairs[:, 1])), n=n, weighted=True)
    timed("PageRank", lambda: nk.centrality.PageRank(G, damp=0.85, tol=1e-12).run().scores(), rows)
    timed(
        "core numbers",
        lambda: nk.centrality.CoreDecomposition(nk.graphtools.toUnweighted(G)).run().scores(),
        rows,
    )

    def plm(seed):
        nk.setSeed(seed, True)
        return nk.community.PLM(G, refine=True).run().getPartition()

    def leiden(seed):
        nk.setSeed(seed, True)
        return nk.community.ParallelLeiden(G).run().getPartition()

    def estimate(seed):
        nk.setSeed(seed, True)
        return nk.centrality.EstimateBetweenness(D, 32, False, True).run().scores()

    p_plm = timed("PLM (parallel Louvain)", lambda: plm(args.seed), rows)
    p_leiden = timed("ParallelLeiden", lambda: leiden(args.seed), rows)
    b_est = timed(
        "EstimateBetweenness, 32 own pivots (parallel)", lambda: estimate(args.seed), rows
    )
    quality = nk.community.Modularity()
    print()
    print(
        f"modularity: igraph Louvain + Leiden {q_ig:.5f}; networkit PLM "
        f"{quality.getQuality(p_plm, G):.5f}, ParallelLeiden {quality.getQuality(p_leiden, G):.5f}"
    )
    print("same seed, same answer (run twice):")
    print(f"  igraph Louvain + Leiden        {same_ig}")
    print(f"  networkit PLM                  {plm(args.seed).getVector() == p_plm.getVector()}")
    print(
        f"  networkit ParallelLeiden       {leiden(args.seed).getVector() == p_leiden.getVector()}"
    )
    print(f"  networkit EstimateBetweenness  {estimate(args.seed) == b_est}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
