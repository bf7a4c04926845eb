"""``/api/bodies/{id}/members/``: read a body's current members, or sync the full list.

The sync's input is declared once, below: the serializers validate every entry
(JSON types, ASCII 64-bit ids, bounded text without NUL, codes, dates) before
the service runs, and turn it into the typed ``MemberEntry`` values that
``membership_sync`` takes; the same declarations write the OpenAPI document.
The members spreadsheet import sends its parsed rows through the same
serializers (``parse_member_entries``), so a file and a JSON list are checked
alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from django.core.validators import EmailValidator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.base import PreconditionFailed, etag_matches, etag_of
from api.filters import today
from api.headers import CONDITIONAL_READ, ETAG, IF_MATCH, IF_NONE_MATCH, PRECONDITION, behaves
from api.idempotency import IdempotentMixin, idempotent
from api.inputs import (
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    validated_many,
)
from api.inputs.references import (
    REF_QUERYSETS,
    ActorReferenceField,
    RefListSerializer,
    TerritoryReferenceField,
)
from api.resources import exports
from api.resources.bodies import BodySerializer
from api.resources.bulk import (
    DRY_RUN,
    ImportedFileSerializer,
    _dry_run,
    _upload,
    import_examples,
)
from api.resources.memberships import MembershipSerializer
from api.scoping import restrict, within_ids
from registry.identifiers import normalise
from registry.importers.spreadsheet import import_members
from registry.models import (
    Actor,
    ActorCategory,
    ActorKind,
    Body,
    EndReason,
    Gender,
    IdentifierScheme,
    LawfulBasis,
    Membership,
    Role,
    SelectionMode,
)
from registry.services.sync import (
    SEAT_FIELDS,
    MemberEntry,
    NewActor,
    NewPersonalData,
    membership_sync,
)
from registry.services.sync.resolve import reachable

#: Most entries one sync may send (a body of 10,000 members is the benchmark).
MAX_MEMBERS = 20_000
#: Most identifiers one inline new actor may carry.
MAX_IDENTIFIERS = 20
#: Keys of the member list's own representation (GET) that a sync entry may carry and
#: that the sync ignores: a client may send back the list it read.
READ_ONLY_KEYS = frozenset(
    {
        "id",
        "url",
        "display",
        "body",
        "end_date",
        "end_reason",
        "is_current",
        "sources",
        "created_at",
        "updated_at",
    }
)


def may_handle_personal_data(request) -> bool:
    """The one rule for personal data on writes as on reads: the ``personal_data`` scope.

    ``ActorSerializer.get_fields`` applies the same test to ``POST /api/actors/``.
    """
    return request is not None and access_of(request).has("personal_data")


class _ClosedSerializer(serializers.Serializer):
    """A serializer that refuses keys it does not declare (a typo is not silently dropped)."""

    ignored_keys: frozenset[str] = frozenset()

    def unknown_key_message(self, key: str) -> str:
        return "Unknown field."

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = [k for k in data if k not in self.fields and k not in self.ignored_keys]
            if unknown:
                raise serializers.ValidationError(
                    {str(k): [self.unknown_key_message(str(k))] for k in unknown}
                )
        return super().to_internal_value(data)


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 200}]})
class IdOrNameField(serializers.Field):
    """A JSON integer (an id: ASCII, 64 bits) or a JSON string (a name: no NUL, bounded)."""

    default_error_messages = {
        "invalid": gettext_lazy("Give an id (a JSON integer) or a name (a JSON string)."),
    }

    def __init__(self, *, max_length: int = 200, **kwargs):
        self.as_id = StrictIntegerField(min_value=1)
        # "" is allowed: like null, it takes the member out of its college.
        self.as_name = StrictCharField(max_length=max_length, allow_blank=True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            return self.as_id.run_validation(data)
        if isinstance(data, str):
            return self.as_name.run_validation(data)
        self.fail("invalid")

    def to_representation(self, value):
        return value


class IdentifierRefSerializer(_ClosedSerializer):
    scheme = StrictCharField(
        max_length=32, help_text="Identifier scheme (siren, siret, rna, rne, insee, external...)."
    )
    value = StrictCharField(max_length=100, help_text="Identifier in the scheme.")
    issuer = StrictCharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Issuing system, for 'external' and 'other'.",
    )

    def validate(self, attrs):
        key = normalise(attrs["scheme"], attrs["value"], attrs.get("issuer", ""))
        if key.scheme not in IdentifierScheme.values:
            raise serializers.ValidationError(
                {
                    "scheme": [
                        gettext("Unknown scheme; expected one of: %(schemes)s.")
                        % {"schemes": ", ".join(IdentifierScheme.values)}
                    ]
                }
            )
        if not key.value:
            raise serializers.ValidationError({"value": [gettext("This field may not be blank.")]})
        return key


class NewPersonalDataSerializer(_ClosedSerializer):
    email = StrictCharField(
        max_length=254,
        required=False,
        allow_blank=True,
        validators=[EmailValidator()],
        help_text="Contact email.",
    )
    phone = StrictCharField(max_length=32, required=False, allow_blank=True, help_text="Phone.")
    postal_address = StrictCharField(required=False, allow_blank=True, help_text="Address.")
    gender = StrictChoiceField(
        choices=Gender.choices, required=False, allow_blank=True, help_text="Declared gender."
    )
    birth_year = StrictIntegerField(
        min_value=1900, max_value=2100, required=False, allow_null=True, help_text="Year of birth."
    )
    lawful_basis = StrictChoiceField(choices=LawfulBasis.choices, help_text="GDPR lawful basis.")
    retention_until = StrictDateField(help_text="Date after which these data must be erased.")

    def validate(self, attrs):
        return NewPersonalData(**attrs)


class NewActorSerializer(_ClosedSerializer):
    """A member given by name: created only when no known actor is that member.

    It resolves first to an actor holding one of its ``identifiers``, then to the actor
    of the body's seat named by the entry's ``external_id`` (current or past), then to
    a current or past member of the body of the same kind with the same name
    (accent-, case-, hyphen-, spacing- and word-order-insensitive; ``given_name`` and
    ``family_name`` count as a name too; ``personal_data.birth_year`` and
    ``territory`` tell people apart when both sides have them). A known actor found so
    is not modified. Several candidates: a 422 naming them. Two entries of the list
    naming the same new person create it once. ``kind`` and ``category`` are needed only
    when nothing matches and the actor is created (else ``new_actor.category`` is refused,
    saying so). An identifier held by an actor out of a scoped key's reach is answered as
    a free one: the actor is created without it.
    """

    kind = StrictChoiceField(
        choices=ActorKind.choices,
        required=False,
        help_text="Person or organization. Needed only to create the actor: an entry that "
        "resolves to a known actor may omit it (resolution by name then considers members "
        "of any kind); one that creates an actor without it is refused.",
    )
    category = StrictChoiceField(
        choices=ActorCategory.choices,
        required=False,
        help_text="Actor category (resident, association...). Needed only to create the "
        "actor: an entry that resolves to a known actor may omit it; one that creates an "
        "actor without it is refused.",
    )
    name = StrictCharField(max_length=300, help_text="Display name.")
    given_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, help_text="Of a person."
    )
    family_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, help_text="Of a person."
    )
    description = StrictCharField(required=False, allow_blank=True, help_text="Free description.")
    territory = TerritoryReferenceField(
        as_pk=True,
        required=False,
        help_text="Territory: id or level:code (default: the body's territory).",
    )
    identifiers = IdentifierRefSerializer(
        many=True, required=False, max_length=MAX_IDENTIFIERS, help_text="Its identifiers."
    )
    personal_data = NewPersonalDataSerializer(
        required=False, help_text="Personal data of a person: only with the personal_data scope."
    )

    def get_fields(self):
        # The rule of POST /api/actors/: without the scope, personal_data is no field at all.
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields
        if not may_handle_personal_data(self.context.get("request")):
            fields.pop("personal_data", None)
        return fields

    def unknown_key_message(self, key: str) -> str:
        if key == "personal_data":
            return "Your credentials lack the scope: personal_data."
        return super().unknown_key_message(key)

    def validate(self, attrs):
        return NewActor(
            kind=attrs.get("kind") or None,
            category=attrs.get("category") or None,
            name=attrs["name"],
            given_name=attrs.get("given_name", ""),
            family_name=attrs.get("family_name", ""),
            description=attrs.get("description", ""),
            territory_id=attrs.get("territory"),
            identifiers=tuple(attrs.get("identifiers", ())),
            personal_data=attrs.get("personal_data"),
        )


_KEEP = " Absent: the stored value of the matched seat is kept (a new seat: {})."


class MemberEntrySerializer(_ClosedSerializer):
    """One member. A seat field absent from the entry keeps the stored value of the seat
    the entry matches; given empty (``null``, ``""``) it is cleared."""

    ignored_keys = READ_ONLY_KEYS

    actor = ActorReferenceField(
        as_pk=True,
        required=False,
        allow_null=True,
        help_text="The member: id or identifier (or give identifier / new_actor).",
    )
    identifier = IdentifierRefSerializer(
        required=False, allow_null=True, help_text="The member by an identifier."
    )
    new_actor = NewActorSerializer(
        required=False,
        allow_null=True,
        help_text="The member by name: a known actor it resolves to (identifiers, this "
        "entry's external_id, the same name among the body's current and past members), "
        "else a new actor created inline.",
    )
    college = IdOrNameField(
        required=False,
        allow_null=True,
        help_text='College: its id (integer) or its name (string); null or "" takes the '
        "member out of its college." + _KEEP.format("no college"),
    )
    role = StrictChoiceField(
        choices=Role.choices,
        required=False,
        help_text="Role. Absent: the member's current seat, whatever its role, is matched "
        "and keeps its role (a new seat: member).",
    )
    selection_mode = StrictChoiceField(
        choices=SelectionMode.choices,
        required=False,
        allow_blank=True,
        help_text='How the member was selected; "" sets the college\'s mode.'
        + _KEEP.format("the college's mode"),
    )
    on_behalf_of = ActorReferenceField(
        as_pk=True,
        required=False,
        allow_null=True,
        help_text="Organization represented (id or identifier); null clears it."
        + _KEEP.format("none"),
    )
    start_date = StrictDateField(
        required=False,
        allow_null=True,
        help_text="First day of the seat; null: as absent." + _KEEP.format("the effective date"),
    )
    external_id = StrictCharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text='Id of the seat in your system; "" clears it.' + _KEEP.format("none"),
    )

    class Meta:
        list_serializer_class = RefListSerializer

    def validate(self, attrs):
        return MemberEntry(
            actor=attrs.get("actor"),
            identifier=attrs.get("identifier"),
            new_actor=attrs.get("new_actor"),
            college=attrs.get("college"),
            role=attrs.get("role") or Role.MEMBER,
            selection_mode=attrs.get("selection_mode") or "",
            on_behalf_of=attrs.get("on_behalf_of"),
            start_date=attrs.get("start_date"),
            external_id=attrs.get("external_id") or "",
            given=frozenset(name for name in SEAT_FIELDS if name in attrs),
        )


class MembersSyncRequestSerializer(_ClosedSerializer):
    effective_date = StrictDateField(
        required=False, help_text="Date the list holds from (default today): ends and new seats."
    )
    end_reason = StrictChoiceField(
        choices=EndReason.choices,
        required=False,
        help_text="Why absent members end (default term_ended).",
    )
    members = MemberEntrySerializer(
        many=True, max_length=MAX_MEMBERS, help_text="The complete current member list."
    )

    def to_internal_value(self, data):
        # Checked first, and named ``members`` itself: a list too long is refused unread.
        members = data.get("members") if isinstance(data, Mapping) else None
        if members is not None and not isinstance(members, list):
            raise serializers.ValidationError(
                {"members": [gettext('Send {"members": [...]}: a list.')]}
            )
        if members is not None and len(members) > MAX_MEMBERS:
            raise serializers.ValidationError(
                {"members": [gettext("At most %(max)s members per call.") % {"max": MAX_MEMBERS}]}
            )
        return super().to_internal_value(data)


def parse_member_entries(raw: Sequence, *, context: dict | None = None) -> list[MemberEntry]:
    """Client entries (JSON values) as typed ``MemberEntry`` values, or ``InvalidInput``
    naming each bad field (``members.3.role``); used by the spreadsheet import."""
    return validated_many(
        MemberEntrySerializer, raw, name="members", what="members", context=context
    )


def actor_scope(request) -> tuple[Q | None, Q | None]:
    """(actors, territories) a key limited to a territory may name: within it (None: any)."""
    territory_id = access_of(request).territory_id
    if territory_id is None:
        return None, None
    return Q(territory_id__in=within_ids(territory_id)), Q(pk__in=within_ids(territory_id))


class DiffEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="Membership id (null in a dry run).")
    actor = serializers.IntegerField(
        allow_null=True, help_text="Member id (null for a new actor in a dry run)."
    )
    name = serializers.CharField(help_text="The member's name.")
    role = serializers.CharField(help_text="Role.")
    index = serializers.IntegerField(
        required=False, help_text="Index of the entry sent (created and updated)."
    )
    changes = serializers.DictField(
        required=False,
        help_text="Updated: each changed field and its new value (null: cleared).",
    )
    previous = serializers.DictField(
        required=False, help_text="Updated: each changed field and its stored value before."
    )
    end_date = serializers.DateField(required=False, help_text="Ended: the end date set.")
    end_reason = serializers.CharField(required=False, help_text="Ended: the end reason set.")


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="seats-exceeded, college-seats-exceeded, parity-breach, end-kept (a "
        "membership with a stored end, which a sync never rewrites)."
    )
    detail = serializers.CharField(help_text="What rule the list breaks, or what was kept.")
    college = serializers.IntegerField(required=False, help_text="The college concerned.")
    membership = serializers.IntegerField(required=False, help_text="end-kept: the membership.")
    actor = serializers.IntegerField(required=False, help_text="end-kept: the member's id.")
    name = serializers.CharField(required=False, help_text="end-kept: the member's name.")
    end_date = serializers.DateField(required=False, help_text="end-kept: its stored end date.")
    end_reason = serializers.CharField(required=False, help_text="end-kept: its stored reason.")


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


def reference_context(request, view, body: Body, effective_date: dt.date) -> dict:
    """The serializer context of a body's member entries: the actors they may name by
    identifier are those the sync lets them name by id (``reachable``: the key's
    territory, and the body's current members wherever they live)."""
    context = {"request": request, "view": view}
    actors, _territories = actor_scope(request)
    if actors is not None:
        context[REF_QUERYSETS] = {Actor: reachable(body, actors, effective_date)}
    return context


def _effective_date(raw) -> dt.date:
    """The sync's ``effective_date`` as given (today when absent or bad: the serializer
    then names it), read before the entries to know which actors they may name."""
    try:
        return StrictDateField().run_validation(raw) if raw is not None else today()
    except serializers.ValidationError:
        return today()


def reachable_body(request, pk: int) -> Body:
    """The body, if the caller's key may reach it; else 404 as for a missing one."""
    access = access_of(request)
    return get_object_or_404(
        restrict(Body.objects.all(), "territory_id", access.territory_id), pk=pk
    )


class BodyMembersView(IdempotentMixin, APIView):
    """The current members of a body, and their sync from a collectivity's system."""

    permission_classes = [HasScope]

    def get_renderers(self):
        # The reads also answer CSV and XLSX (Accept or ?format=csv|xlsx); writes JSON only.
        renderers = super().get_renderers()
        if getattr(getattr(self, "request", None), "method", "GET") in ("GET", "HEAD"):
            renderers += [renderer() for renderer in exports.FILE_RENDERERS]
        return renderers

    @extend_schema(
        summary="Current members of a body",
        description=(
            "The memberships of the body current on `as_of` (default today). As a "
            "spreadsheet with `Accept: text/csv` or `Accept: " + exports.XLSX_MEDIA_TYPE + "` "
            "(or `?format=csv` / `?format=xlsx`): one row per member in the columns of the "
            "members import (`POST /api/bodies/{id}/members/import/`), so that the file "
            "imports back unchanged; headers, values and dates in the request's language "
            "(`Accept-Language: fr`: French headers and words, CSV with `;`, UTF-8 with BOM, "
            "dates dd/mm/yyyy). The actor id is always given; one identifier per member (its "
            "`external` one, else its first); the college by name, `on_behalf_of` by id. "
            "A member from outside a scoped key's territory shows its id and name only. "
            "No personal data."
        ),
        parameters=[
            OpenApiParameter("as_of", dt.date, description="Date (default today)."),
            exports.format_param("json", "csv", "xlsx"),
        ],
        responses=exports.file_schema(
            MembershipSerializer(many=True),
            description="The current members: JSON (the default), or a CSV or XLSX "
            "attachment in the import's own columns.",
        ),
    )
    @behaves(CONDITIONAL_READ)
    def get(self, request, pk: int):
        body = reachable_body(request, pk)
        raw = request.query_params.get("as_of")
        day = today()
        if raw:
            field = StrictDateField()
            try:
                day = field.run_validation(raw)
            except serializers.ValidationError as exc:
                raise exceptions.ValidationError({"as_of": exc.detail}) from None
        rows = (
            Membership.objects.filter(body=body)
            .current_on(day)
            .select_related("actor", "body", "college", "on_behalf_of")
            .order_by("id")
        )
        etag = members_etag(request, body, day)
        if exports.wants_file(request):
            return exports.members_file(request, body, rows, day=day, version=etag)
        if etag_matches(request.headers.get(IF_NONE_MATCH.name), etag):
            return Response(status=304, headers={ETAG.name: etag, "Vary": "Accept"})
        data = MembershipSerializer(rows, many=True, context={"request": request}).data
        return Response(data, headers={ETAG.name: etag, "Vary": "Accept"})

    @extend_schema(
        summary="Sync the members of a body",
        description=(
            "Send the body's complete current member list. Each entry resolves to one actor, "
            "always the same: `actor` (a merged id names its survivor), `identifier`, or "
            "`new_actor`, which is a known actor when one holds its identifiers, when the "
            "entry's `external_id` names a seat of the body, or when a current or past member "
            "has its name (else it is created; several candidates: a 422 naming them). So the "
            "same list sent twice gives an empty diff, however its members are named. Stored "
            "memberships that match an entry (by external_id, else by actor and role) are "
            "updated if they differ; a seat field absent from an entry keeps its stored value, "
            "one given empty is cleared; entries without a match become new memberships; "
            "current memberships absent from the list end on `effective_date`. A membership "
            "that already has an end date is never rewritten: it is kept and a warning "
            "`end-kept` says so. The diff names each member (`name`); `updated` gives the "
            "`changes` and the `previous` values. Unchanged memberships are not touched. "
            "One bad entry "
            "means nothing is written; the error names each entry by its index "
            "(`members.3.actor`). `?dry_run=true` runs the same sync and rolls it back: the "
            "same checks and the same answer, with null ids for the rows it would create. "
            "A key limited to a territory may name actors of its territory and the body's "
            "current members (the list it reads here), and creates new actors within its "
            "territory; `new_actor.personal_data` needs the `personal_data` scope. Keys of "
            "the member list's own representation (`id`, `url`, `end_date`...) are ignored, "
            "any other unknown key is refused. "
            "Send `Idempotency-Key` to make retries safe and `If-Match` with the ETag of "
            "`GET /api/bodies/{id}/members/` (today's list, no `as_of`) to refuse a sync based "
            "on a stale read: it changes with the body, with any of its memberships and with "
            "the day."
        ),
        parameters=[DRY_RUN],
        request=MembersSyncRequestSerializer,
        responses=MembersSyncResultSerializer,
    )
    @behaves(PRECONDITION)
    @idempotent
    def put(self, request, pk: int):
        body = reachable_body(request, pk)
        self._check_if_match(request, body)
        dry_run = _dry_run(request)
        raw_date = request.data.get("effective_date") if isinstance(request.data, Mapping) else None
        serializer = MembersSyncRequestSerializer(
            data=request.data,
            context=reference_context(request, self, body, _effective_date(raw_date)),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        actors, territories = actor_scope(request)
        result = membership_sync(
            body=body,
            members=data["members"],
            effective_date=data.get("effective_date") or today(),
            end_reason=data.get("end_reason") or EndReason.TERM_ENDED,
            dry_run=dry_run,
            allowed_actors=actors,
            allowed_territories=territories,
        )
        return Response(asdict(result))

    def _check_if_match(self, request, body: Body) -> None:
        header = request.headers.get(IF_MATCH.name)
        if header is None or header.strip() == "*":
            return
        if not etag_matches(header, members_etag(request, body, today()), strong=True):
            raise PreconditionFailed()


def members_etag(request, body: Body, day: dt.date) -> str:
    """The version of a body's member list on ``day``: moves with the body, with any
    membership and with the day (the list current on another day is another list).

    Any membership created, changed or deleted moves the count, the highest id or
    the latest ``updated_at`` (every tracked write stamps it); one aggregate query.
    """
    full = BodySerializer(body, context={"request": request, "full_representation": True}).data
    stats = Membership.objects.filter(body=body).aggregate(
        n=Count("id"), last=Max("id"), updated=Max("updated_at")
    )
    return etag_of({"body": full, "memberships": stats, "day": day.isoformat()})


class MembersImportResultSerializer(MembersSyncResultSerializer, ImportedFileSerializer):
    """The answer of a members import: the sync's diff, and what was read from the file.

    A dry run (``?dry_run=true``) answers the same, with ``dry_run`` true and the ids of
    memberships (and actors) it would create null; nothing is written.
    """


_ENDED = {
    "id": 7,
    "actor": 12,
    "name": "Paul Durand",
    "role": "member",
    "end_date": "2025-01-01",
    "end_reason": "term_ended",
}
_MEMBERS_IMPORTED = {
    "effective_date": "2025-01-01",
    "updated": [],
    "ended": [_ENDED],
    "unchanged": [],
    "warnings": [],
    "rows": 1,
    "ignored_columns": [],
}
MEMBERS_IMPORT_EXAMPLES = import_examples(
    {
        "dry_run": True,
        "created": [
            {"id": None, "actor": None, "name": "Jeanne Martin", "role": "president", "index": 0}
        ],
        **_MEMBERS_IMPORTED,
    },
    {
        "dry_run": False,
        "created": [
            {"id": 8, "actor": 13, "name": "Jeanne Martin", "role": "president", "index": 0}
        ],
        **_MEMBERS_IMPORTED,
    },
)


class MembersUploadSerializer(_ClosedSerializer):
    ignored_keys = frozenset({"file"})

    file = serializers.FileField(help_text="A CSV or XLSX file (see the README for the columns).")
    effective_date = StrictDateField(required=False, help_text="Date the list holds from.")
    end_reason = StrictChoiceField(
        choices=EndReason.choices, required=False, help_text="Why absent members end."
    )


class MembersImportView(IdempotentMixin, APIView):
    """Upload a spreadsheet of a body's current members."""

    permission_classes = [HasScope]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import a body's members from a spreadsheet",
        description="A CSV or XLSX file of the body's complete current members (French or "
        "English headers, see the README): the same sync as PUT /api/bodies/{id}/members/, "
        "each row checked as a sync entry. Errors name the row and column.",
        parameters=[DRY_RUN],
        request={"multipart/form-data": MembersUploadSerializer},
        responses={
            200: OpenApiResponse(
                MembersImportResultSerializer,
                description="What the import did, or (dry run) would do: the memberships "
                "created, updated, ended and unchanged, the warnings, the rows read and the "
                "columns ignored.",
                examples=MEMBERS_IMPORT_EXAMPLES,
            )
        },
    )
    @idempotent
    def post(self, request, pk: int):
        body = reachable_body(request, pk)
        upload = _upload(request)
        form = {k: v for k, v in request.data.items() if k in ("effective_date", "end_reason")}
        options = MembersUploadSerializer(data={**form, "file": upload})
        options.is_valid(raise_exception=True)
        actors, territories = actor_scope(request)
        effective_date = options.validated_data.get("effective_date") or today()
        context = reference_context(request, self, body, effective_date)
        outcome = import_members(
            upload,
            body=body,
            effective_date=effective_date,
            end_reason=options.validated_data.get("end_reason") or EndReason.TERM_ENDED,
            dry_run=_dry_run(request),
            filename=upload.name,
            allowed_actors=actors,
            allowed_territories=territories,
            parse_entries=lambda raw: parse_member_entries(raw, context=context),
        )
        return Response(
            {
                **asdict(outcome.result),
                "rows": outcome.rows,
                "ignored_columns": outcome.ignored_columns,
            }
        )
