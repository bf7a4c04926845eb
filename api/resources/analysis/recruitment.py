"""``GET /api/analysis/bodies/{id}/recruitment``: who could take part in a body's renewal.

Ranked by ``graph.recruitment`` in the body's network territory (as its renewal
assessment). A body out of the key's reach answers the 404 of a missing id. With the
``personal_data`` scope, gender and age are used and shown and the read is logged
(``api.personal_data_log``); without it, neither is used, so the ranking tells neither.
"""

from __future__ import annotations

import orjson
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions

from api.auth import access_of
from api.params import QueryIntegerField, query_of
from api.personal_data_log import log_personal_data_reads
from api.resources.analysis.base import AnalysisView
from api.resources.analysis.queries import SeededQuery, raw_param
from api.resources.analysis.schemas.recruitment import BodyRecruitmentSerializer
from api.resources.analysis.views import answers
from api.scoping import Reach
from graph import loaders
from graph.recruitment import DEFAULT_LIMIT, MAX_LIMIT, MAX_TOP, reasons_table
from registry.models import Body
from registry.selectors.popolo import territory_within


class RecruitmentQuery(SeededQuery):
    top = QueryIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_TOP,
        help_text=f"Candidates seated in the simulation (0-{MAX_TOP}); default: the body's "
        "vacant seats.",
    )
    limit = QueryIntegerField(
        default=DEFAULT_LIMIT,
        min_value=1,
        max_value=MAX_LIMIT,
        help_text=f"Candidates listed (1-{MAX_LIMIT}, default {DEFAULT_LIMIT}); "
        "`candidates_total` counts them all.",
    )


def visible_body(request, pk: int) -> Body:
    """The body if the key may reach it, else the 404 of a missing id."""
    body = (
        Reach.of(request)
        .objects(Body.objects.filter(pk=pk), "territory_id")
        .only("id", "territory_id")
        .first()
    )
    if body is None:
        raise exceptions.NotFound(_("No body you may analyse has this id."))
    return body


class BodyRecruitmentView(AnalysisView):
    """Recruitment pool of a body for its renewal."""

    kind = "body-recruitment"

    @extend_schema(
        operation_id="analysis_body_recruitment",
        summary="Recruitment pool of a body",
        description=(
            "The actors of the body's network territory (as in its renewal assessment) who "
            "could take part in its renewal, ranked. `gaps`: the communities, categories and "
            "sub-territories (and, with the `personal_data` scope, age bands and genders) "
            "the body under-represents: a value whose share among its members falls short "
            "of its share in the territory (parity for gender) by 0.10 or more. `colleges`: "
            "per college its vacant seats and who usually fills it (its members' categories, "
            "current and past; else its name; else anyone). `candidates`: score = sum of "
            "the reasons' weights, ties by actor id:\n\n"
            f"{reasons_table()}\n\n"
            "Left out and counted in `excluded`: the body's host authority, members already, actors in 3 or more other "
            "bodies, persons whose lawful basis does not allow a contact (only `consent` and "
            "`public_task` do; `legitimate_interests` cannot serve a public authority, GDPR "
            "art. 6(1)), whose retention date is passed (judged today, or on a later "
            "`as_of`), or who were erased. Persons with no personal data are kept, with "
            "`contact` = `not_recorded`. `simulation`: every indicator and the score before "
            "and after `top` candidates (default: the vacant seats) take seats from `as_of`: "
            "each college's vacant seats go to the best-ranked who fit it, the rest to the "
            "next in rank order. Without the `personal_data` scope gender and age are "
            "neither used nor shown, nor a person's `contact` (null); with it they are, with "
            "the contact details of the persons who may be contacted, and the read is logged."
        ),
        parameters=[RecruitmentQuery],
        responses=answers(BodyRecruitmentSerializer, "The recruitment pool."),
    )
    def get(self, request, pk: int):
        body = visible_body(request, pk)
        query = query_of(request, RecruitmentQuery)
        if raw_param(request, "territory"):
            territory_id = self.territory(request, default=body.territory_id)
            if not territory_within(body.territory_id, territory_id):
                raise exceptions.ValidationError(
                    {"territory": [_("The body is not in this territory.")]}
                )
        reach = Reach.of(request).territory_id
        home = loaders.network_territories(body_ids=[pk], reach_territory_id=reach)[pk]
        personal = access_of(request).has("personal_data")
        params = {
            "body": pk,
            "seed": query["seed"],
            "top": query.get("top"),
            "limit": query["limit"],
            "personal": personal,
            # Retention dates are judged on this day (api.analysis.recruitment).
            "today": timezone.localdate().isoformat(),
        }
        response = self.answer(request, territory_id=home, params=params)
        if personal and response.status_code == 200:
            document = orjson.loads(response.content)
            log_personal_data_reads(
                request=request,
                # The persons whose personal-data row was read for the answer and shown.
                actor_ids=[
                    c["actor_id"] for c in document["candidates"] if c["contact"] == "allowed"
                ],
            )
        return response
