"""``GET /api/analysis/obligations``: the bodies the law requires of a territory and below.

The rules are ``registry.models.LegalObligation`` rows, evaluated by
``registry.obligations``; the answer is cached like every analysis (by the territory's
data version, the reader's reach, the parameters, the language and the rules' own version),
and computed in the request: it reads a few indexed queries, no graph.
"""

from __future__ import annotations

from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from api.headers import ANALYSIS_CACHE, CONDITIONAL_READ
from api.params import QueryIntegerField, query_of
from api.resources.analysis.base import AnalysisView
from api.resources.analysis.queries import AnalysisQuery, choices_param
from api.resources.analysis.schemas.obligations import ObligationsSerializer
from registry.models import BodyType
from registry.obligations.evaluate import STATUSES
from registry.obligations.read import rules_version

#: Most obligations in one answer (a région lists thousands: page with ``offset``).
MAX_LIMIT = 5000


class ObligationsQuery(AnalysisQuery):
    limit = QueryIntegerField(
        default=1000,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"Obligations in the answer (1-{MAX_LIMIT}, default 1000).",
    )
    offset = QueryIntegerField(
        default=0, min_value=0, help_text="Obligations skipped before the first one (default 0)."
    )


class _Statuses:
    """``choices_param`` takes a choices class; the statuses are a tuple."""

    values = list(STATUSES)


class ObligationsView(AnalysisView):
    """Legal obligations of a territory and below."""

    kind = "obligations"
    graph_sized = False
    # Neither a background job nor a size bound: no graph is built (see AnalysisView).
    wire_behaviours = frozenset({CONDITIONAL_READ, ANALYSIS_CACHE})

    @extend_schema(
        operation_id="analysis_obligations",
        summary="Legal obligations of a territory",
        description=(
            "For the territory and every territory below it (both hierarchies) that exists on "
            "`as_of`, each participation body the law requires or allows (the rules in force "
            "on `as_of`: conseils de quartier, conseil de développement, CCSPL, commission "
            "pour l'accessibilité, CESER, CLSPD, conseil citoyen) with its `status`: `met` "
            "(an active body of that type serves the territory), `missing` (mandatory, none), "
            "`optional` (the population is in the band the law allows), `unknown` (the "
            "population or the condition is not in the data). Each gives the population "
            "figure used, its measure and year, the rule applied and, when the measure the "
            "law counts (population totale) is not recorded, the one used instead "
            "(`measure_used`, explained in `note`). `summary` counts every obligation by "
            "status; `status` and `body_type` filter the list, `limit` and `offset` page it. "
            "Labels and notes follow Accept-Language (English, French)."
        ),
        parameters=[
            ObligationsQuery,
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                many=True,
                enum=list(STATUSES),
                description="Keep only obligations with these statuses (repeat).",
            ),
            OpenApiParameter(
                "body_type",
                OpenApiTypes.STR,
                many=True,
                enum=BodyType.values,
                description="Keep only obligations of these body types (repeat).",
            ),
        ],
        responses={200: OpenApiResponse(ObligationsSerializer, description="The obligations.")},
    )
    def get(self, request):
        query = query_of(request, ObligationsQuery)
        language = (translation.get_language() or "en")[:2]
        params = {
            "status": choices_param(request, "status", _Statuses),
            "body_type": choices_param(request, "body_type", BodyType),
            "limit": query["limit"],
            "offset": query["offset"],
            "lang": "fr" if language == "fr" else "en",
            # The rules are national data, filed under no territory: their own version
            # keys the answer, so an edited rule is never answered from the cache.
            "rules": rules_version(),
        }
        return self.answer(request, territory_id=self.territory(request), params=params)
