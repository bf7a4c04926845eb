"""membership_sync takes typed entries; the apply step's database refusals name the entry."""

import datetime as dt

import pytest

from registry.exceptions import InvalidInput
from registry.identifiers import normalise
from registry.models import Actor, ActorIdentifier, ChangeRecord, Membership
from registry.services import bodies
from registry.services.actors import actor_identifier_add
from registry.services.sync import MemberEntry, NewActor, membership_sync
from registry.services.sync import plan as sync_plan
from tests.factories import ActorFactory, MembershipFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 1)


@pytest.fixture
def body():
    return bodies.body_create(
        name="Conseil citoyen", body_type="conseil_citoyen", territory=TerritoryFactory()
    )


def state():
    return tuple(m.objects.count() for m in (Membership, Actor, ActorIdentifier, ChangeRecord))


def test_identifier_keys_are_the_normalised_ones(body):
    person = ActorFactory()
    actor_identifier_add(actor=person, scheme="external", value="F9")
    entry = MemberEntry(identifier=normalise(" External ", " F9 "))
    result = membership_sync(body=body, members=[entry], effective_date=DAY)
    assert [c["actor"] for c in result.created] == [person.pk]


def test_python_callers_pass_typed_values_not_text(body):
    with pytest.raises(TypeError):
        membership_sync(body=body, members=[{"actor": "3"}], effective_date=DAY)
    with pytest.raises(TypeError):
        membership_sync(body=body, members=[{"actor": True}], effective_date=DAY)


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_database_refusal_while_applying_names_the_entry_and_writes_nothing(
    body, monkeypatch, dry_run
):
    # A race: another writer took the external id between the checks and the insert.
    monkeypatch.setattr(sync_plan, "_check_external_ids_free", lambda *a, **k: None)
    MembershipFactory(
        body=body, external_id="X", start_date=dt.date(2020, 1, 1), end_date=dt.date(2021, 1, 1)
    )
    before = state()
    entries = [
        MemberEntry(actor=ActorFactory().pk, external_id="A"),
        MemberEntry(
            new_actor=NewActor(
                kind="person",
                category="resident",
                name="Inès",
                identifiers=(normalise("external", "N-1"),),
            ),
            external_id="X",
        ),
    ]
    before = state()
    with pytest.raises(InvalidInput) as excinfo:
        membership_sync(body=body, members=entries, effective_date=DAY, dry_run=dry_run)
    assert list(excinfo.value.errors) == ["members.1.non_field_errors"]
    assert state() == before


def test_a_dry_run_is_the_real_run_rolled_back(body):
    a = ActorFactory()
    entries = [
        MemberEntry(actor=a.pk),
        MemberEntry(new_actor=NewActor(kind="person", category="resident", name="Inès")),
    ]
    before = state()
    dry = membership_sync(body=body, members=entries, effective_date=DAY, dry_run=True)
    assert state() == before
    real = membership_sync(body=body, members=entries, effective_date=DAY)
    assert [(c["id"], c["actor"]) for c in dry.created] == [(None, a.pk), (None, None)]
    assert [c["index"] for c in dry.created] == [c["index"] for c in real.created]
    assert all(c["id"] for c in real.created)


def test_a_members_file_finds_an_actor_by_its_identifier_written_with_spaces(tmp_path, body):
    from registry.importers.spreadsheet import import_members

    org = ActorFactory(kind="organization", category="association", name="Les Amis")
    actor_identifier_add(actor=org, scheme="siren", value="123456789")
    path = tmp_path / "membres.csv"
    path.write_text(
        "schéma;identifiant;nom;type;catégorie\nsiren; 123 456 789 ;Les Amis;organisation;association\n"
    )
    before = Actor.objects.count()
    from api.resources.members import parse_member_entries

    result = import_members(path, body=body, effective_date=DAY, parse_entries=parse_member_entries)
    assert [c["actor"] for c in result.result.created] == [org.pk]
    assert Actor.objects.count() == before
