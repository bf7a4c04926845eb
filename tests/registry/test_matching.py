"""The duplicates scan (registry.matching): who pairs with whom, with which score and reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.matching import (
    NAME_CUTOFF,
    Record,
    actor_duplicates,
    load_records,
    normalise_phone,
    scan,
    score_of,
)
from registry.models import Actor
from registry.services.actors import actor_create
from registry.services.territories import territory_create


def person(pk: int, name: str, **kw) -> Record:
    return Record(id=pk, kind="person", name=name, **kw)


def org(pk: int, name: str, **kw) -> Record:
    return Record(id=pk, kind="organization", name=name, **kw)


def pairs_of(records, **kw) -> dict[tuple[int, int], object]:
    return {(p.a.id, p.b.id): p for p in scan(records, min_score=0, **kw).pairs}


def codes(pair) -> set[str]:
    return {r.code for r in pair.reasons}


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "left, right",
    [
        ("DUPONT Marie", "Marie Dupont"),
        ("Hélène Lefèvre", "Helene LEFEVRE"),
        ("Jean-Édouard Lestrade", "Jean Edouard Lestrade"),
        ("Marie  Dupont ", "marie-dupont"),
        ("Anne-Sophie de La Tour", "DE LA TOUR Anne Sophie"),
        ("Marie Le Gall", "LEGALL Marie"),  # particles glued
        ("Anne De La Tour", "Anne Delatour"),
        ("Paul d'Arc", "DARC Paul"),
    ],
)
def test_spellings_of_one_name_are_identical(left, right):
    found = pairs_of([person(1, left), person(2, right)])
    assert (1, 2) in found, found
    similarity = next(r for r in found[(1, 2)].reasons if r.code == "name_similarity")
    assert similarity.value == 100


@pytest.mark.parametrize(
    "left, right",
    [
        ("Marie Dupont", "Marie Dupond"),  # last letter
        ("Armelle Quintard", "Armèle Quintard"),  # a letter dropped
        ("Marie Dupont", "Marie Tupont"),  # first letter of one word
        ("Rodolphe Bessières", "BESIERES Rodolphe"),
        ("Vaugelade", "Vaugelage"),  # one-word names
    ],
)
def test_typos_within_the_threshold_pair(left, right):
    found = pairs_of([person(1, left), person(2, right)])
    assert (1, 2) in found, f"{left!r} / {right!r} not paired"


@pytest.mark.parametrize(
    "left, right", [("Marie Dupont", "Marc Durand"), ("Marie Dupont", "Marie Lambert")]
)
def test_different_names_do_not_pair(left, right):
    assert not pairs_of([person(1, left), person(2, right)])


def test_given_and_family_names_count_as_a_key():
    # one record has only a display name, the other a different display but the same parts
    found = pairs_of(
        [
            person(1, "Mme Dupont", given_name="Marie", family_name="Dupont"),
            person(2, "DUPONT Marie"),
        ]
    )
    assert (1, 2) in found


def test_other_names_are_keys():
    found = pairs_of(
        [person(1, "Marie Martin", other_names=("Marie Dupont",)), person(2, "Dupont Marie")]
    )
    assert (1, 2) in found


def test_persons_never_pair_with_organizations():
    assert not pairs_of([person(1, "Marie Dupont"), org(2, "Marie Dupont")])
    assert not pairs_of(
        [
            person(1, "X", identifiers=(("external", "crm", "CRM-0001"),)),
            org(2, "X", identifiers=(("other", "erp", "CRM-0001"),)),
        ]
    )


# --- evidence ----------------------------------------------------------------------------


def test_a_siret_meets_the_siren_it_starts_with():
    found = pairs_of(
        [
            org(1, "Boulangerie Martin SARL", identifiers=(("siren", "", "732829320"),)),
            org(2, "Fournil du centre", identifiers=(("siret", "", "73282932000074"),)),
            org(3, "Autre chose", identifiers=(("siren", "", "552100554"),)),
        ]
    )
    assert set(found) == {(1, 2)}
    reason = next(r for r in found[(1, 2)].reasons if r.code == "shared_identifier")
    assert reason.value == "siren:732829320 / siret:73282932000074"
    assert found[(1, 2)].score >= 50


def test_the_same_value_under_two_issuers_is_shared():
    found = pairs_of(
        [
            person(1, "Alice Martin", identifiers=(("external", "crm", "P-004217"),)),
            person(2, "Alicia Marin", identifiers=(("other", "paie", "P-004217"),)),
        ]
    )
    assert "shared_identifier" in codes(found[(1, 2)])


def test_short_values_are_not_matched_across_issuers():
    assert not pairs_of(
        [
            person(1, "Alice Martin", identifiers=(("external", "a", "42"),)),
            person(2, "Bruno Petit", identifiers=(("external", "b", "42"),)),
        ]
    )


def test_same_territory_adds_and_is_said():
    apart = pairs_of(
        [person(1, "Marie Dupont", territory_id=1), person(2, "Dupont Marie", territory_id=2)]
    )
    together = pairs_of(
        [person(1, "Marie Dupont", territory_id=1), person(2, "Dupont Marie", territory_id=1)]
    )
    assert "same_territory" in codes(together[(1, 2)])
    assert together[(1, 2)].score > apart[(1, 2)].score


def test_birth_years_raise_or_lower_the_score_with_personal_data():
    same = [person(1, "Marie Dupont", birth_year=1970), person(2, "DUPONT Marie", birth_year=1970)]
    other = [person(1, "Marie Dupont", birth_year=1970), person(2, "DUPONT Marie", birth_year=1985)]
    plain = pairs_of(same)[(1, 2)].score
    assert pairs_of(same, personal=True)[(1, 2)].score > plain
    lowered = pairs_of(other, personal=True)[(1, 2)]
    assert lowered.score < plain and "different_birth_year" in codes(lowered)


def test_email_and_phone_pair_different_names_only_with_personal_data():
    records = [
        person(1, "Marie Dupont", email="M.Dupont@example.org ", phone="+33 1 99 00 12 34"),
        person(2, "Mary Smith-Dupont", email="m.dupont@example.org", phone="01.99.00.12.34"),
    ]
    assert not scan(records, min_score=0).pairs
    found = pairs_of(records, personal=True)
    assert {"same_email", "same_phone"} <= codes(found[(1, 2)])


def test_without_personal_data_nothing_personal_changes_anything():
    """No oracle: the pairs and scores are those of the records stripped of personal data."""
    records = [
        person(1, "Marie Dupont", birth_year=1970, email="a@example.org", phone="0199001234"),
        person(2, "DUPONT Marie", birth_year=1990, email="a@example.org", phone="0199001234"),
        person(3, "Paul Roux", birth_year=1970, email="b@example.org"),
        person(4, "Jeanne Petit", email="b@example.org"),
    ]
    stripped = [person(r.id, r.name) for r in records]
    summary = lambda rs: [(p.a.id, p.b.id, p.score, codes(p)) for p in scan(rs, min_score=0).pairs]  # noqa: E731
    assert summary(records) == summary(stripped)
    assert all(not r.personal for p in scan(records, min_score=0).pairs for r in p.reasons)


def test_a_shared_switchboard_says_nothing():
    records = [person(i, f"Agent {i}", phone="01 99 00 00 00") for i in range(1, 30)]
    assert not any(
        "same_phone" in codes(p) for p in scan(records, personal=True, min_score=0).pairs
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("01 99 00 12 34", "0199001234"),
        ("+33 1 99 00 12 34", "0199001234"),
        ("0033199001234", "0199001234"),
        ("01.99.00.12.34", "0199001234"),
        ("12", ""),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


def test_scores_are_bounded_and_sorted():
    records = [
        person(1, "Marie Dupont", territory_id=1, birth_year=1970, email="x@example.org",
               phone="0199001234", identifiers=(("external", "crm", "CRM-000001"),)),
        person(2, "DUPONT Marie", territory_id=1, birth_year=1970, email="x@example.org",
               phone="0199001234", identifiers=(("other", "paie", "CRM-000001"),)),
        person(3, "Marie Dupond"),
    ]  # fmt: skip
    result = scan(records, personal=True, min_score=0).pairs
    assert [p.score for p in result] == sorted((p.score for p in result), reverse=True)
    assert all(0 <= p.score <= 100 for p in result)
    assert result[0].score == 100 and (result[0].a.id, result[0].b.id) == (1, 2)


def test_min_score_filters():
    records = [person(1, "Marie Dupont"), person(2, "Dupont Marie"), person(3, "Marie Dupond")]
    assert {(p.a.id, p.b.id) for p in scan(records, min_score=70).pairs} == {(1, 2)}


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç -'", min_size=3, max_size=30)


@settings(max_examples=100, deadline=None)
@given(st.lists(names, min_size=2, max_size=12))
def test_any_names_scan_into_well_formed_pairs(words):
    records = [person(i + 1, w) for i, w in enumerate(words)]
    for pair in scan(records, min_score=0).pairs:
        assert pair.a.id < pair.b.id and 0 <= pair.score <= 100
        similarity = next(r.value for r in pair.reasons if r.code == "name_similarity")
        assert similarity >= NAME_CUTOFF["person"]


@settings(max_examples=60, deadline=None)
@given(names.filter(lambda n: len(n.split()) >= 2), st.booleans(), st.booleans())
def test_a_name_rewritten_always_pairs(name, upper, swap):
    """Case, accents, hyphens and word order never separate a name from itself."""
    words = name.replace("-", " ").split()
    if len([w for w in words if len(w) > 1]) < 1:
        return
    other = " ".join(reversed(words) if swap else words)
    other = other.upper() if upper else other
    found = pairs_of([person(1, name), person(2, other)])
    assert (1, 2) in found


given_names = st.sampled_from(["Marie", "Marié", "Mari", "Jean", "Jeanne", "Paul"])
family_names = st.sampled_from(["Dupont", "DUPONT", "Dupond", "Martin", "Martine", "Roux"])
person_records = st.builds(
    lambda pk, g, f, t, y, e, ph, ident: person(
        pk,
        f"{g} {f}",
        territory_id=t,
        birth_year=y,
        email=e,
        phone=ph,
        identifiers=((ident[0], "", ident[1]),) if ident else (),
    ),
    st.integers(1, 10**6),
    given_names,
    family_names,
    st.sampled_from([None, 1, 2]),
    st.sampled_from([None, 1960, 1961]),
    st.sampled_from(["", "a@example.org", "A@example.org ", "b@example.org"]),
    st.sampled_from(["", "01 99 00 12 34", "+33199001234", "02 00 00 00 00"]),
    st.sampled_from(
        [None, ("siren", "732829320"), ("siret", "73282932000074"), ("external", "X-00001")]
    ),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(person_records, min_size=2, max_size=15, unique_by=lambda r: r.id), st.booleans())
def test_the_scores_at_once_are_the_scores_of_the_reasons(records, personal):
    """The vectorised scores (``_scores``) say what the listed reasons add up to."""
    result = scan(records, personal=personal, min_score=0)
    assert result.count == len(result.pairs)
    for pair in result.pairs:
        assert pair.score == score_of(pair.reasons), pair
        if not personal:
            assert not any(r.personal for r in pair.reasons)
    assert [(p.a.id, p.b.id, p.score) for p in result.pairs] == result.found
    limited = scan(records, personal=personal, min_score=0, limit=3)
    assert limited.pairs == result.pairs[:3] and limited.found == result.found


# --- from the database -------------------------------------------------------------------


@pytest.fixture
def world(db):
    region = territory_create(level="region", code="R1", name="Région")
    town = territory_create(
        level="commune", code="C1", name="Ville", parents=[(region, "administrative")]
    )
    elsewhere = territory_create(level="commune", code="C2", name="Ailleurs")
    pd = {"lawful_basis": "public_task", "retention_until": dt.date(2030, 1, 1)}
    a = actor_create(
        kind="person",
        category="resident",
        name="Marie Dupont",
        territory=town,
        personal_data={**pd, "birth_year": 1970, "email": "m@example.org"},
    )
    b = actor_create(
        kind="person",
        category="resident",
        name="DUPONT Marie",
        territory=town,
        given_name="Marie",
        family_name="Dupont",
        personal_data={**pd, "birth_year": 1970},
    )
    c = actor_create(kind="person", category="resident", name="Marie Dupont", territory=elsewhere)
    o = actor_create(
        kind="organization",
        category="association",
        name="Amicale",
        territory=town,
        identifiers=[{"scheme": "siren", "value": "732829320"}],
    )
    p = actor_create(
        kind="organization",
        category="company",
        name="Amicale SARL",
        territory=town,
        identifiers=[{"scheme": "siret", "value": "73282932000074"}],
        other_names=[{"name": "Ancienne amicale"}],
    )
    return {"region": region, "town": town, "elsewhere": elsewhere, "a": a, "b": b, "c": c,
            "o": o, "p": p}  # fmt: skip


def test_load_records_reads_everything_in_a_bounded_number_of_queries(
    world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        records = load_records(Actor.objects.all(), personal=True)
    by_id = {r.id: r for r in records}
    assert by_id[world["a"].pk].birth_year == 1970
    assert by_id[world["a"].pk].email == "m@example.org"
    assert by_id[world["p"].pk].identifiers == (("siret", "", "73282932000074"),)
    assert "amicale ancienne" in by_id[world["p"].pk].keys
    with django_assert_max_num_queries(3):
        plain = load_records(Actor.objects.all(), personal=False)
    assert all(r.birth_year is None and not r.email for r in plain)


def test_actor_duplicates_stays_within_the_territory(world):
    ids = lambda scan_: {(p.a.id, p.b.id) for p in scan_.pairs}  # noqa: E731
    region = actor_duplicates(territory_id=world["region"].pk, personal=True)
    assert ids(region) == {(world["a"].pk, world["b"].pk), (world["o"].pk, world["p"].pk)}
    assert region.scanned == 4
    pair = next(p for p in region.pairs if p.a.id == world["a"].pk)
    assert {"name_similarity", "same_territory", "same_birth_year"} <= codes(pair)
    # a reach that excludes the territory leaves nothing
    outside = actor_duplicates(
        territory_id=world["region"].pk, reach_territory_id=world["elsewhere"].pk
    )
    assert outside.scanned == 0 and not outside.pairs


def test_a_merged_actor_is_gone_from_the_scan(world):
    from registry import tracking

    with tracking.change_context(via="test", reason="merge"):
        tracking.delete(world["b"])
    found = actor_duplicates(territory_id=world["region"].pk)
    assert (world["a"].pk, world["b"].pk) not in {(p.a.id, p.b.id) for p in found.pairs}


def test_a_large_block_is_split_and_still_pairs(monkeypatch):
    from registry.matching import blocking

    records = [
        person(1, "Marie Dupont"),
        person(2, "DUPONT Marie"),
        person(3, "Marie Dupond"),
        *(person(10 + i, f"Marie Nom{chr(97 + i % 26)}{i}") for i in range(40)),
    ]
    whole = {(p.a.id, p.b.id) for p in scan(records, min_score=0).pairs}
    monkeypatch.setattr(blocking, "MAX_NAME_BLOCK", 5)
    split = {(p.a.id, p.b.id) for p in scan(records, min_score=0).pairs}
    assert {(1, 2), (1, 3), (2, 3)} <= split
    assert split <= whole
