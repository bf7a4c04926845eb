"""Betweenness on igraph, its pivots split over worker processes.

NetworkX's definition and scaling (undirected, no endpoints, paths on
``distance``), and NetworkX's pivots for the sampled estimate
(``graph.centrality.pivots``): the values are ``nx.betweenness_centrality``'s,
path lengths being equal when they agree to igraph's relative 1e-10 (NetworkX
compares floats exactly, so 1/3 + 1/3 and 2/3 may differ there).

Brandes' algorithm adds one dependency vector per source, so the sources can be
shared out: the pivots are cut into ``CHUNKS`` slices, each computed by igraph
(in a worker process when the work is large enough to pay for the hand-over,
else here) and the slices' sums added in slice order. The result is therefore
the same, bit for bit, whether it ran here or on any number of workers. igraph
holds the GIL, so threads would not run in parallel; the workers are forked from
a ``forkserver`` that preloads only ``graph.kernels.worker`` (never from the web
or job process, whose threads and connections a fork would copy).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from graph.centrality import scales
from graph.kernels import worker
from graph.kernels.compiled import Compiled

logger = logging.getLogger(__name__)

#: Slices the sources are cut into, whatever the number of workers (the sum's order).
CHUNKS = 8
#: Sources x (nodes + edges) below which the slices run here: about half a second of
#: igraph, more than a worker's hand-over costs.
PARALLEL_MIN_WORK = 5_000_000


def workers() -> int:
    """Worker processes: one per CPU this process may use, at most ``CHUNKS``."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(CHUNKS, cpus))


_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["graph.kernels.worker"])
            _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=context)
        return _pool


def _discard_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def _slices(sources: list[int]) -> list[list[int]]:
    return [
        part.tolist()
        for part in np.array_split(np.array(sources, dtype=np.int64), CHUNKS)
        if len(part)
    ]


def _raw_here(c: Compiled, slices: list[list[int]]) -> list[list[float]]:
    return [
        c.graph.betweenness(weights="distance", sources=part, directed=False) for part in slices
    ]


def _raw_on_workers(c: Compiled, slices: list[list[int]]) -> list[list[float]]:
    edges, distances = c.edges.tobytes(), c.distances.tobytes()
    pool = _executor()
    futures = [
        pool.submit(worker.betweenness_chunk, c.token, c.n, edges, distances, part)
        for part in slices
    ]
    return [future.result() for future in futures]


def parallel(c: Compiled, sources: int) -> bool:
    """Whether ``sources`` pivots on ``c`` go to the worker processes."""
    return workers() > 1 and sources * (c.n + c.m) >= PARALLEL_MIN_WORK


def betweenness(
    c: Compiled, *, pivots: Sequence[Hashable] | None = None, normalized: bool = True
) -> dict[Hashable, float]:
    """``nx.betweenness_centrality(simple, weight="distance", normalized=normalized)``
    over every source (``pivots`` None) or over ``pivots`` (NetworkX's sampled estimate
    for those sources, rescaled as NetworkX rescales it)."""
    n = c.n
    if n == 0:
        return {}
    sources = sorted(c.index[p] for p in pivots) if pivots is not None else list(range(n))
    sampled = len(sources) < n
    slices = _slices(sources)
    raw: list[list[float]] | None = None
    if parallel(c, len(sources)):
        try:
            raw = _raw_on_workers(c, slices)
        except (BrokenProcessPool, OSError, RuntimeError, AssertionError) as error:
            # AssertionError: a daemonic process may not have children.
            logger.warning("betweenness workers unavailable (%s): computed in process", error)
            _discard_pool()
    if raw is None:
        raw = _raw_here(c, slices)
    total = np.zeros(n)
    for part in raw:
        total += np.asarray(part)
    total *= 2.0  # igraph counts each unordered pair once, NetworkX's sum both ways
    scale_source, scale_other = scales(n, len(sources), sampled=sampled, normalized=normalized)
    chosen = set(sources) if sampled else set()
    return {
        u: float(total[i]) * (scale_source if i in chosen else scale_other)
        for i, u in enumerate(c.nodes)
    }
