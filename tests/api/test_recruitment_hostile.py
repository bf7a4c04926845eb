"""``GET /api/analysis/bodies/{id}/recruitment``: what a hostile review found (issue 14).

On the world of ``test_recruitment`` (commune C, quartiers Q1 and Q2, the conseil of Q1
with an empty associations college): data past retention today, a reader without the
``personal_data`` scope, a designation by an organization out of a key's reach.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
from django.utils import timezone

from api.personal_data_log import PersonalDataAccess
from registry.services.actors import actor_create
from registry.services.memberships import membership_create

from .conftest import client_for, make_key
from .test_recruitment import full, get, no_personal, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_data_past_retention_today_is_never_used_for_an_earlier_as_of(world):  # noqa: F811
    """Retention is judged today: asking as of a past date does not bring back a person
    whose data's retention has passed since (nor show their contact details)."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    gone = actor_create(
        kind="person", category="resident", name="Gone", territory=world["q1"],
        personal_data={"gender": "female", "birth_year": 1990, "lawful_basis": "consent",
                       "retention_until": yesterday, "email": "gone@example.org"},
    )  # fmt: skip
    response = get(full(), world["body"], as_of="2025-06-01")
    assert response.status_code == 200, response.content
    doc = orjson.loads(response.content)
    assert gone.pk not in {c["actor_id"] for c in doc["candidates"]}
    assert doc["excluded"]["retention_passed"] == 1
    assert b"gone@example.org" not in response.content
    assert not PersonalDataAccess.objects.filter(actor_id=gone.pk).exists()


def test_without_the_scope_a_persons_contact_is_not_told(world):  # noqa: F811
    """``allowed`` / ``not_recorded`` say whether the registry holds a person's personal
    data (and under which basis): personal data, null without the scope."""
    doc = orjson.loads(get(no_personal(), world["body"]).content)
    contacts = {c["actor_id"]: c["contact"] for c in doc["candidates"]}
    assert contacts[world["pf"].pk] is None  # a consent row, not told
    assert contacts[world["asso1"].pk] == "organization"
    with_scope = orjson.loads(get(full(), world["body"]).content)
    assert {c["actor_id"]: c["contact"] for c in with_scope["candidates"]}[
        world["pf"].pk
    ] == "allowed"


def test_a_designation_by_an_organization_out_of_reach_does_not_tell_its_category(world):  # noqa: F811
    """A member of Q1 who sat in the associations college on behalf of Asso 2 (in Q2): a
    key limited to Q1 knows Asso 2 by id and name only, so the college is read from its
    name, not from the category of Asso 2."""
    rep = actor_create(kind="person", category="resident", name="Rep", territory=world["q1"])
    membership_create(
        actor=rep, body=world["body"], college=world["asso"], role="member",
        on_behalf_of=world["asso2"], start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2024, 6, 30), end_reason="term_ended",
    )  # fmt: skip
    scoped = client_for(make_key(scopes=("read", "analysis"), territory=world["q1"])[1])
    doc = orjson.loads(get(scoped, world["body"]).content)
    college = next(c for c in doc["colleges"] if c["id"] == world["asso"].pk)
    assert (college["profile_source"], college["categories"]) == ("name", ["association"])
    unscoped = orjson.loads(get(no_personal(), world["body"]).content)
    college = next(c for c in unscoped["colleges"] if c["id"] == world["asso"].pk)
    assert (college["profile_source"], college["categories"]) == ("members", ["association"])


def test_the_answers_validate_against_the_committed_schema(world):  # noqa: F811
    """Both readers' answers (nulls for persons' contacts without the scope) and an empty
    pool (as of 1900: nobody, no member) match ``openapi/schema.yaml``."""
    from tests.api.test_analysis_schema import check

    url = "/api/analysis/bodies/{id}/recruitment"
    check(get(no_personal(), world["body"]), url)
    check(get(full(), world["body"]), url)
    check(get(no_personal(), world["body"], as_of="1900-01-01", top=0, limit=1), url)


def test_the_404_of_a_body_out_of_reach_is_the_missing_ids_in_french_too(world):  # noqa: F811
    client = client_for(make_key(scopes=("read", "analysis"), territory=world["q2"])[1])
    french = {"Accept-Language": "fr"}
    hidden = client.get(f"/api/analysis/bodies/{world['body'].pk}/recruitment", headers=french)
    missing = client.get("/api/analysis/bodies/999999/recruitment", headers=french)
    assert hidden.status_code == missing.status_code == 404
    a, b = orjson.loads(hidden.content), orjson.loads(missing.content)
    assert (
        a["detail"]
        == b["detail"]
        == "Aucune instance que vous pouvez analyser n'a cet identifiant."
    )
    assert {k: v for k, v in a.items() if k not in ("instance", "request_id")} == {
        k: v for k, v in b.items() if k not in ("instance", "request_id")
    }
