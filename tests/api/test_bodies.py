"""/api/bodies/ and /api/colleges/: the generic checks, and colleges given with a body."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import Body, BodyStatus, BodyType, College, ParityRule, SelectionMode
from registry.services.bodies import body_create
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    caller,
    counts,
    ids,
    unique,
)

pytestmark = pytest.mark.django_db

BODY_TYPES = itertools.cycle(BodyType.values)
STATUSES = itertools.cycle(BodyStatus.values)
PARITY = itertools.cycle(ParityRule.values)
MODES = itertools.cycle(SelectionMode.values)


def make_bodies(n, territory):
    host = factories.OrganizationFactory(territory=territory)
    return [
        body_create(
            name=unique("Conseil"),
            body_type=next(BODY_TYPES),
            status=next(STATUSES),
            parity_rule=next(PARITY),
            territory=territory,
            host=host,
            seats=20,
            colleges=[
                {"name": "Habitants", "seats": 12, "selection_mode": next(MODES)},
                {"name": "Associations", "seats": 8, "selection_mode": next(MODES)},
            ],
        )
        for _ in range(n)
    ]


class TestBodies(ResourceAPITests):
    model = Body
    basename = "body"

    def make(self, n, territory):
        return make_bodies(n, territory)

    def create_payloads(self, territory):
        host = factories.OrganizationFactory(territory=territory)
        return [
            {
                "name": unique("Conseil citoyen"),
                "body_type": "conseil_citoyen",
                "territory": territory.pk,
                "host": host.pk,
                "status": "active",
                "founding_date": "2015-03-01",
                "mandate_years": 3,
                "term_start": "2024-01-01",
                "term_end": "2026-12-31",
                "seats": 30,
                "parity_rule": "max_gap_1",
                "colleges": [
                    {"name": "Habitants", "seats": 20, "selection_mode": "lot"},
                    {"name": "Acteurs locaux", "seats": 10, "selection_mode": "designation"},
                ],
                "sources": [{"url": "https://example.org/deliberation", "note": "délibération"}],
            },
            {"name": unique("CESER"), "body_type": "ceser", "territory": territory.pk},
        ]

    def update_payload(self, obj, territory):
        return {"status": "dormant", "term_end": "2027-06-30", "seats": 25}

    def put_payload(self, obj, territory):
        return {
            "name": obj.name + " (renommé)",
            "body_type": "conseil_developpement",
            "territory": territory.pk,
            "status": "active",
            "mandate_years": 6,
        }

    def invalid_payloads(self, territory):
        person = factories.ActorFactory(territory=territory)
        base = {"name": "Conseil", "body_type": "ceser", "territory": territory.pk}
        return [
            ({**base, "body_type": "club"}, "body_type"),
            ({**base, "name": ""}, "name"),
            ({k: v for k, v in base.items() if k != "territory"}, "territory"),
            ({**base, "host": person.pk}, "host"),
            ({**base, "mandate_years": 20}, "mandate_years"),
            ({**base, "term_start": "2025-01-01", "term_end": "2024-01-01"}, "term_end"),
            (
                {**base, "colleges": [{"name": "X", "selection_mode": "raffle"}]},
                "colleges.0.selection_mode",
            ),
        ]

    # --- specific to bodies -------------------------------------------------------------

    def test_colleges_given_on_create_are_stored(self, tree, full):
        payload = self.create_payloads(tree.commune)[0]
        data = assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        stored = College.objects.filter(body_id=data["id"]).order_by("name")
        assert [(c.name, c.seats, c.selection_mode) for c in stored] == [
            ("Acteurs locaux", 10, "designation"),
            ("Habitants", 20, "lot"),
        ]
        assert sorted(c["name"] for c in data["colleges"]) == ["Acteurs locaux", "Habitants"]

    def test_colleges_cannot_be_changed_through_the_body(self, tree, full):
        body = self.make(1, tree.commune)[0]
        before = counts()
        response = full.client.patch(
            self.detail_url(body.pk),
            {"colleges": [{"name": "Nouveau", "selection_mode": "lot"}]},
            format="json",
        )
        assert_problem(response, 422, field="colleges")
        assert counts() == before

    def test_a_scoped_key_cannot_move_a_body_out_of_its_territory(self, tree):
        body = self.make(1, tree.commune)[0]
        insider = caller(territory=tree.region)
        before = counts()
        response = insider.client.patch(
            self.detail_url(body.pk), {"territory": tree.other_commune.pk}, format="json"
        )
        assert_problem(response, 422, field="territory")
        assert counts() == before
        body.refresh_from_db()
        assert body.territory_id == tree.commune.pk

    def test_as_of_and_current_filters(self, tree, full):
        old = body_create(
            name=unique("Ancien conseil"),
            body_type="conseil_quartier",
            territory=tree.commune,
            founding_date=dt.date(2001, 1, 1),
            dissolution_date=dt.date(2010, 1, 1),
            status="dissolved",
        )
        live = body_create(
            name=unique("Conseil"),
            body_type="conseil_quartier",
            territory=tree.commune,
            founding_date=dt.date(2005, 1, 1),
        )
        assert ids(self.get_list(full.client, as_of="2008-06-01")) == {old.pk, live.pk}
        assert ids(self.get_list(full.client, as_of="2012-06-01")) == {live.pk}
        assert ids(self.get_list(full.client, current="true")) == {live.pk}
        assert ids(self.get_list(full.client, current="false")) == {old.pk}

    def test_term_and_age_rule_filters(self, tree, full):
        youth = body_create(
            name=unique("Conseil des jeunes"),
            body_type="conseil_jeunes",
            territory=tree.commune,
            term_start=dt.date(2023, 9, 1),
            term_end=dt.date(2025, 9, 1),
            min_age=11,
            max_age=17,
        )
        elders = body_create(
            name=unique("Conseil des aînés"),
            body_type="conseil_aines",
            territory=tree.commune,
            term_start=dt.date(2021, 1, 1),
            term_end=dt.date(2027, 1, 1),
            min_age=60,
        )
        assert ids(self.get_list(full.client, term_start_after="2022-01-01")) == {youth.pk}
        assert ids(self.get_list(full.client, term_start_before="2022-01-01")) == {elders.pk}
        assert ids(self.get_list(full.client, term_end_before="2026-01-01")) == {youth.pk}
        assert ids(self.get_list(full.client, max_age=17)) == {youth.pk}
        assert ids(self.get_list(full.client, min_age=60)) == {elders.pk}


class TestColleges(ResourceAPITests):
    model = College
    basename = "college"
    territory_path = "body__territory_id"
    scope_error_field = "body"

    def make(self, n, territory):
        bodies = [factories.BodyFactory(territory=territory) for _ in range(min(n, 3))]
        return [
            factories.CollegeFactory(
                body=bodies[i % len(bodies)],
                name=unique("Collège"),
                seats=10,
                selection_mode=next(MODES),
            )
            for i in range(n)
        ]

    def create_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        return [
            {"body": body.pk, "name": unique("Collège"), "seats": 12, "selection_mode": "lot"},
            {"body": body.pk, "name": unique("Collège"), "selection_mode": "ex_officio"},
        ]

    def update_payload(self, obj, territory):
        return {"seats": 7, "selection_mode": "election"}

    def put_payload(self, obj, territory):
        return {"body": obj.body_id, "name": obj.name + " bis", "selection_mode": "appointment"}

    def invalid_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        factories.CollegeFactory(body=body, name="Habitants")
        base = {"body": body.pk, "name": "Élus", "selection_mode": "lot"}
        return [
            ({**base, "selection_mode": "raffle"}, "selection_mode"),
            ({**base, "name": ""}, "name"),
            ({**base, "body": 10**9}, "body"),
            ({**base, "seats": -1}, "seats"),
            ({**base, "name": "Habitants"}, "non_field_errors"),
        ]

    def protect(self, obj):
        factories.MembershipFactory(
            body=obj.body, college=obj, actor=factories.ActorFactory(territory=obj.body.territory)
        )
        return True

    def test_seats_min_filter(self, tree, full):
        body = factories.BodyFactory(territory=tree.commune)
        small = factories.CollegeFactory(body=body, seats=3)
        large = factories.CollegeFactory(body=body, seats=30)
        assert ids(self.get_list(full.client, body=body.pk, seats_min=10)) == {large.pk}
        assert ids(self.get_list(full.client, body=body.pk, seats_min=3)) == {small.pk, large.pk}

    def test_a_college_cannot_move_to_another_body(self, tree, full):
        college = self.make(1, tree.commune)[0]
        other = factories.BodyFactory(territory=tree.commune)
        before = counts()
        response = full.client.patch(self.detail_url(college.pk), {"body": other.pk}, format="json")
        assert_problem(response, 422, field="body")
        assert counts() == before
