"""Webhook deliveries, end to end, against a real HTTP receiver on a local port.

The receiver (``http.server`` in a thread) records every request and answers what
the test tells it to; each request's signature is checked with the Standard
Webhooks library (``Webhook.verify``), as a receiver would. The dispatcher runs
in the test (``deliver_round`` with a clock the test moves) or, for the kill
test, in another process (``manage.py deliver_webhooks --once``) SIGKILLed while
the receiver holds its request.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.urls import reverse
from standardwebhooks import Webhook, WebhookVerificationError

from api.models import DeliveryStatus, PersonalDataAccess, WebhookDelivery, WebhookSubscription
from api.webhooks import dispatch
from registry.services import actors, bodies
from registry.services.gdpr import actor_erase
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.api.test_sync_killed import _Database

# Real commits: on PostgreSQL a change takes its place in the ledger's commit order as it
# commits, which the usual rolled-back test transaction never does.
pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
FEED = reverse("change-feed")


class Receiver:
    """An HTTP server that records requests and answers the statuses it is given."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], str]] = []
        self.statuses: queue.Queue[int] = queue.Queue()
        self.default_status = 204
        self.hold: threading.Event | None = None  # set: answer; unset: hold the request
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                try:
                    status = receiver.statuses.get_nowait()
                except queue.Empty:
                    status = receiver.default_status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks?team=a"
        # serve_forever's default 0.5 s poll is how long shutdown() waits at each teardown.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def payloads(self, secret: str) -> list[dict]:
        """Every request's payload, each signature verified as a receiver would."""
        return [Webhook(secret).verify(body, headers) for headers, body in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = ["127.0.0.1/32"]
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5
    r = Receiver()
    r.thread.start()
    yield r
    if r.hold is not None:
        r.hold.set()
    r.server.shutdown()
    r.server.server_close()


class Clock:
    """The dispatcher's time, moved by the test."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def subscribe(client, url, **fields) -> dict:
    response = client.post("/api/webhooks/", {"payload_url": url, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def deliver_all(clock=None, *, rounds=20) -> None:
    for _ in range(rounds):
        result = dispatch.deliver_round(now=clock or Clock())
        if not (result.delivered or result.failed):
            return
    pytest.fail("deliveries never settled")


def follow_feed(client, cursor) -> list[dict]:
    changes = []
    while True:
        body = client.get(FEED, {"cursor": cursor}).json()
        changes.extend(body["results"])
        cursor = body["next"]
        if not body["has_more"]:
            return changes


def make_changes(territory, n=3):
    """Actors created then renamed, a body, and a deletion: several kinds and actions."""
    people = [
        actors.actor_create(kind="person", category="resident", name=f"P{i}", territory=territory)
        for i in range(n)
    ]
    actors.actor_update(actor=people[0], name="P0 renamed")
    body = bodies.body_create(name="Conseil", body_type="conseil_citoyen", territory=territory)
    bodies.body_delete(body=body)
    return people


def test_deliveries_are_signed_in_commit_order_and_equal_the_feed(receiver, settings):
    settings.WEBHOOKS_BATCH_SIZE = 3
    key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    make_changes(territory, n=4)

    deliver_all()

    payloads = receiver.payloads(sub["secret"])  # raises unless every signature verifies
    assert len(payloads) >= 3  # batches of 3
    assert {p["type"] for p in payloads} == {"registry.changes"}
    assert all(p["data"]["subscription"] == sub["id"] for p in payloads)
    assert all(len(p["data"]["changes"]) <= 3 for p in payloads)
    delivered = [c for p in payloads for c in p["data"]["changes"]]
    log = client.get(f"/api/webhooks/{sub['id']}/deliveries/").json()["results"]
    first = min(log, key=lambda d: d["id"])
    # Exactly the feed the key reads after the subscription was made, in its order.
    assert delivered == follow_feed(client, first["after"])
    assert [c["action"] for c in delivered].count("delete") == 1
    # Each batch's `next` is the position of its last change; batches follow each other.
    for payload in payloads:
        assert payload["data"]["next"] == payload["data"]["changes"][-1]["position"]
    assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in log)
    assert all(d["response_code"] == 204 for d in log)
    headers = receiver.requests[0][0]
    assert headers["webhook-id"] == first["message_id"]
    assert headers["content-type"] == "application/json"
    assert headers["host"] == f"127.0.0.1:{receiver.server.server_address[1]}"
    assert receiver.requests[0][1].startswith("{")


def test_a_new_subscription_starts_after_the_changes_made_before_it(receiver):
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    make_changes(territory)
    key, secret_key = make_key(scopes=("read",))
    sub = subscribe(client_for(secret_key), receiver.url)

    deliver_all()
    assert receiver.requests == []
    actors.actor_create(kind="person", category="resident", name="Nouveau", territory=territory)
    deliver_all()
    [payload] = receiver.payloads(sub["secret"])
    assert [(c["type"], c["action"]) for c in payload["data"]["changes"]] == [("actor", "create")]


def test_resource_types_and_actions_pick_the_changes_and_the_cursor_moves_past_the_rest(
    receiver,
):
    key, secret_key = make_key(scopes=("read",))
    sub = subscribe(
        client_for(secret_key), receiver.url, resource_types=["body"], actions=["delete"]
    )
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    make_changes(territory)
    deliver_all()
    [payload] = receiver.payloads(sub["secret"])
    assert [(c["type"], c["action"]) for c in payload["data"]["changes"]] == [("body", "delete")]

    actors.actor_create(kind="person", category="resident", name="Autre", territory=territory)
    deliver_all()
    assert len(receiver.requests) == 1  # nothing matched: no delivery...
    subscription = WebhookSubscription.objects.get(pk=sub["id"])
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1
    # ...and the cursor moved past what the subscription does not take.
    assert (subscription.cursor_seq, subscription.cursor_record) > (
        WebhookDelivery.objects.get().upto_seq,
        WebhookDelivery.objects.get().upto_record,
    )


def test_failed_attempts_are_retried_with_backoff_under_the_same_webhook_id(receiver, settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60
    settings.WEBHOOKS_MAX_FAILURES = 10
    key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    receiver.statuses.put(500)
    receiver.statuses.put(503)
    clock = Clock()

    assert dispatch.deliver_round(now=clock).failed == 1
    delivery = WebhookDelivery.objects.get()
    wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert 30 <= wait <= 60  # first retry: base, with equal jitter
    assert dispatch.deliver_round(now=clock).failed == 0  # not yet due
    assert len(receiver.requests) == 1

    clock.advance(60)
    assert dispatch.deliver_round(now=clock).failed == 1
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert 60 <= wait <= 120  # doubled
    # A change made meanwhile waits behind the failing batch: order is kept.
    actors.actor_create(kind="person", category="resident", name="Après", territory=territory)
    clock.advance(120)
    assert dispatch.deliver_round(now=clock).delivered == 1
    deliver_all(clock)

    ids = [headers["webhook-id"] for headers, _body in receiver.requests]
    assert ids[0] == ids[1] == ids[2] != ids[3]
    assert receiver.requests[0][1] == receiver.requests[2][1]  # the same body each time
    payloads = receiver.payloads(sub["secret"])
    assert [c["type"] for c in payloads[0]["data"]["changes"]] == ["territory"]
    assert [c["data"]["name"] for c in payloads[3]["data"]["changes"]] == ["Après"]
    log = client.get(f"/api/webhooks/{sub['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["response_code"]) for d in log] == [
        ("delivered", 1, 204),
        ("delivered", 3, 204),
    ]
    assert client.get(f"/api/webhooks/{sub['id']}/").json()["consecutive_failures"] == 0


def test_a_subscription_is_disabled_after_n_failures_and_patch_turns_it_on_again(
    receiver, settings
):
    settings.WEBHOOKS_MAX_FAILURES = 3
    receiver.default_status = 500
    key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    territory_create(level="commune", code="28185", name="Goussainville")
    clock = Clock()
    for _ in range(5):
        dispatch.deliver_round(now=clock)
        clock.advance(settings.WEBHOOKS_RETRY_MAX_SECONDS)
    assert len(receiver.requests) == 3

    shown = client.get(f"/api/webhooks/{sub['id']}/").json()
    assert shown["active"] is False
    assert shown["disabled_reason"] == "failures"
    assert shown["consecutive_failures"] == 3
    [logged] = client.get(f"/api/webhooks/{sub['id']}/deliveries/").json()["results"]
    assert (logged["status"], logged["attempts"], logged["response_code"]) == ("failed", 3, 500)

    receiver.default_status = 200
    response = client.patch(f"/api/webhooks/{sub['id']}/", {"active": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["disabled_reason"] == ""
    deliver_all()
    assert len(receiver.requests) == 4
    assert len({h["webhook-id"] for h, _b in receiver.requests}) == 1
    [logged] = client.get(f"/api/webhooks/{sub['id']}/deliveries/").json()["results"]
    assert (logged["status"], logged["attempts"], logged["response_code"]) == ("delivered", 4, 200)


def test_no_personal_data_without_the_scope_and_logged_reads_with_it(receiver):
    _key, plain_key = make_key(scopes=("read",), name="plain")
    personal, personal_key = make_key(scopes=("read", "personal_data"), name="personal")
    plain = subscribe(client_for(plain_key), receiver.url)
    full = subscribe(client_for(personal_key), receiver.url)
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    person = actors.actor_create(
        kind="person",
        category="resident",
        name="Habitante",
        territory=territory,
        personal_data={
            "gender": "female",
            "email": "habitante@example.org",
            "lawful_basis": "consent",
            "retention_until": "2030-01-01",
        },
    )
    deliver_all()

    by_subscription = {}
    for headers, body in receiver.requests:
        payload = json.loads(body)
        by_subscription.setdefault(payload["data"]["subscription"], []).append((headers, body))
    plain_bodies = [b for _h, b in by_subscription[plain["id"]]]
    full_bodies = [b for _h, b in by_subscription[full["id"]]]
    assert all("habitante@example.org" not in b for b in plain_bodies)
    assert all(
        c["type"] != "personaldata" for b in plain_bodies for c in json.loads(b)["data"]["changes"]
    )
    assert any("habitante@example.org" in b for b in full_bodies)
    logged = PersonalDataAccess.objects.get()
    assert (logged.actor_id, logged.api_key) == (person.pk, personal.prefix)
    assert logged.path == f"/api/webhooks/{full['id']}/"


def test_a_retry_after_an_erasure_no_longer_carries_the_erased_person(receiver, settings):
    _key, secret_key = make_key(scopes=("read", "personal_data"))
    sub = subscribe(client_for(secret_key), receiver.url, resource_types=["actor", "personaldata"])
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    person = actors.actor_create(
        kind="person",
        category="resident",
        name="Jeanne Effacée",
        territory=territory,
        personal_data={
            "email": "jeanne@example.org",
            "lawful_basis": "consent",
            "retention_until": "2030-01-01",
        },
    )
    receiver.statuses.put(500)
    clock = Clock()
    assert dispatch.deliver_round(now=clock).failed == 1
    assert "Jeanne Effacée" in receiver.requests[0][1]
    assert "jeanne@example.org" in receiver.requests[0][1]

    actor_erase(actor=person, reason="request of the person")
    clock.advance(settings.WEBHOOKS_RETRY_BASE_SECONDS)
    assert dispatch.deliver_round(now=clock).delivered == 1
    first, retry = receiver.requests[:2]
    assert first[0]["webhook-id"] == retry[0]["webhook-id"]
    assert "Jeanne" not in retry[1] and "jeanne@example.org" not in retry[1]
    changes = receiver.payloads(sub["secret"])[1]["data"]["changes"]
    assert [(c["type"], c["action"]) for c in changes][:2] == [
        ("actor", "create"),
        ("personaldata", "create"),
    ]


def test_changes_outside_the_territory_are_never_delivered(receiver):
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    inside = territory_create(
        level="commune", code="28185", name="Dedans", parents=[(region, "administrative")]
    )
    sibling = territory_create(
        level="commune", code="28186", name="À côté", parents=[(region, "administrative")]
    )
    outside = territory_create(level="commune", code="75056", name="Paris")
    key, secret_key = make_key(scopes=("read",), territory=region)
    client = client_for(secret_key)
    whole = subscribe(client, receiver.url)
    narrow = subscribe(client, receiver.url, territory=inside.pk)
    for territory in (inside, sibling, outside):
        actors.actor_create(
            kind="person",
            category="resident",
            name=f"Habitant {territory.name}",
            territory=territory,
        )
    deliver_all()

    names = {}
    for _headers, body in receiver.requests:
        payload = json.loads(body)
        names.setdefault(payload["data"]["subscription"], []).extend(
            c["data"]["name"] for c in payload["data"]["changes"] if c["type"] == "actor"
        )
    assert sorted(names[whole["id"]]) == ["Habitant Dedans", "Habitant À côté"]
    assert names[narrow["id"]] == ["Habitant Dedans"]


def test_a_receiver_that_became_private_is_refused_at_delivery_time(receiver, settings):
    key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    settings.WEBHOOKS_ALLOW_PRIVATE = []  # as if the host name now resolved to 127.0.0.1
    territory_create(level="commune", code="28185", name="Goussainville")
    assert dispatch.deliver_round(now=Clock()).failed == 1
    assert receiver.requests == []
    [logged] = client.get(f"/api/webhooks/{sub['id']}/deliveries/").json()["results"]
    assert logged["status"] == "pending"
    assert logged["response_code"] is None
    assert "127.0.0.1" in logged["error"]


def test_a_redirect_is_not_followed(receiver):
    receiver.statuses.put(307)
    key, secret_key = make_key(scopes=("read",))
    subscribe(client_for(secret_key), receiver.url)
    territory_create(level="commune", code="28185", name="Goussainville")
    assert dispatch.deliver_round(now=Clock()).failed == 1
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get().response_code == 307


def test_a_revoked_key_stops_its_subscriptions(receiver):
    key, secret_key = make_key(scopes=("read",))
    sub = subscribe(client_for(secret_key), receiver.url)
    key.revoked = True
    key.save()
    territory_create(level="commune", code="28185", name="Goussainville")
    deliver_all()
    assert receiver.requests == []
    subscription = WebhookSubscription.objects.get(pk=sub["id"])
    assert (subscription.active, subscription.disabled_reason) == (False, "key")


@pytest.mark.postgres
def test_workers_side_by_side_send_each_batch_once(receiver, settings):
    settings.WEBHOOKS_BATCH_SIZE = 1
    secrets = []
    for i in range(4):
        _key, secret_key = make_key(scopes=("read",), name=f"k{i}")
        secrets.append(subscribe(client_for(secret_key), receiver.url)["secret"])
    territory = territory_create(level="commune", code="28185", name="Goussainville")
    make_changes(territory, n=2)
    errors = []

    def work():
        from django.db import connection

        try:
            deliver_all()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    ids = [h["webhook-id"] for h, _b in receiver.requests]
    assert len(ids) == len(set(ids)) == WebhookDelivery.objects.count()
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()


def test_a_worker_killed_after_sending_redelivers_the_same_message(receiver, tmp_path, settings):
    key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    territory_create(level="commune", code="28185", name="Goussainville")
    receiver.hold = threading.Event()

    db = _Database(tmp_path)
    db.to_child()
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "deliver_webhooks", "--once"],
        env={
            **db.env(),
            "WEBHOOKS_ALLOW_PRIVATE": "127.0.0.1/32",
            "WEBHOOKS_TIMEOUT_SECONDS": str(settings.WEBHOOKS_TIMEOUT_SECONDS),  # same lease
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if not receiver.arrived.wait(60):
            child.kill()
            pytest.fail(f"the worker never sent:\n{child.communicate()[1]}")
        # The receiver holds the request: the worker waits for its answer, nothing recorded.
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL
    receiver.hold.set()
    time.sleep(0.1)
    receiver.hold = None
    db.from_child()

    [delivery] = WebhookDelivery.objects.all()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    clock = Clock()
    assert dispatch.deliver_round(now=clock).delivered == 0  # the killed worker's lease holds
    clock.advance(dispatch.lease_seconds() + 1)
    assert dispatch.deliver_round(now=clock).delivered == 1

    first, second = receiver.requests
    assert first[0]["webhook-id"] == second[0]["webhook-id"] == delivery.message_id
    assert first[1] == second[1]
    assert receiver.payloads(sub["secret"])[1]["data"]["changes"][0]["type"] == "territory"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)


def test_the_command_delivers_one_round_with_once(receiver):
    from io import StringIO

    from django.core.management import call_command

    _key, secret_key = make_key(scopes=("read",))
    sub = subscribe(client_for(secret_key), receiver.url)
    territory_create(level="commune", code="28185", name="Goussainville")
    out = StringIO()
    call_command("deliver_webhooks", "--once", stdout=out)
    assert "1 delivered, 0 failed" in out.getvalue()
    assert len(receiver.payloads(sub["secret"])) == 1


def test_an_unexpected_error_of_one_attempt_is_a_failed_attempt(receiver):
    _key, secret_key = make_key(scopes=("read",))
    subscribe(client_for(secret_key), receiver.url)
    territory_create(level="commune", code="28185", name="Goussainville")

    def broken(job, at):
        raise ValueError("odd receiver")

    assert dispatch.deliver_round(now=Clock(), send=broken).failed == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.error == "ValueError: odd receiver"


def test_after_a_rotation_deliveries_are_signed_by_both_secrets_for_a_while(receiver, settings):
    settings.WEBHOOKS_SECRET_OVERLAP_HOURS = 1
    _key, secret_key = make_key(scopes=("read",))
    client = client_for(secret_key)
    sub = subscribe(client, receiver.url)
    rotated = client.post(f"/api/webhooks/{sub['id']}/rotate-secret/")
    assert rotated.status_code == 200, rotated.content
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != sub["secret"]
    assert "secret" not in client.get(f"/api/webhooks/{sub['id']}/").json()

    territory = territory_create(level="commune", code="28185", name="Goussainville")
    clock = Clock()
    dispatch.deliver_round(now=clock)
    assert receiver.payloads(sub["secret"]) == receiver.payloads(new)  # both verify
    assert len(receiver.requests[0][0]["webhook-signature"].split(" ")) == 2

    clock.advance(3601)
    actors.actor_create(kind="person", category="resident", name="Après", territory=territory)
    dispatch.deliver_round(now=clock)
    headers, body = receiver.requests[1]
    Webhook(new).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(sub["secret"]).verify(body, headers)
    _other, other_key = make_key(scopes=("read",), name="other")
    assert (
        client_for(other_key).post(f"/api/webhooks/{sub['id']}/rotate-secret/").status_code == 404
    )
