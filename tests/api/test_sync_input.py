"""PUT /api/bodies/{id}/members/: hostile input is refused at the edge, naming the field.

Every position of a sync entry is fed values of each wrong JSON type, integers
written with any Unicode decimal digit or beyond 64 bits, NUL characters and
oversized strings: the answer is a 422 problem naming the field
(``members.0.role``), the same in a dry run and a real run, and nothing is
written (memberships, actors, identifiers, personal data, ledger rows).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from api.models import ALL_SCOPES
from registry.models import (
    Actor,
    ActorIdentifier,
    ChangeRecord,
    Membership,
    PersonalData,
)
from registry.services import bodies
from registry.services.actors import actor_identifier_add
from registry.services.territories import territory_create
from tests.factories import ActorFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
HYPOTHESIS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def places():
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    commune = territory_create(
        level="commune", code="28185", name="Goussainville", parents=[(region, "administrative")]
    )
    elsewhere = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    return region, commune, elsewhere


@pytest.fixture
def body(places):
    return bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=places[1],
        colleges=[{"name": "Habitants", "seats": 10, "selection_mode": "lot"}],
    )


@pytest.fixture
def people(places):
    person = ActorFactory(territory=places[1])
    actor_identifier_add(actor=person, scheme="external", value="F9")
    org = OrganizationFactory(territory=places[1])
    return person, org


def url(body, dry_run=False):
    return reverse("body-members", kwargs={"pk": body.pk}) + ("?dry_run=true" if dry_run else "")


def state():
    return tuple(
        m.objects.count() for m in (Membership, Actor, ActorIdentifier, PersonalData, ChangeRecord)
    )


def refused(client, body, payload) -> list[tuple[str, ...]]:
    """The fields named by the answers to a dry run and a real run (asserted equal),
    each a 422 problem that wrote nothing."""
    before = state()
    answers = []
    for dry_run in (True, False):
        response = client.put(url(body, dry_run), payload, format="json")
        assert response.status_code == 422, (dry_run, response.status_code, response.content[:600])
        assert response["Content-Type"] == PROBLEM
        answers.append(response.json()["errors"])
        assert state() == before
    assert answers[0] == answers[1], "a dry run and a real run answer alike"
    return sorted({e["field"] for e in answers[0]})


# --- an entry, and the places in it ---------------------------------------------------


def new_actor(**extra):
    return {
        "kind": "person",
        "category": "resident",
        "name": "Inès Roux",
        "identifiers": [{"scheme": "external", "value": "N-1"}],
        **extra,
    }


def entry_for(path: str, people) -> dict:
    """A valid entry that uses the field at ``path`` (so a bad value there is the only fault)."""
    person, org = people
    if path.startswith("identifier"):
        return {"identifier": {"scheme": "external", "value": "F9", "issuer": ""}}
    if path.startswith("new_actor"):
        return {
            "new_actor": new_actor(
                given_name="Inès", family_name="Roux", description="x", territory=None
            )
        }
    return {
        "actor": person.pk,
        "college": "Habitants",
        "role": "member",
        "selection_mode": "lot",
        "on_behalf_of": org.pk,
        "start_date": "2026-01-01",
        "external_id": "S-1",
    }


def with_value(entry: dict, path: str, value) -> dict:
    parts = path.split(".")
    target = entry
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    target[int(last) if last.isdigit() else last] = value
    spec = entry.get("new_actor")
    if isinstance(spec, dict) and spec.get("territory") is None:
        spec.pop("territory", None)
    return entry


TEXT_FIELDS = [
    "role",
    "selection_mode",
    "external_id",
    "start_date",
    "identifier.scheme",
    "identifier.value",
    "identifier.issuer",
    "new_actor.kind",
    "new_actor.category",
    "new_actor.name",
    "new_actor.given_name",
    "new_actor.family_name",
    "new_actor.description",
    "new_actor.identifiers.0.scheme",
    "new_actor.identifiers.0.value",
]
INT_FIELDS = ["actor", "on_behalf_of", "new_actor.territory"]
OBJECT_FIELDS = ["identifier", "new_actor", "new_actor.identifiers.0"]
LIST_FIELDS = ["new_actor.identifiers"]
ALL_FIELDS = TEXT_FIELDS + INT_FIELDS + OBJECT_FIELDS + LIST_FIELDS + ["college"]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
)
lists = st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=3)
objects = st.dictionaries(st.text(min_size=1, max_size=3), st.integers(), min_size=1, max_size=2)


def wrong_types(path: str):
    """Values of every JSON type the field at ``path`` does not take."""
    if path in TEXT_FIELDS:
        return st.one_of(
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=False, allow_infinity=False),
            lists,
            objects,
        )
    if path in INT_FIELDS:
        return st.one_of(
            st.booleans(),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(max_size=5),
            lists,
            objects,
        )
    if path == "college":
        return st.one_of(
            st.booleans(), st.floats(allow_nan=False, allow_infinity=False), lists, objects
        )
    if path in OBJECT_FIELDS:
        return st.one_of(scalars, lists)
    return st.one_of(scalars, objects)  # lists


@pytest.fixture
def client(api_client_factory):
    return api_client_factory(scopes=tuple(ALL_SCOPES))


@HYPOTHESIS
@given(data=st.data(), path=st.sampled_from(ALL_FIELDS))
def test_a_wrong_json_type_anywhere_in_an_entry_is_refused_naming_it(
    client, body, people, data, path
):
    value = data.draw(wrong_types(path), label="value")
    entry = with_value(entry_for(path, people), path, value)
    fields = refused(client, body, {"members": [{"actor": people[0].pk}, entry]})
    assert any(f == f"members.1.{path}" or f.startswith(f"members.1.{path}.") for f in fields), (
        path,
        value,
        fields,
    )


unicode_digits = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6)
beyond_64_bits = st.one_of(st.integers(min_value=2**63), st.integers(max_value=-(2**63) - 1))


@HYPOTHESIS
@given(
    path=st.sampled_from(INT_FIELDS + ["college"]),
    value=st.one_of(unicode_digits, beyond_64_bits, st.just(True), st.just(3.0), st.just("²")),
)
def test_integers_are_ascii_json_integers_within_64_bits(client, body, people, path, value):
    # A string college is a name (covered below: a name that no college has).
    assume(not (path == "college" and isinstance(value, str)))
    entry = with_value(entry_for(path, people), path, value)
    fields = refused(client, body, {"members": [entry]})
    assert f"members.0.{path}" in fields, (value, fields)


@HYPOTHESIS
@given(name=unicode_digits)
def test_a_college_written_in_other_digits_is_a_name_that_no_college_has(
    client, body, people, name
):
    entry = {"actor": people[0].pk, "college": name}
    assert refused(client, body, {"members": [entry]}) == ["members.0.college"]


@HYPOTHESIS
@given(
    path=st.sampled_from([p for p in TEXT_FIELDS if p != "start_date"] + ["college"]),
    text=st.text(max_size=8),
    where=st.integers(min_value=0, max_value=8),
)
def test_nul_in_any_string_is_refused_naming_it(client, body, people, path, text, where):
    value = text[:where] + "\x00" + text[where:]
    entry = with_value(entry_for(path, people), path, value)
    fields = refused(client, body, {"members": [entry]})
    assert f"members.0.{path}" in fields, (value, fields)


LIMITS = {
    "external_id": 100,
    "identifier.value": 100,
    "identifier.issuer": 100,
    "identifier.scheme": 32,
    "new_actor.name": 300,
    "new_actor.given_name": 150,
    "new_actor.family_name": 150,
    "new_actor.description": 1000,
    "new_actor.identifiers.0.value": 100,
    "college": 200,
}


@HYPOTHESIS
@given(path=st.sampled_from(sorted(LIMITS)), extra=st.integers(min_value=1, max_value=5000))
def test_oversized_strings_are_refused_never_truncated(client, body, people, path, extra):
    entry = with_value(entry_for(path, people), path, "x" * (LIMITS[path] + extra))
    fields = refused(client, body, {"members": [entry]})
    assert f"members.0.{path}" in fields, fields


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"members": [], "effective_date": 20260101}, "effective_date"),
        ({"members": [], "effective_date": "3026-01-01"}, "effective_date"),
        ({"members": [], "end_reason": ["resigned"]}, "end_reason"),
        ({"members": [], "end_reason": {"a": 1}}, "end_reason"),
        ({"members": {"0": {}}}, "members"),
        ({"members": ["everyone"]}, "members.0.non_field_errors"),
        ({"members": [], "extra": 1}, "extra"),
        ({"members": [{"actor": 1, "colege": "Habitants"}]}, "members.0.colege"),
    ],
)
def test_request_level_fields_are_typed_too(client, body, payload, field):
    assert field in refused(client, body, payload)


def test_an_unknown_field_of_a_new_actor_is_refused(client, body):
    payload = {"members": [{"new_actor": new_actor(email="x@example.org")}]}
    assert refused(client, body, payload) == ["members.0.new_actor.email"]


def test_identifiers_are_normalised_as_in_bulk_upserts(client, body, people):
    person, _org = people
    response = client.put(
        url(body),
        {"members": [{"identifier": {"scheme": " External ", "value": " F9 "}}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Membership.objects.get(body=body).actor == person


def test_a_dry_run_answers_as_the_real_run_with_null_ids_for_new_rows(client, body, people):
    person, _org = people
    payload = {
        "effective_date": "2026-01-01",
        "members": [{"actor": person.pk, "college": "Habitants"}, {"new_actor": new_actor()}],
    }
    before = state()
    dry = client.put(url(body, dry_run=True), payload, format="json")
    assert dry.status_code == 200, dry.content
    assert state() == before
    real = client.put(url(body), payload, format="json")
    assert real.status_code == 200
    dry_created, real_created = dry.json()["created"], real.json()["created"]
    assert [c["id"] for c in dry_created] == [None, None]
    assert [c["actor"] for c in dry_created] == [person.pk, None]
    assert all(c["id"] for c in real_created) and real_created[1]["actor"]
    strip = [{k: v for k, v in c.items() if k not in ("id", "actor")} for c in real_created]
    assert strip == [{k: v for k, v in c.items() if k not in ("id", "actor")} for c in dry_created]
    assert dry.json()["warnings"] == real.json()["warnings"]
    new = Actor.objects.get(pk=real_created[1]["actor"])
    assert (new.name, new.territory_id) == ("Inès Roux", body.territory_id)
    assert list(new.identifiers.values_list("scheme", "value")) == [("external", "N-1")]


def test_an_identifier_a_new_actor_shares_with_another_is_refused_in_both_runs(
    client, body, people
):
    # Entry 2's identifier is held by a stored actor: the entry names that actor (issue 11),
    # it is no error; entry 1 takes entry 0's new identifier: refused.
    payload = {
        "members": [
            {"new_actor": new_actor()},
            {"new_actor": new_actor(name="Autre")},
            {"new_actor": new_actor(identifiers=[{"scheme": "external", "value": " F9"}])},
        ]
    }
    assert refused(client, body, payload) == ["members.1.new_actor.identifiers.0"]


# --- personal data needs its scope, inline creation included ---------------------------

PERSONAL = {
    "email": "ines@example.org",
    "birth_year": 1990,
    "gender": "female",
    "lawful_basis": "public_task",
    "retention_until": "2030-01-01",
}


def test_inline_personal_data_needs_the_personal_data_scope(api_client_factory, body):
    payload = {"members": [{"new_actor": new_actor(personal_data=PERSONAL)}]}
    without = api_client_factory(scopes=("read", "write"))
    assert refused(without, body, payload) == ["members.0.new_actor.personal_data"]
    # The rule of POST /api/actors/: the same key cannot write personal data there either.
    without.post(
        "/api/actors/",
        {"kind": "person", "category": "resident", "name": "N", "personal_data": PERSONAL},
        format="json",
    )
    assert not PersonalData.objects.exists()

    allowed = api_client_factory(scopes=("read", "write", "personal_data"))
    response = allowed.put(url(body), payload, format="json")
    assert response.status_code == 200, response.content
    record = PersonalData.objects.get()
    assert (record.email, record.birth_year, record.actor.name) == (
        "ines@example.org",
        1990,
        "Inès Roux",
    )


def test_inline_personal_data_is_validated_like_any_personal_data(api_client_factory, body):
    client = api_client_factory(scopes=tuple(ALL_SCOPES))
    bad = {**PERSONAL, "birth_year": 1850, "email": "not-an-email"}
    payload = {"members": [{"new_actor": new_actor(personal_data=bad)}]}
    assert refused(client, body, payload) == [
        "members.0.new_actor.personal_data.birth_year",
        "members.0.new_actor.personal_data.email",
    ]
    org = {"kind": "organization", "category": "association", "name": "Asso"}
    payload = {"members": [{"new_actor": {**org, "personal_data": PERSONAL}}]}
    assert refused(client, body, payload) == ["members.0.new_actor.personal_data"]


# --- a scoped key sends back the list it has read --------------------------------------


def test_a_scoped_key_can_send_back_the_list_it_read_with_an_outside_member(
    api_client_factory, body, places
):
    region, commune, elsewhere = places
    inside = ActorFactory(territory=commune)
    outside = ActorFactory(territory=elsewhere)
    actor_identifier_add(actor=outside, scheme="external", value="OUT-1")
    outside_org = OrganizationFactory(territory=elsewhere)
    MembershipFactory(body=body, actor=inside, start_date=dt.date(2025, 1, 1))
    MembershipFactory(
        body=body,
        actor=outside,
        on_behalf_of=outside_org,
        start_date=dt.date(2025, 1, 1),
        external_id="S-OUT",
    )
    client = api_client_factory(territory=region)
    listed = client.get(url(body))
    assert listed.status_code == 200
    rows = listed.json()
    assert {r["actor"] for r in rows} == {inside.pk, outside.pk}

    before = state()
    for dry_run in (True, False):
        again = client.put(url(body, dry_run), {"members": rows}, format="json")
        assert again.status_code == 200, again.content
        assert again.json()["ended"] == again.json()["created"] == again.json()["updated"] == []
        assert len(again.json()["unchanged"]) == 2
    assert state() == before

    # The outside member by identifier too, and the organization it represents.
    by_identifier = [
        {"actor": inside.pk},
        {
            "identifier": {"scheme": "external", "value": "OUT-1"},
            "on_behalf_of": outside_org.pk,
            "external_id": "S-OUT",
        },
    ]
    response = client.put(url(body), {"members": by_identifier}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ended"] == []


def test_an_outside_actor_who_is_not_a_member_stays_a_missing_one(api_client_factory, body, places):
    region, _commune, elsewhere = places
    stranger = ActorFactory(territory=elsewhere)
    actor_identifier_add(actor=stranger, scheme="external", value="STRANGER")
    org = OrganizationFactory(territory=elsewhere)
    client = api_client_factory(territory=region)
    inside = ActorFactory(territory=places[1])
    leaked = client.put(
        url(body, dry_run=True),
        {
            "members": [
                {"actor": stranger.pk},
                {"identifier": {"scheme": "external", "value": "STRANGER"}},
                {"actor": inside.pk, "on_behalf_of": org.pk},
            ]
        },
        format="json",
    )
    missing = client.put(
        url(body, dry_run=True),
        {
            "members": [
                {"actor": 2**40},
                {"identifier": {"scheme": "external", "value": "NOBODY"}},
                {"actor": inside.pk, "on_behalf_of": 2**40},
            ]
        },
        format="json",
    )
    assert leaked.status_code == missing.status_code == 422

    def shape(response):
        return [
            (e["field"], e["detail"].replace(str(2**40), "N").replace("NOBODY", "X"))
            for e in response.json()["errors"]
        ]

    def shape_leaked(response):
        return [
            (
                e["field"],
                e["detail"]
                .replace(str(stranger.pk), "N")
                .replace(str(org.pk), "N")
                .replace("STRANGER", "X"),
            )
            for e in response.json()["errors"]
        ]

    assert shape_leaked(leaked) == shape(missing)


def test_new_actors_of_a_scoped_key_lie_within_its_territory(api_client_factory, body, places):
    region, commune, elsewhere = places
    client = api_client_factory(territory=region)
    outside = refused(client, body, {"members": [{"new_actor": new_actor(territory=elsewhere.pk)}]})
    missing = refused(client, body, {"members": [{"new_actor": new_actor(territory=2**40)}]})
    assert outside == missing == ["members.0.new_actor.territory"]
    response = client.put(
        url(body), {"members": [{"new_actor": new_actor(territory=commune.pk)}]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Actor.objects.get(name="Inès Roux").territory_id == commune.pk


# --- the members spreadsheet: rows checked as sync entries -----------------------------


def test_members_import_rows_are_checked_as_sync_entries(client, body, people):
    import io

    person, _org = people
    csv = (
        "id acteur;collège;identifiant externe\n"
        f"{person.pk};Habitants;S-1\n"
        "٣;;\n"
        f"{person.pk};;{'x' * 101}\n"
    ).encode()
    before = state()
    for dry_run in ("true", "false"):
        upload = io.BytesIO(csv)
        upload.name = "membres.csv"
        response = client.post(
            reverse("body-members-import", kwargs={"pk": body.pk}) + f"?dry_run={dry_run}",
            {"file": upload},
            format="multipart",
        )
        assert response.status_code == 422, response.content
        text = response.content.decode()
        assert "row 3" in text and "row 4" in text, text
        assert state() == before
