"""What every analysis view shares: scope, territory access, cache, job, file formats.

Every endpoint needs the ``analysis`` scope (with ``read``). A key limited to a
territory analyses that territory or one below it (404 otherwise), and by
default its own territory. Its answers hold only the interactions it may read
(filed within its territory: the interactions list's rule) and show members
from elsewhere by id and name only (``api.scoping.Reach``); an actor or body
out of its reach answers the 404 of a missing id. Answers are cached, keyed by
the data they were computed from and by the reader's reach (see ``api.analysis.runner``): ``X-Analysis-Cache`` says ``hit``
or ``miss``, the ``ETag`` changes with the data, ``If-None-Match`` gives 304.
A territory larger than ``ANALYSIS_SYNC_MAX_NODES`` answers 202 with a job to
poll at ``/api/analysis/jobs/{id}/``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext
from rest_framework import exceptions, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.analysis import runner
from api.analysis.kinds import FORMATS, AnalysisInputError
from api.auth import HasScope, access_of
from api.base import etag_matches as matches
from api.headers import (
    ANALYSIS_CACHE,
    ANALYSIS_CACHE_STATUS,
    BOUNDED_READ,
    CONDITIONAL_READ,
    ETAG,
    IF_NONE_MATCH,
    LOCATION,
    QUEUES_JOB,
    behaves,
)
from api.params import territory_param
from api.resources.analysis.queries import (
    NO_TERRITORY,
    as_of_param,
    raw_param,
)
from api.scoping import Reach
from graph import loaders
from registry.models import Body
from registry.selectors.popolo import territory_exists, territory_within


class PassThroughRenderer(renderers.BaseRenderer):
    """Lets content negotiation pick a file format; the view renders the payload itself."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class GexfRenderer(PassThroughRenderer):
    media_type = FORMATS["gexf"]
    format = "gexf"


class GraphMLRenderer(PassThroughRenderer):
    media_type = FORMATS["graphml"]
    format = "graphml"


class SvgRenderer(PassThroughRenderer):
    media_type = FORMATS["svg"]
    format = "svg"


# --- the views -------------------------------------------------------------------------------


def visible_body(request, pk: int) -> Body:
    """The body if the key may reach it, else the 404 of a missing id."""
    body = (
        Reach.of(request)
        .objects(Body.objects.filter(pk=pk), "territory_id")
        .only("id", "territory_id")
        .first()
    )
    if body is None:
        raise exceptions.NotFound(gettext("No body you may analyse has this id."))
    return body


@behaves(CONDITIONAL_READ, ANALYSIS_CACHE, QUEUES_JOB, BOUNDED_READ)
class AnalysisView(APIView):
    """Shared steps: scope, territory access, cache lookup, job or computation."""

    permission_classes = [HasScope]
    #: An unknown actor or body, or a territory outside the key's, answers 404 (api.schema).
    answers_not_found = True
    required_scopes = ("analysis",)
    kind = ""
    #: Whether the answer's cost follows the territory's graph (actors and bodies): then a
    #: large one is a background job (202) or refused (413). Off for the checks that load
    #: no graph (obligations: a few queries on territories and bodies).
    graph_sized = True

    def territory(self, request, *, default: int | None = None) -> int:
        access = access_of(request)
        territory_id = territory_param(
            request,
            not_found=exceptions.NotFound(NO_TERRITORY),
            required=access.territory_id is None and default is None,
        )
        if territory_id is None:
            return default if default is not None else access.territory_id
        if access.territory_id is not None:
            if not territory_within(territory_id, access.territory_id):
                raise exceptions.NotFound(NO_TERRITORY)
        elif not territory_exists(territory_id):
            raise exceptions.NotFound(NO_TERRITORY)
        return territory_id

    def body_home(self, request, body: Body) -> int:
        """The network territory ``body`` is analysed in. ``territory``, when given, is
        still checked (an answer never names a territory the body is not in), but it is
        no longer the graph: that is the body's network territory."""
        if raw_param(request, "territory"):
            territory_id = self.territory(request, default=body.territory_id)
            if not territory_within(body.territory_id, territory_id):
                raise exceptions.ValidationError(
                    {"territory": [gettext("The body is not in this territory.")]}
                )
        reach = Reach.of(request).territory_id
        return loaders.network_territories(body_ids=[body.pk], reach_territory_id=reach)[body.pk]

    def size_of(self, ask: runner.Request) -> int:
        """About how many nodes the analysis loads (``graph.loaders.size_estimate``)."""
        return loaders.size_estimate(territory_id=ask.territory_id, as_of=ask.as_of)

    def peak_of(self, ask: runner.Request, size: int) -> int:
        """The most nodes held at once, bounded by ``MAX_NODES`` (one graph: ``size``)."""
        return size

    def answer(
        self,
        request,
        *,
        territory_id: int,
        params: dict,
        fmt: str = "json",
        as_of: dt.date | None = None,
    ):
        as_of = as_of or as_of_param(request)
        ask = runner.Request(
            kind=self.kind,
            territory_id=territory_id,
            as_of=as_of,
            params=tuple(sorted(params.items())),
            fmt=fmt,
            # What the key may read (api.scoping.Reach): the graph is cut to it, and the
            # cache key holds it, so no answer passes between keys of different reach.
            reach=Reach.of(request).territory_id,
        )
        found = runner.lookup(ask)
        if found is None and self.graph_sized:
            size = self.size_of(ask)
            peak = self.peak_of(ask, size)
            if peak > runner.config("MAX_NODES"):
                raise TooLarge(peak)
            if size > runner.config("SYNC_MAX_NODES"):
                return self.enqueue(request, ask)
        if found is None:
            try:
                found = runner.compute(ask)
            except AnalysisInputError as error:
                raise exceptions.ValidationError({error.field: [str(error)]}) from None
        etag = f'"{found.version}-{ask.key()[9:25]}"'
        headers = {
            ETAG.name: etag,
            ANALYSIS_CACHE_STATUS.name: "hit" if found.cached else "miss",
            "Cache-Control": "private, no-cache",
            "Vary": "Accept, Authorization",
        }
        if matches(request.headers.get(IF_NONE_MATCH.name, ""), etag):
            response = HttpResponse(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = HttpResponse(found.payload, content_type=found.content_type)
        for name, value in headers.items():
            response[name] = value
        return response

    def enqueue(self, request, ask: runner.Request) -> Response:
        from django.core.cache import cache

        from api.analysis.tasks import compute_analysis

        pending = f"{ask.key()}:job"
        job_id = cache.get(pending)
        if job_id is None:
            result = compute_analysis.enqueue(ask.to_json(), request.get_full_path())
            cache.set(pending, str(result.id), timeout=3600)
        else:
            result = compute_analysis.get_result(job_id)
        location = f"/api/analysis/jobs/{result.id}/"
        return Response(
            job_document(result), status=status.HTTP_202_ACCEPTED, headers={LOCATION.name: location}
        )


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "analysis_too_large"

    def __init__(self, size: int):
        super().__init__(
            f"The territory's graph has about {size} nodes, over the bound of "
            f"{runner.config('MAX_NODES')} per analysis: analyse a smaller territory."
        )


def job_document(result) -> dict:
    """A job as the API shows it, from its django-tasks result."""
    error = None
    if result.errors:
        error = result.errors[-1].exception_class_path.rsplit(".", 1)[-1]
    return {
        "id": str(result.id),
        "status": str(result.status),
        "enqueued_at": result.enqueued_at,
        "finished_at": result.finished_at,
        "result_url": result.args[1],
        "error": error,
    }
