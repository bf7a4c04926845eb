"""Independent probes of issue 11 through the HTTP API (regression tests of what they found).

A mairie's exports imported back (CSV/XLSX, en/fr) with colleges named by digits and
seats without a selection mode; a scoped key's round trip; merged and out-of-reach ids
answered as missing ones; file errors in French. Invented names only.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from registry.models import Actor, Body, ChangeRecord, College, Membership, Role, SelectionMode
from registry.services import bodies
from registry.services.territories import territory_create
from tests.api.export_world import (
    build_world,
    current_members,
    members_url,
    read_csv,
    write_csv,
)
from tests.factories import ActorFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

FORMATS = [("csv", "en"), ("csv", "fr"), ("xlsx", "en"), ("xlsx", "fr")]


def export(client, url: str, fmt: str, language: str) -> bytes:
    response = client.get(f"{url}?format={fmt}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.content


def upload(client, body, content: bytes, name: str, language: str, *, dry_run=False):
    file = io.BytesIO(content)
    file.name = name
    url = reverse("body-members-import", kwargs={"pk": body.pk})
    return client.post(
        url + ("?dry_run=true" if dry_run else ""),
        {"file": file},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def empty(result: dict) -> bool:
    return result["created"] == result["updated"] == result["ended"] == []


def strip(problem: dict) -> dict:
    """A problem without what differs between any two requests."""
    return {k: v for k, v in problem.items() if k not in ("request_id", "instance")}


@pytest.fixture
def numbered():
    """A body whose colleges are named by digits, the digits of the other one's id."""
    commune = territory_create(level="commune", code="28185", name="Goussainville")
    body = bodies.body_create(
        name="Conseil de quartier Centre",
        body_type="conseil_quartier",
        territory=commune,
        colleges=[
            {"name": "first", "selection_mode": "lot"},
            {"name": "second", "selection_mode": "election"},
        ],
    )
    # Each college is named by the digits of the other's id (ids differ per database).
    first = College.objects.get(body=body, name="first")
    one = College.objects.get(body=body, name="second")
    bodies.college_update(college=first, name=f"{one.pk}")
    bodies.college_update(college=one, name=f"{first.pk}")
    two = first
    marie = ActorFactory(name="Marie Dupont", territory=commune)
    jean = ActorFactory(name="Jean Morel", territory=commune)
    nina = ActorFactory(name="Nina Perrin", territory=commune)
    start = dt.date(2025, 9, 1)
    MembershipFactory(body=body, actor=marie, college=two, selection_mode="lot", start_date=start)
    MembershipFactory(
        body=body, actor=jean, college=one, selection_mode="election", start_date=start
    )
    # A seat recorded without a mode (admin, CRUD API) in a college that has one.
    MembershipFactory(body=body, actor=nina, college=two, selection_mode="", start_date=start)
    return body


@pytest.mark.parametrize(("fmt", "language"), FORMATS)
def test_an_export_with_digit_college_names_and_no_mode_imports_back_unchanged(
    full_client, numbered, fmt, language
):
    before = current_members(numbered)
    modes = set(Membership.objects.values_list("actor__name", "selection_mode"))
    records = ChangeRecord.objects.count()
    content = export(full_client, members_url(numbered), fmt, language)
    dry = upload(full_client, numbered, content, f"membres.{fmt}", language, dry_run=True)
    assert dry.status_code == 200, dry.content
    assert empty(dry.json()), dry.json()
    real = upload(full_client, numbered, content, f"membres.{fmt}", language)
    assert real.status_code == 200, real.content
    assert empty(real.json()) and real.json()["warnings"] == [], real.json()
    assert current_members(numbered) == before
    assert set(Membership.objects.values_list("actor__name", "selection_mode")) == modes
    assert ChangeRecord.objects.count() == records


def test_a_digit_college_cell_not_naming_a_college_is_still_its_id(full_client, numbered):
    marie = Membership.objects.get(actor__name="Marie Dupont")
    other = College.objects.exclude(pk=marie.college_id).get(body=numbered)
    rows = [["Id acteur", "Collège"], *[[m.actor_id, ""] for m in Membership.objects.all()]]
    rows = [
        [a, (f"0{other.pk}" if a == marie.actor_id else c) if a != "Id acteur" else c]
        for a, c in rows
    ]
    content = "\n".join(";".join(str(c) for c in row) for row in rows).encode()
    response = upload(full_client, numbered, content, "m.csv", "fr", dry_run=True)
    assert response.status_code == 200, response.content
    updated = {u["actor"]: u["changes"] for u in response.json()["updated"]}
    assert updated[marie.actor_id] == {"college": other.pk}


def test_the_json_member_list_sent_back_is_an_empty_diff(full_client, numbered):
    listed = full_client.get(members_url(numbered)).json()
    response = full_client.put(members_url(numbered), {"members": listed}, format="json")
    assert response.status_code == 200, response.content
    assert empty(response.json()), response.json()


def test_clearing_the_mode_of_a_seat_moved_to_another_college_takes_that_college_s(
    full_client, numbered
):
    nina = Membership.objects.get(actor__name="Nina Perrin")
    one = College.objects.exclude(pk=nina.college_id).get(body=numbered)
    members = [
        {"actor": m.actor_id}
        if m.pk != nina.pk
        else {"actor": m.actor_id, "college": one.pk, "selection_mode": ""}
        for m in Membership.objects.all()
    ]
    response = full_client.put(
        members_url(numbered) + "?dry_run=true", {"members": members}, format="json"
    )
    assert response.status_code == 200, response.content
    [change] = response.json()["updated"]
    assert change["changes"] == {"college": one.pk, "selection_mode": "election"}


@pytest.mark.parametrize(("fmt", "language"), [*FORMATS, ("json", "en")])
def test_a_scoped_key_sends_back_what_it_read_unchanged(api_client_factory, fmt, language):
    world = build_world()
    federation = OrganizationFactory(name="Fédération régionale", territory=world.elsewhere)
    MembershipFactory(
        body=world.body,
        actor=world.jean,
        role="secretary",
        on_behalf_of=federation,
        selection_mode="designation",
        start_date=dt.date(2025, 9, 1),
    )
    client = api_client_factory(territory=world.commune)
    before = current_members(world.body)
    if fmt == "json":
        listed = client.get(members_url(world.body)).json()
        response = client.put(members_url(world.body), {"members": listed}, format="json")
    else:
        content = export(client, members_url(world.body), fmt, language)
        response = upload(client, world.body, content, f"membres.{fmt}", language)
    assert response.status_code == 200, response.content
    assert empty(response.json()), response.json()
    assert current_members(world.body) == before


def test_out_of_reach_and_merged_ids_answer_as_missing_ones(api_client_factory, full_client):
    world = build_world()
    outside = OrganizationFactory(name="Fédération régionale", territory=world.elsewhere)
    merged = OrganizationFactory(name="Federation regionale", territory=world.elsewhere)
    merge = full_client.post(
        reverse("actor-merge", kwargs={"pk": merged.pk}), {"into": outside.pk}, format="json"
    )
    assert merge.status_code == 200, merge.content
    client = api_client_factory(territory=world.commune)
    missing = 999_999

    def sync(entry: dict) -> tuple[int, dict]:
        response = client.put(
            members_url(world.body) + "?dry_run=true",
            {"members": [{"actor": world.lea.pk}, entry]},
            format="json",
        )
        body = strip(response.json())
        return response.status_code, body

    def detail(pk):
        return {"actor": f"No actor with id {pk}.", "on_behalf_of": f"No actor with id {pk}."}

    for field in ("actor", "on_behalf_of"):
        answers = []
        for pk in (outside.pk, merged.pk, missing):
            entry = {"actor": world.jean.pk, field: pk} if field != "actor" else {"actor": pk}
            status, body = sync(entry)
            assert status == 422, body
            [error] = body["errors"]
            assert error["detail"] == detail(pk)[field]
            error["detail"] = "-"
            answers.append(body)
        assert answers[0] == answers[1] == answers[2]

    def answers(method, url_of, **kwargs):
        out = []
        for pk in (outside.pk, merged.pk, missing):
            response = getattr(client, method)(url_of(pk), **kwargs)
            out.append((response.status_code, strip(response.json())))
        return out

    into = answers(
        "post",
        lambda pk: reverse("actor-merge", kwargs={"pk": world.jean.pk}) + "?dry_run=true",
        data={"into": outside.pk},
        format="json",
    )
    for pk in (outside.pk, merged.pk, missing):
        response = client.post(
            reverse("actor-merge", kwargs={"pk": world.jean.pk}) + "?dry_run=true",
            {"into": pk},
            format="json",
        )
        assert (response.status_code, strip(response.json())) == into[0]
    for route in ("actor-detail", "actor-merge", "actor-history"):
        seen = answers(
            "get" if route != "actor-merge" else "post",
            lambda pk, route=route: reverse(route, kwargs={"pk": pk}),
        )
        assert seen[0] == seen[1] == seen[2] and seen[0][0] == 404, (route, seen)


@pytest.mark.parametrize(
    ("name", "data", "detail"),
    [
        ("membres.ods", b"PK\x03\x04", "Donnez un fichier CSV ou XLSX."),
        (
            "membres.xlsx",
            b"PK\x03\x04 not a workbook",
            "Le fichier n'est pas un classeur XLSX lisible.",
        ),
    ],
)
def test_file_refusals_are_in_french_when_asked(full_client, name, data, detail):
    world = build_world()
    records = ChangeRecord.objects.count()
    response = upload(full_client, world.body, data, name, "fr")
    assert response.status_code == 422, response.content
    problem = response.json()
    assert problem["detail"] == detail
    [error] = problem["errors"]
    assert error["field"] == "file"
    assert any(word in error["detail"] for word in ("inconnu", "ne peut pas être lu")), error
    assert ChangeRecord.objects.count() == records


# --- round trips of generated files -------------------------------------------------------


class _Rollback(Exception):
    """Undo one generated example (hypothesis runs them all in one test's transaction)."""


#: Texts as the input layer stores them: any character but NUL (control characters
#: included: a Word line break is \x0b), no outer whitespace (trimmed on input).
TEXTS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20)
STORED = TEXTS.map(str.strip).filter(bool)
EXAMPLES = settings(
    max_examples=16,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def upload_actors(client, content: bytes, fmt: str, language: str):
    file = io.BytesIO(content)
    file.name = f"acteurs.{fmt}"
    return client.post(
        reverse("actor-import"), {"file": file}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )


@EXAMPLES
@given(
    name=STORED,
    description=st.one_of(st.just(""), STORED, st.sampled_from(["ligne 1\x0bligne 2", "_x0041_"])),
    kind=st.sampled_from(["person", "organization"]),
    fmt=st.sampled_from(FORMATS),
)
def test_any_stored_actor_text_comes_back_unchanged_from_its_file(
    full_client, name, description, kind, fmt
):
    try:
        with transaction.atomic():
            commune = territory_create(level="commune", code="28185", name="Goussainville")
            created = full_client.post(
                reverse("actor-list"),
                {
                    "name": name,
                    "kind": kind,
                    "category": "resident" if kind == "person" else "association",
                    "description": description,
                    "territory": commune.pk,
                },
                format="json",
            )
            assert created.status_code in (201, 422), created.content
            event(f"created: {created.status_code == 201}")
            if created.status_code == 422:
                raise _Rollback
            fmt_, language = fmt
            url = reverse("territory-actors", kwargs={"pk": commune.pk})
            content = export(full_client, url, fmt_, language)
            response = upload_actors(full_client, content, fmt_, language)
            assert response.status_code == 200, response.content
            result = response.json()
            assert result["created"] == result["updated"] == [], (fmt, result)
            raise _Rollback
    except _Rollback:
        pass


SEATS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(Role.values),
        st.sampled_from(["", *SelectionMode.values]),
        st.one_of(st.just(""), STORED),
        st.dates(dt.date(1900, 1, 1), dt.date(2026, 1, 1)),
    ),
    min_size=1,
    max_size=4,
)


@EXAMPLES
@given(
    colleges=st.lists(
        st.one_of(STORED, st.sampled_from(["1", "2", "Habitants", "habitants", "HABITANTS"])),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    seats=SEATS,
    fmt=st.sampled_from(FORMATS),
)
def test_any_member_list_comes_back_unchanged_from_its_file(full_client, colleges, seats, fmt):
    try:
        with transaction.atomic():
            commune = territory_create(level="commune", code="28185", name="Goussainville")
            created = full_client.post(
                reverse("body-list"),
                {
                    "name": "Conseil de quartier",
                    "body_type": "conseil_quartier",
                    "territory": commune.pk,
                    "colleges": [{"name": c, "selection_mode": "lot"} for c in colleges],
                },
                format="json",
            )
            assert created.status_code in (201, 422), created.content
            event(f"created: {created.status_code == 201}")
            if created.status_code == 422:
                raise _Rollback
            body = Body.objects.get(pk=created.json()["id"])
            stored = list(College.objects.filter(body=body).order_by("id"))
            external_ids = set()
            for i, (college, role, mode, external_id, start) in enumerate(seats):
                external_id = "" if external_id in external_ids else external_id
                external_ids.add(external_id)
                MembershipFactory(
                    body=body,
                    actor=ActorFactory(name=f"Personne {i}", territory=commune),
                    college=stored[college % len(stored)],
                    role=role,
                    selection_mode=mode,
                    external_id=external_id,
                    start_date=start,
                )
            before = current_members(body)
            fmt_, language = fmt
            content = export(full_client, members_url(body), fmt_, language)
            response = upload(full_client, body, content, f"membres.{fmt_}", language)
            assert response.status_code == 200, response.content
            assert empty(response.json()), (fmt, colleges, seats, response.json())
            assert current_members(body) == before
            raise _Rollback
    except _Rollback:
        pass


def test_colleges_differing_by_case_are_each_named_exactly(full_client):
    commune = territory_create(level="commune", code="28185", name="Goussainville")
    body = bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=commune,
        colleges=[
            {"name": n, "selection_mode": "lot"} for n in ("Habitants", "habitants", "Associations")
        ],
    )
    upper = College.objects.get(body=body, name="Habitants")
    lower = College.objects.get(body=body, name="habitants")
    marie = ActorFactory(name="Marie Dupont", territory=commune)
    jean = ActorFactory(name="Jean Morel", territory=commune)
    members = [
        {"actor": marie.pk, "college": "Habitants"},
        {"actor": jean.pk, "college": "habitants"},
    ]
    response = full_client.put(members_url(body), {"members": members}, format="json")
    assert response.status_code == 200, response.content
    placed = dict(Membership.objects.values_list("actor_id", "college_id"))
    assert placed == {marie.pk: upper.pk, jean.pk: lower.pk}
    ambiguous = full_client.put(
        members_url(body),
        {"members": [{"actor": marie.pk, "college": "HABITANTS"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert ambiguous.status_code == 422, ambiguous.content
    [error] = ambiguous.json()["errors"]
    assert error["field"] == "members.0.college"
    assert "Plusieurs collèges" in error["detail"]
    assert dict(Membership.objects.values_list("actor_id", "college_id")) == placed
    one = full_client.put(
        members_url(body),
        {
            "members": [
                *members,
                {"actor": marie.pk, "role": "secretary", "college": "ASSOCIATIONS"},
            ]
        },
        format="json",
    )
    assert one.status_code == 200, one.content


def test_a_bad_json_entry_is_refused_in_french_when_asked(full_client):
    world = build_world()
    response = full_client.put(
        members_url(world.body),
        {"members": [{"actor": world.lea.pk, "start_date": "01/02/2026"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "members.0.start_date"
    assert (
        error["detail"] == "Donnez une date au format AAAA-MM-JJ, entre 1900-01-01 et 2999-12-31."
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_edited_actor_cells_of_a_members_file_are_said_to_be_ignored(full_client, language):
    world = build_world()
    _delimiter, rows = read_csv(export(full_client, members_url(world.body), "csv", language))
    headers = rows[0]
    column = {name: headers.index(name) for name in headers}
    names = (
        ("Nom complet", "Prénom", "Catégorie")
        if language == "fr"
        else ("Name", "Given name", "Category")
    )
    for row in rows[1:]:
        if row[0] == str(world.jean.pk):
            row[column[names[0]]], row[column[names[1]]] = "Jean-Marc Morel", "Jean-Marc"
            row[column[names[2]]] = "élu" if language == "fr" else "elected_official"
    before = set(Actor.objects.values_list("pk", "name", "given_name", "category"))
    content = write_csv(rows, french=language == "fr")
    response = upload(full_client, world.body, content, "membres.csv", language)
    assert response.status_code == 200, response.content
    result = response.json()
    assert empty(result)
    [warning] = result["warnings"]
    assert warning["code"] == "actor-not-changed" and warning["actor"] == world.jean.pk
    listed = ", ".join(f"'{n}'" for n in names)
    assert listed in warning["detail"], warning
    assert warning["detail"].startswith("Ligne 3 :" if language == "fr" else "Row 3:"), warning
    assert set(Actor.objects.values_list("pk", "name", "given_name", "category")) == before


def test_college_given_empty_takes_the_member_out_of_its_college(full_client):
    world = build_world()
    response = full_client.put(
        members_url(world.body),
        {"members": [{"actor": world.lea.pk, "role": "president", "college": ""}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    [change] = response.json()["updated"]
    assert change["changes"] == {"college": None}
    assert Membership.objects.get(actor=world.lea, end_date=None).college_id is None


# --- any list sent twice, dry run first ---------------------------------------------------

PEOPLE = [("Marie", "Dupont"), ("Lætitia", "Lefèvre"), ("Jean-Édouard", "Le Gall")]
SPELLINGS = [
    lambda g, f: {"name": f"{g} {f}"},
    lambda g, f: {"name": f"{f.upper()} {g}"},
    lambda g, f: {"name": f"{g} {f}", "given_name": g, "family_name": f},
    lambda g, f: {"name": f"{f.lower()} {g.lower()}".replace("æ", "ae")},
]
ENTRY = st.fixed_dictionaries(
    {
        "who": st.sampled_from(["new", "new", "org_id", "org_identifier", "new_identifier"]),
        "person": st.integers(0, len(PEOPLE) - 1),
        "spelling": st.integers(0, len(SPELLINGS) - 1),
        "respelling": st.integers(0, len(SPELLINGS) - 1),
        "year": st.sampled_from([None, 1970, 1985]),
        "territory": st.booleans(),
        "role": st.sampled_from([None, "member", "secretary"]),
        "college": st.sampled_from([None, "", "Habitants", "associations"]),
        "selection_mode": st.sampled_from([None, "", "lot"]),
        "start_date": st.sampled_from([None, "2024-01-01"]),
        "external_id": st.sampled_from([None, "", "E1"]),
        "on_behalf_of": st.booleans(),
    }
)


def _entry(spec: dict, org, commune, respell: bool = False) -> dict:
    if spec["who"] == "org_id":
        entry = {"actor": org.pk}
    elif spec["who"] == "org_identifier":
        entry = {
            "identifier": {"scheme": "siren", "value": "123 456 789" if respell else "123456789"}
        }
    else:
        given_name, family_name = PEOPLE[spec["person"]]
        spelling = SPELLINGS[spec["respelling" if respell else "spelling"]]
        new = {"kind": "person", "category": "resident", **spelling(given_name, family_name)}
        if spec["year"]:
            new["personal_data"] = {
                "birth_year": spec["year"],
                "lawful_basis": "consent",
                "retention_until": "2030-01-01",
            }
        if spec["territory"]:
            new["territory"] = commune.pk
        if spec["who"] == "new_identifier":
            new["identifiers"] = [
                {"scheme": "external", "issuer": "crm", "value": f"P-{spec['person']}"}
            ]
        entry = {"new_actor": new}
    for name in ("role", "college", "selection_mode", "start_date", "external_id"):
        if spec[name] is not None:
            entry[name] = spec[name]
    if spec["on_behalf_of"]:
        entry["on_behalf_of"] = org.pk
    return entry


def _state() -> tuple:
    return (
        sorted(Actor.objects.values_list("pk", "name", "given_name", "family_name")),
        sorted(Membership.objects.values_list("pk", "actor_id", "role", "college_id", "end_date")),
        ChangeRecord.objects.count(),
    )


def _diff(answer: dict) -> dict:
    """The answer without the ids a dry run leaves null."""
    return {
        key: [{k: v for k, v in item.items() if k not in ("id", "actor")} for item in answer[key]]
        for key in ("created", "updated", "ended")
    } | {"warnings": answer["warnings"]}


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(ENTRY, min_size=1, max_size=5))
def test_any_list_dry_run_then_sent_twice_and_respelled_is_empty(full_client, specs):
    from registry.services.actors import actor_create

    try:
        with transaction.atomic():
            commune = territory_create(level="commune", code="75118", name="Paris 18e")
            body = bodies.body_create(
                name="Conseil de quartier",
                body_type="conseil_quartier",
                territory=commune,
                colleges=[
                    {"name": "Habitants", "selection_mode": "lot"},
                    {"name": "Associations", "selection_mode": "designation"},
                ],
            )
            org = actor_create(
                kind="organization",
                category="association",
                name="Association du quartier",
                identifiers=[{"scheme": "siren", "value": "123456789"}],
            )
            url = members_url(body)
            members = [_entry(s, org, commune) for s in specs]
            sent = {"effective_date": "2026-11-25", "members": members}
            before = _state()
            dry = full_client.put(url + "?dry_run=true", sent, format="json")
            assert _state() == before
            real = full_client.put(url, sent, format="json")
            assert dry.status_code == real.status_code, (dry.content, real.content)
            if real.status_code == 422:
                assert strip(dry.json()) == strip(real.json())
                assert _state() == before
                raise _Rollback
            assert real.status_code == 200, real.content
            assert _diff(dry.json()) == _diff(real.json())
            event("applied")
            after = _state()
            for day, respell in (("2026-12-01", False), ("2026-12-02", True)):
                again = {
                    "effective_date": day,
                    "members": [_entry(s, org, commune, respell) for s in specs],
                }
                answer = full_client.put(url, again, format="json")
                assert answer.status_code == 200, answer.content
                assert empty(answer.json()), (members, answer.json())
                assert _state() == after
            raise _Rollback
    except _Rollback:
        pass
