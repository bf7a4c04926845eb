"""The charter's rule columns agree with the renewal engine's one declaration of the rules.

``registry`` may not import ``graph``, so the model declares the columns and their
ranges (``registry.models.charter.CHARTER_RULES``, from which the fields, validators
and check constraints derive) and this test keeps it equal to ``graph.renewal.RULES``.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from graph.renewal import RULES
from registry import tracking
from registry.models import Charter, ParityRule
from registry.models.charter import CHARTER_RULES, RULE_NAMES
from tests.factories import TerritoryFactory


def test_the_rule_columns_are_the_engine_rules_with_the_same_ranges():
    assert set(RULE_NAMES) == set(RULES)
    for rule in CHARTER_RULES:
        engine = RULES[rule.name]
        assert (rule.minimum, rule.maximum) == (engine.minimum, engine.maximum), rule.name
    assert RULES["parity_rule"].choices == tuple(ParityRule.values)


@pytest.mark.django_db
@pytest.mark.parametrize("rule", CHARTER_RULES, ids=lambda r: r.name)
def test_the_database_refuses_a_rule_out_of_its_range(rule):
    territory = TerritoryFactory()
    for value in (rule.minimum - 1, rule.maximum + 1):
        if value < 0:
            continue  # a PositiveSmallIntegerField: the column refuses it anyway
        charter = Charter(territory=territory, name="Charte", **{rule.name: value})
        with pytest.raises(IntegrityError), transaction.atomic():
            # validate=False: the model's own validators would say it first.
            tracking.create(charter, validate=False)


@pytest.mark.django_db
def test_the_service_refuses_infinite_numbers_naming_the_path():
    from registry.exceptions import InvalidInput
    from registry.services.charters import charter_create

    territory = TerritoryFactory()
    with pytest.raises(InvalidInput) as caught:
        charter_create(
            territory=territory,
            name="Charte",
            thresholds={"parity": {"watch": float("inf")}},
            weights={"turnover": float("-inf")},
        )
    assert set(caught.value.errors) == {"thresholds.parity.watch", "weights.turnover"}
    assert not Charter.objects.exists()
