"""Legal obligations evaluated on a hand-built set of territories (as of 2026-11-01 unless said).

    région R (97)
    ├── département D (971)
    │   ├── commune BIG   85,000 (municipale), no conseil de quartier        -> missing
    │   ├── commune MID   30,000, a conseil de quartier on its quartier      -> met
    │   ├── commune MID2  30,000, none                                       -> optional
    │   ├── commune SMALL  4,000 with a QPV (quartier of kind qpv)           -> CLSPD mandatory
    │   ├── commune NOPOP  no population                                     -> unknown
    │   └── commune PARIS 2,100,000 with arrondissements A1 (a conseil de quartier on its
    │       quartier) and A2 (none): the commune itself carries no conseil de quartier rule
    ├── EPCI CA50 (ca) 50,001 totale / 49,800 municipale
    └── EPCI CC30 (cc) 30,000 totale

The thresholds, comparators and statuses below are worked out by hand from the articles.
"""

from __future__ import annotations

import datetime as dt

import pytest

from registry.models import LegalObligation, Territory
from registry.obligations.read import obligations_of
from registry.services.bodies import body_create
from registry.services.obligations import legal_obligation_update, legal_obligations_load_shipped
from registry.services.territories import territory_create

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 1)


def _commune(code, name, dept, population, **fields) -> Territory:
    return territory_create(
        level="commune",
        code=code,
        name=name,
        population=population,
        population_year=2023 if population else None,
        parents=[(dept, "administrative")],
        **fields,
    )


@pytest.fixture
def world():
    legal_obligations_load_shipped()
    region = territory_create(level="region", code="97", name="Région R")
    dept = territory_create(
        level="departement", code="971", name="Département D", parents=[(region, "administrative")]
    )
    w = {"region": region, "dept": dept}
    w["big"] = _commune("97101", "Big", dept, 85_000)
    w["mid"] = _commune("97102", "Mid", dept, 30_000)
    w["mid2"] = _commune("97103", "Mid 2", dept, 30_000)
    w["small"] = _commune("97104", "Small", dept, 4_000)
    w["nopop"] = _commune("97105", "No population", dept, None)
    w["paris"] = _commune("97106", "Paris-like", dept, 2_100_000)
    w["a1"] = territory_create(
        level="arrondissement_municipal",
        code="97161",
        name="1er",
        population=100_000,
        parents=[(w["paris"], "municipal")],
    )
    w["a2"] = territory_create(
        level="arrondissement_municipal",
        code="97162",
        name="2e",
        population=90_000,
        parents=[(w["paris"], "municipal")],
    )
    w["a1q"] = territory_create(
        level="quartier", code="97161-Q1", name="Q A1", parents=[(w["a1"], "municipal")]
    )
    w["midq"] = territory_create(
        level="quartier", code="97102-Q1", name="Q Mid", parents=[(w["mid"], "municipal")]
    )
    w["qpv"] = territory_create(
        level="quartier",
        code="97104-Q1",
        name="QPV Small",
        kind="qpv",
        parents=[(w["small"], "municipal")],
    )
    w["ca50"] = territory_create(
        level="epci",
        code="200000001",
        name="CA 50",
        kind="ca",
        population=49_800,
        population_total=50_001,
        population_year=2023,
    )
    w["cc30"] = territory_create(
        level="epci",
        code="200000002",
        name="CC 30",
        kind="cc",
        population=29_500,
        population_total=30_000,
        population_year=2023,
    )
    body_create(name="CQ Mid", body_type="conseil_quartier", territory=w["midq"])
    w["cq_a1"] = body_create(name="CQ A1", body_type="conseil_quartier", territory=w["a1q"])
    return w


def _by(entries, territory, code):
    found = [e for e in entries if e.territory.id == territory.pk and e.rule.code == code]
    assert len(found) <= 1, found
    return found[0] if found else None


def _entries(territory, as_of=AS_OF):
    return obligations_of(territory_id=territory.pk, as_of=as_of)[1]


def test_commune_of_85000_without_conseil_de_quartier_is_missing(world):
    e = _by(_entries(world["dept"]), world["big"], "conseil-quartier-commune")
    assert (e.requirement, e.status, e.threshold) == ("mandatory", "missing", 80_000)
    # The law counts the population totale; a commune carries only the municipale.
    assert (e.population, e.measure_used) == (85_000, "municipal")
    assert "population totale" in " ".join(e.notes)


def test_commune_of_30000_is_optional_or_met_by_a_body_on_its_quartier(world):
    entries = _entries(world["dept"])
    mid2 = _by(entries, world["mid2"], "conseil-quartier-commune")
    assert (mid2.requirement, mid2.status, mid2.threshold) == ("optional", "optional", 20_000)
    mid = _by(entries, world["mid"], "conseil-quartier-commune")
    assert (mid.requirement, mid.status) == ("optional", "met")
    assert [b.name for b in mid.bodies] == ["CQ Mid"]


def test_paris_like_commune_carries_the_rule_per_arrondissement(world):
    entries = _entries(world["paris"])
    assert _by(entries, world["paris"], "conseil-quartier-commune") is None
    a1 = _by(entries, world["a1"], "conseil-quartier-arrondissement")
    a2 = _by(entries, world["a2"], "conseil-quartier-arrondissement")
    assert (a1.status, [b.id for b in a1.bodies]) == ("met", [world["cq_a1"].pk])
    assert (a2.status, a2.bodies, a2.threshold) == ("missing", [], None)
    # The commune's other obligations still apply to it: CCSPL over 10,000.
    assert _by(entries, world["paris"], "ccspl-commune").status == "missing"


def test_epci_at_50001_under_the_2026_and_the_2019_rules(world):
    now = _by(_entries(world["ca50"]), world["ca50"], "conseil-developpement-epci")
    # 50,001 totale > 50,000 (loi 2019-1461): mandatory.
    assert (now.status, now.threshold, now.population, now.measure_used) == (
        "missing",
        50_000,
        50_001,
        "total",
    )
    assert now.rule.valid_from == dt.date(2019, 12, 29)
    before = _by(
        _entries(world["ca50"], dt.date(2019, 6, 1)), world["ca50"], "conseil-developpement-epci"
    )
    assert (before.status, before.threshold) == ("missing", 20_000)
    assert before.rule.valid_until == dt.date(2019, 12, 29)
    # 30,000: mandatory before 2020 (> 20,000), optional since (below 50,000).
    cc_now = _by(_entries(world["cc30"]), world["cc30"], "conseil-developpement-epci")
    cc_then = _by(
        _entries(world["cc30"], dt.date(2019, 6, 1)), world["cc30"], "conseil-developpement-epci"
    )
    assert (cc_now.status, cc_then.status) == ("optional", "missing")


def test_commune_without_population_is_unknown(world):
    entries = _entries(world["nopop"])
    statuses = {e.rule.code: (e.requirement, e.status, e.population) for e in entries}
    assert statuses == {
        "accessibilite-commune": ("unknown", "unknown", None),
        "ccspl-commune": ("unknown", "unknown", None),
        "clspd-commune": ("unknown", "unknown", None),
        "conseil-quartier-commune": ("unknown", "unknown", None),
    }


def test_qpv_needs_a_conseil_citoyen_and_makes_a_small_commune_need_a_clspd(world):
    entries = _entries(world["small"])
    citizens = _by(entries, world["qpv"], "conseil-citoyen-qpv")
    assert (citizens.requirement, citizens.status) == ("mandatory", "missing")
    clspd = _by(entries, world["small"], "clspd-commune")
    assert (clspd.requirement, clspd.status, clspd.population) == ("mandatory", "missing", 4_000)
    # 4,000 is under every other threshold: nothing else applies.
    assert sorted(e.rule.code for e in entries) == ["clspd-commune", "conseil-citoyen-qpv"]
    body_create(name="Conseil citoyen QPV", body_type="conseil_citoyen", territory=world["qpv"])
    assert _by(_entries(world["small"]), world["qpv"], "conseil-citoyen-qpv").status == "met"


def test_accessibility_commission_of_an_epci_depends_on_its_competences(world):
    # A CA holds mobility and spatial planning by statute; a CC only if it took them.
    ca = _by(_entries(world["ca50"]), world["ca50"], "accessibilite-epci")
    cc = _by(_entries(world["cc30"]), world["cc30"], "accessibilite-epci")
    assert (ca.requirement, ca.status) == ("mandatory", "missing")
    assert (cc.requirement, cc.status) == ("unknown", "unknown")


def test_region_and_departement_always_need_a_ccspl_and_the_region_a_ceser(world):
    entries = _entries(world["region"])
    region = {e.rule.code: e.status for e in entries if e.territory.id == world["region"].pk}
    assert region == {"ccspl-region": "missing", "ceser-region": "missing"}
    assert _by(entries, world["dept"], "ccspl-departement").status == "missing"
    body_create(name="CESER R", body_type="ceser", territory=world["region"])
    # The region's own CESER, not a body below it, meets the region's rule.
    body_create(name="CCSPL Big", body_type="ccspl", territory=world["big"])
    entries = _entries(world["region"])
    assert _by(entries, world["region"], "ceser-region").status == "met"
    assert _by(entries, world["region"], "ccspl-region").status == "missing"
    assert _by(entries, world["big"], "ccspl-commune").status == "met"


def test_dormant_and_dissolved_bodies_do_not_meet_an_obligation(world):
    body_create(
        name="CQ Big", body_type="conseil_quartier", territory=world["big"], status="dormant"
    )
    body_create(
        name="CQ Big old",
        body_type="conseil_quartier",
        territory=world["big"],
        founding_date=dt.date(2010, 1, 1),
        dissolution_date=dt.date(2020, 1, 1),
    )
    e = _by(_entries(world["big"]), world["big"], "conseil-quartier-commune")
    assert e.status == "missing"
    # On a date the old one existed, it meets it.
    e = _by(_entries(world["big"], dt.date(2015, 1, 1)), world["big"], "conseil-quartier-commune")
    assert e.status == "met"


def test_an_edited_rule_is_what_is_applied(world):
    rule = LegalObligation.objects.get(code="conseil-quartier-commune")
    legal_obligation_update(obligation=rule, mandatory_from=90_000)
    e = _by(_entries(world["big"]), world["big"], "conseil-quartier-commune")
    assert (e.requirement, e.status, e.threshold) == ("optional", "optional", 20_000)


def test_shipped_rules_are_recorded_in_the_ledger_and_loaded_once(world):
    from registry.models import ChangeRecord

    assert legal_obligations_load_shipped() == 0
    assert LegalObligation.objects.count() == 15
    codes = set(LegalObligation.objects.values_list("code", flat=True))
    assert {
        "conseil-quartier-commune",
        "conseil-developpement-epci",
        "ccspl-commune",
        "accessibilite-commune",
        "ceser-region",
        "clspd-commune",
        "conseil-citoyen-qpv",
    } <= codes
    recorded = ChangeRecord.objects.filter(model="registry.legalobligation", action="create")
    assert recorded.count() >= 15


def test_the_reads_are_a_fixed_number_of_queries_whatever_the_size(
    world, django_assert_num_queries
):
    with django_assert_num_queries(5):
        small = _entries(world["mid"])
    for i in range(20):
        commune = _commune(f"9719{i:02d}", f"Extra {i}", world["dept"], 90_000 + i)
        quartier = territory_create(
            level="quartier", code=f"9719{i:02d}-Q1", name="Q", parents=[(commune, "municipal")]
        )
        body_create(name=f"CQ {i}", body_type="conseil_quartier", territory=quartier)
    with django_assert_num_queries(5):
        large = _entries(world["region"])
    assert len(large) > len(small) + 20 * 4


def test_overseas_collectivities_are_governed_by_their_own_statutes(world):
    # The COG lists them as régions (zone "com"); the shipped CGCT rules do not apply there.
    com = territory_create(level="region", code="988", name="COM", extra={"zone": "com"})
    commune = _commune("98818", "Commune COM", com, 94_000, extra={"zone": "com"})
    assert _entries(com) == []
    rule = LegalObligation.objects.get(code="ceser-region")
    legal_obligation_update(obligation=rule, overseas_collectivities=True)
    assert [(e.territory.id, e.rule.code) for e in _entries(com)] == [(com.pk, "ceser-region")]
    assert commune.pk not in {e.territory.id for e in _entries(com)}
