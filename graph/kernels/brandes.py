"""Betweenness on igraph, its pivots split over worker processes.

NetworkX's definition and scaling (undirected, no endpoints, paths on
``distance``), and NetworkX's pivots for the sampled estimate
(``graph.centrality.pivots``): the values are ``nx.betweenness_centrality``'s,
path lengths being equal when they agree to igraph's relative 1e-10 (NetworkX
compares floats exactly, so 1/3 + 1/3 and 2/3 may differ there).

Brandes' algorithm adds one dependency vector per source, so the sources can be
shared out: the pivots are cut into ``CHUNKS`` slices, each computed by igraph
(in a worker process when the work is large enough to pay for the hand-over,
else here) and the slices' sums added in slice order. ``start`` hands the slices to
the workers and returns at once, so that the caller computes the other metrics on
its own core meanwhile; ``warm`` starts the workers before the graph is even
collapsed. The result is the same, bit for bit, whether it ran here or on any
number of workers. igraph holds the GIL, so threads would not run in parallel; the
workers are forked from a ``forkserver`` that preloads only ``graph.kernels.worker``
(never from the web or job process, whose threads and connections a fork would copy).

Workers only where the caller allows them (``workers_allowed()``: the API's analysis
runner, the benchmarks). Python prepares a forkserver's worker as ``spawn`` does: it
imports the caller's ``__main__`` again, which runs a script without an
``if __name__ == "__main__"`` guard once more per worker (its reads, its writes). A
script or notebook calling the graph functions therefore computes in its own process
unless it says otherwise.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Hashable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar

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


def _discard_pool(failed: ProcessPoolExecutor | None = None) -> None:
    """Shut the pool down (``failed``: only if it is still that one, not a pool another
    caller started since: its slices would be cancelled)."""
    global _pool
    with _pool_lock:
        if failed is not None and _pool is not failed:
            return
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


def _submit(c: Compiled, slices: list[list[int]]) -> tuple[ProcessPoolExecutor, list[Future]]:
    edges, distances = c.edges.tobytes(), c.distances.tobytes()
    pool = _executor()
    return pool, [
        pool.submit(worker.betweenness_chunk, c.token, c.n, edges, distances, part)
        for part in slices
    ]


_allowed: ContextVar[bool] = ContextVar("betweenness_workers_allowed", default=False)


@contextmanager
def workers_allowed() -> Iterator[None]:
    """Within the ``with`` (this thread or task), betweenness may use the worker
    processes: for a caller whose ``__main__`` is guarded (a server, a job worker,
    ``manage.py``, a benchmark)."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


def parallel(c: Compiled, sources: int) -> bool:
    """Whether ``sources`` pivots on ``c`` go to the worker processes."""
    return _allowed.get() and workers() > 1 and sources * (c.n + c.m) >= PARALLEL_MIN_WORK


def warm(work: int) -> None:
    """Start the worker processes now if ``work`` (sources x (nodes + edges)) will need
    them: they start (a fork of the forkserver, which imports igraph once) while the
    caller does something else, such as collapsing the graph."""
    if not _allowed.get() or workers() <= 1 or work < PARALLEL_MIN_WORK:
        return
    with _pool_lock:
        if _pool is not None:
            return  # started by an earlier analysis
    # Starting the forkserver and forking from it blocks for a few tenths of a second:
    # in a thread of its own, the caller goes on meanwhile.
    threading.Thread(target=_start_workers, name="betweenness-workers", daemon=True).start()


def _start_workers() -> None:
    pool = None
    try:
        pool = _executor()
        for _ in range(workers()):
            pool.submit(worker.ready)
    except _UNAVAILABLE as error:
        _unavailable(error, pool)


#: What a pool that cannot run raises (AssertionError: a daemonic process may not have
#: children; RuntimeError: the interpreter is shutting down).
_UNAVAILABLE = (BrokenProcessPool, OSError, RuntimeError, AssertionError)


def _unavailable(error: BaseException, pool: ProcessPoolExecutor | None) -> None:
    """Say that the workers failed, and discard their pool: the slices run here."""
    logger.warning("betweenness workers unavailable (%s): computed in process", error)
    _discard_pool(pool)


class Pending:
    """A betweenness under way: on the workers already, or computed here by ``result``."""

    def __init__(self, c: Compiled, sources: list[int], *, normalized: bool):
        self.c, self.sources, self.normalized = c, sources, normalized
        self.slices = _slices(sources)
        self.futures: list[Future] | None = None
        #: The pool the slices went to (the one to discard if it fails them).
        self.pool: ProcessPoolExecutor | None = None
        if c.n and parallel(c, len(sources)):
            try:
                self.pool, self.futures = _submit(c, self.slices)
            except _UNAVAILABLE as error:
                _unavailable(error, None)

    def _raw(self) -> list[list[float]]:
        if self.futures is not None:
            try:
                return [future.result() for future in self.futures]
            except CancelledError:
                # Another caller shut the pool down (it failed that caller): computed here.
                logger.warning("betweenness workers' pool shut down: computed in process")
            except _UNAVAILABLE as error:
                _unavailable(error, self.pool)
        return _raw_here(self.c, self.slices)

    def result(self) -> dict[Hashable, float]:
        c, n = self.c, self.c.n
        if n == 0:
            return {}
        total = np.zeros(n)
        for part in self._raw():  # in slice order, wherever each slice ran
            total += np.asarray(part)
        total *= 2.0  # igraph counts each unordered pair once, NetworkX's sum both ways
        sampled = len(self.sources) < n
        scale_source, scale_other = scales(
            n, len(self.sources), sampled=sampled, normalized=self.normalized
        )
        chosen = set(self.sources) if sampled else set()
        return {
            u: float(total[i]) * (scale_source if i in chosen else scale_other)
            for i, u in enumerate(c.nodes)
        }


def start(
    c: Compiled, *, pivots: Sequence[Hashable] | None = None, normalized: bool = True
) -> Pending:
    """``betweenness``, started: on the workers when it is large enough, while the caller
    computes other metrics; ``.result()`` waits for it (or computes it here)."""
    sources = sorted(c.index[p] for p in pivots) if pivots is not None else list(range(c.n))
    return Pending(c, sources, normalized=normalized)


def betweenness(
    c: Compiled, *, pivots: Sequence[Hashable] | None = None, normalized: bool = True
) -> dict[Hashable, float]:
    """``nx.betweenness_centrality(simple, weight="distance", normalized=normalized)``
    over every source (``pivots`` None) or over ``pivots`` (NetworkX's sampled estimate
    for those sources, rescaled as NetworkX rescales it)."""
    return start(c, pivots=pivots, normalized=normalized).result()
