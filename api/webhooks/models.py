"""Webhook subscriptions of API keys, and the log of their deliveries."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DisabledReason(models.TextChoices):
    FAILURES = "failures", _("Too many failed deliveries in a row")
    KEY = "key", _("The owner key is revoked, expired or lacks the read scope")
    TERRITORY = "territory", _("The territory is no longer within the owner key's scope")
    OWNER = "owner", _("Turned off by its owner")


class WebhookSubscription(models.Model):
    """Where to push the changes an API key may read, and which of them.

    The changes come from the change ledger in commit order (the change feed's
    order), from ``cursor_seq``/``cursor_record`` on: the feed position after
    the last change delivered with a 2xx answer. A new subscription starts at
    the end of the ledger (changes made after it), never from the beginning.
    """

    owner = models.ForeignKey(
        "api.ApiKey",
        # A key's subscriptions are the key's: deleting the key deletes them.
        on_delete=models.CASCADE,
        related_name="webhooks",
        help_text=_("API key that owns the subscription; deliveries carry what it may read."),
    )
    payload_url = models.URLField(
        _("payload URL"),
        max_length=2000,
        help_text=_("Where the deliveries are POSTed (http or https, public addresses)."),
    )
    description = models.CharField(
        _("description"), max_length=200, blank=True, default="", help_text=_("What it is for.")
    )
    resource_types = models.JSONField(
        _("resource types"),
        default=list,
        blank=True,
        help_text=_("Kinds of record to deliver changes of (empty: all)."),
    )
    actions = models.JSONField(
        _("actions"), default=list, blank=True, help_text=_("Actions to deliver (empty: all).")
    )
    territory = models.ForeignKey(
        "registry.Territory",
        # A subscription narrowed to a vanished territory must not silently widen.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Only changes in this territory or below (within the key's own scope)."),
    )
    secret = models.CharField(
        _("secret"),
        max_length=100,
        help_text=_("Standard Webhooks signing secret (whsec_...), shown once at creation."),
    )
    previous_secret = models.CharField(
        _("previous secret"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("The secret before the last rotation, still signing until the time below."),
    )
    previous_secret_until = models.DateTimeField(
        _("previous secret until"),
        null=True,
        blank=True,
        help_text=_("Until when deliveries carry a signature by the previous secret too."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Whether deliveries are made.")
    )
    disabled_reason = models.CharField(
        _("disabled reason"),
        max_length=16,
        choices=DisabledReason.choices,
        blank=True,
        default="",
        help_text=_("Why the subscription was turned off (empty while active)."),
    )
    disabled_at = models.DateTimeField(
        _("disabled at"), null=True, blank=True, help_text=_("When it was turned off.")
    )
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive failures"),
        default=0,
        help_text=_("Failed attempts since the last successful delivery."),
    )
    cursor_seq = models.BigIntegerField(
        _("cursor (commit)"), default=0, help_text=_("Feed position delivered up to: commit.")
    )
    cursor_record = models.BigIntegerField(
        _("cursor (record)"), default=0, help_text=_("Feed position delivered up to: record.")
    )
    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("When the subscription was made (UTC).")
    )
    updated_at = models.DateTimeField(
        _("updated at"), auto_now=True, help_text=_("When it last changed (UTC).")
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.payload_url}"

    def signing_secrets(self, now) -> list[str]:
        """The secrets a delivery is signed with now: the secret, and the previous one
        for a while after a rotation (Standard Webhooks: one signature per secret)."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return [self.secret, self.previous_secret]
        return [self.secret]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed (subscription disabled)")


class WebhookDelivery(models.Model):
    """One batch of changes for one subscription, and how its attempts went.

    Made before the first attempt and kept until a 2xx answer, whatever happens
    to the worker in between: a retry resends the same changes under the same
    ``message_id`` (the ``webhook-id`` header receivers deduplicate by). A
    subscription has at most one undelivered batch at a time, so batches arrive
    in commit order.
    """

    subscription = models.ForeignKey(
        WebhookSubscription,
        # The log of a deleted subscription goes with it.
        on_delete=models.CASCADE,
        related_name="deliveries",
        help_text=_("The subscription delivered to."),
    )
    message_id = models.CharField(
        _("message id"),
        max_length=64,
        unique=True,
        help_text=_("The webhook-id header: the same on every attempt of this delivery."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        help_text=_("pending (to send or retry), delivered (2xx), failed (gave up)."),
    )
    changes = models.PositiveIntegerField(_("changes"), help_text=_("Changes in the batch."))
    from_seq = models.BigIntegerField(help_text=_("Feed position before the batch: commit."))
    from_record = models.BigIntegerField(help_text=_("Feed position before the batch: record."))
    upto_seq = models.BigIntegerField(help_text=_("Feed position after the batch: commit."))
    upto_record = models.BigIntegerField(help_text=_("Feed position after the batch: record."))
    record_ids = models.JSONField(
        _("records"),
        default=list,
        help_text=_(
            "Ledger rows of the batch. The body is rendered from them at each attempt, as "
            "the feed shows them to the key then: an erasure or a narrower scope since the "
            "first attempt removes data, nothing is ever added under the same message id."
        ),
    )
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("Attempts made so far (a running one included).")
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        db_index=True,
        help_text=_("When to try (again); while an attempt runs, when its lease ends."),
    )
    last_attempt_at = models.DateTimeField(
        _("last attempt at"), null=True, blank=True, help_text=_("When the last attempt ended.")
    )
    response_code = models.PositiveSmallIntegerField(
        _("response code"), null=True, blank=True, help_text=_("HTTP status of the last attempt.")
    )
    error = models.CharField(
        _("error"),
        max_length=300,
        blank=True,
        default="",
        help_text=_("Why the last attempt failed (empty when it answered 2xx)."),
    )
    created_at = models.DateTimeField(
        _("created at"), auto_now_add=True, help_text=_("When the batch was made (UTC).")
    )
    delivered_at = models.DateTimeField(
        _("delivered at"), null=True, blank=True, help_text=_("When it was answered with a 2xx.")
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["id"]
        constraints = [
            # Order is kept by sending one batch at a time: the next is made after a 2xx.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=~Q(status="delivered"),
                name="webhook_one_undelivered_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"
