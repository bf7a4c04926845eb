"""Every model field users filter on has a filter (NetBox's "every field has a filter" test).

For each resource of the router, every concrete field of its model must be
reachable by a filter of its filterset: a filter of that name, a filter on
that column (``territory`` filters ``territory_id``, ``date_after``/
``date_before`` filter ``date``, ``power_min`` filters ``power``...), or, for
text, the ``?q=`` search (the filterset's ``search_fields``). The fields nobody
filters on are listed below with the reason; a new model field fails this test
until it gets a filter or a reason.
"""

from __future__ import annotations

import pytest

from api.urls import router

#: Fields deliberately without a filter, per model, and why.
NOT_FILTERED: dict[str, dict[str, str]] = {
    "*": {
        "sources": "JSON list of links to where the data comes from: shown, not queried",
    },
    "registry.Territory": {
        "extra": "JSON of other published attributes, free in shape",
    },
    "registry.Actor": {
        "links": "JSON list of web pages about the actor",
        "description": "free text",
        "given_name": "part of the display name, which ?q= searches",
        "family_name": "part of the display name, which ?q= searches",
    },
    "registry.Body": {
        "legal_basis": "free text citing a law or deliberation",
    },
    "registry.Charter": {
        "source_url": "address of the published text: shown, not queried",
        "thresholds": "JSON of indicator thresholds: read by the renewal analysis",
        "weights": "JSON of indicator weights: read by the renewal analysis",
    },
    "registry.Opinion": {
        "response_note": "free text of the authority's response",
    },
}


RESOURCES = [pytest.param(viewset, id=prefix) for prefix, viewset, _b in router.registry]


def filtered_columns(filterset) -> set[str]:
    """Names and columns (``field_name``) of every filter, and the columns ``?q=`` searches."""
    columns = set()
    for name, f in filterset.base_filters.items():
        columns.add(name)
        if f.field_name:
            columns.add(f.field_name)
    if "q" in filterset.base_filters:
        columns |= set(filterset.search_fields)
    return columns


@pytest.mark.parametrize("viewset", RESOURCES)
def test_every_model_field_has_a_filter(viewset):
    model = viewset.queryset.model
    label = model._meta.label
    filterset = viewset.filterset_class
    assert filterset is not None, f"{viewset.__name__} has no filterset_class"
    assert filterset._meta.model is model, f"{filterset.__name__} filters another model"
    ignored = {**NOT_FILTERED["*"], **NOT_FILTERED.get(label, {})}
    columns = filtered_columns(filterset)
    missing = [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in ignored and not {field.name, field.attname} & columns
    ]
    assert not missing, (
        f"{label} fields without a filter in {filterset.__name__}: {missing}. Add a filter "
        "(choices: choice_filter, foreign keys: MultipleIdFilter, dates: "
        "DateFromToRangeFilter, numbers: a *_min/*_max NumberFilter) in api/resources/, "
        "regenerate openapi/schema.yaml, or list the field in NOT_FILTERED with the reason."
    )


@pytest.mark.parametrize("viewset", RESOURCES)
def test_the_ignore_list_names_real_fields(viewset):
    model = viewset.queryset.model
    names = {f.name for f in model._meta.concrete_fields}
    stale = set(NOT_FILTERED.get(model._meta.label, {})) - names
    assert not stale, f"NOT_FILTERED lists fields {model._meta.label} does not have: {stale}"
    assert set(NOT_FILTERED["*"]) <= names
    covered = filtered_columns(viewset.filterset_class)
    needless = {n for n in NOT_FILTERED.get(model._meta.label, {}) if n in covered}
    assert not needless, (
        f"{model._meta.label}: {needless} have a filter, drop them from NOT_FILTERED"
    )


def test_every_model_with_an_ignore_list_is_a_resource():
    labels = {viewset.queryset.model._meta.label for _p, viewset, _b in router.registry}
    assert set(NOT_FILTERED) - {"*"} <= labels
