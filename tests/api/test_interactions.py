"""/api/interactions/: the generic checks, the weight range and exactly one target."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from registry.models import Direction, Interaction, InteractionType
from registry.services.interactions import interaction_create
from tests import factories
from tests.api.generic import (
    ResourceAPITests,
    assert_problem,
    counts,
    ids,
    token_of,
    unique,
)

pytestmark = pytest.mark.django_db

TYPES = itertools.cycle(InteractionType.values)
DIRECTIONS = itertools.cycle(Direction.values)
_numbers = itertools.count(1)


def make_interactions(n, territory):
    """``n`` ties, each from its own source, to one of two actors or two bodies in turn."""
    actors = factories.ActorFactory.create_batch(2, territory=territory)
    bodies = factories.BodyFactory.create_batch(2, territory=territory)
    made = []
    for i in range(n):
        number = next(_numbers)
        to_body = number % 2 == 0
        made.append(
            interaction_create(
                source=factories.ActorFactory(territory=territory, name=unique("Source")),
                target_actor=None if to_body else actors[i % 2],
                target_body=bodies[i % 2] if to_body else None,
                territory=territory,
                interaction_type=next(TYPES),
                direction=next(DIRECTIONS),
                weight=number % 5 + 1,
                sign=-1 if number % 3 == 0 else 1,
                start_date=dt.date(2023, 1, 1),
                external_id=unique("tie").replace(" ", "-"),
            )
        )
    return made


class TestInteractions(ResourceAPITests):
    model = Interaction
    basename = "interaction"
    scope_error_field = "source"

    def make(self, n, territory):
        return make_interactions(n, territory)

    def search_term(self, obj):
        return token_of(obj.source.name)

    def create_payloads(self, territory):
        source, target = factories.ActorFactory.create_batch(2, territory=territory)
        body = factories.BodyFactory(territory=territory)
        return [
            {
                "source": source.pk,
                "target_actor": target.pk,
                "interaction_type": "alliance",
                "direction": "mutual",
                "weight": 4,
                "sign": 1,
                "start_date": "2024-01-01",
                "end_date": "2025-01-01",
                "territory": territory.pk,
                "source_note": "Entretien avec la présidente",
                "confidence": 0.75,
                "external_id": unique("crm").replace(" ", "-"),
            },
            {
                "source": source.pk,
                "target_body": body.pk,
                "interaction_type": "representation",
                "territory": territory.pk,
            },
        ]

    def update_payload(self, obj, territory):
        return {"weight": 5 if obj.weight != 5 else 1, "sign": -obj.sign, "confidence": 0.5}

    def put_payload(self, obj, territory):
        return {
            "source": obj.source_id,
            "target_actor": obj.target_actor_id,
            "target_body": obj.target_body_id,
            "interaction_type": "opposition",
            "direction": "directed",
            "weight": 2,
            "sign": -1,
            "territory": territory.pk,
        }

    def invalid_payloads(self, territory):
        source, target = factories.ActorFactory.create_batch(2, territory=territory)
        body = factories.BodyFactory(territory=territory)
        base = {
            "source": source.pk,
            "target_actor": target.pk,
            "interaction_type": "funding",
            "territory": territory.pk,
        }
        return [
            ({**base, "weight": 0}, "weight"),
            ({**base, "weight": 6}, "weight"),
            ({**base, "sign": 2}, "sign"),
            ({**base, "confidence": 1.5}, "confidence"),
            ({**base, "interaction_type": "friendship"}, "interaction_type"),
            ({**base, "direction": "sideways"}, "direction"),
            ({**base, "target_body": body.pk}, "target_actor"),
            ({k: v for k, v in base.items() if k != "target_actor"}, "target_actor"),
            ({**base, "target_actor": source.pk}, "target_actor"),
            ({**base, "start_date": "2025-01-01", "end_date": "2024-01-01"}, "end_date"),
        ]

    # --- specific to interactions -------------------------------------------------------

    def test_exactly_one_target(self, tree, full):
        payloads = self.create_payloads(tree.commune)
        both = {**payloads[0], "target_body": payloads[1]["target_body"], "external_id": ""}
        neither = {k: v for k, v in payloads[1].items() if k != "target_body"}
        before = counts()
        for payload in (both, neither):
            doc = assert_problem(
                full.client.post(self.list_url(), payload, format="json"),
                422,
                field="target_actor",
            )
            assert "exactly one target" in doc["errors"][0]["detail"]
        assert counts() == before
        tie = self.make(1, tree.commune)[0]
        body = factories.BodyFactory(territory=tree.commune)
        second_target = (
            {"target_body": body.pk}
            if tie.target_actor_id
            else {"target_actor": factories.ActorFactory(territory=tree.commune).pk}
        )
        before = counts()
        response = full.client.patch(self.detail_url(tie.pk), second_target, format="json")
        assert_problem(response, 422, field="target_actor")
        assert counts() == before

    def test_weight_out_of_range_on_update_changes_nothing(self, tree, full):
        tie = self.make(1, tree.commune)[0]
        before = counts()
        for weight in (0, 6, -1):
            response = full.client.patch(self.detail_url(tie.pk), {"weight": weight}, format="json")
            assert_problem(response, 422, field="weight")
        assert counts() == before
        weight = tie.weight
        tie.refresh_from_db()
        assert tie.weight == weight

    def test_filters_by_actor_sign_and_as_of(self, tree, full):
        made = self.make(4, tree.commune)
        a = made[0]
        assert ids(self.get_list(full.client, actor=a.source_id)) == {a.pk}
        if a.target_actor_id:
            touching = {t.pk for t in made if a.target_actor_id in (t.source_id, t.target_actor_id)}
            assert ids(self.get_list(full.client, actor=a.target_actor_id)) == touching
        negative = {t.pk for t in Interaction.objects.filter(sign=-1)}
        assert ids(self.get_list(full.client, sign=-1)) == negative
        assert ids(self.get_list(full.client, sign=1)) == {t.pk for t in made} - negative
        assert ids(self.get_list(full.client, as_of="2022-06-01")) == set()
        assert ids(self.get_list(full.client, as_of="2024-06-01")) == {t.pk for t in made}
        strong = {t.pk for t in made if t.weight >= 4}
        assert ids(self.get_list(full.client, weight_min=4)) == strong
