"""Duplicate candidates: ``GET /api/actors/duplicates/?territory=...``.

Pairs of actors of a territory (and below it) that may be one person or one
organization, best first, each with a score (0-100) and its reasons; the scan is
``registry.matching`` (rapidfuzz, blocking on the normalised name keys). Only the
actors within the key's reach are scanned (``api.scoping.Reach``), and a territory
out of reach is the 404 of a missing one. Reasons drawn from personal data (birth
year, email, phone) come only for keys with the ``personal_data`` scope: without
it those data are not read at all, so they neither add a pair nor move a score;
with it, the persons whose personal data gave a reason are logged as read
(``api.personal_data_log``). Merge a pair with ``POST /api/actors/{id}/merge/``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.params import QueryIntegerField, TerritoryRefField, query_of, territory_param
from api.personal_data_log import log_personal_data_reads
from registry.matching import DEFAULT_MIN_SCORE, REASONS, Pair, Record, actor_duplicates
from registry.selectors.popolo import territory_exists, territory_within

NO_TERRITORY = gettext_lazy("No territory you may read has this id or key.")
MAX_LIMIT = 1000


class DuplicatesQuery(serializers.Serializer):
    territory = TerritoryRefField(
        help_text="Territory scanned, with everything below it: id or `level:code` (e.g. "
        "`commune:75056`). Required, except for a key limited to a territory (its own)."
    )
    min_score = QueryIntegerField(
        default=DEFAULT_MIN_SCORE,
        min_value=0,
        max_value=100,
        help_text=f"Only pairs scoring at least this (0-100, default {DEFAULT_MIN_SCORE}).",
    )
    limit = QueryIntegerField(
        default=100,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"At most this many pairs, the best first (1-{MAX_LIMIT}, default 100).",
    )


class DuplicateActorSerializer(serializers.Serializer):
    """One record of a candidate pair."""

    id = serializers.IntegerField(help_text="Id of the actor.")
    name = serializers.CharField(help_text="Its display name.")
    kind = serializers.CharField(help_text="person or organization")


_REASON = inline_serializer(
    "DuplicateReason",
    fields={
        "code": serializers.ChoiceField(
            choices=[e.code for e in REASONS], help_text="What the two records share."
        ),
        "value": serializers.JSONField(
            allow_null=True, help_text="The similarity (0-100), the year, the identifiers..."
        ),
        "points": serializers.IntegerField(help_text="What it adds to (or takes from) the score."),
        "text": serializers.CharField(help_text="The reason in words (English or French)."),
    },
)
DUPLICATES_DOC = inline_serializer(
    "DuplicatePairs",
    fields={
        "territory_id": serializers.IntegerField(help_text="Territory scanned."),
        "scanned": serializers.IntegerField(help_text="Actors scanned."),
        "count": serializers.IntegerField(help_text="Pairs at or above min_score."),
        "truncated": serializers.BooleanField(help_text="Whether more pairs than `limit`."),
        "personal_data": serializers.BooleanField(
            help_text="Whether personal data (birth year, email, phone) were used."
        ),
        "results": serializers.ListField(
            child=inline_serializer(
                "DuplicatePair",
                fields={
                    "a": DuplicateActorSerializer(help_text="One record (the lower id)."),
                    "b": DuplicateActorSerializer(help_text="The other record."),
                    "score": serializers.IntegerField(help_text="0-100."),
                    "reasons": serializers.ListField(
                        child=_REASON, help_text="Why they may be the same, with their points."
                    ),
                },
            ),
            help_text="Candidate pairs, best score first.",
        ),
    },
)


def _actor(record: Record) -> dict:
    return {"id": record.id, "name": record.name, "kind": record.kind}


def _pair(pair: Pair) -> dict:
    return {
        "a": _actor(pair.a),
        "b": _actor(pair.b),
        "score": pair.score,
        "reasons": [
            {"code": r.code, "value": r.value, "points": round(r.points), "text": r.text()}
            for r in pair.reasons
        ],
    }


class ActorDuplicatesView(APIView):
    """Candidate pairs of duplicate actors in a territory."""

    permission_classes = [HasScope]
    #: A territory out of reach answers 404 (api.schema).
    answers_not_found = True

    @extend_schema(
        operation_id="actors_duplicates",
        summary="Candidate duplicate actors of a territory",
        description=(
            "Pairs of actors (persons with persons, organizations with organizations) of the "
            "territory and below that may be the same, best first: a `score` (0-100) and the "
            "`reasons` (name similarity, same territory, shared identifier; with the "
            "`personal_data` scope also same or different birth year, same email, same phone). "
            "Names are compared folded (accents, case, hyphens, word order) with typos "
            "tolerated. Merge a pair with `POST /api/actors/{id}/merge/`."
        ),
        parameters=[DuplicatesQuery],
        responses={200: DUPLICATES_DOC},
    )
    def get(self, request):
        query = query_of(request, DuplicatesQuery)
        access = access_of(request)
        territory_id = self._territory(request, access)
        personal = access.has("personal_data")
        result = actor_duplicates(
            territory_id=territory_id,
            reach_territory_id=access.territory_id,
            personal=personal,
            min_score=query["min_score"],
            limit=query["limit"],
        )
        shown = result.pairs
        if personal:
            log_personal_data_reads(
                request=request,
                actor_ids=[
                    actor.id
                    for pair in shown
                    if any(r.personal for r in pair.reasons)
                    for actor in (pair.a, pair.b)
                ],
            )
        return Response(
            {
                "territory_id": territory_id,
                "scanned": result.scanned,
                "count": result.count,
                "truncated": result.count > len(shown),
                "personal_data": personal,
                "results": [_pair(p) for p in shown],
            }
        )

    @staticmethod
    def _territory(request, access) -> int:
        territory_id = territory_param(
            request,
            not_found=exceptions.NotFound(NO_TERRITORY),
            required=access.territory_id is None,
        )
        if territory_id is None:
            return access.territory_id
        if access.territory_id is not None:
            if not territory_within(territory_id, access.territory_id):
                raise exceptions.NotFound(NO_TERRITORY)
        elif not territory_exists(territory_id):
            raise exceptions.NotFound(NO_TERRITORY)
        return territory_id
