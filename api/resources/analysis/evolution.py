"""``GET /api/analysis/evolution``: the network and the renewal scores of a territory over
time, and what changed from the first date to the last (``graph.evolution``).

Each date is a snapshot cached on its own (``api.analysis.evolution``); the answer is
cached too, like every analysis. Its cost is one snapshot per date, so the job decision
counts the nodes of every date, and the size bound (413) the largest snapshot.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers

from api.analysis import runner
from api.analysis.evolution import dates_of
from api.params import QueryDateField, QueryIntegerField, TerritoryRefField, query_of
from api.resources.analysis.base import AnalysisView
from api.resources.analysis.queries import raw_param
from api.resources.analysis.schemas import EvolutionSerializer
from api.resources.analysis.views import answers, ranking_size
from graph.evolution import MAX_SNAPSHOTS, STEPS, TOP_PAGERANK, TooManyDates, snapshot_dates
from graph.evolution.dates import plus_months
from registry.params import DATE_MIN

_STEP_HELP = ", ".join(f"`{name}` ({months} month(s))" for name, months in STEPS.items())


class EvolutionQuery(serializers.Serializer):
    territory = TerritoryRefField(
        help_text="Territory analysed, with everything below it: id or `level:code`. "
        "Defaults to the key's own territory for a key limited to one."
    )

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be a class attribute.
        return {
            **super().get_fields(),
            "from": QueryDateField(
                help_text="First date (YYYY-MM-DD), before `to`; default a year before `to`."
            ),
            "to": QueryDateField(
                help_text="Last date (YYYY-MM-DD), after `from`; default today. Always a date "
                "of the evolution, whatever the step."
            ),
            "step": serializers.ChoiceField(
                choices=list(STEPS),
                default="year",
                help_text=f"Time between two dates: {_STEP_HELP}; default `year`. At most "
                f"{MAX_SNAPSHOTS} dates from `from` to `to`.",
            ),
            "seed": QueryIntegerField(
                default=0,
                min_value=0,
                max_value=2**31 - 1,
                help_text="Seed of Leiden at every date; default 0. Same inputs and seed "
                "give the same answer, byte for byte.",
            ),
        }


def _dates(query: dict) -> tuple[dt.date, ...]:
    end = query.get("to") or timezone.localdate()
    start = query.get("from") or plus_months(end, -STEPS["year"])
    if start < DATE_MIN:
        # The default (a year before `to`) is out of the dates a parameter may give.
        raise exceptions.ValidationError(
            {"from": [_("Give `from`: a year before `to` is before %(min)s.") % {"min": DATE_MIN}]}
        )
    if start >= end:
        # Name the parameter the caller gave: `from` alone is after today.
        name = "to" if query.get("to") else "from"
        message = _("Must be after `from`.") if name == "to" else _("Must be before `to` (today).")
        raise exceptions.ValidationError({name: [message]})
    try:
        return snapshot_dates(start, end, query["step"])
    except TooManyDates:
        raise exceptions.ValidationError(
            {
                "step": [
                    _(
                        "More than %(n)s dates from `from` to `to` at this step: take a longer "
                        "step or a shorter period."
                    )
                    % {"n": MAX_SNAPSHOTS}
                ]
            }
        ) from None


class EvolutionView(AnalysisView):
    """The network and the renewal scores of a territory over time."""

    kind = "evolution"

    @extend_schema(
        operation_id="analysis_evolution",
        summary="Change over time of a territory",
        description=(
            "At each date from `from` to `to` by `step` (and at `to`): each body's renewal "
            "score, status counts and indicator statuses, the network's size, its Leiden "
            "communities (seeded), its main core (actors of the highest core number), its "
            f"{TOP_PAGERANK} most central actors (PageRank) and each body's interlocks; "
            "then what changed from the first date to the last: actors who entered or left "
            "the core and the top-PageRank set, communities that merged or split (matched by "
            "more than half of their members present at both dates), bodies whose interlocks "
            "grew, bodies whose score moved most, each with a sentence in English and French "
            "(README, Consultant, Change over time). Each date is computed once per data "
            "version and cached; a large territory is a background job."
        ),
        parameters=[EvolutionQuery],
        responses=answers(EvolutionSerializer, "The snapshots and the changes."),
    )
    def get(self, request):
        if raw_param(request, "as_of"):
            raise exceptions.ValidationError(
                {"as_of": [_("An evolution has no `as_of`: give `from` and `to`.")]}
            )
        query = query_of(request, EvolutionQuery)
        days = _dates(query)
        params = {
            "from": days[0].isoformat(),
            "to": days[-1].isoformat(),
            "step": query["step"],
            "seed": query["seed"],
        }
        return self.answer(
            request, territory_id=self.territory(request), params=params, as_of=days[-1]
        )

    def size_of(self, ask: runner.Request) -> int:
        """Every date's graph (each as the ranking's): the work of the whole evolution."""
        return ranking_size(ask) * len(dates_of(ask))

    def peak_of(self, ask: runner.Request, size: int) -> int:
        """One date's graph at a time is held."""
        return size // len(dates_of(ask))
