"""Thresholds, weights and rules by layer (charters, settings, defaults) and their validation."""

from __future__ import annotations

import pytest

from graph.renewal import (
    DEFAULT_RULES,
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    RULES,
    Layer,
    RenewalConfig,
    validate_values,
)

PARIS = {
    "kind": "charter",
    "id": 7,
    "name": "Charte parisienne de la participation",
    "territory_id": 75,
    "body_type": None,
    "adopted_by": "Délibération 2017 DDCT 128",
    "url": "https://example.org/charte",
}
ARRONDISSEMENT = {**PARIS, "id": 8, "name": "Charte du 11e", "body_type": "neighbourhood_council"}


def test_first_layer_wins_then_settings_then_defaults():
    config = RenewalConfig.layered(
        [
            Layer(
                ARRONDISSEMENT, thresholds={"vacancy": {"watch": 0.1}}, rules={"mandate_years": 2}
            ),
            Layer(
                PARIS,
                thresholds={"vacancy": {"watch": 0.15, "alert": 0.3}},
                weights={"parity": 4},
                rules={"mandate_years": 3, "answer_delay_days": 60},
            ),
        ],
        settings_thresholds={"dormancy": {"alert": 9}},
        settings_weights={"parity": 1, "turnover": 0},
    )
    # the nearest charter sets the vacancy pair: its watch, the default alert (never the
    # Paris alert, which with another watch could make a pair no charter wrote)
    assert config.thresholds["vacancy"] == {"watch": 0.1, "alert": 0.4}
    assert config.source_of("threshold:vacancy.watch") is ARRONDISSEMENT
    assert config.source_of("threshold:vacancy.alert")["kind"] == "default"
    assert config.weights["parity"] == 4 and config.source_of("weight:parity") is PARIS
    assert config.weights["turnover"] == 0
    assert config.source_of("weight:turnover")["kind"] == "settings"
    assert config.thresholds["dormancy"] == {"watch": 6, "alert": 9}
    assert config.source_of("threshold:dormancy.alert")["kind"] == "settings"
    assert config.source_of("threshold:dormancy.watch")["kind"] == "default"
    assert config.rules["mandate_years"] == 2
    assert config.source_of("rule:mandate_years") is ARRONDISSEMENT
    assert config.rules["answer_delay_days"] == 60
    assert config.rules["max_consecutive_terms"] == 2
    assert config.source_of("rule:max_consecutive_terms")["kind"] == "default"
    # the first charter in the order given that supplied a value in force
    assert config.charter is ARRONDISSEMENT


def test_the_governing_charter_is_the_nearest_applicable_one():
    config = RenewalConfig.layered(
        [
            Layer(ARRONDISSEMENT, weights={"parity": 3}),
            Layer(PARIS, weights={"parity": 4}),
        ]
    )
    assert config.charter is ARRONDISSEMENT
    assert RenewalConfig.layered([]).charter is None
    assert RenewalConfig.layered([]) == RenewalConfig()


def test_defaults_come_from_the_declarations():
    config = RenewalConfig.layered([])
    assert config.thresholds == DEFAULT_THRESHOLDS and config.weights == DEFAULT_WEIGHTS
    assert config.rules == DEFAULT_RULES
    assert DEFAULT_RULES == {
        "mandate_years": 3,
        "min_meetings_per_year": None,
        "answer_delay_days": 90,
        "parity_rule": "none",
        "max_consecutive_terms": 2,
        "min_age": None,
        "max_age": None,
    }
    assert config.source_of("rule:min_age") == {"kind": "default", "id": None, "name": "defaults"}
    with pytest.raises(KeyError):
        config.source_of("colour:vacancy")


def test_validate_values_accepts_valid_charter_values():
    rules = {
        "mandate_years": 3,
        "min_meetings_per_year": 3,
        "answer_delay_days": 90,
        "parity_rule": "max_gap_1",
        "max_consecutive_terms": 2,
        "min_age": 16,
        "max_age": 25,
    }
    thresholds = {"parity": {"watch": 0.45, "alert": 0.3}, "vacancy": {"watch": 0.1}}
    assert validate_values(thresholds, {"turnover": 0, "mandate": 2.5}, rules) == {}
    assert validate_values({}, {}, {"min_age": None}) == {}  # None: not set
    assert validate_values(None, None, None) == {}
    assert set(RULES) == set(rules)


@pytest.mark.parametrize(
    ("thresholds", "weights", "rules", "path"),
    [
        ({"vacancancy": {"watch": 0.1}}, None, None, "thresholds.vacancancy"),
        ({"vacancy": {"critical": 0.5}}, None, None, "thresholds.vacancy.critical"),
        ({"vacancy": {"watch": "high"}}, None, None, "thresholds.vacancy.watch"),
        ({"vacancy": {"watch": True}}, None, None, "thresholds.vacancy.watch"),
        ({"vacancy": {"watch": 0.6}}, None, None, "thresholds.vacancy"),  # beyond alert .4
        ({"attendance": {"watch": 0.3, "alert": 0.5}}, None, None, "thresholds.attendance"),
        ({"vacancy": 0.3}, None, None, "thresholds.vacancy"),
        ({"vacancy": {"renew": 0.5}}, None, None, "thresholds.vacancy.renew"),  # not a key
        (None, {"turnovr": 1}, None, "weights.turnovr"),
        (None, {"turnover": -1}, None, "weights.turnover"),
        (None, {"turnover": "1"}, None, "weights.turnover"),
        (None, None, {"mandate_lenght": 3}, "rules.mandate_lenght"),
        (None, None, {"mandate_years": 0}, "rules.mandate_years"),
        (None, None, {"mandate_years": 11}, "rules.mandate_years"),
        (None, None, {"mandate_years": 3.5}, "rules.mandate_years"),
        (None, None, {"mandate_years": "3"}, "rules.mandate_years"),
        (None, None, {"min_meetings_per_year": 53}, "rules.min_meetings_per_year"),
        (None, None, {"answer_delay_days": 0}, "rules.answer_delay_days"),
        (None, None, {"answer_delay_days": 731}, "rules.answer_delay_days"),
        (None, None, {"parity_rule": "strict"}, "rules.parity_rule"),
        (None, None, {"max_consecutive_terms": 0}, "rules.max_consecutive_terms"),
        (None, None, {"min_age": -1}, "rules.min_age"),
        (None, None, {"max_age": 121}, "rules.max_age"),
        (None, None, {"min_age": 30, "max_age": 25}, "rules.max_age"),
        (None, None, ["mandate_years"], "rules"),
    ],
)
def test_validate_values_names_the_json_path(thresholds, weights, rules, path):
    errors = validate_values(thresholds, weights, rules)
    assert list(errors) == [path], errors
    assert errors[path]  # an English message


def test_layered_refuses_invalid_settings_and_leaves_out_invalid_stored_values():
    # A charter value stored before a rule it breaks: left out, the rest applies.
    config = RenewalConfig.layered(
        [
            Layer(
                PARIS,
                rules={"parity_rule": "strict", "mandate_years": 4},
                weights={"parity": 1e308},
            )
        ]
    )
    assert config.rules["parity_rule"] == "none" and config.rules["mandate_years"] == 4
    assert config.source_of("rule:parity_rule")["kind"] == "default"
    assert config.weights["parity"] == DEFAULT_WEIGHTS["parity"]
    with pytest.raises(ValueError, match="thresholds.vacancy"):
        RenewalConfig.layered([], settings_thresholds={"vacancy": {"watch": 0.9}})


@pytest.mark.parametrize(
    ("thresholds", "weights", "path"),
    [
        (None, {"turnover": 2**64}, "weights.turnover"),  # beyond 64 bits
        (None, {"turnover": 10**400}, "weights.turnover"),
        (None, {"turnover": 1e308}, "weights.turnover"),  # would overflow the score
        (None, {"turnover": float("inf")}, "weights.turnover"),
        ({"dormancy": {"alert": 10**400}}, None, "thresholds.dormancy.alert"),
        ({"vacancy": {"watch": 50, "alert": 100}}, None, "thresholds.vacancy.watch"),  # share
        ({"vacancy": {"watch": -5, "alert": -1}}, None, "thresholds.vacancy.watch"),
        ({"parity": {"watch": 7, "alert": 3}}, None, "thresholds.parity.watch"),
        ({"dormancy": {"watch": -12, "alert": -6}}, None, "thresholds.dormancy.watch"),
        ({"dormancy": {"watch": float("nan")}}, None, "thresholds.dormancy.watch"),
    ],
)
def test_numbers_outside_what_the_unit_or_the_score_can_hold_are_refused(thresholds, weights, path):
    thresholds = {k: v for k, v in (thresholds or {}).items() if v is not None}
    assert path in validate_values(thresholds, weights, None)


def test_layers_never_combine_into_a_pair_or_an_age_rule_no_one_wrote():
    near = Layer(ARRONDISSEMENT, thresholds={"dormancy": {"watch": 10}}, rules={"min_age": 30})
    far = Layer(PARIS, thresholds={"dormancy": {"alert": 8}}, rules={"max_age": 20})
    assert not validate_values(near.thresholds, None, near.rules)
    assert not validate_values(far.thresholds, None, far.rules)
    config = RenewalConfig.layered([near, far])
    watch, alert = config.thresholds["dormancy"]["watch"], config.thresholds["dormancy"]["alert"]
    assert (watch, alert) == (10, DEFAULT_THRESHOLDS["dormancy"]["alert"]) and watch <= alert
    assert (config.rules["min_age"], config.rules["max_age"]) == (30, None)
    assert config.source_of("rule:max_age")["kind"] == "default"
