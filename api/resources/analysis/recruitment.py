"""``GET /api/analysis/bodies/{id}/recruitment``: who could take part in a body's renewal.

Ranked by ``graph.recruitment`` in the body's network territory (as its renewal
assessment). A body out of the key's reach answers the 404 of a missing id. With the
``personal_data`` scope, gender and age are used and shown and the read is logged
(``api.personal_data_log``); without it, neither is used, so the ranking tells neither.
"""

from __future__ import annotations

import orjson
from django.utils import timezone
from drf_spectacular.utils import extend_schema

from api.auth import access_of
from api.params import QueryIntegerField, query_of
from api.personal_data_log import log_personal_data_reads
from api.resources.analysis.base import AnalysisView, visible_body
from api.resources.analysis.queries import SeededQuery
from api.resources.analysis.schemas.recruitment import BodyRecruitmentSerializer
from api.resources.analysis.views import answers
from graph.recruitment import DEFAULT_LIMIT, MAX_LIMIT, MAX_TOP, reasons_table


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
        home = self.body_home(request, body)
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
