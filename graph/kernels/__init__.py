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
networkit (MIT): measured on this 2-core machine on a 65,000-node,
545,000-edge graph of 200-node planted communities (``/tmp``-free script in the
closing note of issue 16), in seconds:

=====================  ========  ========  ===========================================
kernel                 igraph    networkit  note
=====================  ========  ========  ===========================================
conversion             0.18      0.52
PageRank               0.15      0.13      networkit iterates to a tolerance
core numbers           0.03      0.02
Burt constraint        0.48      --        networkit has none
communities            0.96      0.18      Leiden Q 0.78713, networkit PLM Q 0.78713
betweenness, 32 pivots 2.2       1.2       networkit: 2 threads, its own pivots
=====================  ========  ========  ===========================================

networkit is faster where it runs threads, but its parallel PLM/Leiden and its
sampled betweenness draw from per-thread generators in scheduling order: the
same seed does not give the same bytes, which the analyses promise. It has no
Burt constraint and no betweenness over given sources (NetworkX's pivots).
igraph is sequential and seeded through one generator, has every kernel we
need, and PageRank, constraint and core numbers agree with NetworkX to 1e-9 on
the test graphs; the one kernel where time matters, sampled betweenness, is
made parallel here by sharing its pivots over processes, which needs nothing
from the library but a deterministic single-source step.
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
