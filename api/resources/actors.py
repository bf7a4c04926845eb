"""Actors: persons and organizations, with identifiers, other names and personal data."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api import inputs
from api.auth import access_of
from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    WithinTerritoryFilter,
    choice_filter,
)
from api.inputs.references import ActorReferenceField
from api.merged import MergedActorGone, MergedGoneSchema
from api.personal_data_log import log_personal_data_reads
from api.resources.bulk import DRY_RUN, _dry_run
from registry.models import (
    Actor,
    ActorCategory,
    ActorIdentifier,
    ActorKind,
    ActorOtherName,
    IdentifierScheme,
    PersonalData,
)
from registry.services import actors as services
from registry.services import merge as merge_services


class ActorFilterSet(RegistryFilterSet):
    kind = choice_filter(ActorKind.choices, "kind", "Person or organization")
    category = choice_filter(ActorCategory.choices, "category", "Category")
    territory = WithinTerritoryFilter(
        field_name="territory_id",
        help_text="Actors of this territory or below (id or level:code), both hierarchies.",
    )
    territory_id = MultipleIdFilter(
        field_name="territory_id", help_text="Exactly these territories."
    )
    identifier_scheme = filters.MultipleChoiceFilter(
        field_name="identifiers__scheme",
        choices=IdentifierScheme.choices,
        distinct=True,
        help_text="Actors with an identifier in one of these schemes (repeat for several).",
    )
    identifier = filters.CharFilter(
        field_name="identifiers__value",
        distinct=True,
        help_text="Actors with this identifier value.",
    )
    body = MultipleIdFilter(
        field_name="memberships__body_id", help_text="Actors who sat (or sit) in these bodies."
    )
    power_min = filters.NumberFilter(
        field_name="power", lookup_expr="gte", help_text="Power at least."
    )
    interest_min = filters.NumberFilter(
        field_name="interest", lookup_expr="gte", help_text="Interest at least."
    )
    legitimacy_min = filters.NumberFilter(
        field_name="legitimacy", lookup_expr="gte", help_text="Legitimacy at least."
    )
    urgency_min = filters.NumberFilter(
        field_name="urgency", lookup_expr="gte", help_text="Urgency at least."
    )
    is_pseudonymised = filters.BooleanFilter(help_text="Erased persons.")
    founding_date = filters.DateFromToRangeFilter(
        help_text="Founding date range (_after, _before)."
    )
    dissolution_date = filters.DateFromToRangeFilter(
        help_text="Dissolution date range (_after, _before)."
    )

    search_fields = ("name", "other_names__name", "identifiers__value")

    class Meta:
        model = Actor
        fields = ["id", "kind", "category", "is_pseudonymised"]

    def filter_queryset(self, queryset):
        qs = super().filter_queryset(queryset)
        if "body" in self.form.cleaned_data and self.form.cleaned_data["body"]:
            qs = qs.distinct()
        return qs


class IdentifierSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorIdentifier
        fields = ["scheme", "value", "issuer"]
        extra_kwargs = {"issuer": {"required": False}}
        # Uniqueness is the service's to check (it knows whose identifier it is).
        validators = []


class OtherNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = ActorOtherName
        fields = ["name", "note", "start_date", "end_date"]


class PersonalDataSerializer(serializers.ModelSerializer):
    class Meta:
        model = PersonalData
        fields = [
            "email",
            "phone",
            "postal_address",
            "gender",
            "birth_year",
            "lawful_basis",
            "retention_until",
        ]


class ActorSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="actor-detail", help_text="API URL.")
    identifiers = IdentifierSerializer(
        many=True, required=False, help_text="Identifiers in schemes."
    )
    other_names = OtherNameSerializer(many=True, required=False, help_text="Other names.")
    personal_data = PersonalDataSerializer(
        required=False,
        allow_null=True,
        help_text="Personal data of a person: only with the personal_data scope.",
    )

    expandable = {"territory": "api.resources.territories.TerritorySerializer"}
    scoped_relations = {"territory": "id"}
    display_template = "{name}"  # Actor.__str__

    class Meta:
        model = Actor
        fields = [
            "id",
            "url",
            "display",
            "kind",
            "category",
            "name",
            "given_name",
            "family_name",
            "territory",
            "description",
            "founding_date",
            "dissolution_date",
            "identifiers",
            "other_names",
            "links",
            "sources",
            "power",
            "interest",
            "legitimacy",
            "urgency",
            "personal_data",
            "is_pseudonymised",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_pseudonymised", "created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "kind", "category", "name")

    def get_fields(self):
        # Dropped here, not after __init__, so that for a caller without the scope
        # ``?fields=personal_data`` is an unknown field (400), as for any other name.
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):
            return fields  # the OpenAPI schema documents it, for keys that have the scope
        request = self.context.get("request")
        if request is None or not access_of(request).has("personal_data"):
            fields.pop("personal_data", None)
        return fields


# --- merge ------------------------------------------------------------------------------

_SIDE = inputs.StrictChoiceField(
    choices=list(merge_services.SIDES), help_text="`survivor` (the default) or `merged`."
)


class MergeRequestSerializer(serializers.Serializer):
    into = ActorReferenceField(
        as_pk=True,
        help_text="The actor to merge into (the survivor, same kind): id or identifier.",
    )
    prefer = serializers.DictField(
        child=_SIDE,
        required=False,
        help_text="Which record's value to keep, per field, where both have one and they "
        'differ: e.g. `{"category": "merged", "email": "merged"}`. Fields: '
        + ", ".join(f"`{f}`" for f in sorted(merge_services.PREFERABLE))
        + " (personal data fields also by their bare name, and only with the "
        "`personal_data` scope). Unnamed fields keep the survivor's value.",
    )


class MergeSeatSerializer(serializers.Serializer):
    kept = serializers.IntegerField(required=False, help_text="Id of the row kept.")
    absorbed = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the rows joined into it (deleted)."
    )
    start_date = serializers.DateField(required=False, help_text="Memberships: the joined start.")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="Memberships: the joined end (null: open)."
    )
    status = serializers.CharField(required=False, help_text="Attendance: the status kept.")


def _ids(text: str):
    return serializers.ListField(child=serializers.IntegerField(), help_text=text)


class MergeMovedSerializer(serializers.Serializer):
    memberships = _ids("Seats of the merged actor now the survivor's.")
    represented = _ids("Seats held on behalf of the merged actor, now on behalf of the survivor.")
    hosted_bodies = _ids("Bodies the merged actor hosted, now hosted by the survivor.")
    attendances = _ids("Attendance rows now the survivor's.")
    interactions = _ids("Interactions from or to the merged actor, now the survivor's.")
    identifiers = _ids("Identifiers now the survivor's.")
    other_names = _ids("Other names now the survivor's.")
    merges = _ids("Ids merged earlier into the merged actor: they now point to the survivor.")


class MergeJoinedSerializer(serializers.Serializer):
    memberships = MergeSeatSerializer(many=True, help_text="Overlapping seats made one.")
    attendances = MergeSeatSerializer(many=True, help_text="Meetings both records attended.")
    other_names = MergeSeatSerializer(many=True, help_text="Other names the survivor had.")


class MergeDroppedSerializer(serializers.Serializer):
    interactions = _ids("Ties between the two records (a person's tie with themself): deleted.")


class MergeConflictSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field (`personal_data.<field>` for those).")
    survivor = serializers.JSONField(
        required=False,
        help_text="The survivor's value (personal data values: only with the scope).",
    )
    merged = serializers.JSONField(required=False, help_text="The merged record's value (idem).")
    kept = serializers.ChoiceField(
        choices=list(merge_services.SIDES), help_text="Whose value the survivor has now."
    )


class MergeOtherNameSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The name the survivor does not keep.")
    note = serializers.CharField(help_text="`merged record`.")


class MergeResultSerializer(serializers.Serializer):
    merged = serializers.IntegerField(help_text="Id of the merged actor (now answers 410).")
    into = serializers.IntegerField(help_text="Id of the survivor.")
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    moved = MergeMovedSerializer(help_text="What moved to the survivor, by kind (ids).")
    joined = MergeJoinedSerializer(help_text="Rows made one with the survivor's.")
    dropped = MergeDroppedSerializer(help_text="Rows deleted by the merge.")
    filled = serializers.ListField(
        child=serializers.CharField(),
        help_text="Fields the survivor lacked, filled from the merged record "
        "(`personal_data`: all of it moved).",
    )
    conflicts = MergeConflictSerializer(many=True, help_text="Fields both had, differently.")
    other_name = MergeOtherNameSerializer(
        allow_null=True, help_text="The other name the survivor got, if any."
    )


def _merge_answer(result: merge_services.MergeResult, *, personal: bool) -> dict:
    data = result.as_dict()
    if not personal:
        for conflict in data["conflicts"]:
            if conflict["field"].startswith(merge_services.PERSONAL_PREFIX):
                conflict.pop("survivor", None)
                conflict.pop("merged", None)
    return data


@document("actor", "actors")
class ActorViewSet(MergedActorGone, RegistryViewSet):
    """Persons and organizations of the territories."""

    schema = MergedGoneSchema()

    queryset = Actor.objects.select_related("territory").prefetch_related(
        Prefetch("identifiers", queryset=ActorIdentifier.objects.order_by("scheme", "value")),
        Prefetch("other_names", queryset=ActorOtherName.objects.order_by("name")),
    )
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    ordering_fields = ["id", "name", "kind", "category", "created_at", "updated_at"]
    ordering = ("id",)
    service_create = staticmethod(services.actor_create)
    service_update = staticmethod(services.actor_update)
    service_delete = staticmethod(services.actor_delete)
    entity = "actor"
    fast_list = True

    def get_queryset(self):
        qs = super().get_queryset()
        if access_of(self.request).has("personal_data"):
            qs = qs.select_related("personal_data")
        return qs.order_by("id")

    @extend_schema(
        summary="Merge the actor into another",
        description=(
            "Two records of one person (or organization): this one (`id`, the merged actor) "
            "is folded into `into` (the survivor), in one transaction recorded in the ledger "
            "as one change (every row change, then a `merge` row on the merged id, "
            '`data: {"merged_into": <id>}`, in `/api/changes/`). Memberships move; two seats '
            "of the same body and role that overlap become one (the survivor's, from the "
            "earliest start to the latest end, an open end winning; its other fields kept "
            "unless empty). Attendance (one row per meeting, the strongest status), "
            "interactions at both ends, seats on behalf of it, hosted bodies, identifiers and "
            "other names move; a tie between the two records is deleted (`dropped`). The "
            "merged name stays an other name of the survivor (note `merged record`). Fields "
            "(and personal data) the survivor lacks are filled; values that differ are "
            "`conflicts`, the survivor's kept unless `prefer` names the field (personal data "
            "moves whatever the key's scopes; its values are shown, and chosen by `prefer`, "
            "only with the `personal_data` scope). The merged id "
            "then answers every actor route with 410 `merged` and `merged_into`. Same kind "
            "only, not into itself, not into a merged or missing id (422 on `into`). Scope "
            "`write`; a key limited to a territory merges only two actors within it (404 "
            "for this id otherwise, 422 for `into` as for a missing one). `?dry_run=true`: "
            "the real run, rolled back, the same answer. A retried merge answers 410 `merged` "
            "(it was done)."
        ),
        parameters=[DRY_RUN],
        request=MergeRequestSerializer,
        responses={200: OpenApiResponse(MergeResultSerializer, description="What the merge did.")},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=[], ordering=None)
    def merge(self, request, *args, **kwargs):
        dry_run = _dry_run(request)
        actor = self.get_object()
        body = MergeRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        access = access_of(request)
        prefer = merge_services.check_prefer(body.validated_data.get("prefer"))
        personal = access.has("personal_data")
        if not personal:
            refused = {
                f"prefer.{name}": [gettext("Choosing personal data needs the personal_data scope.")]
                for name in prefer
                if name.startswith(merge_services.PERSONAL_PREFIX)
            }
            if refused:
                raise exceptions.ValidationError(refused)
        result = merge_services.actor_merge(
            actor=actor,
            into=body.validated_data["into"],
            prefer=prefer,
            dry_run=dry_run,
            reach=access.territory_id,
        )
        return Response(MergeResultSerializer(_merge_answer(result, personal=personal)).data)

    def get_serializer_class(self):
        if self.action == "merge":
            return MergeRequestSerializer
        return super().get_serializer_class()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and access_of(request).has("personal_data")
        ):
            # GDPR access log: whose personal data this answer holds, never the data.
            log_personal_data_reads(request=request, actor_ids=_with_personal_data(response.data))
        return response


def _with_personal_data(data) -> list[int]:
    """Ids of the actors of a list page or an object whose personal data is shown."""
    if not isinstance(data, dict):
        return []
    items = data["results"] if isinstance(data.get("results"), list) else [data]
    return [
        item["id"]
        for item in items
        if isinstance(item, dict) and item.get("personal_data") and "id" in item
    ]
