"""/api/opinions/: the generic checks, responses of the authority and ?answered=."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import Opinion, Referral, ResponseOutcome
from registry.services.activity import opinion_create
from tests import factories
from tests.api.generic import ResourceAPITests, assert_json, ids, token_of, unique

pytestmark = pytest.mark.django_db

REFERRALS = itertools.cycle(Referral.values)
#: Every third opinion is unanswered; the others get each outcome in turn.
OUTCOMES = itertools.cycle([None, *[o for o in ResponseOutcome.values if o != "no_response"], None])


def make_opinions(n, territory):
    """``n`` opinions of up to three bodies, some answered."""
    bodies = [factories.BodyFactory(territory=territory) for _ in range(min(n, 3))]
    made = []
    for i in range(n):
        outcome = next(OUTCOMES)
        made.append(
            opinion_create(
                body=bodies[i % len(bodies)],
                date=dt.date(2024, 3, 1) + dt.timedelta(days=30 * i),
                title=unique("Avis sur le PLU"),
                referral=next(REFERRALS),
                response_date=dt.date(2024, 9, 1) + dt.timedelta(days=30 * i) if outcome else None,
                response_outcome=outcome or "",
            )
        )
    return made


class TestOpinions(ResourceAPITests):
    model = Opinion
    basename = "opinion"
    territory_path = "body__territory_id"
    scope_error_field = "body"

    def make(self, n, territory):
        return make_opinions(n, territory)

    def search_term(self, obj):
        return token_of(obj.title)

    def create_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        return [
            {
                "body": body.pk,
                "date": "2025-01-15",
                "title": unique("Avis sur le budget"),
                "summary": "Le conseil demande un budget participatif.",
                "referral": "referred",
                "response_date": "2025-03-01",
                "response_outcome": "partially_adopted",
                "response_note": "Deux propositions retenues.",
            },
            {
                "body": body.pk,
                "date": "2025-02-01",
                "title": unique("Autosaisine"),
                "referral": "self",
            },
        ]

    def update_payload(self, obj, territory):
        return {
            "response_date": str(obj.date + dt.timedelta(days=60)),
            "response_outcome": "adopted" if obj.response_outcome != "adopted" else "rejected",
            "response_note": "Réponse du maire.",
        }

    def put_payload(self, obj, territory):
        return {
            "body": obj.body_id,
            "date": "2024-12-01",
            "title": obj.title + " (version finale)",
            "referral": "mandatory",
            "response_date": None,
            "response_outcome": "",
        }

    def invalid_payloads(self, territory):
        body = factories.BodyFactory(territory=territory)
        base = {"body": body.pk, "date": "2025-01-15", "title": "Avis", "referral": "self"}
        return [
            ({**base, "referral": "whim"}, "referral"),
            ({**base, "title": ""}, "title"),
            ({**base, "response_outcome": "ignored"}, "response_outcome"),
            ({k: v for k, v in base.items() if k != "date"}, "date"),
            (
                {**base, "response_date": "2024-01-01", "response_outcome": "adopted"},
                "response_date",
            ),
            ({**base, "response_date": "2025-02-01"}, "response_outcome"),
        ]

    # --- specific to opinions -----------------------------------------------------------

    def test_answered_filter(self, tree, full):
        made = self.make(6, tree.commune)
        answered = {o.pk for o in made if o.response_date}
        unanswered = {o.pk for o in made} - answered
        assert answered and unanswered
        assert ids(self.get_list(full.client, answered="true")) == answered
        assert ids(self.get_list(full.client, answered="false")) == unanswered

    def test_recording_a_response_moves_an_opinion_to_answered(self, tree, full):
        opinion = opinion_create(
            body=factories.BodyFactory(territory=tree.commune),
            date=dt.date(2025, 1, 1),
            title=unique("Avis"),
            referral="referred",
        )
        assert opinion.pk in ids(self.get_list(full.client, answered="false"))
        payload = {"response_date": "2025-02-01", "response_outcome": "noted"}
        assert_json(full.client.patch(self.detail_url(opinion.pk), payload, format="json"))
        assert opinion.pk in ids(self.get_list(full.client, answered="true"))
        assert opinion.pk not in ids(self.get_list(full.client, answered="false"))
        assert ids(self.get_list(full.client, response_outcome="noted")) == {opinion.pk}
