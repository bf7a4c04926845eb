"""The parameters of the analysis endpoints, each view's query declared as one serializer.

Every parameter is read by a field of the input layer (api.params): ASCII digits within
64 bits for numbers and ids, YYYY-MM-DD between 1900 and 2999 for dates (the renewal
indicators count terms and ages back in years: year 1 was a 500). Each view declares its
query as one serializer, used both for validation (``query_of``) and for the OpenAPI
document (``extend_schema(parameters=[...])``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from rest_framework import exceptions, serializers

from api.params import (
    QueryBooleanField,
    QueryDateField,
    QueryIdField,
    QueryIntegerField,
    TerritoryRefField,
    check_value,
)


def raw_param(request, name: str) -> str:
    return (request.query_params.get(name) or "").strip()


class AnalysisQuery(serializers.Serializer):
    """The parameters of every analysis."""

    territory = TerritoryRefField(
        help_text="Territory analysed, with everything below it (both hierarchies): id or "
        "`level:code` (e.g. `commune:75056`). Defaults to the key's own territory for a key "
        "limited to one."
    )
    as_of = QueryDateField(help_text="Date of the analysis (YYYY-MM-DD); default today.")


class SeededQuery(AnalysisQuery):
    seed = QueryIntegerField(
        default=0,
        min_value=0,
        max_value=2**31 - 1,
        help_text="Seed of the randomised steps (Leiden, sampled betweenness, layout); "
        "default 0. Same inputs and seed give the same answer, byte for byte.",
    )


class InfluenceMapQuery(SeededQuery):
    min_weight = QueryIntegerField(
        default=1, min_value=1, max_value=5, help_text="Drop ties lighter than this (1-5)."
    )
    memberships = QueryBooleanField(
        default=True, help_text="Include memberships as ties (default true)."
    )


class ActorNetworkQuery(AnalysisQuery):
    radius = QueryIntegerField(
        default=1, min_value=0, max_value=4, help_text="Ties away (1-4, default 1)."
    )


class PathsQuery(AnalysisQuery):
    def get_fields(self):
        # "from" is a Python keyword, so it cannot be a class attribute.
        return {
            **super().get_fields(),
            "from": QueryIdField(required=True, help_text="Actor id."),
            "to": QueryIdField(required=True, help_text="Actor id."),
        }


class InterlocksQuery(AnalysisQuery):
    min_shared = QueryIntegerField(
        default=1,
        min_value=1,
        max_value=1000,
        help_text="Only pairs sharing at least this many members (default 1).",
    )


class StakeholdersQuery(SeededQuery):
    threshold = QueryIntegerField(
        default=3, min_value=1, max_value=5, help_text="High from this score (1-5, default 3)."
    )


def as_of_param(request) -> dt.date:
    day = check_value(QueryDateField(), "as_of", request.query_params.get("as_of"))
    return day or timezone.localdate()


def choices_param(request, name: str, choices) -> tuple[str, ...]:
    values = sorted({v.strip() for v in request.query_params.getlist(name) if v.strip()})
    unknown = [v for v in values if v not in choices.values]
    if unknown:
        raise exceptions.ValidationError(
            {
                name: [
                    gettext("Unknown value(s): %(unknown)s. Choose among: %(choices)s.")
                    % {"unknown": ", ".join(unknown), "choices": ", ".join(choices.values)}
                ]
            }
        )
    return tuple(values)


NO_TERRITORY = gettext_lazy("No territory you may analyse has this id or key.")
