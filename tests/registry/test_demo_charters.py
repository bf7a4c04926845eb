"""The demo's Paris charter: recorded with its source, governing every Paris body."""

from __future__ import annotations

import orjson
import pytest

from api.models import ALL_SCOPES
from graph import loaders
from registry.demo import REFERENCE_DATE
from registry.demo.charters import PARIS_2017
from registry.models import Body, ChangeRecord, Charter, Territory
from tests.api.conftest import client_for, make_key
from tests.conftest import seeded_demo


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with seeded_demo(django_db_blocker):
        yield


pytestmark = pytest.mark.django_db


def _paris_bodies():
    paris = Territory.objects.get(level="commune", code="75056")
    return list(Body.objects.filter(territory__in=Territory.objects.within(paris)).order_by("id"))


def test_the_paris_charter_is_recorded_with_its_deliberation(demo):
    charter = Charter.objects.get(name=PARIS_2017.name)
    assert (charter.territory.level, charter.territory.code) == ("commune", "75056")
    assert "2017 DDCT 183" in charter.adopted_by
    assert charter.source_url.startswith("http://a06.apps.paris.fr/")
    assert charter.body_type == ""  # every participation body of Paris
    record = ChangeRecord.objects.get(model="registry.charter", object_id=charter.pk)
    assert (record.action, record.via) == ("create", "demo")


def test_every_paris_body_is_governed_by_the_paris_charter_first(demo):
    charter = Charter.objects.get(name=PARIS_2017.name)
    bodies = _paris_bodies()
    assert len(bodies) >= 5
    layers = loaders.charter_layers([b.pk for b in bodies], REFERENCE_DATE)
    for body in bodies:
        assert [layer.source["id"] for layer in layers[body.pk]] == [charter.pk], body.name
    outside = Body.objects.exclude(pk__in=[b.pk for b in bodies]).first()
    assert loaders.charter_layers([outside.pk], REFERENCE_DATE)[outside.pk] == []


def test_every_paris_body_assessment_names_the_charter_rule_by_rule(demo):
    """Alone or ranked, each Paris body is judged under the Paris charter, and each rule
    says whether the charter set it or the installation did (the 2017 text states no
    figure that could be checked: registry.demo.charters)."""
    charter = Charter.objects.get(name=PARIS_2017.name)
    client = client_for(make_key(scopes=ALL_SCOPES)[1])
    paris = Territory.objects.get(level="commune", code="75056")
    ranking = client.get(
        "/api/analysis/renewal", {"territory": paris.pk, "as_of": REFERENCE_DATE.isoformat()}
    )
    assert ranking.status_code == 200, ranking.content
    ranked = {a["body_id"]: a for a in orjson.loads(ranking.content)["ranking"]}
    for body in _paris_bodies():
        response = client.get(
            f"/api/analysis/bodies/{body.pk}/renewal", {"as_of": REFERENCE_DATE.isoformat()}
        )
        assert response.status_code == 200, response.content
        doc = orjson.loads(response.content)
        assert doc["charter"]["id"] == charter.pk, body.name
        assert doc["charter"]["adopted_by"] == charter.adopted_by
        for rule in doc["rules"]:
            set_here = rule["key"] in PARIS_2017.rules
            assert (rule["charter_id"] == charter.pk) is set_here, rule
        if body.pk in ranked:
            assert ranked[body.pk]["charter"] == doc["charter"]
