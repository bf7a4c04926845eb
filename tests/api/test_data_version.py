"""One data version, in commit order, for the list counts and the analysis caches.

A page's ``count`` is cached for up to a minute, keyed by the ledger's version;
analysis results by the version of their territory. Keyed by the ledger's
highest id (as the counts were), a transaction that took its id early and
committed late did not move the key on PostgreSQL, and the count stayed wrong
until the cache expired.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from graph import loaders
from registry.selectors import versions
from registry.services import actors
from registry.services.territories import territory_create
from tests.factories import ActorFactory

LIST = "/api/actors/"


def count(client, **params) -> int:
    # limit=1: the page is full, so the count is counted (or taken from the cache),
    # not derived from a short page.
    response = client.get(LIST, {"limit": 1, **params})
    assert response.status_code == 200, response.content
    return response.json()["count"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params", [{}, {"kind": "person"}, {"q": "Personne"}], ids=["all", "filtered", "searched"]
)
def test_a_write_refreshes_the_cached_count_at_once(full_client, params):
    for i in range(3):
        ActorFactory(name=f"Personne {i}")
    assert count(full_client, **params) == 3
    assert count(full_client, **params) == 3  # from the cache
    ActorFactory(name="Personne 3")
    assert count(full_client, **params) == 4
    actors.actor_delete(actor=ActorFactory(name="Personne 4"))
    assert count(full_client, **params) == 4


@pytest.mark.django_db
def test_the_ledger_version_moves_with_every_write():
    seen = {versions.ledger_version()}
    for i in range(3):
        ActorFactory(name=f"Personne {i}")
        seen.add(versions.ledger_version())
    assert len(seen) == 4


def test_the_analysis_version_is_the_registry_s_helper():
    # One helper: graph.loaders hands the analyses the registry's territory version.
    assert not hasattr(loaders, "_version_column")
    assert "territory_version" in loaders.data_version.__code__.co_names


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_committing_out_of_id_order_give_the_right_count_at_once(full_client):
    """Writer A takes its id first and commits last; the count read in between is cached."""
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    ActorFactory(name="Déjà là 1", territory=territory)
    ActorFactory(name="Déjà là 2", territory=territory)
    a_wrote, b_committed, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def writer_a():
        try:
            with transaction.atomic():
                ids["a"] = ActorFactory(name="Écrit d'abord", territory=territory).pk
                a_wrote.set()
                assert a_may_commit.wait(20)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def writer_b():
        try:
            assert a_wrote.wait(20)
            ids["b"] = ActorFactory(name="Écrit ensuite", territory=territory).pk
            b_committed.set()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    try:
        assert b_committed.wait(20)
        assert count(full_client) == 3  # B is in; this count is now cached
        between = loaders.data_version(territory_id=territory.pk)
        ledger_between = versions.ledger_version()
    finally:
        a_may_commit.set()
        for t in threads:
            t.join(20)
    assert not errors
    assert ids["a"] < ids["b"]  # the late commit holds the lower id
    # Right after A's commit: the count, the ledger's version and the territory's move.
    assert count(full_client) == 4
    assert versions.ledger_version() != ledger_between
    assert loaders.data_version(territory_id=territory.pk) != between
