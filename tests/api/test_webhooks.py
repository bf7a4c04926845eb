"""/api/webhooks/: subscriptions are a key's own, validated at the edge, SSRF-safe.

Deliveries themselves are in test_webhooks_delivery.py.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

import orjson
import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from standardwebhooks import Webhook

from api.models import WebhookSubscription
from api.webhooks import addresses
from api.webhooks.vocabulary import ACTIONS, resource_types
from registry.selectors.changes import last_position
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key

URL = "/api/webhooks/"
#: A public address literal (no DNS needed): accepted as a receiver.
PUBLIC = "https://93.184.215.14/hooks"

#: Networks no webhook may reach (IPv4 and IPv6), a sample of each class.
REFUSED_NETWORKS = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "192.0.2.0/24",
    "198.18.0.0/15",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "2001:db8::/32",
    "::/128",
]


def refused_addresses():
    """Addresses in the refused networks, and the same IPv4 ones carried in IPv6."""
    plain = st.one_of(
        *[st.ip_addresses(network=n) for n in REFUSED_NETWORKS],
    )
    v4 = st.one_of(
        *[st.ip_addresses(network=n) for n in REFUSED_NETWORKS if ":" not in n],
    )
    mapped = v4.map(lambda a: ipaddress.IPv6Address(f"::ffff:{a}"))
    nat64 = v4.map(
        lambda a: ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(a))
    )
    sixtofour = v4.map(lambda a: ipaddress.IPv6Address((0x2002 << 112) | (int(a) << 80)))
    return st.one_of(plain, mapped, nat64, sixtofour)


def literal(address) -> str:
    return f"[{address}]" if address.version == 6 else str(address)


@pytest.fixture
def owner():
    key, secret = make_key(scopes=("read",), name="owner")
    return key, client_for(secret)


def create(client, **fields):
    return client.post(URL, {"payload_url": PUBLIC, **fields}, format="json")


def fields_of(response) -> set[str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


# --- creating and reading -----------------------------------------------------------


def test_create_shows_the_secret_once_and_starts_at_the_end_of_the_ledger(db, owner):
    key, client = owner
    territory_create(level="commune", code="28185", name="Goussainville")
    response = create(client, resource_types=["body", "membership"], actions=["create"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    Webhook(body["secret"])  # a secret the Standard Webhooks library takes
    assert body["payload_url"] == PUBLIC
    assert (body["resource_types"], body["actions"]) == (["body", "membership"], ["create"])
    assert body["active"] is True and body["territory"] is None
    assert body["url"].endswith(f"/api/webhooks/{body['id']}/")
    assert body["deliveries"].endswith(f"/api/webhooks/{body['id']}/deliveries/")
    stored = WebhookSubscription.objects.get(pk=body["id"])
    assert (stored.owner_id, stored.secret) == (key.pk, body["secret"])
    start = last_position()
    assert (stored.cursor_seq, stored.cursor_record) == (start.seq, start.record_id)

    shown = client.get(f"{URL}{body['id']}/")
    assert shown.status_code == 200 and "secret" not in shown.json()
    assert shown["ETag"]
    listed = client.get(URL).json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]
    assert "secret" not in listed["results"][0]
    assert client.get(f"{URL}{body['id']}/deliveries/").json()["results"] == []


def test_a_read_only_key_may_subscribe_and_a_key_without_read_may_not(db):
    _k, no_read = make_key(scopes=("analysis",))
    assert create(client_for(no_read)).status_code == 403
    assert client_for(no_read).get(URL).status_code == 403


def test_anonymous_callers_and_accounts_without_a_key_are_refused(db, client):
    assert client_for(None).get(URL).status_code == 401
    assert client_for(None).post(URL, {}, format="json").status_code == 401
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_another_keys_subscription_answers_as_a_missing_one(db, owner):
    _key, client = owner
    sub = create(client).json()
    _other, other_secret = make_key(scopes=("read", "write"), name="other")
    other = client_for(other_secret)
    missing = client.get(f"{URL}999999/")
    assert missing.status_code == 404
    for method, path in [
        ("get", f"{URL}{sub['id']}/"),
        ("patch", f"{URL}{sub['id']}/"),
        ("delete", f"{URL}{sub['id']}/"),
        ("get", f"{URL}{sub['id']}/deliveries/"),
    ]:
        response = getattr(other, method)(path, {"active": False}, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"] == missing.json()["detail"]
    assert other.get(URL).json()["results"] == []
    assert WebhookSubscription.objects.get(pk=sub["id"]).active is True


def test_a_key_holds_a_bounded_number_of_subscriptions(db, owner, settings):
    settings.WEBHOOKS_MAX_PER_KEY = 2
    _key, client = owner
    assert create(client).status_code == 201
    assert create(client).status_code == 201
    refused = create(client)
    assert fields_of(refused) == {"non_field_errors"}
    assert WebhookSubscription.objects.count() == 2


# --- validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"resource_types": ["bodies"]}, "resource_types.0"),
        ({"resource_types": "body"}, "resource_types"),
        ({"resource_types": [1]}, "resource_types.0"),
        ({"actions": ["created"]}, "actions.0"),
        ({"actions": [None]}, "actions.0"),
        ({"territory": "commune:00000"}, "territory"),
        ({"territory": True}, "territory"),
        ({"territory": 2**70}, "territory"),
        ({"territory": "nope"}, "territory"),
        ({"active": "yes"}, "active"),
        ({"description": 12}, "description"),
        ({"payload_url": 12}, "payload_url"),
        ({"payload_url": "ftp://93.184.215.14/"}, "payload_url"),
        ({"payload_url": "https://user:pw@93.184.215.14/"}, "payload_url"),
        ({"payload_url": "https://93.184.215.14/a b"}, "payload_url"),
        ({"payload_url": "https://93.184.215.14:99999/"}, "payload_url"),
        ({"payload_url": "https:///nohost"}, "payload_url"),
        ({"payload_url": "https://93.184.215.14:0/"}, "payload_url"),
        ({"payload_url": "https://exa_mple.org/"}, "payload_url"),
        ({"payload_url": "https://" + "a" * 2000 + ".org/"}, "payload_url"),
        ({"resource_types": ["personaldata"]}, "resource_types"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(db, owner, fields, field):
    _key, client = owner
    response = create(client, **fields)
    assert field in fields_of(response)
    assert not WebhookSubscription.objects.exists()


def test_every_type_and_action_of_the_feed_may_be_named(db):
    _key, secret = make_key(scopes=("read", "personal_data"))
    response = create(client_for(secret), resource_types=list(resource_types()), actions=ACTIONS)
    assert response.status_code == 201, response.content
    assert "personaldata" in response.json()["resource_types"]
    assert {"actor", "body", "membership", "territory"} <= set(resource_types())


def test_a_territory_outside_the_keys_scope_is_refused_as_a_missing_one(db):
    region = territory_create(level="region", code="24", name="Centre-Val de Loire")
    inside = territory_create(
        level="commune", code="28185", name="Dedans", parents=[(region, "administrative")]
    )
    outside = territory_create(level="commune", code="75056", name="Paris")
    _key, secret = make_key(scopes=("read",), territory=region)
    client = client_for(secret)
    far = create(client, territory=outside.pk)
    missing = create(client, territory=outside.pk + 1000)
    assert fields_of(far) == fields_of(missing) == {"territory"}
    # The same answer but for the reference each names.
    assert (
        orjson.loads(far.content.replace(b" %d." % outside.pk, b" N."))["errors"]
        == (orjson.loads(missing.content.replace(b" %d." % (outside.pk + 1000), b" N."))["errors"])
    )
    far_key = create(client, territory="commune:75056").json()["errors"]
    missing_key = create(client, territory="commune:99999").json()["errors"]
    assert [e | {"detail": ""} for e in far_key] == [e | {"detail": ""} for e in missing_key]
    assert far_key[0]["detail"].replace("75056", "99999") == missing_key[0]["detail"]
    assert create(client, territory="commune:28185").json()["territory"] == inside.pk
    assert create(client, territory=inside.pk).status_code == 201


# --- receivers: public addresses only ----------------------------------------------


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(address=refused_addresses())
def test_no_address_that_is_not_public_is_ever_allowed(address):
    assert not addresses.is_allowed(address)
    with pytest.raises(addresses.RefusedAddress):
        addresses.check(f"http://{literal(address)}:8080/hooks")


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(address=refused_addresses(), scheme=st.sampled_from(["http", "https"]))
def test_creating_a_subscription_to_a_private_address_is_refused(db, owner, address, scheme):
    _key, client = owner
    response = create(client, payload_url=f"{scheme}://{literal(address)}/hooks")
    assert fields_of(response) == {"payload_url"}
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0177.0.0.1/",
        "http://[::ffff:7f00:1]/",
        "http://[::ffff:127.0.0.1]:80/",
        "http://[0:0:0:0:0:ffff:a00:1]/",
    ],
)
def test_other_spellings_of_private_addresses_are_refused(db, owner, url):
    _key, client = owner
    assert fields_of(create(client, payload_url=url)) == {"payload_url"}


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert addresses.is_allowed(ipaddress.ip_address(address))


def test_the_setting_allows_chosen_networks_only(db, owner, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = ["127.0.0.1/32"]
    _key, client = owner
    assert create(client, payload_url="http://127.0.0.1:8080/in").status_code == 201
    assert create(client, payload_url="http://[::ffff:127.0.0.1]:8080/in").status_code == 201
    assert fields_of(create(client, payload_url="http://127.0.0.2/")) == {"payload_url"}
    assert fields_of(create(client, payload_url="http://10.0.0.1/")) == {"payload_url"}


def test_the_checked_address_is_the_one_connected_to():
    target = addresses.check("https://93.184.215.14:8443/in?x=1")
    assert target.pinned_url == "https://93.184.215.14:8443/in?x=1"
    assert target.host_header == "93.184.215.14:8443"
    v6 = addresses.check("https://[2606:4700:4700::1111]/in")
    assert v6.pinned_url == "https://[2606:4700:4700::1111]:443/in"
    assert v6.host_header == "[2606:4700:4700::1111]"


# --- changing and deleting ----------------------------------------------------------


@pytest.mark.no_schema_validation(reason="PUT is not an operation of the route, on purpose")
def test_a_subscription_is_changed_by_patch_only(db, owner):
    _key, client = owner
    path = f"{URL}{create(client).json()['id']}/"
    assert client.put(path, {"payload_url": PUBLIC}, format="json").status_code == 405


def test_patch_changes_the_given_fields_and_turns_a_subscription_off_and_on(db, owner):
    _key, client = owner
    sub = create(client).json()
    path = f"{URL}{sub['id']}/"
    WebhookSubscription.objects.filter(pk=sub["id"]).update(cursor_seq=7, cursor_record=9)
    response = client.patch(path, {"active": False, "actions": ["delete"]}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["active"], response.json()["disabled_reason"]) == (False, "owner")
    assert response.json()["actions"] == ["delete"]
    on = client.patch(path, {"active": True}, format="json").json()
    assert (on["active"], on["disabled_reason"], on["disabled_at"]) == (True, "", None)
    stored = WebhookSubscription.objects.get(pk=sub["id"])
    assert (stored.cursor_seq, stored.cursor_record) == (7, 9)  # never moved by a PATCH
    assert "payload_url" in fields_of(
        client.patch(path, {"payload_url": "http://10.1.2.3/"}, format="json")
    )


def test_a_stale_if_match_is_refused(db, owner):
    _key, client = owner
    sub = create(client).json()
    path = f"{URL}{sub['id']}/"
    tag = client.get(path)["ETag"]
    assert client.get(path, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert (
        client.patch(path, {"description": "a"}, format="json", HTTP_IF_MATCH=tag).status_code
        == 200
    )
    stale = client.patch(path, {"description": "b"}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert client.delete(path, HTTP_IF_MATCH=tag).status_code == 412
    assert WebhookSubscription.objects.get().description == "a"


def test_delete_removes_the_subscription(db, owner):
    _key, client = owner
    sub = create(client).json()
    assert client.delete(f"{URL}{sub['id']}/").status_code == 204
    assert client.get(f"{URL}{sub['id']}/").status_code == 404
    assert not WebhookSubscription.objects.exists()


def test_an_id_beyond_64_bits_is_a_missing_subscription(db, owner):
    _key, client = owner
    assert client.get(f"{URL}{2**70}/").status_code == 404


def test_backoff_grows_exponentially_with_bounded_jitter(settings):
    from api.webhooks.dispatch import backoff_seconds

    settings.WEBHOOKS_RETRY_BASE_SECONDS = 10
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 300
    assert [backoff_seconds(n, rand=lambda: 1.0) for n in range(1, 8)] == [
        10,
        20,
        40,
        80,
        160,
        300,
        300,
    ]
    assert [backoff_seconds(n, rand=lambda: 0.0) for n in (1, 2, 10**6)] == [5, 10, 150]
    assert dt.timedelta(seconds=backoff_seconds(3)) <= dt.timedelta(seconds=40)


def test_the_list_costs_the_same_queries_for_2_or_12_subscriptions(db, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    territory = territory_create(level="commune", code="28185", name="Goussainville")
    _key, client = owner

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    for _ in range(2):
        create(client, territory=territory.pk)
    few = queries()
    for _ in range(10):
        create(client, territory=territory.pk)
    assert queries() == few


def test_a_subscription_made_off_says_its_owner_turned_it_off(db, owner):
    _key, client = owner
    made = create(client, active=False).json()
    assert (made["active"], made["disabled_reason"]) == (False, "owner")
    assert made["disabled_at"] is not None
