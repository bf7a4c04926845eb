"""The demo data set: deterministic, planted cases present, written once, clear errors."""

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from registry import models as m
from registry.demo import PLANTED, REFERENCE_DATE, generator, seed_demo
from registry.demo.scenario import CORE_BODIES, MARKER_ISSUER, PARITY_RESPECTED
from registry.demo.territories import minimal_territories
from tests.conftest import EXTRACT_DIR, check_deferred_constraints

pytestmark = pytest.mark.django_db

REF = REFERENCE_DATE
SEAT_ROLES = ("president", "vice_president", "secretary", "member")


def snapshot() -> dict[str, list[tuple]]:
    """Every demo row as natural keys (names, codes, dates), ids left out, sorted."""

    def rows(qs, *fields):
        return sorted(qs.values_list(*fields), key=repr)

    return {
        "actors": rows(
            m.Actor.objects,
            "kind",
            "category",
            "name",
            "given_name",
            "family_name",
            "territory__code",
            "founding_date",
            "power",
            "interest",
            "legitimacy",
            "urgency",
            "links",
        ),
        "personal_data": rows(
            m.PersonalData.objects,
            "actor__name",
            "email",
            "phone",
            "gender",
            "birth_year",
            "lawful_basis",
            "retention_until",
        ),
        "identifiers": rows(m.ActorIdentifier.objects, "actor__name", "scheme", "issuer", "value"),
        "bodies": rows(
            m.Body.objects,
            "name",
            "body_type",
            "territory__code",
            "host__name",
            "status",
            "founding_date",
            "mandate_years",
            "term_start",
            "term_end",
            "seats",
            "parity_rule",
            "min_age",
            "max_age",
        ),
        "colleges": rows(m.College.objects, "body__name", "name", "seats", "selection_mode"),
        "memberships": rows(
            m.Membership.objects,
            "actor__name",
            "body__name",
            "college__name",
            "role",
            "selection_mode",
            "on_behalf_of__name",
            "start_date",
            "end_date",
            "end_reason",
        ),
        "meetings": rows(m.Meeting.objects, "body__name", "date", "kind", "title"),
        "attendance": rows(
            m.Attendance.objects, "meeting__body__name", "meeting__date", "actor__name", "status"
        ),
        "opinions": rows(
            m.Opinion.objects,
            "body__name",
            "date",
            "title",
            "referral",
            "response_date",
            "response_outcome",
        ),
        "interactions": rows(
            m.Interaction.objects,
            "source__name",
            "target_actor__name",
            "target_body__name",
            "interaction_type",
            "direction",
            "weight",
            "sign",
            "start_date",
            "end_date",
            "territory__code",
            "source_note",
            "confidence",
        ),
    }


def seeded_snapshot(seed: int) -> dict[str, list[tuple]]:
    """Seed a fresh data set, take its snapshot, and roll it back."""
    with transaction.atomic():
        seed_demo(seed=seed, scale=1)
        snap = snapshot()
        transaction.set_rollback(True)
    return snap


def test_missing_territories_is_a_clear_error(monkeypatch):
    # Runs first, on an empty database; the patches keep it right in any order.
    monkeypatch.setattr(generator, "existing_marker", lambda: None)
    monkeypatch.setattr(
        generator, "REQUIRED_TERRITORIES", (*generator.REQUIRED_TERRITORIES, ("commune", "99999"))
    )
    records = m.ChangeRecord.objects.count()
    with pytest.raises(CommandError) as exc:
        call_command("seed_demo", stdout=StringIO())
    message = str(exc.value)
    assert "import the territories first" in message
    assert "python manage.py import_territories registry/data/cog-extract" in message
    assert "commune 99999" in message
    assert m.ChangeRecord.objects.count() == records


def test_scale_must_be_positive():
    with pytest.raises(CommandError, match="whole number"):
        call_command("seed_demo", "--scale", "0", stdout=StringIO())


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """One database for the class: three runs of scale 1, the last one kept.

    Seed 7 is written and rolled back, seed 8 likewise, then seed 7 again is
    kept for the other tests; everything is rolled back at the end.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            minimal_territories()
            first = seeded_snapshot(7)
            assert not m.Actor.objects.exists()  # rolled back
            other = seeded_snapshot(8)
            report = seed_demo(seed=7, scale=1)
            check_deferred_constraints()
            yield {"first": first, "other": other, "kept": snapshot(), "report": report}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def current(body_name: str):
    return m.Membership.objects.filter(body__name=body_name).current_on(REF)


def genders(qs) -> Counter:
    return Counter(
        m.PersonalData.objects.filter(actor__in=qs.values("actor")).values_list("gender", flat=True)
    )


class TestDemoDataSet:
    """Checks on one seeded database (see the ``demo`` fixture)."""

    def test_same_seed_same_data(self, demo):
        first, kept = demo["first"], demo["kept"]
        for key in first:
            assert first[key] == kept[key], key
        assert len(kept["interactions"]) == 10_000
        assert len(kept["memberships"]) > 1_000

    def test_other_seed_other_data(self, demo):
        first, other = demo["first"], demo["other"]
        for key in ("actors", "memberships", "attendance", "opinions", "interactions"):
            assert other[key] != first[key], key
        # the planted core is the same whatever the seed
        core = {b.name for b in CORE_BODIES}
        assert core <= {b[0] for b in other["bodies"]}
        assert [b for b in first["bodies"] if b[0] in core] == [
            b for b in other["bodies"] if b[0] in core
        ]

    def test_planted_cases(self, demo):
        # lapsed mandate: term over, not renewed, members still seated, not dormant
        lapsed = m.Body.objects.get(name=PLANTED["lapsed_mandate"])
        assert lapsed.term_end < REF and lapsed.status == "active"
        assert current(lapsed.name).count() >= 10
        last = m.Meeting.objects.filter(body=lapsed).order_by("-date").first().date
        assert (REF - last).days < 548

        # dormant: status dormant, no meeting for more than 18 months
        dormant = m.Body.objects.get(name=PLANTED["dormant"])
        assert dormant.status == "dormant"
        last = m.Meeting.objects.filter(body=dormant).order_by("-date").first().date
        assert (REF - last).days > 548
        assert dormant.term_end > REF  # dormant, not lapsed

        # vacancy: fewer members than seats, per college too
        vacant = m.Body.objects.get(name=PLANTED["vacancy"])
        seated = current(vacant.name).filter(role__in=SEAT_ROLES)
        assert seated.count() == 7 and vacant.seats == 24
        per_college = dict(seated.values_list("college__name").annotate(n=Count("id")))
        # the associations college is empty: the planted recruitment case fills it
        assert per_college == {"Collège des habitants": 7}
        assert m.Territory.objects.get(pk=vacant.territory_id).kind == "qpv"

        # parity breach: max_gap_1, 9 girls and 4 boys among the seat holders
        breach = m.Body.objects.get(name=PLANTED["parity_breach"])
        assert breach.parity_rule == "max_gap_1"
        g = genders(current(breach.name).filter(role__in=SEAT_ROLES))
        assert (g["female"], g["male"]) == (9, 4)
        for name in PARITY_RESPECTED:
            g = genders(current(name))
            assert abs(g["female"] - g["male"]) <= 1, name
        # the youth council's members are young
        births = m.PersonalData.objects.filter(
            actor__in=current(breach.name).filter(role="member").values("actor")
        ).values_list("birth_year", flat=True)
        assert all(11 <= breach.term_start.year - b <= 17 for b in births)

        # unanswered opinions
        opinions = m.Opinion.objects.filter(body__name=PLANTED["unanswered_opinions"])
        unanswered = opinions.filter(response_date__isnull=True).count()
        assert opinions.count() >= 10 and unanswered / opinions.count() >= 0.6
        healthy = m.Opinion.objects.filter(body__name=PLANTED["healthy"][0])
        assert healthy.filter(response_date__isnull=False).exists()

        # declining attendance: present rate of the first year well above the last
        def present_rate(year):
            c = Counter(
                m.Attendance.objects.filter(
                    meeting__body__name=PLANTED["declining_attendance"], meeting__date__year=year
                ).values_list("status", flat=True)
            )
            return c["present"] / sum(c.values())

        assert present_rate(2022) - present_rate(2026) > 0.5

        # CESER with its four colleges and designated members
        ceser = m.Body.objects.get(name=PLANTED["ceser"])
        assert ceser.body_type == "ceser"
        colleges = list(ceser.colleges.order_by("name").values_list("name", "seats"))
        assert len(colleges) == 4 and colleges[0][0].startswith("Collège 1")
        assert sum(s for _n, s in colleges) == ceser.seats == 80
        assert current(ceser.name).filter(on_behalf_of__isnull=False).count() >= 60

        # persons in 3+ bodies
        multi = dict(
            m.Membership.objects.current_on(REF)
            .values_list("actor__name")
            .annotate(n=Count("body", distinct=True))
            .filter(n__gte=3)
        )
        for name, bodies in PLANTED["multi_members"].items():
            assert multi.get(name, 0) >= 3, name
            assert set(
                current_bodies := m.Membership.objects.current_on(REF)
                .filter(actor__name=name)
                .values_list("body__name", flat=True)
            ) >= set(bodies), current_bodies

        # long tenure: most current members sat in the previous term too
        tenured = current(PLANTED["long_tenure"]).filter(role__in=SEAT_ROLES)
        body = m.Body.objects.get(name=PLANTED["long_tenure"])
        earlier = set(
            m.Membership.objects.filter(body=body, start_date__lt=body.term_start).values_list(
                "actor_id", flat=True
            )
        )
        assert sum(1 for a in tenured.values_list("actor_id", flat=True) if a in earlier) >= 12

        # history: ended memberships with reasons, roles, referents
        reasons = set(
            m.Membership.objects.exclude(end_reason="").values_list("end_reason", flat=True)
        )
        assert {"term_ended", "resigned"} <= reasons
        roles = set(m.Membership.objects.values_list("role", flat=True))
        assert set(SEAT_ROLES) | {"elected_referent", "technical_referent"} <= roles

        # conflicts and oppositions, actor-to-body ties
        for source, target, kind in PLANTED["conflicts"]:
            assert (
                m.Interaction.objects.filter(source__name=source, interaction_type=kind, sign=-1)
                .filter(target_actor__name=target)
                .exists()
                or m.Interaction.objects.filter(
                    source__name=source, target_body__name=target, interaction_type=kind
                ).exists()
            )
        assert m.Interaction.objects.filter(target_body__isnull=False).count() > 500
        assert m.Interaction.objects.filter(sign=-1).count() > 500

    def test_planted_duplicates_are_found(self, demo):
        """Each planted duplicate sits apart from its first record and the scan pairs them."""
        from registry.matching import actor_duplicates

        found = {}
        for territory in m.Territory.objects.filter(level="region", code__in=["11", "24"]):
            for pair in actor_duplicates(territory_id=territory.pk, personal=True).pairs:
                found[frozenset((pair.a.name, pair.b.name))] = pair
        for first, second in PLANTED["duplicates"]:
            a, b = m.Actor.objects.get(name=first), m.Actor.objects.get(name=second)
            assert a.kind == b.kind and a.territory_id == b.territory_id
            seats = m.Membership.objects.current_on(REF)
            bodies_a = set(seats.filter(actor=a).values_list("body", flat=True))
            bodies_b = set(seats.filter(actor=b).values_list("body", flat=True))
            assert not bodies_a & bodies_b, (first, second)
            if a.kind == "person":
                assert bodies_b, second
            pair = found.get(frozenset((first, second)))
            assert pair is not None, f"{first!r} / {second!r} not paired"
            codes = {r.code for r in pair.reasons}
            assert {"name_similarity", "same_territory"} <= codes, codes
        codes_of = lambda f, s: {r.code for r in found[frozenset((f, s))].reasons}  # noqa: E731
        (rodolphe, toit) = PLANTED["duplicates"][0], PLANTED["duplicates"][2]
        assert {"same_birth_year", "same_email"} <= codes_of(*rodolphe)
        assert "shared_identifier" in codes_of(*toit)

    def test_data_is_plausible(self, demo):
        # invented contact data only
        emails = m.PersonalData.objects.values_list("email", flat=True)
        assert all(e.endswith("@example.org") for e in emails)
        assert m.PersonalData.objects.count() < m.Actor.objects.filter(kind="person").count()
        # identifiers: RNA W + 9 digits, SIREN 9 digits
        for scheme, value in m.ActorIdentifier.objects.values_list("scheme", "value"):
            if scheme == "rna":
                assert len(value) == 10 and value[0] == "W" and value[1:].isdigit()
            if scheme == "siren":
                assert len(value) == 9 and value.isdigit()
        # hosts are collectivities, persons are persons
        hosts = m.Actor.objects.filter(hosted_bodies__isnull=False).distinct()
        assert set(hosts.values_list("category", flat=True)) == {"collectivity"}
        assert not m.Membership.objects.filter(actor__kind="organization").exists()
        # nothing after the reference date
        assert not m.Meeting.objects.filter(date__gt=REF).exists()
        assert not m.Membership.objects.filter(start_date__gt=REF).exists()
        assert not m.Opinion.objects.filter(response_date__gt=REF).exists()
        # every row is in the change ledger, with the demo's reason
        demo_records = m.ChangeRecord.objects.filter(via="demo", reason="seed_demo")
        assert demo_records.count() == demo["report"].change_records
        assert demo_records.filter(model="registry.interaction").count() == 10_000

    def test_the_demo_territories_show_every_obligation_status(self, demo):
        from registry.obligations.read import obligations_of

        def status(level, code, rule):
            territory = m.Territory.objects.get(level=level, code=code)
            found = {
                (e.territory.code, e.rule.code): e.status
                for e in obligations_of(territory_id=territory.pk, as_of=REF)[1]
            }
            return found.get((code, rule))

        # met: the CESER of Centre-Val de Loire, the conseils de quartier of the 18e and the
        # conseil citoyen of the Grandes Bornes (a QPV)
        assert status("region", "24", "ceser-region") == "met"
        assert (
            status("arrondissement_municipal", "75118", "conseil-quartier-arrondissement") == "met"
        )
        assert status("quartier", "95280-Q01", "conseil-citoyen-qpv") == "met"
        # missing: the 11e has no conseil de quartier, Paris no CCSPL
        assert status("arrondissement_municipal", "75111", "conseil-quartier-arrondissement") == (
            "missing"
        )
        assert status("commune", "75056", "ccspl-commune") == "missing"
        # optional, and met: the CCAVM (18,488 < 50,000) has a conseil de développement
        assert status("epci", "200039758", "conseil-developpement-epci") == "met"
        assert status("epci", "200039758", "ccspl-epci") is None  # under 20,000
        # unknown: a communauté de communes' transport and planning competences
        assert status("epci", "200039758", "accessibilite-epci") == "unknown"
        statuses = set()
        for region in m.Territory.objects.filter(level__in=["region", "epci"]):
            statuses |= {e.status for e in obligations_of(territory_id=region.pk, as_of=REF)[1]}
        assert statuses == {"met", "missing", "optional", "unknown"}

    def test_second_run_writes_nothing(self, demo):
        records = m.ChangeRecord.objects.count()
        counts = {model: model.objects.count() for model in (m.Actor, m.Membership, m.Interaction)}
        out = StringIO()
        call_command("seed_demo", "--seed", "7", stdout=out)
        assert "already in the database: nothing written" in out.getvalue()
        assert m.ChangeRecord.objects.count() == records
        assert counts == {model: model.objects.count() for model in counts}
        marker = m.ActorIdentifier.objects.get(issuer=MARKER_ISSUER)
        assert marker.value == "seed=7;scale=1" and marker.actor.name == "Ville de Paris"

        # another seed or scale on the same database: refused, nothing written
        for args in (["--seed", "8"], ["--seed", "7", "--scale", "2"]):
            with pytest.raises(CommandError, match="another run"):
                call_command("seed_demo", *args, stdout=StringIO())
        assert m.ChangeRecord.objects.count() == records


@pytest.mark.skipif(
    "import_territories" not in get_commands(), reason="needs the import_territories command"
)
def test_on_the_committed_extract():
    call_command("import_territories", str(EXTRACT_DIR), stdout=StringIO())
    report = seed_demo(seed=0, scale=1)
    # 12 core bodies, 6 generated, the planted newcomers body (registry.demo.newcomers), the
    # 2 councils of the core newcomers (registry.demo.core_change)
    assert report.created["Body"] == 21
    assert report.created["Interaction"] == 10_000
    assert 1_000 <= m.Actor.objects.count() <= 1_400
    # generated bodies sit on the extract's communes, hosted by their commune
    extra = m.Body.objects.exclude(name__in=_core_names())
    assert extra.count() == 6
    for body in extra.select_related("territory", "host"):
        assert body.territory.level in ("commune", "quartier")
        assert body.host.category == "collectivity"
    # Paris neighbourhood councils sit on quartiers inside their arrondissement
    montmartre = m.Body.objects.get(name=PLANTED["declining_attendance"])
    arr = m.Territory.objects.get(level="arrondissement_municipal", code="75118")
    assert m.Territory.objects.within(arr).filter(pk=montmartre.territory_id).exists()
    assert dt.date(2026, 11, 1) == REF


def _core_names():
    from registry.demo.scenario import NEWCOMER_BODIES

    return (
        [b.name for b in CORE_BODIES] + [PLANTED["newcomers"]] + [b.name for b in NEWCOMER_BODIES]
    )
