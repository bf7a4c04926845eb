"""A subscription's next batch, built by the change feed's own code, and its signature.

The changes of a delivery are those the owner key would read from
``/api/changes/`` after the subscription's cursor: the same selection
(``api.resources.changes.feed_records``: the key's territory, or the
subscription's narrower one; personal data only with the ``personal_data``
scope, judged at delivery time), the same representation (``feed_item``),
rendered by the same JSON renderer. Then the subscription's resource types and
actions pick among them.

Signatures follow the Standard Webhooks specification, made by its maintained
library (``standardwebhooks``: HMAC-SHA256 over ``id.timestamp.body``).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, replace
from math import floor
from types import SimpleNamespace

from django.conf import settings
from drf_orjson_renderer.renderers import ORJSONRenderer
from standardwebhooks import Webhook

from api.auth import Access, key_access
from api.resources.changes import encode_cursor, feed_item, feed_records, log_personal_reads
from registry.selectors.changes import FeedPosition, position_of

#: The ``type`` of every delivery's payload (Standard Webhooks' event type).
EVENT_TYPE = "registry.changes"
#: Most ledger rows looked at for one batch (the feed's own page bound): a subscription
#: whose types match nothing there moves its cursor past them without a delivery.
SCAN_LIMIT = 1000
USER_AGENT = "participation-registry-webhooks/1"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def subscription_access(subscription) -> Access:
    """What the subscription's deliveries may carry: the owner key's access, narrowed to
    the subscription's territory (which must lie within the key's: see ``dispatch``)."""
    access = key_access(subscription.owner)
    if subscription.territory_id is not None:
        access = replace(access, territory_id=subscription.territory_id)
    return access


def cursor_of(subscription) -> FeedPosition:
    return FeedPosition(subscription.cursor_seq, subscription.cursor_record)


@dataclass(frozen=True)
class Batch:
    """The changes to deliver next (maybe none) and the feed position after them."""

    records: list
    upto: FeedPosition


def _matches(subscription, record) -> bool:
    kind = record.model.split(".", 1)[1]
    if subscription.resource_types and kind not in subscription.resource_types:
        return False
    return not subscription.actions or record.action in subscription.actions


def next_batch(subscription) -> Batch:
    """Up to ``WEBHOOKS_BATCH_SIZE`` changes after the cursor that the subscription takes."""
    upto = cursor_of(subscription)
    scanned = feed_records(upto, limit=SCAN_LIMIT, access=subscription_access(subscription))
    records: list = []
    for record in scanned:
        if _matches(subscription, record):
            if len(records) == settings.WEBHOOKS_BATCH_SIZE:
                break
            records.append(record)
        upto = position_of(record)
    return Batch(records, upto)


def records_now(subscription, delivery) -> list:
    """The delivery's changes as the feed shows them to the key now, in commit order.

    The ledger rows the batch was made of (``delivery.record_ids``) that the key may
    still read, read again: an erasure since the first attempt rewrote them, a scope
    the key lost since then leaves them out. Never more than the first attempt had, so
    a receiver that deduplicates by message id loses nothing.
    """
    wanted = set(delivery.record_ids)
    upto = FeedPosition(delivery.upto_seq, delivery.upto_record)
    position = FeedPosition(delivery.from_seq, delivery.from_record)
    access = subscription_access(subscription)
    found: list = []
    while position < upto:
        page = feed_records(position, limit=SCAN_LIMIT, access=access)
        if not page:
            break
        for record in page:
            position = position_of(record)
            if position > upto:
                break
            if record.pk in wanted:
                found.append(record)
    return found


def render(subscription, delivery, records: list) -> str:
    """The JSON body of a delivery (what is signed and sent, byte for byte)."""
    payload = {
        "type": EVENT_TYPE,
        "timestamp": delivery.created_at,
        "data": {
            "subscription": subscription.pk,
            "changes": [feed_item(record) for record in records],
            "next": encode_cursor(FeedPosition(delivery.upto_seq, delivery.upto_record)),
        },
    }
    return ORJSONRenderer().render(payload).decode()


def log_personal_data(subscription, records: list, *, message_id: str) -> None:
    """The GDPR read log of the persons whose personal data an attempt carries.

    Logged at each attempt, as a read by the owner key, with the subscription's API path and the
    message id in place of a request's.
    """
    request = SimpleNamespace(
        auth=subscription.owner,
        user=None,
        method="POST",
        _request=SimpleNamespace(path=f"/api/webhooks/{subscription.pk}/", request_id=message_id),
    )
    log_personal_reads(request, records)


def signed_headers(
    secrets: list[str] | tuple[str, ...], message_id: str, body: str, *, at: dt.datetime
) -> dict:
    """The Standard Webhooks headers (and the content type) of one attempt at ``at``: one
    signature per secret, space-separated (during a rotation, the new and the old)."""
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(at.timestamp())),
        "webhook-signature": " ".join(Webhook(s).sign(message_id, at, body) for s in secrets),
    }
