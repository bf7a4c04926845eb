"""/api/changes/: the feed integrations follow; replaying it reproduces the registry."""

import datetime as dt
import threading

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import reverse

from registry import tracking
from registry.models.base import RegistryModel
from registry.services import actors, bodies, memberships
from registry.services.sync import membership_sync
from registry.services.territories import territory_create
from tests.factories import ActorFactory, BodyFactory, TerritoryFactory

URL = reverse("change-feed")

# Real commits: on PostgreSQL a transaction's changes take their place in the feed as it
# commits, which the usual rolled-back test transaction never does.
pytestmark = pytest.mark.django_db(transaction=True)


def follow(client, cursor=None, limit=None):
    """Every change from ``cursor`` to the end, page by page; returns (changes, last cursor)."""
    changes = []
    while True:
        params = {k: v for k, v in (("cursor", cursor), ("limit", limit)) if v}
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        body = response.json()
        changes.extend(body["results"])
        cursor = body["next"]
        if not body["has_more"]:
            return changes, cursor


def replay(changes) -> dict:
    store: dict = {}
    for change in changes:
        key = (change["type"], change["id"])
        if change["action"] == "create":
            store[key] = dict(change["data"])
        elif change["action"] == "update":
            store[key].update(change["data"])
        elif change["action"] == "merge":
            # Carried out by the changes before it (the merged actor's tombstone included).
            assert key not in store
        else:
            store.pop(key)
    return store


def database_state() -> dict:
    state = {}
    for model in apps.get_app_config("registry").get_models():
        if issubclass(model, RegistryModel):
            for obj in model._default_manager.all():
                state[(model._meta.model_name, obj.pk)] = tracking.snapshot(obj)
    return state


def make_history():
    """Creates, updates, deletes and cascades across several kinds of record."""
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    commune = territory_create(
        level="commune", code="28185", name="Goussainville", parents=[(region, "administrative")]
    )
    host = actors.actor_create(
        kind="organization",
        category="collectivity",
        name="Mairie",
        territory=commune,
        identifiers=[{"scheme": "siren", "value": "200048783"}],
    )
    people = [
        actors.actor_create(
            kind="person",
            category="resident",
            name=f"Habitant {i}",
            territory=commune,
            personal_data={
                "gender": "female",
                "lawful_basis": "consent",
                "retention_until": "2030-01-01",
            },
        )
        for i in range(3)
    ]
    body = bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=commune,
        host=host,
        colleges=[{"name": "Habitants", "seats": 5, "selection_mode": "lot"}],
    )
    membership_sync(
        body=body,
        members=[{"actor": p.pk, "college": "Habitants"} for p in people],
        effective_date=dt.date(2025, 1, 1),
    )
    membership_sync(
        body=body, members=[{"actor": people[0].pk}], effective_date=dt.date(2025, 6, 1)
    )
    actors.actor_update(actor=people[1], name="Habitante renommée", power=3)
    doomed = bodies.body_create(name="Éphémère", body_type="other", territory=commune)
    memberships.membership_create(actor=people[2], body=doomed, start_date=dt.date(2025, 1, 1))
    bodies.body_delete(body=doomed)
    return region, commune


def test_replaying_the_feed_from_the_start_reproduces_the_database(full_client):
    make_history()
    changes, _cursor = follow(full_client, limit=7)
    assert replay(changes) == database_state()
    assert {"create", "update", "delete"} <= {c["action"] for c in changes}


def test_feed_resumes_from_the_cursor_and_is_empty_when_nothing_changed(full_client):
    make_history()
    first, cursor = follow(full_client)
    again = full_client.get(URL, {"cursor": cursor}).json()
    assert again["results"] == [] and again["next"] == cursor and again["has_more"] is False
    ActorFactory(name="Nouvelle")
    later = full_client.get(URL, {"cursor": cursor}).json()["results"]
    assert [(c["action"], c["type"], c["data"]["name"]) for c in later] == [
        ("create", "actor", "Nouvelle")
    ]


def test_deletions_are_tombstones_with_the_id(full_client):
    body = BodyFactory()
    body_id = body.pk
    _before, cursor = follow(full_client)
    bodies.body_delete(body=body)
    tombstones = full_client.get(URL, {"cursor": cursor}).json()["results"]
    assert [(c["action"], c["type"], c["id"], c["data"]) for c in tombstones] == [
        ("delete", "body", body_id, None)
    ]


def test_territory_scoped_keys_see_only_their_territory(api_client_factory):
    region, commune = make_history()
    elsewhere = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    ActorFactory(territory=elsewhere, name="Ailleurs")
    scoped, _ = follow(api_client_factory(territory=region))
    names = {c["data"].get("name") for c in scoped if c["data"]}
    assert "Ailleurs" not in names and "Mairie" in names
    outsider, _ = follow(api_client_factory(territory=elsewhere))
    assert {c["data"].get("name") for c in outsider if c["data"]} >= {"Ailleurs"}
    assert "Mairie" not in {c["data"].get("name") for c in outsider if c["data"]}


def test_personal_data_changes_need_the_scope(api_client_factory):
    make_history()
    without, _ = follow(api_client_factory(scopes=("read",)))
    with_scope, _ = follow(api_client_factory(scopes=("read", "personal_data")))
    assert "personaldata" not in {c["type"] for c in without}
    assert "personaldata" in {c["type"] for c in with_scope}


def test_bad_cursor_and_limit_are_400_problems(full_client):
    for params, field in (
        ({"cursor": "%%%"}, "cursor"),
        ({"limit": "many"}, "limit"),
        ({"limit": 0}, "limit"),
    ):
        response = full_client.get(URL, params)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field


def test_feed_needs_a_key(anon_client):
    assert anon_client.get(URL).status_code == 401


@pytest.mark.postgres
def test_a_transaction_that_commits_late_is_not_skipped(full_client):
    """Writer A inserts first and commits last; the reader in between must not pass it."""
    TerritoryFactory(code="SETUP")
    _setup, cursor = follow(full_client)
    a_wrote, b_committed, a_may_commit = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def writer_a():
        try:
            with transaction.atomic():
                ActorFactory(name="Écrit d'abord, validé en dernier")
                a_wrote.set()
                assert a_may_commit.wait(20)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    def writer_b():
        try:
            assert a_wrote.wait(20)
            ActorFactory(name="Écrit ensuite, validé d'abord")
            b_committed.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for t in threads:
        t.start()
    assert b_committed.wait(20)
    seen_first, cursor = follow(full_client, cursor)
    a_may_commit.set()
    for t in threads:
        t.join(20)
    assert not errors
    seen_later, _ = follow(full_client, cursor)
    assert [c["data"]["name"] for c in seen_first] == ["Écrit ensuite, validé d'abord"]
    assert [c["data"]["name"] for c in seen_later] == ["Écrit d'abord, validé en dernier"]
    # And by id, the late one came first: an id cursor would have skipped it.
    assert seen_later[0]["id"] < seen_first[0]["id"]


def test_replaying_a_merge_from_the_feed_gives_the_merged_state(full_client):
    from registry.models import ChangeRecord

    _region, commune = make_history()
    survivor = actors.actor_create(
        kind="person",
        category="resident",
        name="Albane Richer",
        territory=commune,
        personal_data={
            "email": "a@example.org",
            "lawful_basis": "consent",
            "retention_until": "2030-01-01",
        },
    )
    merged = actors.actor_create(
        kind="person",
        category="resident",
        name="RICHER Albane",
        territory=commune,
        identifiers=[{"scheme": "rne", "value": "RNE-77"}],
        personal_data={"phone": "0611", "lawful_basis": "consent", "retention_until": "2031-01-01"},
    )
    body = BodyFactory(territory=commune)
    memberships.membership_create(actor=survivor, body=body, start_date=dt.date(2024, 1, 1))
    memberships.membership_create(actor=merged, body=body, start_date=dt.date(2023, 1, 1))
    _before, cursor = follow(full_client)
    merged_id = merged.pk
    response = full_client.post(
        f"/api/actors/{merged_id}/merge/", {"into": survivor.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    changes, _ = follow(full_client)
    assert replay(changes) == database_state()
    merge_changes, _ = follow(full_client, cursor)
    assert merge_changes[-1]["action"] == "merge"
    assert (merge_changes[-1]["type"], merge_changes[-1]["id"], merge_changes[-1]["data"]) == (
        "actor",
        merged_id,
        {"merged_into": survivor.pk},
    )
    # one change: one request, one transaction
    assert len({c["request_id"] for c in merge_changes}) == 1
    rows = ChangeRecord.objects.filter(request_id=merge_changes[0]["request_id"])
    assert len({r.commit_seq for r in rows}) == 1
    assert ("delete", "actor", merged_id) in {
        (c["action"], c["type"], c["id"]) for c in merge_changes
    }
