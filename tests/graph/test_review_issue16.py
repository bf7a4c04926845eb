"""Review of issue 16's graph kernels: the betweenness worker pool and the GC pause.

- A betweenness under way when another caller (another request's thread) discards the
  shared pool is computed here, not lost to a ``CancelledError`` (a 500).
- A script that runs an analysis at import time (no ``if __name__ == "__main__"``) runs
  once: the forkserver's workers would run the caller's main module again, so a caller
  that has not said its main is guarded (``brandes.workers_allowed``) gets none.
- ``collector.paused`` in several threads at once leaves the collector as it found it.
- ``loaders.registry_subgraph`` gives a reader confined to a territory (the cut one, one
  above it, one below it, another région) exactly what ``registry_graph`` gives: members
  from elsewhere, dissolved and not yet founded ones, interactions filed out of reach.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import networkx as nx
import pytest

from graph import collector, kernels
from graph.kernels import brandes as btw

ROOT = Path(__file__).resolve().parents[2]


def _graph(n: int = 300, m: int = 1200) -> nx.Graph:
    g = nx.gnm_random_graph(n, m, seed=11)
    for u, v in g.edges:
        g.edges[u, v]["distance"] = 1.0
    return g


@pytest.fixture
def allowed():
    with btw.workers_allowed():
        yield


def test_betweenness_survives_the_pool_discarded_by_another_caller(monkeypatch, allowed):
    monkeypatch.setattr(btw, "workers", lambda: 2)
    monkeypatch.setattr(btw, "PARALLEL_MIN_WORK", 0)
    c = kernels.compile_graph(_graph())
    expected = kernels.betweenness(c)
    pool = btw._executor()
    # Another request's slices keep both workers and the call queue busy...
    busy = [pool.submit(time.sleep, 1.0) for _ in range(3)]
    pending = btw.start(c)
    assert pending.futures is not None
    # ...and that request, finding the pool broken, discards it: our queued slices are
    # cancelled (ProcessPoolExecutor.shutdown(cancel_futures=True)).
    btw._discard_pool()
    try:
        assert pending.result() == expected
    finally:
        for future in busy:
            future.cancel()
        btw._discard_pool()


def test_a_failing_caller_discards_only_the_pool_it_used(monkeypatch, allowed):
    monkeypatch.setattr(btw, "workers", lambda: 2)
    monkeypatch.setattr(btw, "PARALLEL_MIN_WORK", 0)
    c = kernels.compile_graph(_graph())
    first = btw.start(c)  # on the pool of the moment
    assert first.futures is not None
    [future.result() for future in first.futures]
    btw._discard_pool()  # that pool broke (a worker killed), another caller saw it first...
    fresh = btw._executor()  # ... and a later request started a new one
    broken: Future = Future()
    broken.set_exception(BrokenProcessPool("a worker died"))
    first.futures = [broken]  # what the first caller then finds on its old pool
    try:
        assert first.result() == kernels.betweenness(c)
        assert btw._pool is fresh, "a caller discarded a pool it never used"
    finally:
        btw._discard_pool()


UNGUARDED = """
import networkx as nx
import pytest
from pathlib import Path
from graph import kernels
from graph.kernels import brandes

brandes.workers = lambda: 2
brandes.PARALLEL_MIN_WORK = 0
with open({log!r}, "a") as log:
    log.write("ran\\n")
g = nx.gnm_random_graph(200, 800, seed=1)
for u, v in g.edges:
    g.edges[u, v]["distance"] = 1.0
kernels.betweenness(kernels.compile_graph(g))
"""


def test_an_unguarded_script_runs_once(tmp_path):
    """A consultant's script (DESIGN: the graph code is reusable outside the web
    process) that analyses at import time. The forkserver's workers are prepared as
    ``spawn`` prepares them: they import the parent's ``__main__`` file again, and so
    run the whole script (its database reads, its writes) once more per worker."""
    log = tmp_path / "runs.log"
    script = tmp_path / "analyse.py"
    script.write_text(textwrap.dedent(UNGUARDED.format(log=str(log))))
    subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=100,
        capture_output=True,
    )
    assert log.read_text().count("ran") == 1, (
        f"the script ran {log.read_text().count('ran')} times: the betweenness workers "
        "ran the caller's main module again"
    )


def test_gc_pause_in_threads_leaves_the_collector_enabled():
    assert gc.isenabled()
    start = threading.Barrier(4)

    def work():
        start.wait()
        for _ in range(200):
            with collector.paused():
                [{} for _ in range(50)]

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


# --- registry_subgraph: what a reader confined to a territory sees ----------------------

REF = dt.date(2026, 1, 1)


def _dump(graph):
    return (
        list(graph.nodes(data=True)),
        list(graph.edges(keys=True, data=True)),
        {n: list(graph._adj[n]) for n in graph},
        dict(graph.graph),
    )


def _scoped_world():
    """region > dept > commune > quartier, and another région's commune: residents,
    members from elsewhere (one dissolved, one not founded yet), interactions filed
    inside and outside each reach."""
    from registry.services.territories import territory_create
    from tests import factories as f
    from tests.api.generic import build_tree

    tree = build_tree()
    quartier = territory_create(
        level="quartier", code="Q75-1", name="Quartier", parents=[(tree.commune, "administrative")]
    )
    person = f.ActorFactory
    a_c, a_q, a_d = (
        person(territory=tree.commune),
        person(territory=quartier),
        person(territory=tree.dept),
    )
    a_o = person(territory=tree.other_commune)
    gone = person(territory=tree.commune, dissolution_date=dt.date(2020, 1, 1))
    late = person(territory=tree.commune, founding_date=dt.date(2030, 1, 1))
    body_c, body_q = f.BodyFactory(territory=tree.commune), f.BodyFactory(territory=quartier)
    body_d = f.BodyFactory(territory=tree.dept)
    for actor, body in [
        (a_c, body_c),
        (a_o, body_c),
        (late, body_c),
        (gone, body_d),
        (a_d, body_q),
        (a_q, body_d),
    ]:
        f.MembershipFactory(actor=actor, body=body)
    for source, target, filed in [
        (a_c, a_d, tree.dept),
        (a_c, a_o, tree.other_commune),  # filed outside every reach but the other's
        (a_o, a_q, tree.commune),  # from a member from elsewhere
        (a_q, a_c, quartier),
        (a_d, a_o, tree.region),  # between two members from elsewhere of the commune
        (gone, a_c, tree.commune),
        (late, a_q, tree.commune),
    ]:
        f.InteractionFactory(source=source, target_actor=target, territory=filed)
    f.InteractionFactory(source=a_o, target_actor=None, target_body=body_c, territory=tree.commune)
    return tree, quartier


@pytest.mark.django_db
def test_a_cut_is_the_loaded_graph_for_every_reach():
    from graph import loaders

    tree, quartier = _scoped_world()
    compared = 0
    for reach in [None, tree.region, tree.dept, tree.commune, quartier, tree.other_commune]:
        limit = reach.pk if reach else None
        for outer in [tree.region, tree.dept, tree.commune]:
            big = loaders.registry_graph(territory_id=outer.pk, as_of=REF, reach_territory_id=limit)
            for inner in [tree.dept, tree.commune, quartier]:
                if inner == outer:
                    continue
                cut = loaders.registry_subgraph(
                    big, territory_id=inner.pk, as_of=REF, reach_territory_id=limit
                )
                if cut is None:
                    continue
                fresh = loaders.registry_graph(
                    territory_id=inner.pk, as_of=REF, reach_territory_id=limit
                )
                assert _dump(cut) == _dump(fresh), (reach, outer, inner)
                # And cut again from the cut.
                if inner != quartier:
                    again = loaders.registry_subgraph(
                        cut, territory_id=quartier.pk, as_of=REF, reach_territory_id=limit
                    )
                    if again is not None:
                        direct = loaders.registry_graph(
                            territory_id=quartier.pk, as_of=REF, reach_territory_id=limit
                        )
                        assert _dump(again) == _dump(direct), (reach, outer, inner, "again")
                compared += 1
    assert compared >= 10
