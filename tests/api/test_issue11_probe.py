"""Independent probes of issue 11 through the HTTP API (regression tests of what they found).

A mairie's exports imported back (CSV/XLSX, en/fr) with colleges named by digits and
seats without a selection mode; a scoped key's round trip; merged and out-of-reach ids
answered as missing ones; file errors in French. Invented names only.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse

from registry.models import ChangeRecord, College, Membership
from registry.services import bodies
from registry.services.territories import territory_create
from tests.api.export_world import build_world, current_members, members_url
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
            {"name": "2", "selection_mode": "lot"},
            {"name": "1", "selection_mode": "election"},
        ],
    )
    two = College.objects.get(body=body, name="2")
    one = College.objects.get(body=body, name="1")
    assert {two.pk, one.pk} == {1, 2} and two.pk != 2, "the ids must cross the names"
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
    assert empty(real.json()), real.json()
    assert current_members(numbered) == before
    assert set(Membership.objects.values_list("actor__name", "selection_mode")) == modes
    assert ChangeRecord.objects.count() == records


def test_a_digit_college_cell_not_naming_a_college_is_still_its_id(full_client, numbered):
    marie = Membership.objects.get(actor__name="Marie Dupont")
    other = College.objects.get(body=numbered, name="1")
    rows = [["Id acteur", "Collège"], *[[m.actor_id, ""] for m in Membership.objects.all()]]
    rows = [
        [a, (f"{other.pk:03d}" if a == marie.actor_id else c) if a != "Id acteur" else c]
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
    one = College.objects.get(body=numbered, name="1")
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
