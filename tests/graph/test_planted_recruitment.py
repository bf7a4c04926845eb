"""The planted recruitment case of the demo: the empty associations college of the
"Conseil citoyen des Grandes Bornes" is filled by the pool (``PLANTED["recruitment"]``).

The pool is computed as the API does (the ``body-recruitment`` computer, so the loaders
are covered), on the demo's reference date, without personal data.
"""

from __future__ import annotations

import orjson
import pytest

import api.analysis.kinds  # noqa: F401  (registers the computers)
from api.analysis.runner import COMPUTERS, Request
from graph import loaders
from registry.demo import PLANTED, REFERENCE_DATE
from registry.models import Body
from tests.conftest import seeded_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def pool(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker):
        body = Body.objects.get(name=PLANTED["recruitment"])
        home = loaders.network_territories(body_ids=[body.pk])[body.pk]
        params = {
            "body": body.pk, "seed": 0, "top": None, "limit": 200, "personal": False,
            "today": REFERENCE_DATE.isoformat(),
        }  # fmt: skip
        request = Request(
            kind="body-recruitment",
            territory_id=home,
            as_of=REFERENCE_DATE,
            params=tuple(sorted(params.items())),
            fmt="json",
        )
        payload, _type, _reads = COMPUTERS["body-recruitment"](request)
        yield orjson.loads(payload)


def _associations_college(doc):
    return next(c for c in doc["colleges"] if "associations" in c["name"])


def test_the_empty_college_is_read_as_the_associations_one(pool):
    college = _associations_college(pool)
    assert (college["members"], college["vacant"]) == (0, 8)
    assert college["profile_source"] == "members"
    assert college["categories"][0] == "association"


def test_the_pool_fills_the_associations_college(pool):
    college = _associations_college(pool)
    fitting = [c for c in pool["candidates"] if c["college_id"] == college["id"]]
    assert len(fitting) >= college["vacant"], "not enough associations to fill it"
    assert all(c["category"] in college["categories"] for c in fitting)
    seated = [s for s in pool["simulation"]["seated"] if s["college_id"] == college["id"]]
    assert len(seated) == college["vacant"]
    # filled by those who fit it (associations...), never by residents ranked above them
    category = {c["actor_id"]: c["category"] for c in pool["candidates"]}
    assert {category[s["actor_id"]] for s in seated} <= set(college["categories"])
    vacancy = next(i for i in pool["simulation"]["indicators"] if i["code"] == "vacancy")
    assert vacancy["value_after"] < vacancy["value_before"]
    assert pool["simulation"]["score_after"] < pool["simulation"]["score_before"]
