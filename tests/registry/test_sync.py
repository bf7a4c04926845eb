"""Membership sync: the stored current members become exactly the list sent."""

import datetime as dt

import pytest

from registry.exceptions import InvalidInput
from registry.models import ChangeRecord, Membership
from registry.services import actors, bodies
from registry.services.sync import membership_sync
from tests.factories import ActorFactory, BodyFactory, MembershipFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

D = dt.date
DAY = D(2026, 3, 1)


@pytest.fixture
def body():
    return bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=TerritoryFactory(),
        seats=3,
        parity_rule="max_gap_1",
        colleges=[
            {"name": "Habitants", "seats": 2, "selection_mode": "lot"},
            {"name": "Acteurs locaux", "seats": 1, "selection_mode": "volunteer"},
        ],
    )


def test_first_sync_creates_every_member_with_the_college_mode(body):
    a, b = ActorFactory(), ActorFactory()
    result = membership_sync(
        body=body,
        members=[
            {"actor": a.pk, "college": "Habitants", "external_id": "X1"},
            {"actor": b.pk, "college": "Acteurs locaux", "role": "president"},
        ],
        effective_date=DAY,
    )
    assert [c["actor"] for c in result.created] == [a.pk, b.pk]
    assert (result.updated, result.ended, result.unchanged) == ([], [], [])
    m = Membership.objects.get(actor=a)
    assert (m.start_date, m.selection_mode, m.external_id) == (DAY, "lot", "X1")
    assert Membership.objects.get(actor=b).role == "president"


def test_same_list_twice_gives_an_empty_diff_and_writes_nothing(body):
    a = ActorFactory()
    members = [{"actor": a.pk, "college": "Habitants"}]
    membership_sync(body=body, members=members, effective_date=DAY)
    before = ChangeRecord.objects.count()
    updated_at = Membership.objects.get().updated_at
    result = membership_sync(body=body, members=members, effective_date=D(2026, 4, 1))
    assert result.is_empty
    assert len(result.unchanged) == 1
    assert ChangeRecord.objects.count() == before
    assert Membership.objects.get().updated_at == updated_at


def test_absent_members_are_ended_and_changed_ones_updated(body):
    stay, leave = ActorFactory(), ActorFactory()
    membership_sync(
        body=body,
        members=[{"actor": stay.pk, "college": "Habitants"}, {"actor": leave.pk}],
        effective_date=DAY,
    )
    later = D(2026, 9, 1)
    result = membership_sync(
        body=body,
        members=[{"actor": stay.pk, "college": "Acteurs locaux"}],
        effective_date=later,
        end_reason="resigned",
    )
    assert [e["actor"] for e in result.ended] == [leave.pk]
    assert result.updated[0]["changes"]["college"] == body.colleges.get(name="Acteurs locaux").pk
    gone = Membership.objects.get(actor=leave)
    assert (gone.end_date, gone.end_reason) == (later, "resigned")


def test_members_by_identifier_and_created_inline(body):
    org = actors.actor_create(
        kind="organization",
        category="association",
        name="Régie de quartier",
        identifiers=[{"scheme": "rna", "value": "W951000123"}],
    )
    result = membership_sync(
        body=body,
        members=[
            {"identifier": {"scheme": "rna", "value": "W951000123"}},
            {"new_actor": {"kind": "person", "category": "resident", "name": "Inès Roux"}},
        ],
        effective_date=DAY,
    )
    assert len(result.created) == 2
    assert Membership.objects.filter(actor=org).exists()
    newcomer = Membership.objects.exclude(actor=org).get().actor
    assert (newcomer.name, newcomer.territory_id) == ("Inès Roux", body.territory_id)


def test_one_bad_entry_writes_nothing_and_names_each_bad_index(body):
    a = ActorFactory()
    with pytest.raises(InvalidInput) as excinfo:
        membership_sync(
            body=body,
            members=[
                {"actor": a.pk},
                {"actor": 999999},
                {"actor": a.pk, "college": "Nope"},
                {"identifier": {"scheme": "rna", "value": "W0"}},
                {"actor": a.pk, "role": "emperor"},
            ],
            effective_date=DAY,
        )
    errors = excinfo.value.errors
    assert set(errors) >= {
        "members.1.actor",
        "members.2.college",
        "members.3.identifier",
        "members.4.role",
    }
    assert Membership.objects.count() == 0


def test_duplicate_actor_and_role_is_refused(body):
    a = ActorFactory()
    with pytest.raises(InvalidInput) as excinfo:
        membership_sync(body=body, members=[{"actor": a.pk}, {"actor": a.pk}], effective_date=DAY)
    assert "members.1.actor" in excinfo.value.errors


def test_dry_run_returns_the_diff_and_writes_nothing(body):
    a = ActorFactory()
    before = ChangeRecord.objects.count()
    result = membership_sync(body=body, members=[{"actor": a.pk}], effective_date=DAY, dry_run=True)
    assert result.dry_run and len(result.created) == 1
    assert Membership.objects.count() == 0
    assert ChangeRecord.objects.count() == before


def test_rules_broken_are_warnings_not_refusals(body):
    from registry.services.actors import actor_personal_data_set

    women = [ActorFactory() for _ in range(3)]
    for w in women:
        actor_personal_data_set(
            actor=w, gender="female", lawful_basis="public_task", retention_until=D(2030, 1, 1)
        )
    extra = ActorFactory()
    result = membership_sync(
        body=body,
        members=[{"actor": w.pk, "college": "Habitants"} for w in women] + [{"actor": extra.pk}],
        effective_date=DAY,
    )
    codes = {w["code"] for w in result.warnings}
    assert codes == {"seats-exceeded", "college-seats-exceeded", "parity-breach"}
    assert Membership.objects.count() == 4


def test_new_seat_overlapping_a_future_membership_is_refused(body):
    a = ActorFactory()
    future = MembershipFactory(actor=a, body=body, start_date=D(2026, 6, 1))
    with pytest.raises(InvalidInput) as excinfo:
        membership_sync(body=body, members=[{"actor": a.pk}], effective_date=DAY)
    assert f"membership {future.pk}" in excinfo.value.errors["members.0.start_date"][0]


def test_sync_does_not_touch_other_bodies():
    body_a, body_b = BodyFactory(), BodyFactory()
    other = MembershipFactory(body=body_b)
    membership_sync(body=body_a, members=[], effective_date=DAY)
    other.refresh_from_db()
    assert other.end_date is None


# --- absent means keep (issue 11) -------------------------------------------------------


def test_a_field_absent_from_an_entry_keeps_the_stored_value(body):
    a = ActorFactory(name="Héloïse Garnier")
    org = ActorFactory(kind="organization", category="association", name="Amicale")
    full = {
        "actor": a.pk,
        "college": "Habitants",
        "role": "president",
        "on_behalf_of": org.pk,
        "external_id": "CQ-1",
    }
    membership_sync(body=body, members=[full], effective_date=DAY)
    before = ChangeRecord.objects.count()
    result = membership_sync(body=body, members=[{"actor": a.pk}], effective_date=D(2026, 4, 1))
    assert result.is_empty, result
    assert ChangeRecord.objects.count() == before
    seat = Membership.objects.get()
    assert (seat.college.name, seat.role, seat.on_behalf_of_id, seat.external_id) == (
        "Habitants",
        "president",
        org.pk,
        "CQ-1",
    )


def test_a_field_given_empty_clears_it_and_the_diff_names_old_and_new(body):
    a = ActorFactory(name="Héloïse Garnier")
    org = ActorFactory(kind="organization", category="association", name="Amicale")
    membership_sync(
        body=body,
        members=[
            {"actor": a.pk, "college": "Habitants", "on_behalf_of": org.pk, "external_id": "E"}
        ],
        effective_date=DAY,
    )
    habitants = body.colleges.get(name="Habitants").pk
    result = membership_sync(
        body=body,
        members=[{"actor": a.pk, "college": None, "on_behalf_of": None, "external_id": ""}],
        effective_date=D(2026, 4, 1),
        dry_run=True,
    )
    (updated,) = result.updated
    assert updated["name"] == "Héloïse Garnier"
    assert updated["changes"] == {"college": None, "on_behalf_of": None, "external_id": ""}
    assert updated["previous"] == {"college": habitants, "on_behalf_of": org.pk, "external_id": "E"}
    assert Membership.objects.get().college_id == habitants  # a dry run


def test_the_diff_names_created_and_ended_members(body):
    stay, leave = ActorFactory(name="Reste"), ActorFactory(name="Part")
    first = membership_sync(
        body=body, members=[{"actor": stay.pk}, {"actor": leave.pk}], effective_date=DAY
    )
    assert [c["name"] for c in first.created] == ["Reste", "Part"]
    result = membership_sync(body=body, members=[{"actor": stay.pk}], effective_date=D(2026, 4, 1))
    assert result.ended == [
        {
            "id": Membership.objects.get(actor=leave).pk,
            "actor": leave.pk,
            "name": "Part",
            "role": "member",
            "end_date": D(2026, 4, 1),
            "end_reason": "term_ended",
        }
    ]


# --- a stored end is never rewritten ------------------------------------------------------


def test_a_stored_end_is_kept_and_said_so(body):
    resigned = ActorFactory(name="Odile Marchand")
    stays = ActorFactory(name="Basile Perrin")
    seat = MembershipFactory(
        actor=resigned,
        body=body,
        start_date=D(2025, 1, 1),
        end_date=D(2026, 8, 31),
        end_reason="resigned",
    )
    before = ChangeRecord.objects.filter(object_id=str(seat.pk)).count()
    result = membership_sync(body=body, members=[{"actor": stays.pk}], effective_date=D(2026, 2, 1))
    assert result.ended == []
    seat.refresh_from_db()
    assert (seat.end_date, seat.end_reason) == (D(2026, 8, 31), "resigned")
    assert ChangeRecord.objects.filter(object_id=str(seat.pk)).count() == before
    (kept,) = [w for w in result.warnings if w["code"] == "end-kept"]
    assert (kept["membership"], kept["name"], kept["end_date"], kept["end_reason"]) == (
        seat.pk,
        "Odile Marchand",
        D(2026, 8, 31),
        "resigned",
    )
    assert "Odile Marchand" in kept["detail"] and "2026-08-31" in kept["detail"]
    # Named in the list with other values: not updated either, and said so.
    again = membership_sync(
        body=body,
        members=[{"actor": stays.pk}, {"actor": resigned.pk, "college": "Habitants"}],
        effective_date=D(2026, 2, 1),
    )
    assert again.is_empty and seat.pk in again.unchanged
    assert [w["membership"] for w in again.warnings if w["code"] == "end-kept"] == [seat.pk]
    seat.refresh_from_db()
    assert seat.college_id is None


def test_an_entry_without_role_matches_the_member_s_seat_whatever_its_role(body):
    a = ActorFactory()
    membership_sync(body=body, members=[{"actor": a.pk, "role": "president"}], effective_date=DAY)
    result = membership_sync(body=body, members=[{"actor": a.pk}], effective_date=D(2026, 4, 1))
    assert result.is_empty
    assert Membership.objects.get().role == "president"
