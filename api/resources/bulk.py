"""Bulk writes: upserts of actors and interactions, spreadsheet uploads.

Each call is atomic (one bad item or row: nothing written, each named), answers
with the diff, honours ``?dry_run=true`` (the real run, rolled back) and
``Idempotency-Key``.

Every item is parsed by the serializer of its endpoint (``ActorItemSerializer``,
``InteractionItemSerializer``), built from the strict fields of ``api.inputs``,
before the service runs: a value of the wrong JSON type, an integer that is not
ASCII digits within 64 bits, a NUL, a text beyond its bound, a link that is not
``{url, note}`` or an unknown field is a 422 naming its path (``items.3.name``,
``items.0.links.2.url``), and the service receives typed values. The same
serializers are the OpenAPI request bodies, so the schema says what is enforced.

Scope: the key's territory goes to the services as ``reach``; what lies out of it
is treated as absent there (``registry.services.upserts``), in the dry run as in
the real run. Bulk items and import rows carry no personal data (``personal_data``
is an unknown field of an item, an ``email`` column is ignored), so they need no
``personal_data`` scope.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.idempotency import IdempotentMixin, idempotent
from api.inputs import (
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    validated_many,
)
from api.inputs.references import (
    ActorReferenceField,
    IdentifierKeySerializer,
    RefListSerializer,
    StrictSerializer,
    TerritoryReferenceField,
)
from registry.importers.spreadsheet import MAX_UPLOAD_BYTES, import_actors
from registry.models import (
    ActorCategory,
    ActorKind,
    Direction,
    EndReason,
    InteractionType,
)
from registry.services.upserts import (
    ACTOR_UPSERT_FIELDS,
    INTERACTION_UPSERT_FIELDS,
    MAX_ITEMS,
    MAX_TEXT,
    actor_upsert_many,
    interaction_upsert_many,
)
from registry.validators import MAX_LINKS, MAX_NOTE_LENGTH, MAX_URL_LENGTH

DRY_RUN = OpenApiParameter("dry_run", bool, description="Compute the diff, write nothing.")
UNKNOWN_FIELD = gettext_lazy("Unknown or read-only field.")


# --- item serializers -------------------------------------------------------------------


class ItemLinkSerializer(StrictSerializer):
    """A Popolo link: the shape ``registry.validators.validate_links`` enforces."""

    url = StrictCharField(
        max_length=MAX_URL_LENGTH,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="An http(s) URL.",
    )
    note = StrictCharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, help_text="What it is."
    )


def _links(help_text: str):
    return ItemLinkSerializer(many=True, required=False, max_length=MAX_LINKS, help_text=help_text)


def _score(help_text: str):
    return StrictIntegerField(
        min_value=0, max_value=5, required=False, allow_null=True, help_text=help_text
    )


class StrictDecimalField(serializers.DecimalField):
    """A decimal given as a JSON number or a decimal string (never a boolean or an object)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str | Decimal):
            self.fail("invalid")
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class ActorItemSerializer(StrictSerializer):
    """One actor of ``POST /api/actors/bulk/``: its id or identifier, and the fields to set."""

    id = StrictIntegerField(
        min_value=1,
        required=False,
        help_text="An existing actor, updated (a merged actor's id names its survivor). "
        "Give it, the identifier, or both (the identifier is then this actor's, or is added "
        "to it).",
    )
    identifier = IdentifierKeySerializer(
        required=False, help_text="Finds the actor; given to a new one."
    )
    kind = StrictChoiceField(choices=ActorKind.choices, required=False, help_text="Kind.")
    category = StrictChoiceField(
        choices=ActorCategory.choices, required=False, help_text="Category."
    )
    name = StrictCharField(max_length=300, required=False, help_text="Display name.")
    given_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, help_text="Of a person."
    )
    family_name = StrictCharField(
        max_length=150, required=False, allow_blank=True, help_text="Of a person."
    )
    territory = TerritoryReferenceField(
        as_pk=True,
        required=False,
        allow_null=True,
        help_text="Territory: id or level:code (within your key's).",
    )
    description = StrictCharField(
        max_length=MAX_TEXT, required=False, allow_blank=True, help_text="Free description."
    )
    founding_date = StrictDateField(required=False, allow_null=True, help_text="Founding date.")
    dissolution_date = StrictDateField(
        required=False, allow_null=True, help_text="Dissolution date."
    )
    links = _links("Web pages about the actor.")
    sources = _links("Where the data comes from.")
    power = _score("Declared power, 0 to 5.")
    interest = _score("Declared interest, 0 to 5.")
    legitimacy = _score("Declared legitimacy, 0 to 5.")
    urgency = _score("Declared urgency, 0 to 5.")

    class Meta:
        list_serializer_class = RefListSerializer

    def validate(self, attrs):
        if "id" not in attrs and "identifier" not in attrs:
            raise exceptions.ValidationError(
                {"identifier": [_("Give the actor's id, or its identifier {scheme, value}.")]}
            )
        return attrs


class InteractionItemSerializer(StrictSerializer):
    """One interaction of ``POST /api/interactions/bulk/``: its external id, the fields to set."""

    external_id = StrictCharField(max_length=100, help_text="Finds the interaction.")
    source = ActorReferenceField(
        as_pk=True, required=False, help_text="Actor the tie starts from: id or identifier."
    )
    target_actor = ActorReferenceField(
        as_pk=True,
        required=False,
        allow_null=True,
        help_text="Actor the tie goes to (or target_body): id or identifier.",
    )
    target_body = StrictIntegerField(
        required=False, allow_null=True, help_text="Body id the tie goes to (or target_actor)."
    )
    interaction_type = StrictChoiceField(
        choices=InteractionType.choices, required=False, help_text="Nature of the tie."
    )
    direction = StrictChoiceField(choices=Direction.choices, required=False, help_text="Direction.")
    weight = StrictIntegerField(
        min_value=1, max_value=5, required=False, help_text="Strength, 1 to 5."
    )
    sign = StrictIntegerField(min_value=-1, max_value=1, required=False, help_text="+1 or -1.")
    start_date = StrictDateField(required=False, allow_null=True, help_text="First day.")
    end_date = StrictDateField(required=False, allow_null=True, help_text="First day after.")
    territory = TerritoryReferenceField(
        as_pk=True,
        required=False,
        allow_null=True,
        help_text="Territory: id or level:code (within your key's).",
    )
    source_note = StrictCharField(
        max_length=300, required=False, allow_blank=True, help_text="How the tie is known."
    )
    confidence = StrictDecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        required=False,
        help_text="Confidence, 0 to 1.",
    )
    sources = _links("Where the data comes from.")

    class Meta:
        list_serializer_class = RefListSerializer

    def validate_sign(self, value):
        if value == 0:
            raise exceptions.ValidationError(_("Give 1 or -1."))
        return value


class _BulkRequestSerializer(StrictSerializer):
    # ``{"items": [...]}``: at most MAX_ITEMS, counted before any item is parsed.

    def to_internal_value(self, data):
        items = data.get("items") if isinstance(data, dict) else None
        if isinstance(items, list) and len(items) > MAX_ITEMS:
            raise exceptions.ValidationError(
                {"items": [_("At most %(max)s items per call.") % {"max": MAX_ITEMS}]},
                code="max_length",
            )
        return super().to_internal_value(data)


class ActorBulkSerializer(_BulkRequestSerializer):
    """Actors to create or update, each found by its identifier."""

    items = ActorItemSerializer(many=True, max_length=MAX_ITEMS, help_text="Up to 5,000 items.")


class InteractionBulkSerializer(_BulkRequestSerializer):
    """Interactions to create or update, each found by its external id."""

    items = InteractionItemSerializer(
        many=True, max_length=MAX_ITEMS, help_text="Up to 5,000 items."
    )


#: The serializers declare exactly what the services take (a test guards the copy).
ITEM_FIELDS = {
    ActorItemSerializer: (("id", "identifier"), ACTOR_UPSERT_FIELDS),
    InteractionItemSerializer: (("external_id",), INTERACTION_UPSERT_FIELDS),
}


def parse_actor_items(raw, *, context: dict | None = None) -> list:
    """Actor items (JSON values) as ``ActorItemSerializer``'s typed values, or
    ``InvalidInput`` naming each bad field (``items.3.name``): the actors import's rows."""
    return validated_many(ActorItemSerializer, raw, name="items", what="items", context=context)


class UpsertEntrySerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Index of the item sent.")
    id = serializers.IntegerField(allow_null=True, help_text="Id (null in a dry run).")
    key = serializers.CharField(
        help_text="The item's key: identifier (scheme:value), `id:N` for an actor given by "
        "id only, or external id."
    )
    changes = serializers.DictField(required=False, help_text="Changed fields: [old, new].")


class UpsertResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    created = UpsertEntrySerializer(many=True, help_text="Records created.")
    updated = UpsertEntrySerializer(many=True, help_text="Records changed.")
    unchanged = serializers.ListField(child=serializers.IntegerField(), help_text="Ids as sent.")


class ImportedFileSerializer(serializers.Serializer):
    """What a spreadsheet import adds to the answer of the call it stands for."""

    rows = serializers.IntegerField(help_text="Data rows read from the file.")
    ignored_columns = serializers.ListField(
        child=serializers.CharField(),
        help_text="Columns of the file that no field takes, left out (as headed in the file).",
    )


class ActorImportResultSerializer(UpsertResultSerializer, ImportedFileSerializer):
    """The answer of an actors import: the bulk upsert's, and what was read from the file.

    A dry run (``?dry_run=true``) answers the same, with ``dry_run`` true and the ids of
    records it would create null; nothing is written.
    """


def import_examples(dry_run: dict, real_run: dict) -> list[OpenApiExample]:
    """The two answers of an import, as OpenAPI examples: a dry run and the real run."""
    return [
        OpenApiExample(
            "Dry run",
            value=dry_run,
            response_only=True,
            description="`?dry_run=true`: what the import would do; nothing is written, the "
            "records it would create have no id yet.",
        ),
        OpenApiExample("Real run", value=real_run, response_only=True),
    ]


_ACTORS_IMPORTED = {
    "updated": [],
    "unchanged": [],
    "rows": 2,
    "ignored_columns": ["colour"],
}
ACTOR_IMPORT_EXAMPLES = import_examples(
    {
        "dry_run": True,
        "created": [
            {"index": 0, "id": None, "key": "external:P-1"},
            {"index": 1, "id": None, "key": "external:A-2"},
        ],
        **_ACTORS_IMPORTED,
    },
    {
        "dry_run": False,
        "created": [
            {"index": 0, "id": 41, "key": "external:P-1"},
            {"index": 1, "id": 42, "key": "external:A-2"},
        ],
        **_ACTORS_IMPORTED,
    },
)


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
        raise exceptions.ValidationError({"dry_run": [_("Give true or false.")]}) from None


class _BulkView(IdempotentMixin, APIView):
    permission_classes = [HasScope]
    request_serializer: type[serializers.Serializer]
    service = None

    def post(self, request):
        dry_run = _dry_run(request)
        # The request: natural keys are resolved within the key's territory.
        incoming = type(self).request_serializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        result = type(self).service(
            items=incoming.validated_data["items"],
            dry_run=dry_run,
            reach=access_of(request).territory_id,
        )
        return Response(asdict(result))


class ActorBulkView(_BulkView):
    """Create or update many actors at once, keyed by an identifier."""

    request_serializer = ActorBulkSerializer
    service = staticmethod(actor_upsert_many)

    @extend_schema(
        summary="Upsert actors",
        description="Up to 5,000 actors keyed by `id` (an existing actor; a merged actor's id "
        "names its survivor) or `identifier` ({scheme, value[, issuer]}): new ones created, "
        "known ones changed where they differ, the rest untouched. Atomic; "
        "errors name each item (`items.3.name`). A key limited to a territory sees and "
        "writes only actors within it; one out of it is treated as absent.",
        parameters=[DRY_RUN],
        request=ActorBulkSerializer,
        responses=UpsertResultSerializer,
    )
    @idempotent
    def post(self, request):
        return super().post(request)


class InteractionBulkView(_BulkView):
    """Create or update many interactions at once, keyed by their external id."""

    request_serializer = InteractionBulkSerializer
    service = staticmethod(interaction_upsert_many)

    @extend_schema(
        summary="Upsert interactions",
        description="Up to 5,000 interactions keyed by `external_id`; source and target actors "
        "given by id (a merged actor's id names its survivor) or identifier. Atomic; errors name each item. A key limited to a "
        "territory sees and writes only interactions, actors and bodies within it; one out "
        "of it is treated as absent.",
        parameters=[DRY_RUN],
        request=InteractionBulkSerializer,
        responses=UpsertResultSerializer,
    )
    @idempotent
    def post(self, request):
        return super().post(request)


def _upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise exceptions.ValidationError({"file": [_("Attach the spreadsheet as 'file'.")]})
    if upload.size > MAX_UPLOAD_BYTES:
        raise exceptions.ValidationError(
            {
                "file": [
                    _("The file is larger than %(mb)s MB.")
                    % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
                ]
            }
        )
    return upload


class ActorImportView(IdempotentMixin, APIView):
    """Upload a spreadsheet of actors."""

    permission_classes = [HasScope]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import actors from a spreadsheet",
        description="A CSV or XLSX file of actors (French or English headers, see the README); "
        "the same upsert as /api/actors/bulk/, the same territory rule in the dry run as in "
        "the real run. Errors name the row and column.",
        parameters=[DRY_RUN],
        request={"multipart/form-data": UploadSerializer},
        responses={
            200: OpenApiResponse(
                ActorImportResultSerializer,
                description="What the import did, or (dry run) would do: the actors created, "
                "updated and unchanged, the rows read and the columns ignored.",
                examples=ACTOR_IMPORT_EXAMPLES,
            )
        },
    )
    @idempotent
    def post(self, request):
        dry_run = _dry_run(request)
        upload = _upload(request)
        outcome = import_actors(
            upload,
            parse_items=lambda raw: parse_actor_items(raw, context={"request": request}),
            dry_run=dry_run,
            filename=upload.name,
            reach=access_of(request).territory_id,
        )
        return Response(
            {
                **asdict(outcome.result),
                "rows": outcome.rows,
                "ignored_columns": outcome.ignored_columns,
            }
        )
