"""What a betweenness worker process runs: igraph on one chunk of pivots.

Uses only igraph and NumPy; importing it imports the package ``graph.kernels`` too
(NetworkX, SciPy, ``graph.centrality``: about 0.37 s and 67 MB for the forkserver
that preloads it, against 0.11 s and 32 MB for igraph and NumPy alone). The worker
processes are forked from that clean ``forkserver``, never from the web or job
process itself, then prepared as ``spawn`` prepares them: they import the parent's
``__main__`` file again (a script must guard its work with
``if __name__ == "__main__"``). A worker
keeps the last graph it built, keyed by the token of the compiled graph, so the
chunks of one analysis that land on the same worker build it once.
"""

from __future__ import annotations

import igraph as ig
import numpy as np

_last: tuple[str, ig.Graph] | None = None


def build(n: int, edges: np.ndarray, distances: np.ndarray) -> ig.Graph:
    """An undirected igraph graph of ``n`` vertices, edges (m x 2) and their ``distance``."""
    graph = ig.Graph(n=n, edges=edges.tolist(), directed=False)
    graph.es["distance"] = distances.tolist()
    return graph


def ready() -> bool:
    """Nothing: a task that makes the pool start a worker (``brandes.warm``)."""
    return True


def betweenness_chunk(
    token: str, n: int, edges: bytes, distances: bytes, sources: list[int]
) -> list[float]:
    """igraph's betweenness of every vertex over the paths from ``sources`` (each pair once)."""
    global _last
    if _last is None or _last[0] != token:
        _last = (
            token,
            build(
                n,
                np.frombuffer(edges, dtype=np.int64).reshape(-1, 2),
                np.frombuffer(distances, dtype=np.float64),
            ),
        )
    return _last[1].betweenness(weights="distance", sources=sources, directed=False)
