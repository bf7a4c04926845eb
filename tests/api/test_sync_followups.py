"""Follow-ups of the member sync: a new actor's kind and category are needed only to
create it, and an inline identifier held out of a scoped key's reach is no oracle."""

from __future__ import annotations

import io
import logging

import orjson
import pytest
from django.urls import reverse

from registry import tracking
from registry.models import Actor, ActorIdentifier, ChangeRecord, Membership
from tests.api.export_world import (
    build_world,
    current_members,
    members_url,
    read_csv,
    write_csv,
)
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def import_url(body) -> str:
    return reverse("body-members-import", kwargs={"pk": body.pk})


def upload(client, url: str, content: bytes, language: str, *, dry_run=False):
    file = io.BytesIO(content)
    file.name = "membres.csv"
    query = "?dry_run=true" if dry_run else ""
    return client.post(
        url + query, {"file": file}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["detail"] for e in orjson.loads(response.content)["errors"]}


def sync(client, body, members, *, language="en", dry_run=False):
    url = members_url(body) + ("?dry_run=true" if dry_run else "")
    return client.put(url, {"members": members}, format="json", HTTP_ACCEPT_LANGUAGE=language)


def written(body) -> tuple:
    return (Actor.objects.count(), current_members(body), ChangeRecord.objects.count())


# --- 1. kind and category: only to create ------------------------------------------------

#: (language, family-name header, given-name header, where the newcomer's problem is, says)
NAME_ONLY_FILES = [
    (
        "fr",
        "Nom",
        "Prénom",
        "ligne 6, colonne « Catégorie »",
        ["aucun membre actuel ou passé", "le fichier n'a pas de colonne « Catégorie »"],
    ),
    (
        "en",
        "Last name",
        "First name",
        "row 6, column 'Category'",
        ["no current or past member", "the file has no column 'Category'"],
    ),
]


@pytest.mark.parametrize(("language", "family", "given", "where", "says"), NAME_ONLY_FILES)
def test_a_names_only_member_file_imports_unchanged_and_a_newcomer_needs_a_category(
    full_client, world, language, family, given, where, says
):
    # The usual mairie file: the body's members exported, then only the name columns kept.
    exported = full_client.get(
        members_url(world.body) + "?format=csv", HTTP_ACCEPT_LANGUAGE=language
    )
    _delimiter, rows = read_csv(exported.content)
    headers = rows[0]
    by_field = {"family": "Nom de famille", "given": "Prénom"}
    if language == "en":
        by_field = {"family": "Family name", "given": "Given name"}
    columns = [headers.index(by_field["family"]), headers.index(by_field["given"])]
    names_only = [[family, given]] + [[row[i] for i in columns] for row in rows[1:]]
    assert len(names_only) == 5 and all(all(cells) for cells in names_only)
    before = written(world.body)
    content = write_csv(names_only, french=language == "fr")
    for dry_run in (True, False):
        response = upload(full_client, import_url(world.body), content, language, dry_run=dry_run)
        assert response.status_code == 200, response.content
        result = response.json()
        assert result["created"] == result["updated"] == result["ended"] == []
        assert len(result["unchanged"]) == 4
    assert written(world.body) == before
    # A newcomer (nobody of that name in the body) cannot be created without a category:
    # one clear problem on its row, by the column the file lacks, and nothing written.
    with_newcomer = write_csv([*names_only, ["Durand", "Zoé"]], french=language == "fr")
    response = upload(full_client, import_url(world.body), with_newcomer, language)
    assert response.status_code == 422, response.content
    errors = errors_of(response)
    assert list(errors) == [where], errors
    for words in says:
        assert words in errors[where]
    assert written(world.body) == before
    assert not Actor.objects.filter(family_name="Durand").exists()


def test_json_new_actor_by_name_only_resolves_to_the_current_members(full_client, world):
    members = [
        {"new_actor": {"name": a.name}}
        for a in (world.lea, world.jean, world.nadia, world.outsider)
    ]
    before = written(world.body)
    response = sync(full_client, world.body, members)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["updated"] == result["ended"] == []
    assert len(result["unchanged"]) == 4
    assert written(world.body) == before


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "no current or past member of the body matched the entry"),
        ("fr", "aucun membre actuel ou passé de l'instance ne correspond à l'entrée"),
    ],
)
def test_json_newcomer_without_kind_and_category_names_both(full_client, world, language, says):
    members = [{"actor": a.pk} for a in (world.lea, world.jean, world.nadia, world.outsider)]
    members.append({"new_actor": {"name": "Zoé Durand"}})
    before = written(world.body)
    response = sync(full_client, world.body, members, language=language)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = errors_of(response)
    assert set(errors) == {"members.4.new_actor.kind", "members.4.new_actor.category"}
    assert all(says in message for message in errors.values())
    assert written(world.body) == before
    # Given, they create the newcomer.
    members[-1]["new_actor"].update(kind="person", category="resident")
    response = sync(full_client, world.body, members)
    assert response.status_code == 200, response.content
    assert [c["name"] for c in response.json()["created"]] == ["Zoé Durand"]


def test_new_actor_without_kind_is_still_ambiguous_between_two_candidates(full_client, world):
    # Without a kind, members of any kind are candidates: two of one name are a 422.
    twin = ActorFactory(name="Jean Morel", territory=world.commune)
    members = [{"actor": a.pk} for a in (world.lea, world.jean, world.nadia, world.outsider)]
    members.append({"actor": twin.pk})
    assert sync(full_client, world.body, members).status_code == 200
    members[1] = {"new_actor": {"name": "jean MOREL"}}
    response = sync(full_client, world.body, members)
    assert response.status_code == 422, response.content
    message = errors_of(response)["members.1.new_actor"]
    assert str(world.jean.pk) in message and str(twin.pk) in message


# --- 2. an identifier held out of reach: as a free one -----------------------------------


@pytest.fixture
def hidden(world):
    """An actor of another region, out of a commune key's reach, not in the body."""
    actor = ActorFactory(name="Personne Lointaine", territory=world.elsewhere)
    tracking.create(ActorIdentifier(actor=actor, scheme="rne", value="RNE-9001"))
    return actor


def members_with_newcomer(world, value: str) -> list[dict]:
    members = [{"actor": a.pk} for a in (world.lea, world.jean, world.nadia, world.outsider)]
    members.append(
        {
            "new_actor": {
                "kind": "person",
                "category": "resident",
                "name": "Zoé Durand",
                "identifiers": [{"scheme": "rne", "value": value}],
            }
        }
    )
    return members


def without_ids(result: dict) -> dict:
    out = dict(result)
    out["created"] = [
        {k: v for k, v in c.items() if k not in ("id", "actor")} for c in out["created"]
    ]
    out.pop("dry_run")
    return out


def test_an_identifier_held_out_of_reach_answers_as_a_free_one(
    api_client_factory, world, hidden, caplog
):
    client = api_client_factory(territory=world.commune)
    held = sync(client, world.body, members_with_newcomer(world, "RNE-9001"), dry_run=True)
    free = sync(client, world.body, members_with_newcomer(world, "RNE-9002"), dry_run=True)
    assert held.status_code == free.status_code == 200, held.content
    assert held.json() == free.json()
    caplog.set_level(logging.WARNING, logger="registry.services.sync")
    caplog.clear()  # the dry runs logged too (the same run, rolled back)
    real = sync(client, world.body, members_with_newcomer(world, "RNE-9001"))
    assert real.status_code == 200, real.content
    assert without_ids(real.json()) == without_ids(free.json())
    assert hidden.name not in real.content.decode()
    created = Actor.objects.get(name="Zoé Durand")
    assert real.json()["created"][0]["actor"] == created.pk
    # Created without the identifier (another actor holds it), the collision logged.
    assert not created.identifiers.exists()
    assert ActorIdentifier.objects.get(scheme="rne", value="RNE-9001").actor_id == hidden.pk
    logged = [r.getMessage() for r in caplog.records if "RNE-9001" in r.getMessage()]
    assert len(logged) == 1 and str(hidden.pk) in logged[0] and str(created.pk) in logged[0]
    # Sent again, the newcomer is found by name: an empty diff.
    again = sync(client, world.body, members_with_newcomer(world, "RNE-9001"))
    result = again.json()
    assert result["created"] == result["updated"] == result["ended"] == []


def test_an_identifier_held_within_reach_is_its_holder(api_client_factory, world):
    # The other side of the rule: a holder the key may name is the member (no creation).
    client = api_client_factory(territory=world.commune)
    members = members_with_newcomer(world, "RNE-4471")  # Léa's identifier
    members.pop(0)
    response = sync(client, world.body, members)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["ended"] == []
    assert not Actor.objects.filter(name="Zoé Durand").exists()


def test_a_member_file_row_with_an_identifier_held_out_of_reach_answers_as_a_free_one(
    api_client_factory, world, hidden
):
    client = api_client_factory(territory=world.commune)
    exported = client.get(members_url(world.body) + "?format=csv", HTTP_ACCEPT_LANGUAGE="fr")
    _delimiter, rows = read_csv(exported.content)
    headers = rows[0]

    def newcomer(value: str) -> list[str]:
        cells = dict.fromkeys(headers, "")
        cells.update(
            {
                "Nom complet": "Zoé Durand",
                "Type": "personne",
                "Catégorie": "habitant",
                "Type d'identifiant": "rne",
                "Identifiant": value,
            }
        )
        return [cells[h] for h in headers]

    answers = []
    for value in ("RNE-9001", "RNE-9002"):
        content = write_csv([*rows, newcomer(value)], french=True)
        response = upload(client, import_url(world.body), content, "fr", dry_run=True)
        assert response.status_code == 200, response.content
        answers.append(response.json())
    assert answers[0] == answers[1]
    assert [c["name"] for c in answers[0]["created"]] == ["Zoé Durand"]
    assert hidden.name not in str(answers[0])
    content = write_csv([*rows, newcomer("RNE-9001")], french=True)
    assert upload(client, import_url(world.body), content, "fr").status_code == 200
    created = Actor.objects.get(name="Zoé Durand")
    assert not created.identifiers.exists()
    assert Membership.objects.filter(body=world.body, actor=created, end_date=None).exists()
