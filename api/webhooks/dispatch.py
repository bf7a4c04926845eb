"""The dispatcher: claim a subscription's batch, send it, record the outcome.

At least once, in commit order, safe with several workers:

1. *claim*, one short transaction: take a due subscription, skipping those
   another worker holds (``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL;
   SQLite has one writer at a time); take its undelivered batch, or make the
   next one from its cursor (``payloads.next_batch``) as a ``WebhookDelivery``
   row with its ledger rows and message id; render the body from those rows as
   the feed shows them to the key now (``payloads.records_now``: an erasure
   since the last attempt is honoured); count the attempt and lease it
   (``next_attempt_at`` = now + the timeout + a margin). Committed before
   anything is sent.
2. *send*, outside any transaction (``sending.post``).
3. *record*, one transaction: if the delivery is still this attempt's (the lease
   was not taken over), a 2xx marks it delivered and moves the subscription's
   cursor past the batch, both in this transaction; a failure schedules the next
   attempt with exponential backoff, and the ``WEBHOOKS_MAX_FAILURES``-th
   failure in a row disables the subscription.

A worker killed between 1 and 3 leaves the delivery pending with its lease: when
the lease ends, the next round sends the same changes under the same
``webhook-id`` again. One undelivered batch per subscription (a database
constraint) keeps the order: batch n+1 is made after batch n got its 2xx.

Time is a parameter (``now``), so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from api.scoping import Reach
from api.webhooks import payloads, sending
from api.webhooks.models import (
    DeliveryStatus,
    DisabledReason,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
#: Added to the timeout for the lease of an attempt: how long a killed worker's attempt
#: holds its delivery before another worker resends it.
LEASE_MARGIN_SECONDS = 30


@dataclass(frozen=True)
class Job:
    """An attempt to make, as claimed: everything ``send`` needs without the database."""

    subscription_id: int
    delivery_id: int
    attempt: int
    url: str
    secrets: tuple[str, ...]
    message_id: str
    body: str


@dataclass
class RoundResult:
    delivered: int = 0
    failed: int = 0
    disabled: int = 0


def lease_seconds() -> float:
    return settings.WEBHOOKS_TIMEOUT_SECONDS * 3 + LEASE_MARGIN_SECONDS


def backoff_seconds(attempts: int, *, rand: Callable[[], float] = random.random) -> float:
    """The wait after the ``attempts``-th failed attempt: base * 2^(attempts-1), capped,
    with equal jitter (between half of it and all of it), so receivers that failed
    together are not retried together."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    cap = settings.WEBHOOKS_RETRY_MAX_SECONDS
    delay = min(cap, base * 2 ** min(max(attempts, 1) - 1, 62))
    return delay / 2 + rand() * delay / 2


def deliver_round(
    *,
    now: Clock = timezone.now,
    send: Callable[[Job, dt.datetime], sending.Outcome] | None = None,
    rand: Callable[[], float] = random.random,
) -> RoundResult:
    """One attempt for each subscription that has one due; returns what happened."""
    send = send or send_job
    result = RoundResult()
    seen: set[int] = set()
    while True:
        claimed = claim(now=now(), exclude=seen)
        if claimed is None:
            return result
        subscription_id, job = claimed
        seen.add(subscription_id)
        if job is None:
            continue
        try:
            outcome = send(job, dt.datetime.now(dt.UTC))
        except Exception as exc:  # one receiver's oddity must not stop the others' deliveries
            logger.exception("webhook %s: attempt failed unexpectedly", job.message_id)
            outcome = sending.Outcome(error=f"{type(exc).__name__}: {exc}"[:300])
        state = record(job, outcome, now=now(), rand=rand)
        if state == "delivered":
            result.delivered += 1
        elif state in ("failed", "disabled"):
            result.failed += 1
            result.disabled += state == "disabled"


def send_job(job: Job, at: dt.datetime) -> sending.Outcome:
    """The HTTP attempt, signed at ``at`` (the real time: receivers check it)."""
    headers = payloads.signed_headers(job.secrets, job.message_id, job.body, at=at)
    return sending.post(job.url, headers=headers, body=job.body)


def _disable(subscription: WebhookSubscription, reason: str, now: dt.datetime) -> None:
    subscription.active = False
    subscription.disabled_reason = reason
    subscription.disabled_at = now
    subscription.save(update_fields=["active", "disabled_reason", "disabled_at", "updated_at"])
    subscription.deliveries.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED
    )


def _owner_refusal(subscription: WebhookSubscription) -> str | None:
    """Why the owner key may no longer receive this subscription's changes, if it may not."""
    owner = subscription.owner
    if owner.revoked or owner.has_expired or "read" not in (owner.scopes or []):
        return DisabledReason.KEY
    if subscription.territory_id is not None and not Reach(owner.territory_id).contains(
        subscription.territory_id
    ):
        return DisabledReason.TERRITORY
    return None


def claim(*, now: dt.datetime, exclude: set[int]) -> tuple[int, Job | None] | None:
    """Take a due subscription (not in ``exclude``) and lease its next attempt.

    Returns None when no subscription is due; ``(id, None)`` when the one taken had
    nothing to send (its cursor may have moved past changes it does not take).
    """
    with transaction.atomic():
        waiting = WebhookDelivery.objects.filter(
            subscription=OuterRef("pk"),
            status=DeliveryStatus.PENDING,
            next_attempt_at__gt=now,
        )
        subscription = (
            WebhookSubscription.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(active=True)
            .exclude(pk__in=exclude)
            .exclude(Exists(waiting))
            .select_related("owner")
            .order_by("id")
            .first()
        )
        if subscription is None:
            return None
        refusal = _owner_refusal(subscription)
        if refusal is not None:
            _disable(subscription, refusal, now)
            return subscription.pk, None
        delivery = subscription.deliveries.filter(status=DeliveryStatus.PENDING).first()
        if delivery is None:
            delivery = _make_delivery(subscription, now)
            if delivery is None:
                return subscription.pk, None
        records = payloads.records_now(subscription, delivery)
        if not records:  # all of it erased or out of the key's reach since: nothing to send
            _delivered(subscription, delivery, now)
            delivery.save()
            return subscription.pk, None
        delivery.attempts += 1
        delivery.next_attempt_at = now + dt.timedelta(seconds=lease_seconds())
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        payloads.log_personal_data(subscription, records, message_id=delivery.message_id)
        return subscription.pk, Job(
            subscription_id=subscription.pk,
            delivery_id=delivery.pk,
            attempt=delivery.attempts,
            url=subscription.payload_url,
            secrets=tuple(subscription.signing_secrets(now)),
            message_id=delivery.message_id,
            body=payloads.render(subscription, delivery, records),
        )


def _make_delivery(subscription: WebhookSubscription, now: dt.datetime):
    """The next batch as a pending delivery; None (the cursor moved, maybe) when empty."""
    batch = payloads.next_batch(subscription)
    start = payloads.cursor_of(subscription)
    if not batch.records:
        if batch.upto != start:
            subscription.cursor_seq = batch.upto.seq
            subscription.cursor_record = batch.upto.record_id
            subscription.save(update_fields=["cursor_seq", "cursor_record", "updated_at"])
        return None
    return WebhookDelivery.objects.create(
        subscription=subscription,
        message_id=payloads.new_message_id(),
        changes=len(batch.records),
        record_ids=[record.pk for record in batch.records],
        from_seq=start.seq,
        from_record=start.record_id,
        upto_seq=batch.upto.seq,
        upto_record=batch.upto.record_id,
        next_attempt_at=now,
    )


def _delivered(subscription: WebhookSubscription, delivery: WebhookDelivery, now) -> None:
    """The batch is done: the cursor moves past it, in the caller's transaction."""
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = now
    subscription.cursor_seq = delivery.upto_seq
    subscription.cursor_record = delivery.upto_record
    subscription.consecutive_failures = 0
    subscription.save(
        update_fields=["cursor_seq", "cursor_record", "consecutive_failures", "updated_at"]
    )


def record(
    job: Job,
    outcome: sending.Outcome,
    *,
    now: dt.datetime,
    rand: Callable[[], float] = random.random,
) -> str:
    """Store an attempt's outcome; returns delivered, failed, disabled or stale."""
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update().filter(pk=job.subscription_id).first()
        )
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=job.delivery_id, status=DeliveryStatus.PENDING, attempts=job.attempt)
            .first()
        )
        if subscription is None or delivery is None:
            return "stale"  # deleted, or taken over by another worker after the lease
        delivery.last_attempt_at = now
        delivery.response_code = outcome.status_code
        delivery.error = outcome.error
        if outcome.ok:
            _delivered(subscription, delivery, now)
            delivery.save()
            return "delivered"
        subscription.consecutive_failures += 1
        subscription.save(update_fields=["consecutive_failures", "updated_at"])
        delivery.next_attempt_at = now + dt.timedelta(
            seconds=backoff_seconds(delivery.attempts, rand=rand)
        )
        delivery.save()
        if subscription.consecutive_failures >= settings.WEBHOOKS_MAX_FAILURES:
            _disable(subscription, DisabledReason.FAILURES, now)
            return "disabled"
        return "failed"


def reactivate(subscription: WebhookSubscription, *, now: dt.datetime) -> None:
    """Turn a disabled subscription on again: its failed batch is retried at once."""
    subscription.active = True
    subscription.disabled_reason = ""
    subscription.disabled_at = None
    subscription.consecutive_failures = 0
    subscription.deliveries.exclude(status=DeliveryStatus.DELIVERED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now
    )
