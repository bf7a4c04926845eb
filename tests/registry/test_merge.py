"""registry.services.merge: one actor's records folded into the survivor, atomically."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import tracking
from registry.exceptions import InvalidInput, NotFound
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
from registry.models.merge import ActorMerge
from registry.services import actors as actor_services
from registry.services.merge import MERGED_NOTE, actor_merge
from registry.services.territories import territory_create
from tests.factories import (
    ActorFactory,
    BodyFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


def person(name, **personal):
    return actor_services.actor_create(
        kind="person",
        category="resident",
        name=name,
        personal_data={"lawful_basis": "consent", "retention_until": "2030-01-01", **personal}
        if personal
        else None,
    )


def seats(actor):
    return sorted(
        (m.body_id, m.role, m.start_date, m.end_date)
        for m in Membership.objects.filter(actor=actor)
    )


def test_overlapping_seats_become_one_from_the_earliest_start_to_the_latest_end():
    survivor, merged = person("Camille Dufresne"), person("DUFRESNE Camille")
    body, other = BodyFactory(), BodyFactory()
    kept = MembershipFactory(
        actor=survivor, body=body, start_date=D(2024, 1, 1), end_date=D(2025, 1, 1)
    )
    absorbed = MembershipFactory(
        actor=merged, body=body, start_date=D(2023, 6, 1), external_id="QX-7"
    )
    elsewhere = MembershipFactory(actor=merged, body=other, start_date=D(2022, 1, 1))
    result = actor_merge(actor=merged, into=survivor)
    assert seats(survivor) == sorted(
        [(body.pk, "member", D(2023, 6, 1), None), (other.pk, "member", D(2022, 1, 1), None)]
    )
    kept.refresh_from_db()
    assert kept.external_id == "QX-7"  # absent on the survivor's seat: filled
    assert not Membership.objects.filter(pk=absorbed.pk).exists()
    assert result.joined["memberships"] == [
        {"kept": kept.pk, "absorbed": [absorbed.pk], "start_date": "2023-06-01", "end_date": None}
    ]
    assert result.moved["memberships"] == [elsewhere.pk]


def test_seats_that_do_not_overlap_stay_two():
    survivor, merged = person("Inès Varlin"), person("Ines Varlin")
    body = BodyFactory()
    MembershipFactory(actor=survivor, body=body, start_date=D(2024, 1, 1))
    MembershipFactory(
        actor=merged,
        body=body,
        start_date=D(2020, 1, 1),
        end_date=D(2024, 1, 1),
        end_reason="term_ended",
    )
    actor_merge(actor=merged, into=survivor)
    assert seats(survivor) == [
        (body.pk, "member", D(2020, 1, 1), D(2024, 1, 1)),
        (body.pk, "member", D(2024, 1, 1), None),
    ]


def test_a_chain_of_overlaps_becomes_one_seat_ending_as_the_last_ended():
    survivor, merged = person("Lou Bernadet"), person("Lou Bernadet")
    body = BodyFactory()
    MembershipFactory(actor=merged, body=body, start_date=D(2020, 1, 1), end_date=D(2022, 1, 1))
    MembershipFactory(actor=survivor, body=body, start_date=D(2021, 1, 1), end_date=D(2023, 1, 1))
    MembershipFactory(
        actor=merged,
        body=body,
        start_date=D(2022, 6, 1),
        end_date=D(2024, 1, 1),
        end_reason="resigned",
    )
    actor_merge(actor=merged, into=survivor)
    (only,) = Membership.objects.filter(actor=survivor)
    assert (only.start_date, only.end_date, only.end_reason) == (
        D(2020, 1, 1),
        D(2024, 1, 1),
        "resigned",
    )


def test_everything_else_moves_and_the_merged_id_points_to_the_survivor():
    territory = TerritoryFactory()
    survivor = person("Noé Garric", email="noe@example.org")
    merged = person("Noe Garric-Sallé", phone="0600000000", email="autre@example.org")
    actor_services.actor_update(
        actor=merged, territory=territory, sources=[{"url": "https://a.example/1"}]
    )
    actor_services.actor_identifier_add(actor=merged, scheme="rne", value="RNE-1")
    org = OrganizationFactory()
    body = BodyFactory()
    represented = MembershipFactory(
        actor=ActorFactory(), body=body, on_behalf_of=OrganizationFactory()
    )
    meeting, meeting2 = MeetingFactory(body=body), MeetingFactory(body=body)
    for m, a, status in (
        (meeting, survivor, "absent"),
        (meeting, merged, "present"),
        (meeting2, merged, "excused"),
    ):
        tracking.create(Attendance(meeting=m, actor=a, status=status))
    out = InteractionFactory(source=merged, target_actor=org)
    back = InteractionFactory(source=org, target_actor=merged)
    between = InteractionFactory(source=merged, target_actor=survivor)
    result = actor_merge(actor=merged, into=survivor)

    merged_id = result.merged
    assert not Actor.objects.filter(pk=merged_id).exists()
    assert ActorMerge.objects.get(merged_id=merged_id).into_id == survivor.pk
    survivor.refresh_from_db()
    assert survivor.territory_id == territory.pk  # filled
    assert survivor.sources == [{"url": "https://a.example/1"}]
    assert ActorIdentifier.objects.get(value="RNE-1").actor_id == survivor.pk
    assert ActorOtherName.objects.filter(
        actor=survivor, name="Noe Garric-Sallé", note=MERGED_NOTE
    ).exists()
    pd = PersonalData.objects.get(actor=survivor)
    assert (pd.email, pd.phone) == ("noe@example.org", "0600000000")
    assert {
        "field": "personal_data.email",
        "survivor": "noe@example.org",
        "merged": "autre@example.org",
        "kept": "survivor",
    } in result.conflicts
    assert "personal_data.phone" in result.filled and "territory" in result.filled
    assert sorted(
        Attendance.objects.filter(actor=survivor).values_list("meeting_id", "status")
    ) == sorted([(meeting.pk, "present"), (meeting2.pk, "excused")])
    assert not Interaction.objects.filter(pk=between.pk).exists()
    assert result.dropped["interactions"] == [between.pk]
    assert Interaction.objects.get(pk=out.pk).source_id == survivor.pk
    assert Interaction.objects.get(pk=back.pk).target_actor_id == survivor.pk
    assert represented.pk not in result.moved["represented"]


def test_prefer_takes_the_merged_value_and_the_kept_name_becomes_another_name():
    survivor = person("M. Tessier", email="a@example.org")
    merged = person("Mathis Tessier", email="b@example.org")
    actor_merge(actor=merged, into=survivor, prefer={"email": "merged", "name": "merged"})
    survivor.refresh_from_db()
    assert survivor.name == "Mathis Tessier"
    assert PersonalData.objects.get(actor=survivor).email == "b@example.org"
    assert ActorOtherName.objects.filter(actor=survivor, name="M. Tessier").exists()


def test_represented_and_hosting_organizations_move():
    survivor, merged = (
        OrganizationFactory(name="Asso des Tilleuls"),
        OrganizationFactory(name="Association des Tilleuls"),
    )
    hosted = BodyFactory(host=merged)
    seat = MembershipFactory(actor=ActorFactory(), body=hosted, on_behalf_of=merged)
    result = actor_merge(actor=merged, into=survivor)
    hosted.refresh_from_db()
    seat.refresh_from_db()
    assert hosted.host_id == survivor.pk and seat.on_behalf_of_id == survivor.pk
    assert result.moved["hosted_bodies"] == [hosted.pk]
    assert result.moved["represented"] == [seat.pk]


def test_pointers_stay_flat_when_the_survivor_is_merged_again():
    a, b, c = person("Rémi Aubert"), person("Remi Aubert"), person("R. Aubert")
    a_id = a.pk
    actor_merge(actor=a, into=b)
    actor_merge(actor=b, into=c)
    assert dict(ActorMerge.objects.values_list("merged_id", "into_id")) == {a_id: c.pk, b.pk: c.pk}


def test_refusals_name_the_field_and_write_nothing():
    p, q, org = person("Yanis Morel"), person("Yanis Morelle"), OrganizationFactory()
    before = ChangeRecord.objects.count()
    with pytest.raises(InvalidInput) as kind:
        actor_merge(actor=p, into=org)
    assert "into" in kind.value.errors
    with pytest.raises(InvalidInput) as itself:
        actor_merge(actor=p, into=p)
    assert "into" in itself.value.errors
    with pytest.raises(InvalidInput) as missing:
        actor_merge(actor=p, into=999_999_999)
    assert "into" in missing.value.errors
    with pytest.raises(InvalidInput) as bad:
        actor_merge(actor=p, into=q, prefer={"email": "both", "is_pseudonymised": "merged"})
    assert set(bad.value.errors) == {"prefer.email", "prefer.is_pseudonymised"}
    with pytest.raises(NotFound):
        actor_merge(actor=999_999_999, into=q)
    assert ChangeRecord.objects.count() == before
    q_id = q.pk
    actor_merge(actor=q, into=p)
    with pytest.raises(InvalidInput) as merged:
        actor_merge(actor=org, into=q_id)
    assert f"merge into {p.pk}" in merged.value.errors["into"][0]


def test_a_territory_limit_reaches_only_actors_within_it():
    here = territory_create(level="commune", code="91001", name="Ici-sur-Orge")
    there = territory_create(level="commune", code="91002", name="Là-bas")
    inside = ActorFactory(territory=here)
    outside = ActorFactory(territory=there)
    with pytest.raises(InvalidInput):
        actor_merge(actor=inside, into=outside, reach=here.pk)
    with pytest.raises(NotFound):
        actor_merge(actor=outside, into=inside, reach=here.pk)


def test_the_dry_run_gives_the_same_answer_and_keeps_nothing():
    survivor, merged = person("Aïcha Belkacem"), person("Aicha Belkacem")
    MembershipFactory(actor=merged, body=BodyFactory(), start_date=D(2024, 1, 1))
    before = ChangeRecord.objects.count()
    dry = actor_merge(actor=merged, into=survivor, dry_run=True)
    assert ChangeRecord.objects.count() == before
    assert Actor.objects.filter(pk=merged.pk).exists()
    real = actor_merge(actor=merged.pk, into=survivor.pk)
    assert {**dry.as_dict(), "dry_run": False} == real.as_dict()


def test_the_ledger_holds_one_transaction_ending_with_the_merge_row():
    survivor, merged = person("Jules Fabre"), person("Jules Fabre")
    MembershipFactory(actor=merged, body=BodyFactory(), start_date=D(2024, 1, 1))
    first = ChangeRecord.objects.order_by("-id").first().pk
    merged_id = merged.pk
    actor_merge(actor=merged, into=survivor)
    rows = list(ChangeRecord.objects.filter(id__gt=first).order_by("id"))
    assert {r.reason for r in rows} == {f"merge of actor {merged_id} into actor {survivor.pk}"}
    last = rows[-1]
    assert (last.action, last.model, last.object_id, last.after) == (
        "merge",
        "registry.actor",
        merged_id,
        {"merged_into": survivor.pk},
    )
    assert ("delete", "registry.actor", merged_id) in {
        (r.action, r.model, r.object_id) for r in rows
    }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    periods=st.lists(
        st.tuples(
            st.booleans(),
            st.integers(0, 20),
            st.one_of(st.none(), st.integers(1, 8)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_merged_seats_cover_the_same_days_and_never_overlap(periods):
    survivor, merged = person("Sasha Pelletier"), person("Sasha Pelletier")
    body = BodyFactory()
    covered = set()
    taken: dict[bool, list] = {True: [], False: []}
    for mine, start, length in periods:
        s = D(2020, 1, 1) + dt.timedelta(days=start * 10)
        e = None if length is None else s + dt.timedelta(days=length * 10)
        # one actor's own seats never overlap: skip the periods that would
        if any((oe is None or s < oe) and (e is None or os < e) for os, oe in taken[mine]):
            continue
        taken[mine].append((s, e))
        MembershipFactory(actor=survivor if mine else merged, body=body, start_date=s, end_date=e)
    day0, horizon = D(2020, 1, 1), 400

    def days(rows):
        out = set()
        for s, e in rows:
            for i in range(horizon):
                d = day0 + dt.timedelta(days=i)
                if s <= d and (e is None or d < e):
                    out.add(d)
        return out

    covered = days(taken[True] + taken[False])
    actor_merge(actor=merged, into=survivor)
    after = [(m.start_date, m.end_date) for m in Membership.objects.filter(actor=survivor)]
    assert days(after) == covered
    for i, (s, e) in enumerate(after):
        for s2, e2 in after[i + 1 :]:
            assert not ((e is None or s2 < e) and (e2 is None or s < e2))
    Membership.objects.filter(actor=survivor)  # the example's rows go with its transaction
