"""A two-branch world for the OWASP tests: what a key limited to one branch must never see.

Every object of the *outside* branch carries the marker ``Zorglub`` (names, titles,
notes, e-mail), so a test can sweep any answer for it; the inside branch uses
``Alpha``. Data is written through factories and services (the registry refuses
untracked writes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.models import ALL_SCOPES
from registry.models import (
    Actor,
    Body,
    Charter,
    College,
    Interaction,
    Meeting,
    Membership,
    Opinion,
    Territory,
)
from registry.services import actors as actor_services
from registry.services.charters import charter_create
from registry.services.territories import territory_create
from tests.api.conftest import (  # noqa: F401 (fixtures)
    anon_client,
    api_client_factory,
    client_for,
    full_client,
    make_key,
)
from tests.factories import (
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    OrganizationFactory,
)

PROBLEM = "application/problem+json"
OUTSIDE_MARK = "Zorglub"
INSIDE_MARK = "Alpha"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"] == PROBLEM, response["Content-Type"]
    body = orjson.loads(response.content)
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


@dataclass
class Side:
    """One branch: région > département > commune, with one object of every resource."""

    region: Territory
    dept: Territory
    commune: Territory
    person: Actor
    organization: Actor
    body: Body
    college: College
    membership: Membership
    meeting: Meeting
    opinion: Opinion
    interaction: Interaction
    charter: Charter

    def obj(self, basename: str):
        return {
            "territory": self.commune,
            "actor": self.person,
            "body": self.body,
            "college": self.college,
            "membership": self.membership,
            "meeting": self.meeting,
            "opinion": self.opinion,
            "interaction": self.interaction,
            "charter": self.charter,
        }[basename]


def build_side(mark: str, n: int) -> Side:
    region = territory_create(level="region", code=f"9{n}", name=f"{mark} région")
    dept = territory_create(
        level="departement",
        code=f"9{n}A",
        name=f"{mark} département",
        parents=[(region, "administrative")],
    )
    commune = territory_create(
        level="commune",
        code=f"9{n}001",
        name=f"{mark} commune",
        parents=[(dept, "administrative")],
    )
    person = actor_services.actor_create(
        kind="person",
        category="resident",
        name=f"{mark} Personne",
        territory=commune,
        identifiers=[{"scheme": "rna", "value": f"W{n}{mark.upper()}"}],
        personal_data={
            "email": f"{mark.lower()}@example.org",
            "phone": "+33 6 00 00 00 0" + str(n),
            "birth_year": 1950 + n,
            "lawful_basis": "public_task",
            "retention_until": dt.date(2030, 1, 1),
        },
    )
    organization = OrganizationFactory(name=f"{mark} Association", territory=commune)
    body = BodyFactory(name=f"{mark} Conseil", territory=commune, seats=10)
    college = CollegeFactory(body=body, name=f"{mark} Collège")
    membership = MembershipFactory(
        actor=person, body=body, college=college, external_id=f"{mark}-seat"
    )
    meeting = MeetingFactory(body=body, title=f"{mark} séance", notes=f"{mark} notes")
    opinion = OpinionFactory(body=body, title=f"{mark} avis")
    interaction = InteractionFactory(
        source=person,
        target_actor=organization,
        territory=commune,
        external_id=f"{mark}-tie",
        source_note=f"{mark} source",
    )
    return Side(
        region,
        dept,
        commune,
        person,
        organization,
        body,
        college,
        membership,
        meeting,
        opinion,
        interaction,
        charter_create(
            territory=commune,
            name=f"{mark} Charte",
            adopted_by=f"{mark} délibération",
            min_meetings_per_year=3,
        ),
    )


@dataclass
class World:
    inside: Side
    outside: Side
    key: str  # every scope, limited to the inside département
    client: APIClient
    national: APIClient  # every scope, no territory limit


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db) -> World:
    inside = build_side(INSIDE_MARK, 1)
    outside = build_side(OUTSIDE_MARK, 2)
    _api_key, key = make_key(scopes=tuple(ALL_SCOPES), territory=inside.dept, name="scoped")
    _national, national_key = make_key(scopes=tuple(ALL_SCOPES), name="national")
    return World(inside, outside, key, client_for(key), client_for(national_key))


#: Routes anyone may read: the health probe and the API's own documentation.
PUBLIC_ROUTES = ("/api/health/", "/api/schema/", "/api/docs/", "/api/redoc/")


def every_get_url(world: World) -> list[str]:
    """A readable URL of every GET route of the API, on the inside branch's objects."""
    from django.urls import reverse

    from api.urls import router

    inside = world.inside
    urls = []
    for prefix, _viewset, basename in router.registry:
        pk = inside.obj(basename).pk
        urls += [f"/api/{prefix}/", f"/api/{prefix}/{pk}/", f"/api/{prefix}/{pk}/history/"]
    territory = f"?territory={inside.dept.pk}"
    urls += [
        reverse("body-members", args=[inside.body.pk]),
        reverse("actor-personal-data-export", args=[inside.person.pk]),
        reverse("change-feed"),
        reverse("popolo-export") + territory,
        reverse("analysis-influence-map") + territory,
        reverse("analysis-interlocks") + territory,
        reverse("analysis-stakeholders") + territory,
        reverse("analysis-renewal") + territory,
        reverse("analysis-obligations") + territory,
        reverse("analysis-evolution") + territory,
        reverse("analysis-actor-network", args=[inside.person.pk]),
        reverse("analysis-body-renewal", args=[inside.body.pk]),
        reverse("analysis-body-recruitment", args=[inside.body.pk]),
        reverse("analysis-paths") + f"?from={inside.person.pk}&to={inside.organization.pk}",
    ]
    return urls


@pytest.fixture(autouse=True)
def _generous_failure_budget(settings):
    """These tests send many refused requests from one address on purpose; the tests of the
    failed-authentication throttle lower it again."""
    settings.API_AUTH_FAILURE_RATE = "100000/min"


def write_requests(world) -> list[tuple[str, str, dict]]:
    """(method, url, JSON body) of every write route, on the inside branch's objects."""
    from api.urls import router

    inside = world.inside
    requests = []
    for prefix, _viewset, basename in router.registry:
        pk = inside.obj(basename).pk
        requests += [
            ("post", f"/api/{prefix}/", {"name": "N"}),
            ("patch", f"/api/{prefix}/{pk}/", {"name": "N"}),
            ("put", f"/api/{prefix}/{pk}/", {"name": "N"}),
            ("delete", f"/api/{prefix}/{pk}/", {}),
        ]
    return requests + [
        ("put", f"/api/bodies/{inside.body.pk}/members/", {"members": []}),
        ("post", "/api/actors/bulk/", {"items": []}),
        ("post", "/api/interactions/bulk/", {"items": []}),
        ("post", "/api/actors/import/", {}),
        ("post", f"/api/bodies/{inside.body.pk}/members/import/", {}),
        ("post", f"/api/actors/{inside.person.pk}/erase/", {}),
    ]
