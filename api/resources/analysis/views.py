"""The analysis views, one per route: each reads its query, checks what it names and
asks ``AnalysisView.answer`` (``base``); the shape of each answer is in ``schemas``."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.analysis.kinds import FORMATS, picture_language
from api.auth import HasScope, access_of
from api.merged import MergedActorGone, MergedGoneSchema
from api.params import query_of
from api.resources.analysis import schemas
from api.resources.analysis.base import (
    AnalysisView,
    GexfRenderer,
    GraphMLRenderer,
    SvgRenderer,
    job_document,
    visible_body,
)
from api.resources.analysis.queries import (
    ActorNetworkQuery,
    AnalysisQuery,
    InfluenceMapQuery,
    InterlocksQuery,
    PathsQuery,
    StakeholdersQuery,
    choices_param,
    raw_param,
)
from api.scoping import ACTOR_PATH, Reach
from graph import loaders
from registry.models import Actor, ActorCategory, InteractionType
from registry.selectors.popolo import territory_within

ACCEPTED = OpenApiResponse(
    schemas.AnalysisJobSerializer,
    description="Too large to compute in the request: queued; poll the job (Location).",
)


def answers(serializer, description: str) -> dict:
    """The responses of a JSON analysis: the answer, or a job to poll."""
    return {200: OpenApiResponse(serializer, description=description), 202: ACCEPTED}


class InfluenceMapView(AnalysisView):
    """Influence map of a territory as of a date."""

    kind = "influence-map"
    renderer_classes = [
        renderers.JSONRenderer,
        GexfRenderer,
        GraphMLRenderer,
        SvgRenderer,
    ]

    @extend_schema(
        operation_id="analysis_influence_map",
        summary="Influence map of a territory",
        description=(
            "The actors and bodies of the territory (and below) with their memberships and "
            "interactions current on `as_of`, as one graph, and per node: degree, weighted "
            "degree, PageRank (on tie strength), betweenness (exact up to "
            "`ANALYSIS_EXACT_BETWEENNESS_MAX_NODES` nodes, else sampled with the seed: "
            "`graph.betweenness_method` says which), Burt constraint and effective size, core "
            "number, Leiden community (seeded); per community its size and most central "
            "members; per node its participation coefficient, within-community degree z-score "
            "and role (Guimerà & Amaral); the brokers (hubs of their community tied into two "
            "or more others: README, Consultant). Formats by `format` or "
            "Accept: `json` (node-link, default), `gexf` (GEXF 1.3 for Gephi: opens laid out, "
            "with `viz` positions, colours, sizes and shapes), `graphml` (the same positions "
            "as `x`/`y` attributes), `svg` (a picture: each community in its own disc with its "
            "name, size by PageRank, squares for bodies, labels on the top nodes, a legend in "
            "the language of Accept-Language, English or French). Every format shares one "
            "seeded layout (`graph.layout_method`): each node's `x`, `y`, `size`, `color` and "
            "`shape`, each community's `name` (its most central member or body) and `color`."
        ),
        parameters=[
            InfluenceMapQuery,
            OpenApiParameter(
                "category",
                OpenApiTypes.STR,
                many=True,
                enum=ActorCategory.values,
                description="Keep only actors of these categories (repeat; bodies stay).",
            ),
            OpenApiParameter(
                "interaction_type",
                OpenApiTypes.STR,
                many=True,
                enum=InteractionType.values,
                description="Keep only interactions of these types (repeat).",
            ),
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=list(FORMATS),
                description="Output format (default json).",
            ),
        ],
        responses={
            (200, FORMATS["json"]): OpenApiResponse(
                schemas.InfluenceMapSerializer, description="The map as node-link JSON."
            ),
            (200, FORMATS["gexf"]): OpenApiResponse(
                OpenApiTypes.STR, description="The map as a GEXF 1.3 file (Gephi), laid out."
            ),
            (200, FORMATS["graphml"]): OpenApiResponse(
                OpenApiTypes.STR, description="The map as a GraphML file, with positions."
            ),
            (200, FORMATS["svg"]): OpenApiResponse(
                OpenApiTypes.STR,
                description="A picture of the map (SVG), its legend in English or French (Accept-Language).",
            ),
            (202, FORMATS["json"]): ACCEPTED,
        },
    )
    def get(self, request):
        query = query_of(request, InfluenceMapQuery)
        params = {
            "seed": query["seed"],
            "category": choices_param(request, "category", ActorCategory),
            "interaction_type": choices_param(request, "interaction_type", InteractionType),
            "min_weight": query["min_weight"],
            "memberships": query["memberships"],
        }
        fmt = request.accepted_renderer.format
        if fmt == "svg":
            # The picture's words follow Accept-Language (LocaleMiddleware), so the
            # language is part of what was asked: an English and a French SVG are cached
            # apart. The other formats hold no sentence.
            params["language"] = picture_language(translation.get_language())
        return self.answer(request, territory_id=self.territory(request), params=params, fmt=fmt)


def _visible_actor(request, pk: int) -> Actor:
    """The actor, if the key may reach it by id; else the 404 of a missing id.

    An actor from outside the key's territory that a body inside lists as a member
    is visible by id and name only (``api.scoping.Reach``): it is not reachable, so
    its ego network and paths answer exactly as a missing id does.
    """
    actor = (
        Reach.of(request)
        .objects(Actor.objects.filter(pk=pk), ACTOR_PATH)
        .only("id", "territory_id")
        .first()
    )
    if actor is None:
        raise exceptions.NotFound(gettext("No actor you may analyse has this id."))
    return actor


class ActorNetworkView(MergedActorGone, AnalysisView):
    """Ego network of an actor (a merged id answers 410, see api.merged)."""

    kind = "actor-network"
    schema = MergedGoneSchema()

    @extend_schema(
        operation_id="analysis_actor_network",
        summary="Ego network of an actor",
        description=(
            "The nodes within `radius` ties of the actor in the graph of the territory "
            "(default: the key's territory, else the actor's own) on `as_of`, each with its "
            "distance in ties, and the memberships and interactions among them."
        ),
        parameters=[ActorNetworkQuery],
        responses=answers(schemas.ActorNetworkSerializer, "The ego network."),
    )
    def get(self, request, pk: int):
        actor = _visible_actor(request, pk)
        default = access_of(request).territory_id or actor.territory_id
        if default is None and not raw_param(request, "territory"):
            raise exceptions.ValidationError(
                {
                    "territory": [
                        gettext("This actor has no territory: name the territory to analyse.")
                    ]
                }
            )
        params = {"actor": pk, "radius": query_of(request, ActorNetworkQuery)["radius"]}
        return self.answer(
            request, territory_id=self.territory(request, default=default), params=params
        )


class PathsView(AnalysisView):
    """Paths between two actors."""

    kind = "paths"

    @extend_schema(
        operation_id="analysis_paths",
        summary="Paths between two actors",
        description=(
            "The shortest path (fewest ties) and the strongest path (strongest ties: least "
            "total 1/weight) between two actors in the graph of the territory on `as_of`, "
            "each step naming the memberships, bodies and interactions it passes through. "
            "`found` is false when they are not connected."
        ),
        parameters=[PathsQuery],
        responses=answers(schemas.PathsSerializer, "The paths, or found false."),
    )
    def get(self, request):
        query = query_of(request, PathsQuery)
        ends = {name: _visible_actor(request, query[name]).pk for name in ("from", "to")}
        return self.answer(request, territory_id=self.territory(request), params=ends)


class InterlocksView(AnalysisView):
    """Bodies sharing members, and the actors who sit in many bodies."""

    kind = "interlocks"

    @extend_schema(
        operation_id="analysis_interlocks",
        summary="Interlocks between bodies",
        description=(
            "From the memberships current on `as_of` in the bodies of the territory: pairs of "
            "bodies ranked by shared members (count, then Jaccard index), per body the "
            "number of bodies it shares members with, and the actors ranked by the number "
            "of bodies they sit in (the usual suspects)."
        ),
        parameters=[InterlocksQuery],
        responses=answers(schemas.InterlocksSerializer, "The interlocks."),
    )
    def get(self, request):
        params = {"min_shared": query_of(request, InterlocksQuery)["min_shared"]}
        return self.answer(request, territory_id=self.territory(request), params=params)


class StakeholdersView(AnalysisView):
    """Mendelow and Mitchell-Agle-Wood grids of the territory's actors."""

    kind = "stakeholders"

    @extend_schema(
        operation_id="analysis_stakeholders",
        summary="Stakeholder grids of a territory",
        description=(
            "For each actor of the graph: its Mendelow quadrant (power x interest) and its "
            "Mitchell-Agle-Wood salience class (power, legitimacy, urgency), from the declared "
            "0-5 attributes; an attribute counts as present from `threshold`. Where power is "
            "not declared, network position stands in for it (5 x the percentile of the "
            "actor's PageRank), and `power_source` says so. An attribute still unknown is "
            "never taken as absent: the quadrant is `unknown` when power or interest is, the "
            "salience class `unknown` when power, legitimacy or urgency is, and both are "
            "counted."
        ),
        parameters=[StakeholdersQuery],
        responses=answers(schemas.StakeholdersSerializer, "The grids."),
    )
    def get(self, request):
        query = query_of(request, StakeholdersQuery)
        params = {"seed": query["seed"], "threshold": query["threshold"]}
        return self.answer(request, territory_id=self.territory(request), params=params)


class BodyRenewalView(AnalysisView):
    """Renewal assessment of one body."""

    kind = "body-renewal"

    @extend_schema(
        operation_id="analysis_body_renewal",
        summary="Renewal assessment of a body",
        description=(
            "Every renewal indicator of the body on `as_of` (mandate, vacancies, tenure, "
            "turnover, attendance and its trend, meetings and dormancy, opinions and answers, "
            "parity, age and category gaps, multi-membership, interlock, network reach, "
            "concentration, distance to decision-makers): value, thresholds, status (ok, "
            "watch, alert, unknown when data is missing) and a sentence in English and French "
            "on what it means and what to do; the composite score 0-100 (100: renewal most "
            "urgent) with the weights used. Network indicators (multi-membership, interlock, "
            "reach, concentration, distance to decision-makers) are computed in the graph of "
            "the body's network territory, named in `network_territory`: the territory its "
            "host authority governs when the body's territory lies within it, else the "
            "body's own; the ranking of any territory uses the same one, so a body gets the "
            "same answer here and there. `territory`, when given, must contain the body and "
            "does not change the answer."
        ),
        parameters=[AnalysisQuery],
        responses=answers(schemas.BodyRenewalSerializer, "The assessment."),
    )
    def get(self, request, pk: int):
        home = self.body_home(request, visible_body(request, pk))
        # Analysed in its network territory: one cached answer whatever `territory` said,
        # and its data version follows the graph it was computed in.
        return self.answer(request, territory_id=home, params={"body": pk})


class RenewalRankingView(AnalysisView):
    """Bodies of a territory ranked by need of renewal."""

    kind = "renewal"

    @extend_schema(
        operation_id="analysis_renewal",
        summary="Bodies ranked by need of renewal",
        description=(
            "The renewal assessment of every body of the territory (and below) that exists on "
            "`as_of`, most urgent first (score, then number of alerts). Each body's network "
            "indicators come from the graph of its network territory (`network_territory`, "
            "as in the single-body route), built once per territory. Thresholds and weights "
            "are settings (README, Consultant)."
        ),
        parameters=[AnalysisQuery],
        responses=answers(schemas.RenewalRankingSerializer, "The ranking."),
    )
    def get(self, request):
        return self.answer(request, territory_id=self.territory(request), params={})

    def size_of(self, ask) -> int:
        return ranking_size(ask)


def ranking_size(ask) -> int:
    """About how many nodes the assessment of every body of ``ask``'s territory loads: the
    bodies' network territories beyond the one asked for are loaded too."""
    ids = list(loaders.bodies_of(ask.territory_id, ask.as_of).values_list("id", flat=True))
    homes = loaders.network_territories(body_ids=ids, reach_territory_id=ask.reach)
    return loaders.size_estimate(
        territory_id=ask.territory_id,
        as_of=ask.as_of,
        also_territory_ids=frozenset(homes.values()) - {ask.territory_id},
    )


class AnalysisJobView(APIView):
    """A background analysis job."""

    permission_classes = [HasScope]
    required_scopes = ("analysis",)

    @extend_schema(
        operation_id="analysis_job",
        summary="Poll an analysis job",
        description=(
            "Status of an analysis queued because its territory was too large to compute in "
            "the request. Once SUCCESSFUL, `result_url` serves the answer from the cache "
            "(unless the data changed since, in which case it is computed again)."
        ),
        parameters=[
            OpenApiParameter(
                "job_id",
                {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                OpenApiParameter.PATH,
                description="Id of the job, from the 202 answer's Location (the task "
                "backend's token: a UUID with the database backend).",
            )
        ],
        responses={200: OpenApiResponse(schemas.AnalysisJobSerializer, description="The job.")},
    )
    def get(self, request, job_id):
        from api.analysis.tasks import compute_analysis

        not_found = exceptions.NotFound(gettext("No analysis job you may see has this id."))
        try:
            result = compute_analysis.get_result(str(job_id))
        except Exception:  # unknown or malformed id: the backend raises its own kinds
            raise not_found from None
        access = access_of(request)
        territory_id = result.args[0]["territory_id"]
        if access.territory_id is not None and not territory_within(
            territory_id, access.territory_id
        ):
            raise not_found
        return Response(job_document(result))
