"""/api/charters/: the generic checks, values judged by the renewal engine, validity, applies_to."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from api.webhooks.vocabulary import resource_types
from registry.models import BodyType, Charter, ParityRule
from registry.services.charters import charter_create
from registry.services.territories import territory_create
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    build_tree,
    caller,
    counts,
    ids,
    unique,
)

pytestmark = pytest.mark.django_db

TYPES = itertools.cycle(["", *BodyType.values[:3]])
PARITY = itertools.cycle(ParityRule.values)


def make_charters(n, territory):
    return [
        charter_create(
            territory=territory,
            name=unique("Charte de la participation"),
            body_type=next(TYPES),
            adopted_by="Conseil municipal, 2024",
            valid_from=dt.date(2024, 1, 1),
            thresholds={"meetings_per_year": {"watch": 3, "alert": 2}},
            weights={"opinions_answered": 2},
            min_meetings_per_year=3,
            parity_rule=next(PARITY),
        )
        for _ in range(n)
    ]


class TestCharters(ResourceAPITests):
    model = Charter
    basename = "charter"

    def make(self, n, territory):
        return make_charters(n, territory)

    def create_payloads(self, territory):
        return [
            {
                "territory": territory.pk,
                "name": unique("Charte des conseils de quartier"),
                "body_type": "conseil_quartier",
                "adopted_by": "Conseil municipal, séance du 12 mars 2024",
                "source_url": "https://example.org/charte.pdf",
                "valid_from": "2024-04-01",
                "valid_until": "2030-04-01",
                "thresholds": {
                    "meetings_per_year": {"watch": 3, "alert": 2},
                    "response_delay": {"watch": 60},
                },
                "weights": {"opinions_answered": 3, "turnover": 0},
                "mandate_years": 3,
                "min_meetings_per_year": 3,
                "answer_delay_days": 90,
                "max_consecutive_terms": 2,
                "min_age": 16,
                "parity_rule": "max_gap_1",
                "sources": [{"url": "https://example.org/deliberation", "note": "délibération"}],
            },
            {"territory": territory.pk, "name": unique("Charte minimale")},
        ]

    def update_payload(self, obj, territory):
        return {
            "answer_delay_days": 60 if obj.answer_delay_days != 60 else 90,
            "thresholds": {"dormancy": {"watch": 4, "alert": 9}},
            "valid_until": "2031-01-01",
        }

    def put_payload(self, obj, territory):
        return {
            "territory": territory.pk,
            "name": obj.name + " (révisée)",
            "body_type": "conseil_citoyen",
            "max_consecutive_terms": 3,
        }

    def invalid_payloads(self, territory):
        base = {"territory": territory.pk, "name": "Charte"}
        return [
            ({**base, "body_type": "club"}, "body_type"),
            ({**base, "name": ""}, "name"),
            ({k: v for k, v in base.items() if k != "territory"}, "territory"),
            ({**base, "mandate_years": 11}, "mandate_years"),
            ({**base, "mandate_years": 0}, "mandate_years"),
            ({**base, "min_meetings_per_year": 53}, "min_meetings_per_year"),
            ({**base, "answer_delay_days": 0}, "answer_delay_days"),
            ({**base, "answer_delay_days": 731}, "answer_delay_days"),
            ({**base, "max_consecutive_terms": 0}, "max_consecutive_terms"),
            ({**base, "min_age": 121}, "min_age"),
            ({**base, "min_age": 30, "max_age": 20}, "max_age"),
            ({**base, "parity_rule": "strict"}, "parity_rule"),
            ({**base, "valid_from": "2025-01-01", "valid_until": "2025-01-01"}, "valid_until"),
            ({**base, "source_url": "not a url"}, "source_url"),
            ({**base, "thresholds": {"parity": {"watch": "high"}}}, "thresholds.parity.watch"),
            ({**base, "thresholds": {"parity": {"watch": True}}}, "thresholds.parity.watch"),
            (
                {**base, "thresholds": {"no_such_indicator": {"watch": 1}}},
                "thresholds.no_such_indicator",
            ),
            ({**base, "thresholds": {"parity": {"red": 0.1}}}, "thresholds.parity.red"),
            ({**base, "thresholds": {"parity": 0.3}}, "thresholds.parity"),
            ({**base, "thresholds": ["parity"]}, "thresholds"),
            ({**base, "weights": {"turnover": -1}}, "weights.turnover"),
            ({**base, "weights": {"turnover": "2"}}, "weights.turnover"),
            ({**base, "weights": {"no_such_indicator": 1}}, "weights.no_such_indicator"),
            ({**base, "weights": 3}, "weights"),
        ]

    # --- specific to charters -----------------------------------------------------------

    def test_unknown_indicator_is_named_by_its_path(self, tree, full):
        payload = {
            "territory": tree.commune.pk,
            "name": "Charte",
            "thresholds": {"no_such_indicator": {"watch": 1}},
        }
        doc = assert_problem(
            full.client.post(self.list_url(), payload, format="json"),
            422,
            field="thresholds.no_such_indicator",
        )
        error = next(e for e in doc["errors"] if e["field"] == "thresholds.no_such_indicator")
        assert error["pointer"] == "#/thresholds/no_such_indicator"

    def test_an_infinite_number_is_refused_naming_it(self, tree, full):
        # 1e999 is valid JSON that parses to infinity, which PostgreSQL's jsonb refuses: the
        # API's JSON fields refuse it (the service does too, for the admin).
        before = counts()
        for body, field in (
            ('"weights": {"turnover": 1e999}', "weights"),
            ('"thresholds": {"parity": {"alert": -1e999}}', "thresholds"),
        ):
            raw = f'{{"territory": {tree.commune.pk}, "name": "Charte", {body}}}'
            response = full.client.post(self.list_url(), raw, content_type="application/json")
            assert_problem(response, 422, field=field)
        assert counts() == before

    def test_invalid_values_on_update_change_nothing(self, tree, full):
        charter = self.make(1, tree.commune)[0]
        before = counts()
        for payload, field in (
            ({"thresholds": {"attendance": {"watch": 0.1}}}, "thresholds.attendance"),
            ({"weights": {"parity": -3}}, "weights.parity"),
            ({"answer_delay_days": 1000}, "answer_delay_days"),
        ):
            response = full.client.patch(self.detail_url(charter.pk), payload, format="json")
            assert_problem(response, 422, field=field)
        assert counts() == before
        charter.refresh_from_db()
        assert charter.thresholds == {"meetings_per_year": {"watch": 3, "alert": 2}}
        assert charter.weights == {"opinions_answered": 2}

    def test_as_of_and_current_follow_the_validity(self, tree, full):
        old, new = self.make(2, tree.commune)
        assert_json(
            full.client.patch(self.detail_url(old.pk), {"valid_until": "2025-01-01"}, format="json")
        )
        assert_json(
            full.client.patch(self.detail_url(new.pk), {"valid_from": "2025-01-01"}, format="json")
        )
        assert ids(self.get_list(full.client, as_of="2024-06-01")) == {old.pk}
        assert ids(self.get_list(full.client, as_of="2025-01-01")) == {new.pk}
        assert ids(self.get_list(full.client, current="true")) == {new.pk}
        assert ids(self.get_list(full.client, current="false")) == {old.pk}
        assert_problem(self.get_list(full.client, as_of="2024-13-01"), 400, field="as_of")

    def test_applies_to_lists_the_charters_above_a_territory(self, tree, full):
        region_charter = self.make(1, tree.region)[0]
        commune_charter = self.make(1, tree.commune)[0]
        elsewhere = self.make(1, tree.other_region)[0]
        quartier = territory_create(
            level="quartier",
            code="75056-QX",
            name="Quartier",
            parents=[(tree.commune, "municipal")],
        )
        below = self.make(1, quartier)[0]
        found = ids(self.get_list(full.client, applies_to=f"quartier:{quartier.code}"))
        assert found == {region_charter.pk, commune_charter.pk, below.pk}
        found = ids(self.get_list(full.client, applies_to=tree.commune.pk))
        assert found == {region_charter.pk, commune_charter.pk}
        assert elsewhere.pk not in found
        assert_problem(self.get_list(full.client, applies_to="nonsense"), 400, field="applies_to")

    def test_rule_filters_and_all_types(self, tree, full):
        made = self.make(4, tree.commune)
        all_types = {c.pk for c in made if c.body_type == ""}
        assert all_types, "make() gives some charters no body type"
        assert ids(self.get_list(full.client, all_types="true")) == all_types
        assert (
            ids(self.get_list(full.client, all_types="false")) == {c.pk for c in made} - all_types
        )
        assert ids(self.get_list(full.client, min_meetings_per_year=3)) == {c.pk for c in made}
        assert ids(self.get_list(full.client, min_meetings_per_year=4)) == set()
        assert_problem(self.get_list(full.client, mandate_years="x"), 400, field="mandate_years")


# The feed lists committed changes (on PostgreSQL stamped at commit): real transactions.
@pytest.mark.django_db(transaction=True)
def test_charter_changes_follow_the_feed_and_the_webhook_vocabulary():
    assert "charter" in resource_types()
    tree = build_tree()
    full = caller()
    payload = {"territory": tree.commune.pk, "name": unique("Charte")}
    created = assert_json(full.client.post("/api/charters/", payload, format="json"), 201)
    feed = assert_json(full.client.get("/api/changes/", {"limit": 1000}))["results"]
    mine = [c for c in feed if c["type"] == "charter" and c["id"] == created["id"]]
    assert [c["action"] for c in mine] == ["create"]
    assert mine[0]["data"]["name"] == payload["name"]
    assert mine[0]["data"]["territory_id"] == tree.commune.pk
    outsider = caller(territory=tree.other_region)
    feed = assert_json(outsider.client.get("/api/changes/", {"limit": 1000}))["results"]
    assert not [c for c in feed if c["type"] == "charter"]


def test_a_limited_key_reads_the_charters_above_it_and_changes_only_its_own(
    api_client_factory,
):
    """A key limited to an arrondissement reads the city's charter that judges its bodies
    (its renewal answers name it), but may not change it (403); a sibling
    arrondissement's charter stays out of reach, answered as missing (404)."""
    city = territory_create(level="commune", code="75056", name="Paris")
    mine = territory_create(
        level="arrondissement_municipal", code="75118", name="Paris 18e",
        parents=[(city, "administrative")],
    )  # fmt: skip
    sibling = territory_create(
        level="arrondissement_municipal", code="75120", name="Paris 20e",
        parents=[(city, "administrative")],
    )  # fmt: skip
    day = dt.date(2024, 1, 1)
    above = charter_create(territory=city, name="Charte parisienne", valid_from=day)
    own = charter_create(territory=mine, name="Charte du 18e", valid_from=day)
    other = charter_create(territory=sibling, name="Charte du 20e", valid_from=day)
    missing = other.pk + 1000
    client = api_client_factory(territory=mine)

    # applies_to a territory out of reach answers as a missing one: nothing.
    for ref in (sibling.pk, "arrondissement_municipal:75120"):
        probe = client.get("/api/charters/", {"applies_to": ref}).json()
        absent = client.get("/api/charters/", {"applies_to": missing}).json()
        assert probe["results"] == absent["results"] == []
    assert [
        c["id"] for c in client.get("/api/charters/", {"applies_to": mine.pk}).json()["results"]
    ] == sorted([above.pk, own.pk])
    listed = client.get("/api/charters/")
    assert listed.status_code == 200
    assert sorted(c["id"] for c in listed.json()["results"]) == sorted([above.pk, own.pk])
    assert client.get(f"/api/charters/{above.pk}/").status_code == 200
    assert client.get(f"/api/charters/{above.pk}/history/").status_code == 200

    for method in ("patch", "put", "delete"):
        call = getattr(client, method)
        body = {"name": "Changée"} if method != "delete" else None
        refused = call(f"/api/charters/{above.pk}/", body, format="json")
        assert_problem(refused, 403)
        # Out of reach and missing answer alike.
        gone = call(f"/api/charters/{other.pk}/", body, format="json")
        absent = call(f"/api/charters/{missing}/", body, format="json")
        assert gone.status_code == absent.status_code == 404
    assert client.get(f"/api/charters/{other.pk}/").status_code == 404
    above.refresh_from_db()
    assert above.name == "Charte parisienne"
    assert (
        client.patch(
            f"/api/charters/{own.pk}/", {"name": "Charte du 18e bis"}, format="json"
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weights": {"turnover": 2**64}}, "weights.turnover"),
        ({"weights": {"turnover": 1e308}}, "weights.turnover"),
        ({"thresholds": {"dormancy": {"alert": 10**30}}}, "thresholds.dormancy.alert"),
        ({"thresholds": {"vacancy": {"watch": 50}}}, "thresholds.vacancy.watch"),
    ],
)
def test_numbers_no_unit_or_score_can_hold_are_a_422_and_nothing_is_written(
    full_client, body, field
):
    territory = territory_create(level="commune", code="75056", name="Paris")
    before = Charter.objects.count()
    response = full_client.post(
        "/api/charters/",
        {"territory": territory.pk, "name": "Charte", "valid_from": "2024-01-01", **body},
        format="json",
    )
    assert_problem(response, 422)
    assert field in response.content.decode()
    assert Charter.objects.count() == before
