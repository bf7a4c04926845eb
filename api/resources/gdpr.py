"""GDPR endpoints of a person: the right of access export, and erasure.

- ``GET /api/actors/{id}/personal-data-export/``: everything held about the
  person, as one JSON document (scopes ``read`` + ``personal_data``); logged in
  the personal data access log.
- ``POST /api/actors/{id}/erase/``: pseudonymise the person everywhere, history
  included (scopes ``write`` + ``personal_data``). Erasing a person already
  erased answers 409 ``already-erased``; a retry can read that as "done".

Keys limited to a territory reach only the persons of their territory: any
other id is 404, as elsewhere. A merged id answers 410 with ``merged_into``
(``api.merged``), erasure included: the caller erases the survivor, which
pseudonymises what came from the merged record as well
(``registry.services.gdpr.actor_erase``).
"""

from __future__ import annotations

from typing import ClassVar

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, access_of
from api.merged import MergedActorGone, MergedGoneSchema
from api.personal_data_log import AccessKind, log_personal_data_reads
from api.schema import ProblemSerializer
from api.scoping import restrict
from registry.models import Actor
from registry.services.gdpr import actor_erase, person_export

PROBLEM = "application/problem+json"


class GdprSchema(MergedGoneSchema):
    """Adds the problem responses particular to these operations (``extra``: code -> text)."""

    extra: ClassVar[dict[str, str]] = {}

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self.extra.items():
            responses[code] = self._get_response_for_code(
                ProblemSerializer, code, media_types=[PROBLEM]
            )
            responses[code]["description"] = description
        return responses


# --- the export document (for the schema; the service builds the data) --------------------


class ExportRef(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the record.")
    name = serializers.CharField(help_text="Its name.")


class ExportActorRef(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the other actor.")
    kind = serializers.CharField(help_text="person or organization.")
    name = serializers.CharField(
        required=False,
        help_text="Name of an organization; absent for a person (their name is theirs).",
    )


class ExportTerritory(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the territory.")
    level = serializers.CharField(help_text="Level: commune, departement...")
    code = serializers.CharField(help_text="Official code at that level.")
    name = serializers.CharField(help_text="Name of the territory.")


def _links(help_text: str):
    return serializers.ListField(
        child=serializers.DictField(),
        help_text=f'{help_text}: {{"url": ..., "note": ...}} objects.',
    )


class ExportActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the person.")
    kind = serializers.CharField(help_text="Always person.")
    category = serializers.CharField(help_text="Category: resident, elected official...")
    name = serializers.CharField(help_text="Display name (a pseudonym once erased).")
    given_name = serializers.CharField(help_text="Given name.")
    family_name = serializers.CharField(help_text="Family name.")
    description = serializers.CharField(help_text="Free description.")
    links = _links("Web pages about the person")
    sources = _links("Where the information comes from")
    power = serializers.IntegerField(allow_null=True, help_text="Declared power, 0 to 5.")
    interest = serializers.IntegerField(allow_null=True, help_text="Declared interest, 0 to 5.")
    legitimacy = serializers.IntegerField(allow_null=True, help_text="Declared legitimacy, 0 to 5.")
    urgency = serializers.IntegerField(allow_null=True, help_text="Declared urgency, 0 to 5.")
    is_pseudonymised = serializers.BooleanField(help_text="True once the person was erased.")
    created_at = serializers.DateTimeField(help_text="When the record was created (UTC).")
    updated_at = serializers.DateTimeField(help_text="When it last changed (UTC).")
    territory = ExportTerritory(allow_null=True, help_text="Home territory.")


class ExportIdentifierSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the identifier record.")
    scheme = serializers.CharField(help_text="Scheme: rne, external...")
    issuer = serializers.CharField(help_text="Issuing system, for external and other schemes.")
    value = serializers.CharField(help_text="The identifier.")
    sources = _links("Where it comes from")
    created_at = serializers.DateTimeField(help_text="When it was recorded (UTC).")


class ExportOtherNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the record.")
    name = serializers.CharField(help_text="The other name.")
    note = serializers.CharField(help_text="E.g. former name.")
    start_date = serializers.DateField(allow_null=True, help_text="First day it was used.")
    end_date = serializers.DateField(allow_null=True, help_text="Last day it was used.")
    sources = _links("Where it comes from")
    created_at = serializers.DateTimeField(help_text="When it was recorded (UTC).")


class ExportPersonalDataSerializer(serializers.Serializer):
    email = serializers.CharField(help_text="Contact email.")
    phone = serializers.CharField(help_text="Contact phone number.")
    postal_address = serializers.CharField(help_text="Contact postal address.")
    gender = serializers.CharField(help_text="Declared gender.")
    birth_year = serializers.IntegerField(allow_null=True, help_text="Year of birth.")
    lawful_basis = serializers.CharField(help_text="GDPR lawful basis for holding these data.")
    retention_until = serializers.DateField(help_text="Date after which they are erased.")
    sources = _links("Where they come from")
    created_at = serializers.DateTimeField(help_text="When they were recorded (UTC).")
    updated_at = serializers.DateTimeField(help_text="When they last changed (UTC).")


class ExportBody(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the body.")
    name = serializers.CharField(help_text="Name of the body.")
    body_type = serializers.CharField(help_text="Type of participation body.")


class ExportMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the membership.")
    role = serializers.CharField(help_text="Role: member, president...")
    selection_mode = serializers.CharField(help_text="How the seat was obtained.")
    start_date = serializers.DateField(help_text="First day of the membership.")
    end_date = serializers.DateField(allow_null=True, help_text="Day it ended, if it did.")
    end_reason = serializers.CharField(help_text="Why it ended.")
    external_id = serializers.CharField(help_text="Identifier in the syncing system.")
    sources = _links("Where it comes from")
    body = ExportBody(help_text="The body.")
    college = ExportRef(allow_null=True, help_text="The college of the body, if any.")
    on_behalf_of = ExportActorRef(allow_null=True, help_text="Organization represented, if any.")


class ExportMeeting(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the meeting.")
    date = serializers.DateField(help_text="Day of the meeting.")
    kind = serializers.CharField(help_text="Kind of meeting.")
    body = ExportRef(help_text="The body that met.")


class ExportAttendanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the attendance record.")
    status = serializers.CharField(help_text="present, excused or absent.")
    meeting = ExportMeeting(help_text="The meeting.")


class ExportInteractionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the interaction.")
    interaction_type = serializers.CharField(help_text="Nature of the tie.")
    direction = serializers.CharField(help_text="directed or mutual.")
    weight = serializers.IntegerField(help_text="Strength, 1 to 5.")
    sign = serializers.IntegerField(help_text="+1 cooperative, -1 adversarial.")
    start_date = serializers.DateField(allow_null=True, help_text="First day of the tie.")
    end_date = serializers.DateField(allow_null=True, help_text="First day it no longer holds.")
    territory_id = serializers.IntegerField(allow_null=True, help_text="Where it plays out.")
    source_note = serializers.CharField(help_text="Where the information comes from.")
    confidence = serializers.CharField(allow_null=True, help_text="Confidence, 0 to 1.")
    external_id = serializers.CharField(help_text="Identifier in the syncing system.")
    role = serializers.CharField(help_text="`source` or `target`: the person's end of the tie.")
    source = ExportActorRef(help_text="The actor the tie starts from.")
    target_actor = ExportActorRef(allow_null=True, help_text="The actor it goes to, if an actor.")
    target_body = ExportRef(allow_null=True, help_text="The body it goes to, if a body.")


class ExportChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Position in the change ledger.")
    at = serializers.DateTimeField(help_text="When the change was made (UTC).")
    action = serializers.CharField(help_text="create, update, delete or merge.")
    type = serializers.CharField(help_text="Kind of record: actor, personaldata, membership...")
    object_id = serializers.IntegerField(help_text="Id of the changed record.")
    object_repr = serializers.CharField(help_text="Label of the record.")
    via = serializers.CharField(help_text="Channel: api, admin, import, command...")
    reason = serializers.CharField(help_text="Why, when given.")
    before = serializers.DictField(allow_null=True, help_text="Values before the change.")
    after = serializers.DictField(allow_null=True, help_text="Values after the change.")


class PersonExportSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="participation-registry/person-export.")
    version = serializers.IntegerField(help_text="Version of this document's layout.")
    actor = ExportActorSerializer(help_text="The person's record.")
    identifiers = ExportIdentifierSerializer(many=True, help_text="Identifiers in schemes.")
    other_names = ExportOtherNameSerializer(many=True, help_text="Other names.")
    personal_data = ExportPersonalDataSerializer(
        allow_null=True, help_text="Contact details, gender, birth year (null if none)."
    )
    memberships = ExportMembershipSerializer(many=True, help_text="Seats in bodies, oldest first.")
    attendances = ExportAttendanceSerializer(
        many=True, help_text="Attendance at meetings, oldest first."
    )
    interactions = ExportInteractionSerializer(
        many=True, help_text="Ties from or to the person, by id."
    )
    changes = ExportChangeSerializer(
        many=True,
        help_text="Every change recorded about the person, its data and its structure, "
        "oldest first.",
    )


# --- erasure --------------------------------------------------------------------------------


class EraseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=150,
        help_text="Why the person is erased (e.g. 'request of 2026-01-05, ticket 42'); "
        "recorded in the change ledger, so it must not contain personal data.",
    )


class ErasureSerializer(serializers.Serializer):
    actor_id = serializers.IntegerField(help_text="Id of the erased person (unchanged).")
    pseudonym = serializers.CharField(help_text="The person's name from now on.")
    personal_data_deleted = serializers.BooleanField(help_text="Whether personal data was held.")
    identifiers_deleted = serializers.IntegerField(help_text="Identifiers deleted.")
    other_names_deleted = serializers.IntegerField(help_text="Other names deleted.")
    ledger_rows_rewritten = serializers.IntegerField(
        help_text="Past change ledger rows rewritten to hold no name or personal data."
    )
    memberships_kept = serializers.IntegerField(help_text="Memberships kept, unchanged.")
    attendances_kept = serializers.IntegerField(help_text="Attendance records kept, unchanged.")
    interactions_kept = serializers.IntegerField(help_text="Interactions kept, unchanged.")


# --- views ---------------------------------------------------------------------------------


class _PersonView(MergedActorGone, APIView):
    permission_classes = [HasScope]
    #: Besides read (GET) or write (POST): personal data is behind its own scope.
    required_scopes = ("personal_data",)
    queryset = Actor.objects.all()  # names the path parameter in the schema

    def get_actor(self, request, pk: int) -> Actor:
        visible = restrict(
            Actor.objects.filter(pk=pk), "territory_id", access_of(request).territory_id
        )
        actor = visible.first()
        if actor is None:
            raise exceptions.NotFound(gettext("No actor with this id within your key's reach."))
        return actor


class PersonalDataExportView(_PersonView):
    """Right of access: everything held about a person."""

    class Schema(GdprSchema):
        extra = {"422": "The actor is an organization (problem+json, code `not-a-person`)."}

    schema = Schema()

    @extend_schema(
        operation_id="actors_personal_data_export",
        summary="Export everything held about a person",
        description=(
            "The right of access (GDPR article 15): the person's record, identifiers, other "
            "names, personal data, memberships with their bodies, attendances, interactions, "
            "and every change the ledger recorded about them, oldest first, as one JSON "
            "document. Other persons appear by id only. Needs the `read` and `personal_data` "
            "scopes; a key limited to a territory reaches only its persons (404 otherwise). "
            "Every export is recorded in the personal data access log (who, when, which "
            "person). Never cached (`Cache-Control: no-store`). 422 `not-a-person` for an "
            "organization."
        ),
        responses={
            200: OpenApiResponse(
                PersonExportSerializer, description="Everything held about the person."
            )
        },
    )
    def get(self, request, pk: int):
        actor = self.get_actor(request, pk)
        data = person_export(actor=actor)
        log_personal_data_reads(request=request, actor_ids=[actor.pk], kind=AccessKind.EXPORT)
        return Response(data, headers={"Cache-Control": "no-store"})


class ActorEraseView(_PersonView):
    """Erasure: pseudonymise a person everywhere, keep the anonymous structure."""

    class Schema(GdprSchema):
        extra = {
            "409": "Already erased: nothing is left to erase (problem+json, code "
            "`already-erased`). A retried erasure can take it as done.",
            "422": "No reason given, or the actor is an organization (problem+json, code "
            "`not-a-person`).",
        }

    schema = Schema()

    @extend_schema(
        operation_id="actors_erase",
        summary="Erase a person (GDPR)",
        description=(
            "Right to erasure: the person's name becomes a random pseudonym (`Personne "
            "anonymisée #…`), given and family names, description, links and sources are "
            "emptied, personal data, identifiers and other names are deleted, and the change "
            "ledger's past rows about them are rewritten so that history holds no name and no "
            "personal data either. Memberships, attendances and interactions are kept as they "
            "are (ids, dates, roles, weights), so the analysis still holds. The erasure is "
            "recorded as a change (reason `GDPR erasure: <reason>`), without the erased values. "
            "All or nothing. Needs the `write` and `personal_data` scopes; a key limited to a "
            "territory reaches only its persons (404 otherwise). Erasing again answers 409 "
            "`already-erased`; an organization, 422 `not-a-person`."
        ),
        request=EraseSerializer,
        responses={
            200: OpenApiResponse(
                ErasureSerializer, description="Erased: what was deleted, rewritten and kept."
            )
        },
    )
    def post(self, request, pk: int):
        actor = self.get_actor(request, pk)
        body = EraseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = actor_erase(actor=actor, reason=body.validated_data["reason"])
        return Response(ErasureSerializer(result.as_dict()).data)
