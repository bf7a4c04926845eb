"""``/api/bodies/{id}/members/``: read a body's current members, or sync the full list."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.base import PreconditionFailed, etag_matches, etag_of
from api.filters import today
from api.idempotency import IdempotentMixin, idempotent
from api.resources.bodies import BodySerializer
from api.resources.bulk import _dry_run
from api.resources.memberships import MembershipSerializer
from api.scoping import restrict, within_ids
from registry.models import Body, EndReason, Membership, Role, SelectionMode
from registry.services.sync import membership_sync

#: Most entries one sync may send (a body of 10,000 members is the benchmark).
MAX_MEMBERS = 20_000


class IdentifierRefSerializer(serializers.Serializer):
    scheme = serializers.CharField(help_text="Identifier scheme (siren, rna, rne, external...).")
    value = serializers.CharField(help_text="Identifier in the scheme.")
    issuer = serializers.CharField(required=False, help_text="Issuing system, for 'external'.")


class NewActorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["person", "organization"], help_text="Person or organization."
    )
    category = serializers.CharField(help_text="Actor category (resident, association...).")
    name = serializers.CharField(help_text="Display name.")
    identifiers = IdentifierRefSerializer(many=True, required=False, help_text="Its identifiers.")


class MemberEntrySerializer(serializers.Serializer):
    actor = serializers.IntegerField(
        required=False, help_text="Id of the member (or give identifier / new_actor)."
    )
    identifier = IdentifierRefSerializer(required=False, help_text="The member by an identifier.")
    new_actor = NewActorSerializer(required=False, help_text="A member to create.")
    college = serializers.CharField(required=False, help_text="College id or name.")
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text="Role (default member)."
    )
    selection_mode = serializers.ChoiceField(
        choices=SelectionMode.choices, required=False, help_text="Defaults to the college's mode."
    )
    on_behalf_of = serializers.IntegerField(
        required=False, help_text="Organization represented (id)."
    )
    start_date = serializers.DateField(required=False, help_text="Defaults to the effective date.")
    external_id = serializers.CharField(required=False, help_text="Id of the seat in your system.")


class MembersSyncRequestSerializer(serializers.Serializer):
    effective_date = serializers.DateField(
        required=False, help_text="Date the list holds from (default today): ends and new seats."
    )
    end_reason = serializers.ChoiceField(
        choices=EndReason.choices,
        required=False,
        help_text="Why absent members end (default term_ended).",
    )
    members = MemberEntrySerializer(many=True, help_text="The complete current member list.")


class DiffEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Membership id (null in a dry run).")
    actor = serializers.IntegerField(allow_null=True, help_text="Member id.")
    role = serializers.CharField(help_text="Role.")
    index = serializers.IntegerField(required=False, help_text="Index of the entry sent.")
    changes = serializers.DictField(required=False, help_text="Changed fields and new values.")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="seats-exceeded, college-seats-exceeded, parity-breach.")
    detail = serializers.CharField(help_text="What rule the list breaks.")
    college = serializers.IntegerField(required=False, help_text="The college concerned.")


class MembersSyncResultSerializer(serializers.Serializer):
    effective_date = serializers.DateField(help_text="Date the list holds from.")
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    created = DiffEntrySerializer(many=True, help_text="New memberships.")
    updated = DiffEntrySerializer(many=True, help_text="Memberships changed.")
    ended = DiffEntrySerializer(many=True, help_text="Memberships ended on the effective date.")
    unchanged = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids left untouched."
    )
    warnings = WarningSerializer(many=True, help_text="Rules the list breaks (recorded anyway).")


class BodyMembersView(IdempotentMixin, APIView):
    """The current members of a body, and their sync from a collectivity's system."""

    permission_classes = [HasScope]

    def get_body(self, request, pk: int) -> Body:
        access = access_of(request)
        return get_object_or_404(
            restrict(Body.objects.all(), "territory_id", access.territory_id), pk=pk
        )

    @extend_schema(
        summary="Current members of a body",
        description="The memberships of the body current on `as_of` (default today).",
        parameters=[OpenApiParameter("as_of", dt.date, description="Date (default today).")],
        responses=MembershipSerializer(many=True),
    )
    def get(self, request, pk: int):
        body = self.get_body(request, pk)
        raw = request.query_params.get("as_of")
        try:
            day = dt.date.fromisoformat(raw) if raw else today()
        except ValueError:
            raise exceptions.ValidationError({"as_of": ["Give a date as YYYY-MM-DD."]}) from None
        rows = (
            Membership.objects.filter(body=body)
            .current_on(day)
            .select_related("actor", "body", "college", "on_behalf_of")
            .order_by("id")
        )
        etag = members_etag(request, body)
        if etag_matches(request.headers.get("If-None-Match"), etag):
            return Response(status=304, headers={"ETag": etag})
        data = MembershipSerializer(rows, many=True, context={"request": request}).data
        return Response(data, headers={"ETag": etag})

    @extend_schema(
        summary="Sync the members of a body",
        description=(
            "Send the body's complete current member list. Stored memberships that match an "
            "entry (by external_id, else by actor and role) are updated if they differ; entries "
            "without a match become new memberships; current memberships absent from the list "
            "end on `effective_date`. Unchanged memberships are not touched. One bad entry "
            "means nothing is written; the error names each entry by its index "
            "(`members.3.actor`). `?dry_run=true` returns the same diff without writing. "
            "Send `Idempotency-Key` to make retries safe and `If-Match` with the ETag of "
            "`GET /api/bodies/{id}/members/` to refuse a sync based on a stale read: it changes "
            "with the body and with any of its memberships."
        ),
        parameters=[
            OpenApiParameter("dry_run", bool, description="Compute the diff, write nothing."),
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, description="Makes retries safe."
            ),
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description="The ETag of the member list (GET /api/bodies/{id}/members/).",
            ),
        ],
        request=MembersSyncRequestSerializer,
        responses=MembersSyncResultSerializer,
    )
    @idempotent
    def put(self, request, pk: int):
        body = self.get_body(request, pk)
        self._check_if_match(request, body)
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get("members"), list):
            raise exceptions.ValidationError({"members": ['Send {"members": [...]}: a list.']})
        if len(data["members"]) > MAX_MEMBERS:
            raise exceptions.ValidationError(
                {"members": [f"At most {MAX_MEMBERS} members per call."]}
            )
        effective = data.get("effective_date")
        try:
            effective_date = dt.date.fromisoformat(effective) if effective else today()
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {"effective_date": ["Give a date as YYYY-MM-DD."]}
            ) from None
        dry_run = _dry_run(request)
        access = access_of(request)
        allowed = None
        if access.territory_id is not None:
            allowed = Q(territory_id__in=within_ids(access.territory_id))
        result = membership_sync(
            body=body,
            members=data["members"],
            effective_date=effective_date,
            end_reason=data.get("end_reason") or EndReason.TERM_ENDED,
            dry_run=dry_run,
            allowed_actors=allowed,
        )
        return Response(asdict(result))

    def _check_if_match(self, request, body: Body) -> None:
        header = request.headers.get("If-Match")
        if header is None or header.strip() == "*":
            return
        if not etag_matches(header, members_etag(request, body)):
            raise PreconditionFailed()


def members_etag(request, body: Body) -> str:
    """The version of a body's member list: moves with the body and with any membership.

    Any membership created, changed or deleted moves the count, the highest id or
    the latest ``updated_at`` (every tracked write stamps it); one aggregate query.
    """
    full = BodySerializer(body, context={"request": request, "full_representation": True}).data
    stats = Membership.objects.filter(body=body).aggregate(
        n=Count("id"), last=Max("id"), updated=Max("updated_at")
    )
    return etag_of({"body": full, "memberships": stats})
