"""Bulk writes: upserts of actors and interactions, spreadsheet uploads.

Each call is atomic (one bad item or row: nothing written, each named), answers
with the diff, honours ``?dry_run=true`` and ``Idempotency-Key``. A key limited
to a territory may only create or change records within it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.filters import today
from api.idempotency import IdempotentMixin, idempotent
from api.scoping import restrict, within_ids
from registry.importers.spreadsheet import import_actors, import_members
from registry.models import Actor, Body, EndReason, Interaction, Territory
from registry.services.upserts import actor_upsert_many, interaction_upsert_many

MAX_ITEMS = 5000
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

DRY_RUN = OpenApiParameter("dry_run", bool, description="Compute the diff, write nothing.")
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="Makes retries safe."
)


class BulkRequestSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.DictField(), max_length=MAX_ITEMS, help_text="Up to 5,000 items."
    )


class UpsertEntrySerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Index of the item sent.")
    id = serializers.IntegerField(allow_null=True, help_text="Id (null in a dry run).")
    key = serializers.CharField(help_text="The item's key (identifier or external id).")
    changes = serializers.DictField(required=False, help_text="Changed fields: [old, new].")


class UpsertResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    created = UpsertEntrySerializer(many=True, help_text="Records created.")
    updated = UpsertEntrySerializer(many=True, help_text="Records changed.")
    unchanged = serializers.ListField(child=serializers.IntegerField(), help_text="Ids as sent.")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV or XLSX file (see the README for the columns).")
    effective_date = serializers.DateField(
        required=False, help_text="Members: date the list holds from."
    )
    end_reason = serializers.ChoiceField(
        choices=EndReason.choices, required=False, help_text="Members: why absent members end."
    )


def _dry_run(request) -> bool:
    """``?dry_run=true`` (or 1); false, 0 or absent write. Anything else is refused:
    ``?dry_run=yes`` used to be read as false, and wrote."""
    value = request.query_params.get("dry_run") or ""
    try:
        return {"true": True, "1": True, "false": False, "0": False, "": False}[value.lower()]
    except KeyError:
        raise exceptions.ValidationError({"dry_run": ["Give true or false."]}) from None


def _ensure_within(request, model, ids, path: str, new_territories=()) -> None:
    """Refuse (and roll back) writes that reach outside the key's territory.

    ``ids`` are every record the call matched (created, updated *and* unchanged: an
    unchanged one would otherwise give away the id of a record out of reach);
    ``new_territories`` the territories of records a dry run would create. The
    refusal names no record, so it tells nothing about what lies outside.
    """
    territory_id = access_of(request).territory_id
    if territory_id is None:
        return
    ids = {i for i in ids if i is not None}
    inside = set(
        restrict(model._default_manager.filter(pk__in=ids), path, territory_id).values_list(
            "pk", flat=True
        )
    )
    wanted = set(new_territories)
    reachable = set(
        restrict(Territory.objects.filter(pk__in=wanted - {None}), "id", territory_id).values_list(
            "pk", flat=True
        )
    )
    if ids - inside or wanted - reachable:
        raise exceptions.ValidationError(
            {"items": ["Some items fall outside the territory your API key is limited to."]}
        )


def _new_territories(result, items) -> list:
    """Territories of the records a dry run would create (a real run has their ids)."""
    out = []
    for entry in result.created:
        if entry["id"] is None:
            raw = items[entry["index"]]
            value = raw.get("territory") if isinstance(raw, dict) else None
            out.append(int(value) if str(value).strip().isdigit() else None)
    return out


def _touched(result) -> list:
    return [e["id"] for e in result.created + result.updated] + list(result.unchanged)


class _BulkView(IdempotentMixin, APIView):
    permission_classes = [HasScope]
    model: type
    territory_path: str
    service = None

    def post(self, request):
        data = request.data
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise exceptions.ValidationError({"items": ['Send {"items": [...]}: a list.']})
        if len(data["items"]) > MAX_ITEMS:
            raise exceptions.ValidationError({"items": [f"At most {MAX_ITEMS} items per call."]})
        with transaction.atomic():
            result = type(self).service(items=data["items"], dry_run=_dry_run(request))
            _ensure_within(
                request,
                self.model,
                _touched(result),
                self.territory_path,
                _new_territories(result, data["items"]),
            )
        return Response(asdict(result))


class ActorBulkView(_BulkView):
    """Create or update many actors at once, keyed by an identifier."""

    model = Actor
    territory_path = "territory_id"
    service = staticmethod(actor_upsert_many)

    @extend_schema(
        summary="Upsert actors",
        description="Up to 5,000 actors keyed by `identifier` ({scheme, value[, issuer]}): new "
        "ones created, known ones changed where they differ, the rest untouched. Atomic; "
        "errors name each item (`items.3.name`).",
        parameters=[DRY_RUN, IDEMPOTENCY],
        request=BulkRequestSerializer,
        responses=UpsertResultSerializer,
    )
    @idempotent
    def post(self, request):
        return super().post(request)


class InteractionBulkView(_BulkView):
    """Create or update many interactions at once, keyed by their external id."""

    model = Interaction
    territory_path = "territory_id"
    service = staticmethod(interaction_upsert_many)

    @extend_schema(
        summary="Upsert interactions",
        description="Up to 5,000 interactions keyed by `external_id`; source and target actors "
        "given by id or identifier. Atomic; errors name each item.",
        parameters=[DRY_RUN, IDEMPOTENCY],
        request=BulkRequestSerializer,
        responses=UpsertResultSerializer,
    )
    @idempotent
    def post(self, request):
        return super().post(request)


def _upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise exceptions.ValidationError({"file": ["Attach the spreadsheet as 'file'."]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise exceptions.ValidationError({"file": ["The file is larger than 10 MB."]})
    return upload


class ActorImportView(IdempotentMixin, APIView):
    """Upload a spreadsheet of actors."""

    permission_classes = [HasScope]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import actors from a spreadsheet",
        description="A CSV or XLSX file of actors (French or English headers, see the README); "
        "the same upsert as /api/actors/bulk/. Errors name the row and column.",
        parameters=[DRY_RUN, IDEMPOTENCY],
        request={"multipart/form-data": UploadSerializer},
        responses=UpsertResultSerializer,
    )
    @idempotent
    def post(self, request):
        upload = _upload(request)
        with transaction.atomic():
            outcome = import_actors(upload, dry_run=_dry_run(request), filename=upload.name)
            r = outcome.result
            _ensure_within(request, Actor, _touched(r), "territory_id")
        return Response(
            {**asdict(r), "rows": outcome.rows, "ignored_columns": outcome.ignored_columns}
        )


class MembersImportView(IdempotentMixin, APIView):
    """Upload a spreadsheet of a body's current members."""

    permission_classes = [HasScope]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import a body's members from a spreadsheet",
        description="A CSV or XLSX file of the body's complete current members (French or "
        "English headers, see the README): the same sync as PUT /api/bodies/{id}/members/. "
        "Errors name the row and column.",
        parameters=[DRY_RUN, IDEMPOTENCY],
        request={"multipart/form-data": UploadSerializer},
        responses={200: None},
    )
    @idempotent
    def post(self, request, pk: int):
        access = access_of(request)
        body = get_object_or_404(
            restrict(Body.objects.all(), "territory_id", access.territory_id), pk=pk
        )
        upload = _upload(request)
        raw = request.data.get("effective_date")
        try:
            effective_date = dt.date.fromisoformat(raw) if raw else today()
        except ValueError:
            raise exceptions.ValidationError(
                {"effective_date": ["Give a date as YYYY-MM-DD."]}
            ) from None
        allowed = None
        if access.territory_id is not None:
            allowed = Q(territory_id__in=within_ids(access.territory_id))
        outcome = import_members(
            upload,
            body=body,
            effective_date=effective_date,
            end_reason=request.data.get("end_reason") or EndReason.TERM_ENDED,
            dry_run=_dry_run(request),
            filename=upload.name,
            allowed_actors=allowed,
        )
        return Response(
            {
                **asdict(outcome.result),
                "rows": outcome.rows,
                "ignored_columns": outcome.ignored_columns,
            }
        )
