"""The heavy metrics on a compiled library (igraph), behind NetworkX graphs.

The analyses keep taking the ``nx.Graph`` that ``graph.model.collapse`` builds
and keep NetworkX's definitions and scaling; ``compile_graph`` converts it once
per analysis (``Compiled``, vertex ``i`` = the graph's ``i``-th node) and these
functions do the arithmetic:

- ``pagerank``: igraph's PRPACK (an exact solve of NetworkX's power iteration);
- ``betweenness``: igraph's Brandes over all sources or over NetworkX's pivots,
  the pivots shared out over worker processes (``graph.kernels.brandes``);
- ``constraint`` (Burt): igraph; ``effective_size``: SciPy sparse products
  (igraph has none);
- ``core_number``: igraph's coreness;
- ``communities``: igraph's Louvain, then its Leiden from that partition, on
  modularity, seeded.

Why igraph (GPL-2.0-or-later, compatible with our AGPL-3.0-or-later) and not
networkit (MIT): measured on this 2-core machine on a graph of 65,000 nodes and
545,000 weighted edges in planted communities (``tests/bench/bench_kernels.py``),
in seconds:

======================  ======  =========  ==========================================
kernel                  igraph  networkit  note
======================  ======  =========  ==========================================
conversion              0.63    0.14
PageRank                0.08    0.14       igraph: PRPACK, an exact solve
core numbers            0.03    0.03
Burt constraint         0.33    --         networkit has none
communities             1.05    0.19       igraph Louvain + Leiden, Q 0.78765;
                                           networkit PLM (parallel), Q 0.78763
betweenness, 32 pivots  1.48    1.15       networkit: 2 threads, its own pivots
======================  ======  =========  ==========================================

networkit is faster where it runs threads, but its parallel PLM and ParallelLeiden
gave another partition for the same seed on a second run: the analyses promise the
same bytes for the same data and seed. It has no Burt constraint and no
betweenness over given sources (NetworkX's pivots), only its own sampling. igraph
is sequential and seeded through one generator, has every kernel we need, and its
PageRank, constraint and core numbers agree with NetworkX to 1e-9 on the test
graphs; the one kernel where time matters, sampled betweenness, is made parallel
here by sharing its pivots over processes, which needs nothing from the library but
a deterministic computation from given sources.
"""

from __future__ import annotations

from graph.kernels.brandes import betweenness
from graph.kernels.compiled import Compiled, compile_collapsed, compile_graph
from graph.kernels.metrics import communities, constraint, core_number, effective_size, pagerank

__all__ = [
    "Compiled",
    "betweenness",
    "communities",
    "compile_collapsed",
    "compile_graph",
    "constraint",
    "core_number",
    "effective_size",
    "pagerank",
]
