"""/api/memberships/: the generic checks, the overlap rule, ?as_of= and ?current=."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import EndReason, Membership, Role, SelectionMode
from registry.services.memberships import membership_create
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_json,
    assert_problem,
    counts,
    ids,
    token_of,
    unique,
)

pytestmark = pytest.mark.django_db

ROLES = itertools.cycle(Role.values)
MODES = itertools.cycle(SelectionMode.values)
#: Ended memberships get an end reason; every third one is current.
ENDINGS = itertools.cycle([None, *EndReason.values])
BODY_TYPES = itertools.cycle(["conseil_quartier", "conseil_citoyen", "conseil_jeunes"])


def make_memberships(n, territory):
    """``n`` seats of distinct actors in up to three bodies (each with a college)."""
    bodies = [
        factories.BodyFactory(territory=territory, body_type=next(BODY_TYPES))
        for _ in range(min(n, 3))
    ]
    colleges = [factories.CollegeFactory(body=body) for body in bodies]
    organization = factories.OrganizationFactory(territory=territory)
    made = []
    for i in range(n):
        reason = next(ENDINGS)
        made.append(
            membership_create(
                actor=factories.ActorFactory(territory=territory, name=unique("Membre")),
                body=bodies[i % len(bodies)],
                college=colleges[i % len(bodies)],
                on_behalf_of=organization,
                role=next(ROLES),
                selection_mode=next(MODES),
                start_date=dt.date(2022, 1, 1),
                end_date=dt.date(2024, 1, 1) if reason else None,
                end_reason=reason or "",
                external_id=unique("ext").replace(" ", "-"),
            )
        )
    return made


class TestMemberships(ResourceAPITests):
    model = Membership
    basename = "membership"
    territory_path = "body__territory_id"
    scope_error_field = "body"

    def make(self, n, territory):
        return make_memberships(n, territory)

    def create_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        college = factories.CollegeFactory(body=body, selection_mode="lot")
        actor = factories.ActorFactory(territory=territory)
        return [
            {
                "actor": actor.pk,
                "body": body.pk,
                "college": college.pk,
                "role": "president",
                "selection_mode": "election",
                "on_behalf_of": factories.OrganizationFactory(territory=territory).pk,
                "start_date": "2024-09-01",
                "end_date": "2026-09-01",
                "end_reason": "term_ended",
                "external_id": unique("SI").replace(" ", "-"),
                "sources": [{"url": "https://example.org/arrete-2024-12", "note": "arrêté"}],
            },
            {"actor": actor.pk, "body": body.pk, "start_date": "2024-09-01"},
        ]

    def update_payload(self, obj, territory):
        return {"end_date": "2025-03-31", "end_reason": "resigned"}

    def put_payload(self, obj, territory):
        return {
            "actor": obj.actor_id,
            "body": obj.body_id,
            "role": "secretary",
            "start_date": "2021-06-01",
            "end_date": None,
            "end_reason": "",
        }

    def invalid_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        elsewhere = factories.CollegeFactory(body=factories.BodyFactory(territory=territory))
        actor = factories.ActorFactory(territory=territory)
        person = factories.ActorFactory(territory=territory)
        base = {"actor": actor.pk, "body": body.pk, "start_date": "2024-01-01"}
        return [
            ({**base, "role": "king"}, "role"),
            ({**base, "start_date": "someday"}, "start_date"),
            ({k: v for k, v in base.items() if k != "actor"}, "actor"),
            # A rule across two fields (a check constraint) is a non-field error.
            ({**base, "end_date": "2023-01-01"}, "end_date"),
            ({**base, "end_reason": "resigned"}, "end_reason"),
            ({**base, "college": elsewhere.pk}, "college"),
            ({**base, "on_behalf_of": person.pk}, "on_behalf_of"),
            ({**base, "selection_mode": "raffle"}, "selection_mode"),
        ]

    def search_term(self, obj):
        return token_of(obj.actor.name)

    # --- specific to memberships --------------------------------------------------------

    def _seat(self, territory, **fields):
        return factories.MembershipFactory(
            actor=factories.ActorFactory(territory=territory),
            body=factories.BodyFactory(territory=territory),
            **fields,
        )

    def test_overlap_is_422_with_its_own_code(self, tree, full):
        seat = self._seat(tree.commune, start_date=dt.date(2024, 1, 1))
        payload = {
            "actor": seat.actor_id,
            "body": seat.body_id,
            "role": seat.role,
            "start_date": "2025-01-01",
        }
        before = counts()
        response = full.client.post(self.list_url(), payload, format="json")
        doc = assert_problem(response, 422, field="start_date", code="membership-overlap")
        assert str(seat.pk) in doc["errors"][0]["detail"]
        assert counts() == before

    def test_overlap_by_update_is_refused_too(self, tree, full):
        first = self._seat(
            tree.commune, start_date=dt.date(2020, 1, 1), end_date=dt.date(2022, 1, 1)
        )
        second = factories.MembershipFactory(
            actor=first.actor, body=first.body, start_date=dt.date(2022, 1, 1)
        )
        before = counts()
        response = full.client.patch(
            self.detail_url(first.pk), {"end_date": "2023-01-01"}, format="json"
        )
        assert_problem(response, 422, code="membership-overlap")
        assert counts() == before
        first.refresh_from_db()
        assert first.end_date == dt.date(2022, 1, 1) and second.pk

    def test_consecutive_terms_and_other_roles_do_not_overlap(self, tree, full):
        seat = self._seat(
            tree.commune, start_date=dt.date(2020, 1, 1), end_date=dt.date(2023, 1, 1)
        )
        base = {"actor": seat.actor_id, "body": seat.body_id}
        renewed = {**base, "role": seat.role, "start_date": "2023-01-01"}
        other_role = {**base, "role": "president", "start_date": "2021-01-01"}
        for payload in (renewed, other_role):
            assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        assert Membership.objects.filter(actor=seat.actor, body=seat.body).count() == 3

    def test_as_of_and_current(self, tree, full):
        today = dt.date.today()
        past = self._seat(
            tree.commune, start_date=dt.date(2019, 1, 1), end_date=dt.date(2021, 1, 1)
        )
        current = self._seat(tree.commune, start_date=dt.date(2020, 6, 1))
        ending = self._seat(
            tree.commune, start_date=dt.date(2020, 1, 1), end_date=today + dt.timedelta(days=30)
        )
        future = self._seat(tree.commune, start_date=today + dt.timedelta(days=10))
        assert ids(self.get_list(full.client, as_of="2020-07-01")) == {
            past.pk,
            current.pk,
            ending.pk,
        }
        # The end date is the first day without the seat.
        assert ids(self.get_list(full.client, as_of="2021-01-01")) == {current.pk, ending.pk}
        assert ids(self.get_list(full.client, as_of="2019-06-01")) == {past.pk}
        assert ids(self.get_list(full.client, current="true")) == {current.pk, ending.pk}
        assert ids(self.get_list(full.client, current="false")) == {past.pk, future.pk}
        data = {i["id"]: i for i in assert_json(self.get_list(full.client))["results"]}
        assert data[current.pk]["is_current"] is True
        assert data[past.pk]["is_current"] is False
        assert_problem(self.get_list(full.client, as_of="2020-13-45"), 400, field="as_of")

    def test_filters_by_actor_body_and_dates(self, tree, full):
        a, b, c = self.make(3, tree.commune)
        assert ids(self.get_list(full.client, actor=[a.actor_id, c.actor_id])) == {a.pk, c.pk}
        assert ids(self.get_list(full.client, body=b.body_id)) == {b.pk}
        assert ids(self.get_list(full.client, external_id=b.external_id)) == {b.pk}
        ended = {m.pk for m in (a, b, c) if m.end_date}
        assert ids(self.get_list(full.client, end_date_after="2023-06-01")) == ended
