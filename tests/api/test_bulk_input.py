"""Bulk upserts and the actors import: typed input refused at the edge, one scope rule, no oracle.

- Property tests over the items of both bulk endpoints: an integer written with
  other Unicode digits or beyond 64 bits, a wrong JSON type in any position, a NUL,
  a text beyond its bound is a 4xx problem naming the item's field
  (``items.2.name``), and nothing is written, in the dry run as in the real run.
- Oracle tests: for a key limited to a territory, an identifier, external id or
  referenced id that exists outside answers exactly as one that exists nowhere
  (status and body, once the tokens and the new ids are replaced), on both bulk
  routes and the actors import, dry run and real run; the outside record is left
  as it was.
- A dry run answers as the real run (but for the ids of created records).
"""

from __future__ import annotations

import copy
import io
import json
import re

import orjson
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.resources.bulk import ITEM_FIELDS
from registry.models import Actor, ActorIdentifier, ChangeRecord, Interaction, PersonalData
from registry.services.upserts import MAX_TEXT
from tests.security.conftest import (  # noqa: F401 (fixtures)
    INSIDE_MARK,
    OUTSIDE_MARK,
    _fresh_cache,
    _generous_failure_budget,
    world,  # noqa: F811
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
ACTORS, INTERACTIONS = "/api/actors/bulk/", "/api/interactions/bulk/"
PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _state():
    return (
        Actor.objects.count(),
        Interaction.objects.count(),
        ActorIdentifier.objects.count(),
        ChangeRecord.objects.count(),
        PersonalData.objects.count(),
    )


def _fields(response) -> list[str]:
    return [e["field"] for e in orjson.loads(response.content).get("errors", [])]


def _names(path: str, fields: list[str]) -> bool:
    return any(f == path or f.startswith(path + ".") for f in fields)


def actor_item(w, n: int) -> dict:
    return {
        "identifier": {"scheme": "external", "issuer": "crm", "value": f"A-{n}"},
        "kind": "organization",
        "category": "association",
        "name": f"{INSIDE_MARK} Nouvelle {n}",
        "territory": w.inside.commune.pk,
        "power": 3,
        "founding_date": "2001-05-04",
        "links": [{"url": "https://example.org/", "note": "site"}],
    }


def interaction_item(w, n: int) -> dict:
    return {
        "external_id": f"T-{n}",
        "source": w.inside.person.pk,
        "target_actor": {"scheme": "rna", "value": w.inside.organization_ident},
        "interaction_type": "collaboration",
        "weight": 2,
        "territory": w.inside.commune.pk,
        "confidence": "0.50",
        "sources": [{"url": "https://example.org/a"}],
    }


@pytest.fixture
def w(world):  # noqa: F811
    from registry.services.actors import actor_identifier_add

    actor_identifier_add(actor=world.inside.organization, scheme="rna", value="W1ORGA")
    world.inside.organization_ident = "W1ORGA"
    return world


# --- hostile values ---------------------------------------------------------------------

unicode_digits = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=6).filter(
    lambda s: not s.isascii()
)
beyond_64_bits = st.integers(min_value=2**63) | st.integers(max_value=-(2**63) - 1)
# JSON has no Infinity (the parser refuses it, a 400): finite floats only.
json_scalars = (
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
not_int = (
    unicode_digits
    | beyond_64_bits
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
    | st.text(alphabet="0123456789", min_size=1, max_size=4)  # a number as a string
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
not_text = (
    st.integers()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.lists(st.text(max_size=3), min_size=0, max_size=2)
    | st.dictionaries(st.text(max_size=3), st.text(max_size=3), min_size=1, max_size=2)
)
with_nul = st.tuples(st.text(max_size=5), st.text(max_size=5)).map(lambda p: f"x{p[0]}\x00{p[1]}")


def oversized(bound: int):
    return st.integers(min_value=1, max_value=40).map(lambda extra: "y" * (bound + extra))


not_date = (
    not_text
    | st.text(alphabet="0123456789-/", max_size=12).filter(
        lambda t: not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)
    )
    | unicode_digits.map(lambda d: f"{d}-01-01")
)
not_links = (
    not_text.filter(lambda v: not isinstance(v, list))
    | st.text(min_size=1, max_size=5)
    | st.lists(not_text | st.text(max_size=3), min_size=1, max_size=2)
    | st.just([{"url": "https://example.org/", "extra": 1}])
    | st.just([{"url": "javascript:alert(1)"}])
    | with_nul.map(lambda t: [{"url": "https://example.org/", "note": t}])
    | oversized(500).map(lambda t: [{"url": "https://example.org/", "note": t}])
)

#: (path inside the item, strategy of values the field must refuse).
ACTOR_BAD = [
    ("territory", not_int.filter(lambda v: v is not None)),
    ("power", not_int | st.integers(min_value=6, max_value=2**62)),
    ("urgency", not_int | st.integers(max_value=-1)),
    ("name", not_text | st.none() | with_nul | oversized(300)),
    ("given_name", not_text | st.none() | with_nul | oversized(150)),
    ("description", not_text | with_nul | oversized(MAX_TEXT)),
    ("kind", not_text | st.none() | st.just("robot") | with_nul),
    ("category", not_text | with_nul),
    ("founding_date", not_date),
    ("links", not_links),
    ("sources", not_links),
    ("identifier", not_text | st.none() | st.text(max_size=4)),
    ("identifier.value", not_text | st.none() | with_nul | oversized(100)),
    ("identifier.scheme", not_text | st.none() | st.just("nope") | with_nul),
    ("identifier.issuer", not_text | with_nul | oversized(100)),
    ("identifier.extra", json_scalars),
    ("personal_data", st.just({"email": "a@b.fr"})),
    ("email", st.just("a@b.fr")),
    ("id", not_int | st.none() | st.integers(max_value=0)),
]
INTERACTION_BAD = [
    ("external_id", not_text | st.none() | with_nul | oversized(100)),
    ("source", not_int | st.none()),
    ("source.value", not_text | with_nul | oversized(100)),
    ("target_actor", not_int.filter(lambda v: v is not None and not isinstance(v, dict))),
    ("target_body", not_int.filter(lambda v: v is not None)),
    ("weight", not_int | st.none() | st.integers(min_value=6) | st.integers(max_value=0)),
    ("sign", not_int | st.just(0) | st.just(2)),
    ("territory", not_int.filter(lambda v: v is not None)),
    ("interaction_type", not_text | st.none() | with_nul | st.just("x")),
    ("direction", not_text | with_nul),
    ("start_date", not_date),
    ("source_note", not_text | with_nul | oversized(300)),
    (
        "confidence",
        st.booleans() | st.lists(st.integers(), max_size=1) | st.just("2") | st.just({}),
    ),
    ("sources", not_links),
    ("updated_at", st.just("2020-01-01T00:00:00Z")),
]


def _put(item: dict, path: str, value) -> dict:
    item = copy.deepcopy(item)
    head, _, rest = path.partition(".")
    if rest:
        if not isinstance(item.get(head), dict):
            item[head] = {"scheme": "rna", "value": "W1X"}
        item[head][rest] = value
    else:
        item[head] = value
    return item


def _bulk_case(bad: list):
    return st.sampled_from(bad).flatmap(
        lambda case: st.tuples(
            st.just(case[0]), case[1], st.integers(min_value=0, max_value=3), st.booleans()
        )
    )


def _check_refused(w, url, build, case):
    path, value, index, dry_run = case
    items = [build(w, n) for n in range(4)]
    items[index] = _put(items[index], path, value)
    before = _state()
    response = w.client.post(
        url + ("?dry_run=true" if dry_run else ""),
        json.dumps({"items": items}),
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500, (path, value, response.content[:300])
    assert response["Content-Type"] == PROBLEM
    fields = _fields(response)
    assert _names(f"items.{index}.{path}", fields), (path, value, fields)
    assert not any(f.startswith(f"items.{i}.") for i in range(4) if i != index for f in fields)
    assert _state() == before


@PROPERTY
@given(case=_bulk_case(ACTOR_BAD))
def test_actor_items_of_the_wrong_type_are_refused_naming_the_field(w, case):
    _check_refused(w, ACTORS, actor_item, case)


@PROPERTY
@given(case=_bulk_case(INTERACTION_BAD))
def test_interaction_items_of_the_wrong_type_are_refused_naming_the_field(w, case):
    _check_refused(w, INTERACTIONS, interaction_item, case)


@PROPERTY
@given(
    url=st.sampled_from([ACTORS, INTERACTIONS]),
    item=not_text | st.none() | st.text(max_size=3),
    index=st.integers(min_value=0, max_value=2),
)
def test_an_item_that_is_not_an_object_is_named(w, url, item, index):
    build = actor_item if url == ACTORS else interaction_item
    items = [build(w, n) for n in range(3)]
    items[index] = item
    before = _state()
    response = w.client.post(url, json.dumps({"items": items}), content_type="application/json")
    assert response.status_code == 422, response.content
    assert _names(f"items.{index}", _fields(response))
    assert _state() == before


@pytest.mark.parametrize("url", [ACTORS, INTERACTIONS])
@pytest.mark.parametrize("body", [[], {"items": {}}, {"items": "x"}, {"items": [], "more": 1}])
def test_the_envelope_is_checked(w, url, body):
    response = w.client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content
    assert _fields(response)


def test_valid_items_of_both_routes_are_stored_as_sent(w):
    response = w.client.post(ACTORS, {"items": [actor_item(w, 0)]}, format="json")
    assert response.status_code == 200, response.content
    actor = Actor.objects.get(identifiers__value="A-0")
    assert actor.power == 3 and str(actor.founding_date) == "2001-05-04"
    assert actor.links == [{"url": "https://example.org/", "note": "site"}]
    response = w.client.post(INTERACTIONS, {"items": [interaction_item(w, 0)]}, format="json")
    assert response.status_code == 200, response.content
    tie = Interaction.objects.get(external_id="T-0")
    assert tie.target_actor_id == w.inside.organization.pk and str(tie.confidence) == "0.50"


def test_identifiers_are_normalised_as_everywhere(w):
    """``registry.identifiers.normalise``: spaces, case of the scheme, code grouping."""
    item = {"identifier": {"scheme": " RNA ", "value": " w1 alpha "}, "name": "Alpha Renamed"}
    response = w.client.post(ACTORS, {"items": [item]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["updated"][0]["id"] == w.inside.person.pk


def test_serializers_declare_what_the_services_take():
    for serializer, (keys, fields) in ITEM_FIELDS.items():
        assert set(serializer().fields) == {*keys, *fields}, serializer


# --- personal data ----------------------------------------------------------------------


def test_bulk_items_and_import_rows_carry_no_personal_data(w):
    """Nothing to gate: an item's personal data is an unknown field, a column ignored."""
    item = {**actor_item(w, 0), "personal_data": {"email": "a@b.fr"}}
    refused = w.client.post(ACTORS, {"items": [item]}, format="json")
    assert refused.status_code == 422 and _names("items.0.personal_data", _fields(refused))
    before = PersonalData.objects.count()
    text = "scheme;identifier;name;kind;category;email;birth year\nexternal;P-1;Jeanne;person;resident;j@x.fr;1950\n"
    done = w.national.post("/api/actors/import/", _upload(text))
    assert done.status_code == 200, done.content
    assert set(done.json()["ignored_columns"]) == {"email", "birth year"}
    assert PersonalData.objects.count() == before


# --- one scope rule, no oracle ----------------------------------------------------------


def _upload(text: str) -> dict:
    f = io.BytesIO(text.encode())
    f.name = "acteurs.csv"
    return {"file": f}


def _normalised(response, tokens) -> tuple[int, dict]:
    text = response.content.decode()
    for token in sorted(tokens, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(token)}(?![\w-])", "TOKEN", text)
    body = orjson.loads(text)
    body.pop("request_id", None)
    for entry in body.get("created", []):
        entry["id"] = "NEW" if entry["id"] is not None else None
    return response.status_code, body


def _answer(client, method, url, payload, multipart=False):
    """The answer in a savepoint rolled back after it: both variants meet the same data."""
    with transaction.atomic():
        if multipart:
            response = client.post(url, payload)
        else:
            response = getattr(client, method)(url, payload, format="json")
        transaction.set_rollback(True)
    return response


def _same_answer(w, url, build, out_ref, missing_ref, tokens, *, multipart=False):
    before = _state()
    outside = _answer(w.client, "post", url, build(out_ref), multipart)
    missing = _answer(w.client, "post", url, build(missing_ref), multipart)
    assert _normalised(outside, tokens) == _normalised(missing, tokens), (
        outside.content,
        missing.content,
    )
    assert _state() == before
    # Nothing of the outside record but what the request itself sent.
    assert OUTSIDE_MARK not in json.dumps(_normalised(outside, tokens))
    return outside


DRY = ("", "?dry_run=true")


@pytest.mark.parametrize("dry", DRY)
def test_actor_bulk_outside_identifier_answers_as_a_missing_one(w, dry):
    out, missing = w.outside.person.identifiers.get().value, "W0NONE"
    tokens = (out, missing)
    url = ACTORS + dry

    def only_key(v):
        return {"items": [{"identifier": {"scheme": "rna", "value": v}}]}

    def rename(v):
        return {"items": [{"identifier": {"scheme": "rna", "value": v}, "name": "Renamed"}]}

    def create(v):
        return {"items": [{**actor_item(w, 0), "identifier": {"scheme": "rna", "value": v}}]}

    assert _same_answer(w, url, only_key, out, missing, tokens).status_code == 422
    assert _same_answer(w, url, rename, out, missing, tokens).status_code == 422
    assert _same_answer(w, url, create, out, missing, tokens).status_code == 200


@pytest.mark.parametrize("dry", DRY)
def test_actor_bulk_outside_territory_answers_as_a_missing_one(w, dry):
    def create(t):
        return {"items": [{**actor_item(w, 0), "territory": t}]}

    out, missing = str(w.outside.commune.pk), "987654"
    response = _same_answer(w, ACTORS + dry, create, int(out), int(missing), (out, missing))
    assert response.status_code == 422
    assert _names("items.0.territory", _fields(response))


@pytest.mark.parametrize("dry", DRY)
def test_interaction_bulk_outside_references_answer_as_missing_ones(w, dry):
    url = INTERACTIONS + dry
    out_tie, missing_tie = w.outside.interaction.external_id, "None-tie"

    def tie(external_id):
        return {"items": [{**interaction_item(w, 0), "external_id": external_id}]}

    created = _same_answer(w, url, tie, out_tie, missing_tie, (out_tie, missing_tie))
    assert created.status_code == 200
    assert (
        _same_answer(
            w,
            url,
            lambda v: {"items": [{"external_id": v, "weight": 5}]},
            out_tie,
            missing_tie,
            (out_tie, missing_tie),
        ).status_code
        == 422
    )
    for name, out, missing in (
        ("source", w.outside.person.pk, 987654),
        ("target_actor", w.outside.organization.pk, 987654),
        ("target_body", w.outside.body.pk, 987654),
        ("territory", w.outside.commune.pk, 987654),
        ("source", {"scheme": "rna", "value": "W2ZORGLUB"}, {"scheme": "rna", "value": "W0NONE"}),
    ):

        def build(ref, name=name):
            item = interaction_item(w, 0)
            if name == "target_body":
                item.pop("target_actor")
            return {"items": [{**item, name: ref}]}

        tokens = ("W2ZORGLUB", "W0NONE") if isinstance(out, dict) else (str(out), str(missing))
        response = _same_answer(w, url, build, out, missing, tokens)
        assert response.status_code == 422 and _names(f"items.0.{name}", _fields(response))


@pytest.mark.parametrize("dry", DRY)
def test_actor_import_outside_rows_answer_as_missing_ones(w, dry):
    """The import's dry run checks the scope as its real run does (it used to answer 200)."""
    url = "/api/actors/import/" + dry
    header = "scheme;identifier;name;kind;category;territory\n"
    commune = w.inside.commune.pk

    def by_ident(v):
        return _upload(header + f"rna;{v};Nouvelle;organization;association;{commune}\n")

    def by_territory(t):
        return _upload(header + f"rna;W9NEW;Nouvelle;organization;association;{t}\n")

    out = w.outside.person.identifiers.get().value
    ok = _same_answer(w, url, by_ident, out, "W0NONE", (out, "W0NONE"), multipart=True)
    assert ok.status_code == 200, ok.content
    out_t = str(w.outside.commune.pk)
    refused = _same_answer(w, url, by_territory, out_t, "987654", (out_t, "987654"), multipart=True)
    assert refused.status_code == 422
    assert any("row 2" in f for f in _fields(refused))


def test_a_collision_with_an_outside_key_leaves_the_outside_record_as_it_was(w):
    outside = w.outside.person
    before = (outside.name, list(outside.identifiers.values_list("value", flat=True)))
    item = {**actor_item(w, 0), "identifier": {"scheme": "rna", "value": "W2ZORGLUB"}}
    response = w.client.post(ACTORS, {"items": [item]}, format="json")
    assert response.status_code == 200, response.content
    new = Actor.objects.get(pk=response.json()["created"][0]["id"])
    assert new.territory_id == w.inside.commune.pk and not new.identifiers.exists()
    outside.refresh_from_db()
    assert (outside.name, list(outside.identifiers.values_list("value", flat=True))) == before
    tie = {**interaction_item(w, 0), "external_id": w.outside.interaction.external_id}
    response = w.client.post(INTERACTIONS, {"items": [tie]}, format="json")
    assert response.status_code == 200, response.content
    assert Interaction.objects.filter(external_id=w.outside.interaction.external_id).count() == 1


# --- a dry run is the real run rolled back ----------------------------------------------


@pytest.mark.parametrize("url", [ACTORS, INTERACTIONS])
def test_a_dry_run_answers_as_the_real_run(w, url):
    build = actor_item if url == ACTORS else interaction_item
    items = [build(w, n) for n in range(3)]
    before = _state()
    dry = w.client.post(url + "?dry_run=true", {"items": items}, format="json")
    assert dry.status_code == 200 and _state() == before
    real = w.client.post(url, {"items": items}, format="json")
    assert real.status_code == 200
    expected = {**real.json(), "dry_run": True}
    expected["created"] = [{**c, "id": None} for c in expected["created"]]
    assert dry.json() == expected
    # An item the real run refuses, the dry run refuses alike, naming the entry.
    items[1] = {**items[1], "territory": 987654}  # refused by the service, not the serializer
    answers = [w.client.post(url + suffix, {"items": items}, format="json") for suffix in DRY]
    assert [a.status_code for a in answers] == [422, 422]
    assert _fields(answers[0]) == _fields(answers[1]) and _names("items.1", _fields(answers[0]))


def test_scoped_creation_needs_a_territory_within_reach(w):
    item = actor_item(w, 0)
    item.pop("territory")
    response = w.client.post(ACTORS, {"items": [item]}, format="json")
    assert response.status_code == 422 and _names("items.0.territory", _fields(response))
    assert w.national.post(ACTORS, {"items": [item]}, format="json").status_code == 200


# --- the actors import: rows once parsed go through the same typed service -------------

#: (column, strategy of cell texts the import must refuse).
ROW_BAD = [
    ("territory", unicode_digits | st.integers(min_value=2**63, max_value=2**80).map(str)),
    ("power", unicode_digits | st.just("9") | st.just("1.5")),
    ("name", with_nul.map(lambda t: t.replace(";", "")) | oversized(300)),
    ("identifier", with_nul.map(lambda t: t.replace(";", "")) | oversized(100)),
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case=st.sampled_from(ROW_BAD).flatmap(lambda c: st.tuples(st.just(c[0]), c[1])),
    dry=st.sampled_from(DRY),
)
def test_import_rows_of_the_wrong_type_are_refused_naming_row_and_column(w, tmp_path, case, dry):
    from django.core.management import CommandError, call_command

    column, bad = case
    bad = bad.replace("\n", "").replace("\r", "").replace('"', "")
    row = {
        "scheme": "rna",
        "identifier": "W9NEW",
        "name": "Nouvelle",
        "kind": "organization",
        "category": "association",
        "territory": str(w.inside.commune.pk),
        "power": "2",
    }
    row[column] = bad
    text = ";".join(row) + "\n" + ";".join(row.values()) + "\n"
    before = _state()
    response = w.client.post("/api/actors/import/" + dry, _upload(text))
    assert response.status_code == 422, (column, bad, response.content[:300])
    body = orjson.loads(response.content)
    assert any(f"row 2, column '{column}'" in e["field"] for e in body["errors"]), body
    assert _state() == before
    path = tmp_path / "acteurs.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=f"row 2, column '{column}'"):
        call_command("import_actors", str(path), dry_run=bool(dry))
    assert _state() == before
