"""``/api/changes/``: the change feed integrations follow to stay in sync."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import Access, HasScope, access_of
from api.params import QueryIntegerField, check_value, parse_id
from api.personal_data_log import log_personal_data_reads
from registry.models import PersonalData
from registry.selectors.changes import START, FeedPosition, changes_after, position_of

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
#: Kinds of record a key without the personal_data scope never sees in the feed.
PERSONAL_MODELS = ("registry.personaldata",)


def encode_cursor(position: FeedPosition) -> str:
    raw = f"{position.seq}.{position.record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> FeedPosition:
    try:
        padded = value + "=" * (-len(value) % 4)
        seq, record_id = base64.urlsafe_b64decode(padded.encode()).decode().split(".")
        numbers = parse_id(seq), parse_id(record_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise exceptions.ValidationError(
            {"cursor": [gettext("Not a cursor from this feed.")]}
        ) from None
    if any(n is None or n < 0 for n in numbers):
        raise exceptions.ValidationError({"cursor": [gettext("Not a cursor from this feed.")]})
    return FeedPosition(*numbers)


class ChangeSerializer(serializers.Serializer):
    position = serializers.CharField(help_text="Cursor just after this change.")
    at = serializers.DateTimeField(help_text="When the change was made (UTC).")
    action = serializers.ChoiceField(
        choices=["create", "update", "delete", "merge"],
        help_text="create, update, delete (tombstone), or merge: actor `id` was merged into "
        "actor `data.merged_into` (the last change of the merge's transaction, after the "
        "row changes that carry it out; nothing more to apply).",
    )
    type = serializers.CharField(help_text="Kind of record: territory, actor, body, membership...")
    id = serializers.IntegerField(help_text="Id of the record.")
    data = serializers.DictField(
        allow_null=True,
        help_text="create: every field; update: the changed fields; delete: null; merge: "
        '`{"merged_into": <id>}`. Foreign keys as <name>_id.',
    )
    previous = serializers.DictField(
        allow_null=True,
        help_text="update: the changed fields' old values; delete: the last values.",
    )
    request_id = serializers.CharField(help_text="Request that made the change.")


class ChangeFeedSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True, help_text="Changes in commit order.")
    next = serializers.CharField(help_text="Cursor to send next time (the same when nothing new).")
    has_more = serializers.BooleanField(help_text="True when more changes wait right now.")


class ChangeFeedView(APIView):
    """Every create, update and delete, in commit order, after a cursor."""

    permission_classes = [HasScope]

    @extend_schema(
        summary="Follow the change feed",
        description=(
            "Every create, update and delete of every resource after `cursor`, in commit order "
            "(deletions as tombstones with the id), and the `next` cursor. Start without a cursor "
            "to replay everything from the beginning; applying the changes in order reproduces "
            "the registry. A merge of two actors comes as its row changes (moved memberships, "
            "attendance, interactions..., the merged actor's tombstone, an `actormerge` "
            "created), all of one transaction and `request_id`, then one `merge` change on the "
            'merged actor\'s id with `data: {"merged_into": <id>}`. '
            "No change is ever skipped, even when transactions commit in another "
            "order than they started. Territory-limited keys see only their territory's changes; "
            "personal data changes need the personal_data scope."
        ),
        parameters=[
            OpenApiParameter("cursor", str, description="`next` of the previous call."),
            OpenApiParameter(
                "limit",
                int,
                description=f"Changes per call (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
            ),
        ],
        responses=ChangeFeedSerializer,
    )
    def get(self, request):
        raw_cursor = request.query_params.get("cursor")
        position = decode_cursor(raw_cursor) if raw_cursor else START
        # Empty is "not given", as for every query parameter of the API.
        limit = check_value(
            QueryIntegerField(min_value=1),
            "limit",
            request.query_params.get("limit"),
            default=DEFAULT_LIMIT,
        )
        limit = min(limit, MAX_LIMIT)
        records = feed_records(position, limit=limit + 1, access=access_of(request))
        has_more = len(records) > limit
        records = records[:limit]
        if records:
            position = position_of(records[-1])
        results = [feed_item(record) for record in records]
        log_personal_reads(request, records)
        return Response({"results": results, "next": encode_cursor(position), "has_more": has_more})


def feed_records(position: FeedPosition, *, limit: int, access: Access) -> list:
    """The changes after ``position`` that ``access`` may see, oldest commit first.

    The one rule of the feed, which the webhooks (``api.webhooks``) deliver by too: a
    territory-limited key gets its territory's changes, personal data needs the scope.
    """
    return changes_after(
        position,
        limit=limit,
        territory_id=access.territory_id,
        exclude_models=() if access.has("personal_data") else PERSONAL_MODELS,
    )


def feed_item(record) -> dict:
    """One change as the feed (and a webhook delivery) shows it (``ChangeSerializer``)."""
    return {
        "position": encode_cursor(position_of(record)),
        "at": record.at,
        "action": record.action,
        "type": record.model.split(".", 1)[1],
        "id": record.object_id,
        "data": record.after,
        "previous": record.before,
        "request_id": record.request_id,
    }


def log_personal_reads(request, records) -> None:
    """Log whose personal data the page showed (GDPR access log), never the data."""
    personal = [r for r in records if r.model in PERSONAL_MODELS]
    if not personal:
        return
    actor_ids = set()
    unknown = set()
    for record in personal:
        snapshot = record.after or record.before or {}
        if snapshot.get("actor_id") is not None:
            actor_ids.add(snapshot["actor_id"])
        else:  # an update records only the changed fields: find the person by the row
            unknown.add(record.object_id)
    if unknown:
        actor_ids.update(
            PersonalData.objects.filter(id__in=unknown).values_list("actor_id", flat=True)
        )
    log_personal_data_reads(request=request, actor_ids=actor_ids)
