"""``/api/webhooks/``: an API key's subscriptions to pushed changes, and their delivery log.

A subscription belongs to the API key that made it: a key lists, reads, changes
and deletes its own, and another key's answer 404 as a missing one. Deliveries
carry what the key may read from the change feed (``api.webhooks.payloads``);
the dispatcher (``manage.py deliver_webhooks``) makes them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from api.auth import access_of
from api.base import ApiUrlField, PreconditionFailed, etag_matches, etag_of
from api.headers import (
    CONDITIONAL_READ,
    CREATES,
    ETAG,
    IF_MATCH,
    IF_NONE_MATCH,
    LOCATION,
    PRECONDITION,
    VERSIONED_WRITE,
    behaves,
)
from api.inputs import StrictBooleanField, StrictCharField, StrictChoiceField
from api.inputs.references import TerritoryReferenceField
from api.models import ApiKey, DisabledReason, WebhookDelivery, WebhookSubscription
from api.pagination import RegistryPagination
from api.params import parse_id
from api.resources.changes import encode_cursor
from api.webhooks import addresses, dispatch, payloads, vocabulary
from registry.selectors.changes import FeedPosition, last_position


class OwnsWebhooks(permissions.BasePermission):
    """An API key with the ``read`` scope: subscriptions are a key's own, whatever the method
    (a read-only integrator subscribes to what it may read)."""

    message = gettext_lazy(
        "Webhooks belong to an API key: authenticate with 'Authorization: Api-Key <key>'."
    )

    def has_permission(self, request, view) -> bool:
        if not isinstance(getattr(request, "auth", None), ApiKey):
            if not request.user or not request.user.is_authenticated:
                raise exceptions.NotAuthenticated(self.message)
            return False
        if not access_of(request).has("read"):
            self.message = gettext("Your credentials lack the scope(s): %(scopes)s.") % {
                "scopes": "read"
            }
            return False
        return True


class WebhookPagination(RegistryPagination):
    """The API's pages, counted afresh: subscriptions and deliveries change without the
    change ledger that keys the registry's count cache."""

    def _impl(self, request, count_queryset=None, rows_key=None):
        impl = super()._impl(request, count_queryset, rows_key)
        if isinstance(impl, LimitOffsetPagination):
            impl.get_count = lambda queryset, last_change=None: queryset.count()
        return impl


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True})
class WebhookSerializer(serializers.ModelSerializer):
    url = ApiUrlField(view_name="webhook-detail", help_text="API URL of the subscription.")
    deliveries = ApiUrlField(
        view_name="webhook-deliveries", help_text="API URL of its delivery log."
    )
    payload_url = StrictCharField(
        max_length=2000,
        help_text="Where deliveries are POSTed: an http or https URL whose host resolves to "
        "public addresses only (checked now and before every attempt).",
    )
    description = StrictCharField(
        max_length=200, required=False, allow_blank=True, help_text="What it is for."
    )
    resource_types = serializers.ListField(
        child=StrictChoiceField(choices=vocabulary.resource_types()),
        required=False,
        max_length=len(vocabulary.resource_types()),
        help_text="Kinds of record whose changes to deliver (the change feed's `type`); "
        "empty or absent: all.",
    )
    actions = serializers.ListField(
        child=StrictChoiceField(choices=vocabulary.ACTION_CHOICES),
        required=False,
        max_length=len(vocabulary.ACTIONS),
        help_text="Actions to deliver; empty or absent: all.",
    )
    territory = TerritoryReferenceField(
        required=False,
        allow_null=True,
        help_text="Only changes in this territory or below (id or level:code), within the "
        "key's own territory; null: all the key may read.",
    )
    disabled_reason = serializers.ChoiceField(
        choices=DisabledReason.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the subscription was turned off; empty while it is active.",
    )
    active = StrictBooleanField(
        required=False,
        help_text="Whether deliveries are made. A subscription turns itself off after "
        "WEBHOOKS_MAX_FAILURES failed attempts in a row; PATCH true to turn it on again "
        "(its pending delivery is retried at once).",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "payload_url",
            "description",
            "resource_types",
            "actions",
            "territory",
            "active",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "deliveries",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"id": {"help_text": "Unique id, never reused."}}
        read_only_fields = [
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]

    def validate_payload_url(self, value: str) -> str:
        try:
            addresses.check(value)
        except addresses.RefusedAddress as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_resource_types(self, value: list) -> list:
        value = list(dict.fromkeys(value))
        if not access_of(self.context["request"]).has("personal_data"):
            personal = [t for t in value if t in vocabulary.PERSONAL_TYPES]
            if personal:
                raise serializers.ValidationError(
                    gettext(
                        "Your key lacks the personal_data scope: %(types)s changes are never "
                        "delivered to it."
                    )
                    % {"types": ", ".join(personal)}
                )
        return value

    def validate_actions(self, value: list) -> list:
        return list(dict.fromkeys(value))


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (Standard Webhooks, whsec_...): shown in this answer "
        "only. Verify each delivery's webhook-signature with it.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        read_only=True, help_text="The new signing secret (whsec_...): shown in this answer only."
    )
    previous_secret_until = serializers.DateTimeField(
        read_only=True,
        help_text="Until when deliveries also carry a signature by the previous secret.",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    after = serializers.SerializerMethodField(
        help_text="Change feed cursor before the batch's first change."
    )
    next = serializers.SerializerMethodField(
        help_text="Change feed cursor after the batch's last change (as the payload's `next`)."
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "status",
            "changes",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "after",
            "next",
        ]
        read_only_fields = fields
        extra_kwargs = {"id": {"help_text": "Unique id, never reused."}}

    @extend_schema_field(OpenApiTypes.STR)
    def get_after(self, obj) -> str:
        return encode_cursor(FeedPosition(obj.from_seq, obj.from_record))

    @extend_schema_field(OpenApiTypes.STR)
    def get_next(self, obj) -> str:
        return encode_cursor(FeedPosition(obj.upto_seq, obj.upto_record))


@extend_schema_view(
    list=extend_schema(
        summary="List your webhook subscriptions",
        description="The subscriptions of the API key making the request.",
    ),
    create=extend_schema(
        summary="Subscribe to changes",
        description="Deliveries start with the changes made after this call, in commit "
        "order, signed per Standard Webhooks with the `secret` of this answer (shown once). "
        "The payload URL must resolve to public addresses only.",
        responses={201: WebhookCreatedSerializer},
    ),
    retrieve=extend_schema(summary="Get a webhook subscription"),
    partial_update=extend_schema(
        summary="Change a webhook subscription",
        description="Changes the given fields; `active: true` turns a disabled subscription "
        "on again. Send `If-Match` with the ETag you read to refuse a lost update (412). A "
        "delivery already pending keeps the changes it holds.",
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription", description="Deletes it and its delivery log."
    ),
)
class WebhookViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """An API key's webhook subscriptions."""

    serializer_class = WebhookSerializer
    permission_classes = [OwnsWebhooks]
    pagination_class = WebhookPagination
    filter_backends: list = []
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    #: What turning a subscription on or off changes, besides the fields sent.
    STATE_FIELDS = ("active", "disabled_reason", "disabled_at", "consecutive_failures")

    def get_queryset(self):
        queryset = (
            WebhookSubscription.objects.filter(owner=self.request.auth)
            .select_related("territory")
            .order_by("id")
        )
        if self.request.method in ("PATCH", "POST"):
            queryset = queryset.select_for_update(of=("self",))
        return queryset

    def get_object(self):
        if parse_id(self.kwargs.get("pk")) is None:
            raise exceptions.NotFound()
        return super().get_object()

    @behaves(CONDITIONAL_READ)
    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        tag = etag_of(data)
        if etag_matches(request.headers.get(IF_NONE_MATCH.name), tag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={ETAG.name: tag})
        return Response(data, headers={ETAG.name: tag})

    def _check_precondition(self, instance) -> None:
        header = self.request.headers.get(IF_MATCH.name)
        if header is None or header.strip() == "*":
            return
        if not etag_matches(header, etag_of(self.get_serializer(instance).data), strong=True):
            raise PreconditionFailed()

    @behaves(VERSIONED_WRITE, CREATES)
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            owner = ApiKey.objects.select_for_update().get(pk=request.auth.pk)
            if owner.webhooks.count() >= settings.WEBHOOKS_MAX_PER_KEY:
                raise exceptions.ValidationError(
                    {
                        "non_field_errors": [
                            gettext(
                                "A key holds at most %(max)s webhook subscriptions: delete one "
                                "first."
                            )
                            % {"max": settings.WEBHOOKS_MAX_PER_KEY}
                        ]
                    }
                )
            start = last_position()
            off = serializer.validated_data.get("active") is False
            instance = serializer.save(
                owner=owner,
                secret=payloads.new_secret(),
                cursor_seq=start.seq,
                cursor_record=start.record_id,
                disabled_reason=DisabledReason.OWNER if off else "",
                disabled_at=timezone.now() if off else None,
            )
        data = WebhookCreatedSerializer(instance, context=self.get_serializer_context()).data
        return Response(
            data,
            status=status.HTTP_201_CREATED,
            headers={
                ETAG.name: etag_of(self.get_serializer(instance).data),
                LOCATION.name: data["url"],
            },
        )

    @behaves(VERSIONED_WRITE, PRECONDITION)
    def partial_update(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self._check_precondition(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            turn_on = data.pop("active", None)
            for name, value in data.items():
                setattr(instance, name, value)
            now = timezone.now()
            if turn_on is True and not instance.active:
                dispatch.reactivate(instance, now=now)
            elif turn_on is False and instance.active:
                instance.active = False
                instance.disabled_reason = DisabledReason.OWNER
                instance.disabled_at = now
            # Never the cursor: the dispatcher moves it, and this read may be older.
            instance.save(update_fields=[*data, *self.STATE_FIELDS, "updated_at"])
        data = self.get_serializer(instance).data
        return Response(data, headers={ETAG.name: etag_of(data)})

    @behaves(PRECONDITION)
    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self._check_precondition(instance)
        instance.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret, shown in this answer only. For "
        "WEBHOOKS_SECRET_OVERLAP_HOURS (24) deliveries carry two signatures, by the new and "
        "by the previous secret (Standard Webhooks: space-separated in webhook-signature), "
        "so the receiver can switch without losing a delivery. The body is empty.",
        request=None,
        responses=WebhookSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            now = timezone.now()
            # The secret in use keeps signing for a while; one rotated before it stops.
            instance.previous_secret = instance.secret
            instance.previous_secret_until = now + dt.timedelta(
                hours=settings.WEBHOOKS_SECRET_OVERLAP_HOURS
            )
            instance.secret = payloads.new_secret()
            instance.save(
                update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"]
            )
        return Response(
            WebhookSecretSerializer(
                {"secret": instance.secret, "previous_secret_until": instance.previous_secret_until}
            ).data
        )

    @extend_schema(
        summary="Delivery log of a webhook subscription",
        description="Its deliveries, newest first: status (pending, delivered, failed), "
        "attempts, the last response code or error, and the feed positions the batch spans.",
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request, *args, **kwargs):
        subscription = self.get_object()
        page = self.paginate_queryset(subscription.deliveries.order_by("-id"))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
