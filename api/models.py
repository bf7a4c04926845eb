"""API keys: hashed, shown once, with scopes and an optional territory scope."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey

# The GDPR personal data read log lives in its own module; imported here so it is a model of api.
from api.personal_data_log import AccessKind, PersonalDataAccess  # noqa: F401

# Webhook subscriptions and their delivery log (api.webhooks), models of api as well.
from api.webhooks.models import (  # noqa: F401
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookSubscription,
)


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    PERSONAL_DATA = "personal_data", _("Personal data")
    ANALYSIS = "analysis", _("Analysis")


ALL_SCOPES = [s.value for s in Scope]


class ApiKey(AbstractAPIKey):
    """A key an integration presents as ``Authorization: Api-Key <prefix>.<secret>``.

    Only a SHA-512 hash of the key is stored (djangorestframework-api-key); the
    key itself is shown once, at creation. ``territory`` limits what the key
    sees and writes to that territory and below.
    """

    scopes = models.JSONField(
        _("scopes"),
        default=list,
        help_text=_("What the key may do: read, write, personal_data, analysis."),
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # A key limited to a vanished territory must not silently become national.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("If set, the key sees and writes only this territory and below."),
    )
    contact = models.CharField(
        _("contact"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Who to call about this key (team, e-mail)."),
    )
    last_used = models.DateTimeField(
        _("last used"), null=True, blank=True, help_text=_("Last request made with the key.")
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def clean(self) -> None:
        super().clean()
        unknown = sorted(set(self.scopes or []) - set(ALL_SCOPES))
        if not isinstance(self.scopes, list) or unknown:
            raise ValidationError({"scopes": _("Unknown scopes: %s") % ", ".join(unknown)})


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``, to replay on retries.

    A record is "running" from the moment the first request starts until its
    response is stored; a retry meanwhile gets 409, a retry after it the same
    response, and the same key with another payload a 422. A running record is
    leased to its worker until ``lease_until`` (``IDEMPOTENCY_LEASE_SECONDS``):
    if the worker died, a retry after the lease takes the record over, and
    ``attempt`` tells the taken-over worker that the record is no longer its own.
    Records expire after ``IDEMPOTENCY_TTL_HOURS`` (default 24 hours).
    """

    owner = models.CharField(
        _("owner"), max_length=64, help_text=_("API key prefix or account that sent the key.")
    )
    key = models.CharField(_("key"), max_length=200, help_text=_("The client's Idempotency-Key."))
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, help_text=_("Hash of method, path, query and body.")
    )
    running = models.BooleanField(_("running"), default=True, help_text=_("Still being processed."))
    status = models.PositiveSmallIntegerField(
        _("status"), null=True, blank=True, help_text=_("HTTP status of the stored response.")
    )
    content_type = models.CharField(
        _("content type"), max_length=100, blank=True, default="", help_text=_("Of the response.")
    )
    body = models.BinaryField(_("body"), blank=True, default=b"", help_text=_("Response body."))
    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("When the first request arrived.")
    )
    lease_until = models.DateTimeField(
        _("lease until"),
        null=True,
        blank=True,
        help_text=_(
            "While running: until when the worker that runs the request owns the record; "
            "after it, a retry may take the request over (empty: created at + the lease)."
        ),
    )
    attempt = models.PositiveIntegerField(
        _("attempt"),
        default=1,
        help_text=_("How many workers have run the request (a retry after the lease adds one)."),
    )

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key"),
        ]

    def __str__(self) -> str:
        return f"{self.owner}:{self.key}"
