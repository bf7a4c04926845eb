"""A merged actor's id answers 410 Gone, with a pointer to the actor that holds it now.

After ``POST /api/actors/{id}/merge/`` the merged record is deleted and
``ActorMerge`` maps its id to the survivor. Every route that takes an actor id
(the actor itself, its history, personal data export, erasure, merge, network)
answers the merged id with a ``410`` problem whose ``merged_into`` is the
survivor's id, ``survivor`` its URL, and whose ``Location`` is the same route for
the survivor. The check sits on the one path such a route's miss goes through:
the view's exception handling of its 404 (``MergedActorGone``), so no route
repeats it.

Scope: when the caller may not see the survivor (a key limited to another
territory), the id answers the 404 of a missing actor; the pointer is no oracle.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from rest_framework import exceptions, serializers

from api.auth import access_of
from api.headers import LINK, LOCATION
from api.problems import ProblemResponse, problem
from api.schema import ProblemSerializer, RegistryAutoSchema
from registry.models import Actor
from registry.models.merge import ActorMerge
from registry.params import ParamError, parse_id
from registry.scope import restrict

GONE_CODE = "merged"


class GoneProblemSerializer(ProblemSerializer):
    """The 410 problem of a merged actor id."""

    merged_into = serializers.IntegerField(help_text="Id of the actor it was merged into.")
    survivor = serializers.URLField(help_text="API URL of that actor.")


def survivor_of(actor_id: int, request) -> int | None:
    """The id of the actor ``actor_id`` was merged into, if the caller may see it."""
    into_id = (
        ActorMerge.objects.filter(merged_id=actor_id).values_list("into_id", flat=True).first()
    )
    if into_id is None:
        return None
    visible = restrict(
        Actor.objects.filter(pk=into_id), "territory_id", access_of(request).territory_id
    )
    return into_id if visible.exists() else None


def gone_response(request, actor_id: int, into_id: int) -> ProblemResponse:
    """The 410 problem for a merged id: ``merged_into``, ``survivor`` and ``Location``."""
    survivor = request.build_absolute_uri(reverse("actor-detail", kwargs={"pk": into_id}))
    location = survivor
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name:
        with contextlib.suppress(NoReverseMatch):
            location = request.build_absolute_uri(
                reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "pk": into_id})
            )
    doc = problem(
        410,
        code=GONE_CODE,
        detail=gettext("Actor %(old)s was merged into actor %(new)s: use %(new)s.")
        % {"old": actor_id, "new": into_id},
        request=request,
    )
    doc["merged_into"] = into_id
    doc["survivor"] = survivor
    return ProblemResponse(
        doc, headers={LOCATION.name: location, LINK.name: f'<{survivor}>; rel="alternate"'}
    )


class MergedActorGone:
    """For views whose ``pk`` is an actor id: a miss on a merged id answers 410 (see above)."""

    #: The URL keyword that holds the actor id.
    actor_id_kwarg: ClassVar[str] = "pk"

    def handle_exception(self, exc):
        if isinstance(exc, Http404 | exceptions.NotFound):
            raw = getattr(self, "kwargs", {}).get(self.actor_id_kwarg)
            try:
                actor_id = parse_id(raw)  # not int(): "٣" is 3 to it, and 2**70 a 500
            except ParamError:
                actor_id = None
            if actor_id is not None:
                into_id = survivor_of(actor_id, self.request)
                if into_id is not None:
                    return gone_response(self.request, actor_id, into_id)
        return super().handle_exception(exc)


class MergedGoneSchema(RegistryAutoSchema):
    """The schema of an actor-id route: adds its 410 ``merged`` problem."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if "{" in self.path:
            responses["410"] = self._get_response_for_code(
                GoneProblemSerializer, "410", media_types=["application/problem+json"]
            )
            responses["410"]["description"] = (
                "The actor was merged into another (problem+json, code `merged`): "
                "`merged_into` is the survivor's id, `survivor` its URL, `Location` this "
                "route for the survivor."
            )
        return responses
