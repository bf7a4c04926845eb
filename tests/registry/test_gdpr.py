"""GDPR services: the right of access export, erasure (history included) and retention."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import orjson
import pytest
from django.core.management import CommandError, call_command

from registry import tracking
from registry.models import (
    Actor,
    ActorIdentifier,
    ActorOtherName,
    Attendance,
    ChangeRecord,
    Interaction,
    Membership,
    PersonalData,
)
from registry.services import actors as actor_services
from registry.services import gdpr
from registry.services.activity import attendance_set
from tests.factories import (
    ActorFactory,
    BodyFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db

# An invented family name that no shipped text holds ("Martin" is in "Saint-Martin").
NAME, GIVEN, FAMILY = "Claire Vaudrimont", "Claire", "Vaudrimont"
EMAIL, PHONE = "claire.vaudrimont@example.org", "+33 6 12 34 56 78"
ADDRESS, OLD_EMAIL = "12 rue des Lilas, 28000 Chartres", "c.vaudrimont@old.example.org"
OTHER_NAME, RNE, EXTERNAL = "Claire Dupont-Vaudrimont", "RNE-445566", "CRM-9911"
SECRETS = (NAME, GIVEN, FAMILY, EMAIL, PHONE, ADDRESS, OLD_EMAIL, OTHER_NAME, RNE, EXTERNAL)


def make_person(*, retention=dt.date(2030, 1, 1), name=NAME, email=EMAIL, **extra):
    return actor_services.actor_create(
        kind="person",
        category="elected_official",
        name=name,
        given_name=extra.pop("given_name", GIVEN),
        family_name=extra.pop("family_name", FAMILY),
        description=f"{name}, adjointe au maire",
        identifiers=extra.pop("identifiers", [{"scheme": "rne", "value": RNE}]),
        other_names=extra.pop("other_names", [{"name": OTHER_NAME, "note": "maiden name"}]),
        personal_data={
            "email": email,
            "phone": PHONE,
            "postal_address": ADDRESS,
            "gender": "female",
            "birth_year": 1971,
            "lawful_basis": "public_task",
            "retention_until": retention,
        },
        **extra,
    )


@pytest.fixture
def person():
    """A person with history: a changed email, a replaced identifier, ties and seats."""
    actor = make_person()
    actor_services.actor_personal_data_set(actor=actor, email=OLD_EMAIL)
    actor_services.actor_personal_data_set(actor=actor, email=EMAIL)
    actor_services.actor_identifiers_set(
        actor=actor,
        identifiers=[
            {"scheme": "rne", "value": RNE},
            {"scheme": "external", "issuer": "crm", "value": EXTERNAL},
        ],
    )
    actor_services.actor_update(actor=actor, name=f"{NAME} ")  # a rename, in the ledger
    actor_services.actor_update(actor=actor, name=NAME)
    body = BodyFactory(name="Conseil de quartier Centre")
    MembershipFactory(actor=actor, body=body, role="president")
    MembershipFactory(actor=actor, body=BodyFactory(), start_date=dt.date(2020, 1, 1))
    meeting = MeetingFactory(body=body)
    attendance_set(meeting=meeting, attendance={actor: "present"})
    org = OrganizationFactory(name="Association des Lilas")
    InteractionFactory(source=actor, target_actor=org, weight=4)
    InteractionFactory(source=ActorFactory(name="Bernard Petit"), target_actor=actor)
    actor.refresh_from_db()
    return actor


def structure_of(actor) -> dict:
    return {
        "memberships": sorted(
            Membership.objects.filter(actor=actor).values_list(
                "id", "body_id", "role", "start_date", "end_date"
            )
        ),
        "attendances": sorted(
            Attendance.objects.filter(actor=actor).values_list("id", "meeting_id", "status")
        ),
        "interactions": sorted(
            Interaction.objects.filter(source=actor).values_list("id", "target_actor_id", "weight")
        )
        + sorted(Interaction.objects.filter(target_actor=actor).values_list("id", "source_id")),
    }


def everything_as_text() -> str:
    """Every row that could hold the person: actors, their dependents and the whole ledger."""
    rows = [
        *Actor.objects.values(),
        *PersonalData.objects.values(),
        *ActorIdentifier.objects.values(),
        *ActorOtherName.objects.values(),
        *Membership.objects.values(),
        *Interaction.objects.values(),
        *ChangeRecord.objects.values("object_repr", "before", "after", "reason"),
    ]
    return orjson.dumps(rows, default=str).decode()


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


# --- export --------------------------------------------------------------------------


def test_export_holds_everything_about_the_person_in_a_stable_order(person):
    data = gdpr.person_export(actor=person)
    assert data["format"] == gdpr.EXPORT_FORMAT and data["version"] == 1
    assert data["actor"]["id"] == person.pk
    assert data["actor"]["name"] == NAME and data["actor"]["family_name"] == FAMILY
    assert [(i["scheme"], i["value"]) for i in data["identifiers"]] == [
        ("external", EXTERNAL),
        ("rne", RNE),
    ]
    assert [o["name"] for o in data["other_names"]] == [OTHER_NAME]
    assert data["personal_data"]["email"] == EMAIL
    assert data["personal_data"]["birth_year"] == 1971
    assert data["personal_data"]["retention_until"] == "2030-01-01"
    assert [m["start_date"] for m in data["memberships"]] == ["2020-01-01", "2024-01-01"]
    assert data["memberships"][1]["body"]["name"] == "Conseil de quartier Centre"
    assert data["memberships"][1]["role"] == "president"
    assert [a["status"] for a in data["attendances"]] == ["present"]
    roles = [(i["role"], i["weight"]) for i in data["interactions"]]
    assert roles == [("source", 4), ("target", 1)]
    # Organizations are named, other persons are not (their names are theirs).
    assert data["interactions"][0]["target_actor"]["name"] == "Association des Lilas"
    assert "name" not in data["interactions"][1]["source"]
    assert "Bernard Petit" not in orjson.dumps(data).decode()
    # The ledger rows about the person, its data and its structure, oldest first,
    # including the old email and the identifier it no longer has.
    changes = data["changes"]
    assert [c["id"] for c in changes] == sorted(c["id"] for c in changes)
    types = {c["type"] for c in changes}
    assert {"actor", "personaldata", "actoridentifier", "actorothername"} <= types
    assert {"membership", "attendance", "interaction"} <= types
    assert OLD_EMAIL in orjson.dumps(changes).decode()
    # JSON-ready and deterministic.
    assert orjson.loads(orjson.dumps(data)) == data
    assert gdpr.person_export(actor=person) == data


def test_export_refuses_an_organization():
    with pytest.raises(gdpr.NotAPerson):
        gdpr.person_export(actor=OrganizationFactory())


# --- erasure -------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_person_and_keeps_the_structure(person):
    before = structure_of(person)
    assert leaks(everything_as_text()), "the fixture must hold the secrets to begin with"
    result = gdpr.actor_erase(actor=person, reason="request of the person, ticket 42")
    person.refresh_from_db()
    assert person.is_pseudonymised
    assert person.name == result.pseudonym and person.name.startswith("Personne anonymisée #")
    assert len(person.name.removeprefix(gdpr.PSEUDONYM_PREFIX)) == 12  # random, not an id
    assert (person.given_name, person.family_name, person.description) == ("", "", "")
    assert not PersonalData.objects.filter(actor=person).exists()
    assert not ActorIdentifier.objects.filter(actor=person).exists()
    assert not ActorOtherName.objects.filter(actor=person).exists()
    assert leaks(everything_as_text()) == []
    assert structure_of(person) == before
    assert (result.memberships_kept, result.attendances_kept, result.interactions_kept) == (
        2,
        1,
        2,
    )
    assert result.personal_data_deleted and result.identifiers_deleted == 2
    assert result.other_names_deleted == 1 and result.ledger_rows_rewritten > 0
    # The erasure is itself recorded, with the pseudonym and never the erased values.
    erasure = ChangeRecord.objects.filter(model="registry.actor", object_id=person.pk).last()
    assert erasure.action == "update"
    assert erasure.reason == "GDPR erasure: request of the person, ticket 42"
    assert erasure.after["is_pseudonymised"] is True
    assert erasure.after["name"] == erasure.before["name"] == result.pseudonym
    tombstones = ChangeRecord.objects.filter(action="delete", reason=erasure.reason)
    assert {t.model for t in tombstones} == {
        "registry.personaldata",
        "registry.actoridentifier",
        "registry.actorothername",
    }
    # Other actors are untouched.
    assert Actor.objects.filter(name="Bernard Petit").exists()
    assert Actor.objects.filter(name="Association des Lilas").exists()


def test_erasing_twice_says_already_erased_and_keeps_the_pseudonym(person):
    first = gdpr.actor_erase(actor=person, reason="asked")
    count = ChangeRecord.objects.count()
    with pytest.raises(gdpr.AlreadyErased):
        gdpr.actor_erase(actor=person, reason="asked again")
    assert ChangeRecord.objects.count() == count
    # Data added after an erasure is erased again, under the same pseudonym.
    actor_services.actor_personal_data_set(
        actor=person, email="new@example.org", lawful_basis="consent", retention_until="2031-1-1"
    )
    again = gdpr.actor_erase(actor=person, reason="asked again")
    assert again.pseudonym == first.pseudonym
    assert "new@example.org" not in everything_as_text()


def test_erasure_refuses_an_organization_and_an_empty_reason(person):
    org = OrganizationFactory(name="Mairie")
    with pytest.raises(gdpr.NotAPerson) as error:
        gdpr.actor_erase(actor=org, reason="x")
    assert error.value.status == 422 and error.value.code == "not-a-person"
    with pytest.raises(gdpr.InvalidInput):
        gdpr.actor_erase(actor=person, reason="  ")
    org.refresh_from_db()
    assert org.name == "Mairie" and not org.is_pseudonymised


def test_erasure_is_all_or_nothing(person, monkeypatch):
    snapshot = everything_as_text()
    count = ChangeRecord.objects.count()

    def fail(**kwargs):
        raise RuntimeError("disk full")

    # The actor, its data and the tombstones are written by then: all must roll back.
    monkeypatch.setattr(gdpr, "_rewrite_ledger", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        gdpr.actor_erase(actor=person, reason="asked")
    assert everything_as_text() == snapshot
    assert ChangeRecord.objects.count() == count
    person.refresh_from_db()
    assert person.name == NAME and not person.is_pseudonymised


def test_export_of_an_erased_person_holds_nothing_personal(person):
    gdpr.actor_erase(actor=person, reason="asked")
    data = gdpr.person_export(actor=person)
    assert data["personal_data"] is None
    assert data["identifiers"] == [] and data["other_names"] == []
    assert len(data["memberships"]) == 2
    assert leaks(orjson.dumps(data).decode()) == []


# --- retention -----------------------------------------------------------------------


@pytest.fixture
def retention_people():
    expired = make_person(
        retention=dt.date(2025, 12, 31),
        identifiers=[],
        other_names=[],
    )
    MembershipFactory(actor=expired)
    today = make_person(
        name="Paul Durand",
        given_name="Paul",
        family_name="Durand",
        email="paul@example.org",
        retention=dt.date(2026, 1, 1),
        identifiers=[],
        other_names=[],
    )
    later = make_person(
        name="Léa Roux",
        given_name="Léa",
        family_name="Roux",
        email="lea@example.org",
        retention=dt.date(2027, 6, 1),
        identifiers=[],
        other_names=[],
    )
    without_data = ActorFactory(name="Sans Données")
    return expired, today, later, without_data


def test_retention_erases_only_persons_past_their_date(retention_people):
    expired, today, later, without_data = retention_people
    results = gdpr.retention_apply(today=dt.date(2026, 1, 1))
    assert [r.actor_id for r in results] == [expired.pk]
    for actor in retention_people:
        actor.refresh_from_db()
    assert expired.is_pseudonymised and Membership.objects.filter(actor=expired).count() == 1
    assert not any(a.is_pseudonymised for a in (today, later, without_data))
    assert NAME not in everything_as_text() and EMAIL not in everything_as_text()
    assert "paul@example.org" in everything_as_text()
    # A second run finds nobody left to erase.
    assert gdpr.retention_apply(today=dt.date(2026, 1, 1)) == []


def test_apply_retention_command_dry_run_erases_nothing(retention_people):
    expired, *_ = retention_people
    count = ChangeRecord.objects.count()
    out = StringIO()
    call_command("apply_retention", "--dry-run", "--date", "2026-06-01", stdout=out)
    text = out.getvalue()
    assert f"would erase actor {expired.pk}" in text and "2 person(s)" in text
    assert NAME not in text
    assert ChangeRecord.objects.count() == count
    assert not Actor.objects.filter(is_pseudonymised=True).exists()


def test_apply_retention_command_erases_and_prints_ids_and_count(retention_people):
    expired, today, later, _without = retention_people
    out = StringIO()
    call_command("apply_retention", "--date", "2026-06-01", stdout=out)
    text = out.getvalue()
    assert f"erased actor {expired.pk}" in text and f"erased actor {today.pk}" in text
    assert "2 person(s) erased" in text
    assert NAME not in text and "Paul Durand" not in text
    assert set(Actor.objects.filter(is_pseudonymised=True).values_list("pk", flat=True)) == {
        expired.pk,
        today.pk,
    }
    vias = set(
        ChangeRecord.objects.filter(reason__startswith="GDPR erasure").values_list("via", flat=True)
    )
    assert vias == {"command"}


def test_apply_retention_command_refuses_a_bad_date():
    with pytest.raises(CommandError, match=r"^--date 'tomorrow': Give a date as YYYY-MM-DD"):
        call_command("apply_retention", "--date", "tomorrow", stdout=StringIO())


def test_untracked_writes_are_still_refused_after_an_erasure(person):
    gdpr.actor_erase(actor=person, reason="asked")
    with pytest.raises(tracking.UntrackedWriteError):
        person.save()


# --- merged records ------------------------------------------------------------------------

MERGED_NAME, MERGED_EMAIL, MERGED_RNE = (
    "Claire Vaudrimont-Dupont",
    "claire.md@example.org",
    "RNE-990011",
)


def test_erasing_the_survivor_erases_what_came_from_the_merged_record(person):
    from registry.models.merge import ActorMerge
    from registry.services.merge import actor_merge

    merged = actor_services.actor_create(
        kind="person",
        category="elected_official",
        name=MERGED_NAME,
        identifiers=[{"scheme": "rne", "value": MERGED_RNE}],
        personal_data={
            "email": MERGED_EMAIL,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    actor_services.actor_update(actor=merged, description=f"{MERGED_NAME}, conseillère")
    merged_id = merged.pk
    actor_merge(actor=merged, into=person)
    secrets = (*SECRETS, MERGED_NAME, MERGED_EMAIL, MERGED_RNE)
    text = everything_as_text() + orjson.dumps(list(ActorMerge.objects.values())).decode()
    assert {MERGED_NAME, MERGED_EMAIL, MERGED_RNE} <= {s for s in secrets if s in text}
    exported = orjson.dumps(gdpr.person_export(actor=person)).decode()
    assert MERGED_EMAIL in exported  # the merged record's history is part of the person's
    result = gdpr.actor_erase(actor=person, reason="ticket 43")
    text = everything_as_text() + orjson.dumps(list(ActorMerge.objects.values())).decode()
    assert [s for s in secrets if s in text] == []
    assert ActorMerge.objects.get(merged_id=merged_id).merged_name == result.pseudonym
    assert ChangeRecord.objects.filter(model="registry.actor", object_id=merged_id).exists()
    with pytest.raises(gdpr.AlreadyErased):
        gdpr.actor_erase(actor=person, reason="again")
