"""The existence oracle, closed on every write route: out of reach answers as missing.

For every write operation of the API (enumerated from the URL configuration by
drf-spectacular's endpoint enumerator, the one the OpenAPI document is made
from), a key limited to the inside département, with the ``read``, ``write`` and
``personal_data`` scopes, sends the same request twice: once naming an object of
the outside branch, once naming an object that exists nowhere. The two answers
must be identical (status code and body, once the two ids, identifiers or
external ids and the ids of what the request created are replaced by
placeholders), and the outside object must be left as it was.

Two kinds of case:

- **by id**: the object in the path (``PATCH /api/actors/{pk}/`` with an outside
  id, then a missing one). Made automatically for every write route with a
  ``{pk}``, from the router's prefixes.
- **references**: an object named inside the body (a membership whose actor is
  outside, a bulk item whose identifier or source is an outside actor's, a sync
  entry, an import row...). Declared in ``REFERENCES`` per route; each has a
  control, the same request naming an inside object, which must succeed, so the
  reference is what the answer turns on, not a malformed payload.

Every write route must have its reference cases or be listed in
``WITHOUT_REFERENCES`` with the reason: a new route fails
``test_every_write_route_has_oracle_cases`` until it is declared here. Each
variant runs in a savepoint rolled back after it, so the two requests meet the
same database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from django.core.cache import cache
from django.db import transaction
from django.forms.models import model_to_dict

from api.models import ApiKey
from api.urls import router
from registry.models import ChangeRecord
from tests.api.conftest import client_for, make_key
from tests.conftest import check_deferred_constraints
from tests.security.conftest import INSIDE_MARK, OUTSIDE_MARK, World, build_side

pytestmark = pytest.mark.django_db

MISSING = 987654
WRITES = ("POST", "PUT", "PATCH", "DELETE")
#: Identifiers of the outside person (see conftest.build_side) and one known nowhere.
OUT_IDENT = {"scheme": "rna", "value": "W2ZORGLUB"}
MISSING_IDENT = {"scheme": "rna", "value": "W9NOWHERE"}
IN_IDENT = {"scheme": "rna", "value": "W1ALPHA"}
OUT_EXTERNAL_ID = "Zorglub-tie"
MISSING_EXTERNAL_ID = "Nowhere-tie"
NEW_ORGANIZATION = {"kind": "organization", "category": "association", "name": "Nouvelle"}


def write_routes() -> set[tuple[str, str]]:
    """(method, path) of every write operation, as the OpenAPI document lists them."""
    from drf_spectacular.generators import EndpointEnumerator

    return {
        (method, path)
        for path, _regex, method, _callback in EndpointEnumerator().get_api_endpoints()
        if method in WRITES
    }


PREFIX_BASENAME = {f"/api/{prefix}/": basename for prefix, _viewset, basename in router.registry}


def _basename_of(path: str) -> str:
    """The resource whose id is ``{pk}`` in ``path`` (the router prefix it starts with)."""
    head = path.split("{pk}")[0]
    assert head in PREFIX_BASENAME, f"no router resource for the {{pk}} of {path}: declare it"
    return PREFIX_BASENAME[head]


# --- requests ------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    url: str
    data: Any = None
    multipart: bool = False


def upload(name: str, text: str) -> dict:
    f = io.BytesIO(text.encode())
    f.name = name
    return {"file": f}


def _by_id_payload(method: str, path: str) -> tuple[Any, bool]:
    """A request body for the by-id case: valid for an inside object where it can be."""
    if path.endswith("/import/"):
        return "actor_id;role\n", True
    if path.endswith("/members/"):
        return {"members": []}, False
    if method == "DELETE" or path.endswith("/erase/"):
        return {}, False
    return {"name": "Renamed", "title": "Renamed"}, False


@dataclass
class Case:
    """One oracle case: ``build(world, ref)`` makes the request, ``ref`` names the object."""

    route: tuple[str, str]
    name: str
    #: which object the request names: ``ref(side)`` of the outside or inside branch
    ref: Callable[[Any], Any]
    #: what a missing object looks like in the request
    missing: Any
    build: Callable[[Any, Any], Request]
    control: bool = True  # the inside variant must succeed
    tokens: tuple[str, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return f"{self.route[0]} {self.route[1]} {self.name}"


#: Routes whose ``{pk}`` is a key's own setting, not a registry object: another key's
#: webhook subscription answers 404 as a missing one (tests/api/test_webhooks.py).
KEY_OWNED = ("/api/webhooks/{pk}/",)


def by_id_cases(routes) -> list[Case]:
    cases = []
    for method, path in sorted(routes):
        if "{pk}" not in path or path.startswith(KEY_OWNED):
            continue
        basename = _basename_of(path)
        data, multipart = _by_id_payload(method, path)

        def build(world, pk, method=method, path=path, data=data, multipart=multipart):
            body = upload("members.csv", data) if multipart else data
            return Request(method, path.replace("{pk}", str(pk)), body, multipart)

        cases.append(
            Case(
                (method, path),
                "by id",
                lambda side, basename=basename: side.obj(basename).pk,
                MISSING,
                build,
                control=False,  # PUT/PATCH bodies are partial: the control is the 404
            )
        )
    return cases


def pk_of(name: str) -> Callable[[Any], int]:
    return lambda side: getattr(side, name).pk


def _json(method, path):
    return lambda fill: lambda world, ref: Request(method, path(world), fill(world, ref))


def _dry(path: str, dry_run: bool) -> str:
    return f"{path}?dry_run={'true' if dry_run else 'false'}"


def _sync_cases() -> list[Case]:
    route = ("PUT", "/api/bodies/{pk}/members/")
    cases = []
    for dry_run in (True, False):
        url = lambda w, d=dry_run: _dry(f"/api/bodies/{w.inside.body.pk}/members/", d)  # noqa: E731
        send = _json("PUT", url)
        suffix = " (dry run)" if dry_run else ""
        cases += [
            Case(
                route,
                "entry actor" + suffix,
                pk_of("person"),
                MISSING,
                send(lambda w, ref: {"members": [{"actor": ref, "role": "member"}]}),
            ),
            Case(
                route,
                "entry identifier" + suffix,
                lambda side: {"scheme": "rna", "value": side.person.identifiers.get().value},
                MISSING_IDENT,
                send(lambda w, ref: {"members": [{"identifier": ref, "role": "member"}]}),
                tokens=(OUT_IDENT["value"], MISSING_IDENT["value"]),
            ),
            Case(
                route,
                "entry on_behalf_of" + suffix,
                pk_of("organization"),
                MISSING,
                send(
                    lambda w, ref: {
                        "members": [
                            {"actor": w.inside.person.pk, "role": "member", "on_behalf_of": ref}
                        ]
                    }
                ),
            ),
            Case(
                route,
                "entry college" + suffix,
                lambda side: str(side.college.pk),
                str(MISSING),
                send(
                    lambda w, ref: {
                        "members": [{"actor": w.inside.person.pk, "role": "member", "college": ref}]
                    }
                ),
                # a college of another body is refused even when inside: no control
                control=False,
            ),
        ]
    return cases


def _bulk_cases() -> list[Case]:
    cases = []
    actors = ("POST", "/api/actors/bulk/")
    interactions = ("POST", "/api/interactions/bulk/")
    for dry_run in (True, False):
        suffix = " (dry run)" if dry_run else ""
        actor_send = _json("POST", lambda w, d=dry_run: _dry("/api/actors/bulk/", d))
        tie_send = _json("POST", lambda w, d=dry_run: _dry("/api/interactions/bulk/", d))
        cases += [
            Case(
                actors,
                "item identifier, no values" + suffix,
                lambda side: {"scheme": "rna", "value": side.person.identifiers.get().value},
                MISSING_IDENT,
                actor_send(lambda w, ref: {"items": [{"identifier": ref}]}),
                control=True,
                tokens=(OUT_IDENT["value"], MISSING_IDENT["value"]),
            ),
            Case(
                actors,
                "item identifier, full values" + suffix,
                lambda side: {"scheme": "rna", "value": side.person.identifiers.get().value},
                MISSING_IDENT,
                actor_send(
                    lambda w, ref: {
                        "items": [
                            {
                                "identifier": ref,
                                **NEW_ORGANIZATION,
                                "territory": w.inside.commune.pk,
                            }
                        ]
                    }
                ),
                tokens=(OUT_IDENT["value"], MISSING_IDENT["value"]),
            ),
            Case(
                actors,
                "item territory" + suffix,
                pk_of("commune"),
                MISSING,
                actor_send(
                    lambda w, ref: {
                        "items": [
                            {
                                "identifier": {"scheme": "rna", "value": "W9NEW"},
                                **NEW_ORGANIZATION,
                                "territory": ref,
                            }
                        ]
                    }
                ),
            ),
            Case(
                interactions,
                "item external_id" + suffix,
                lambda side: side.interaction.external_id,
                MISSING_EXTERNAL_ID,
                tie_send(
                    lambda w, ref: {
                        "items": [
                            {
                                "external_id": ref,
                                "source": w.inside.person.pk,
                                "target_actor": w.inside.organization.pk,
                                "interaction_type": "collaboration",
                                "territory": w.inside.commune.pk,
                            }
                        ]
                    }
                ),
                tokens=(OUT_EXTERNAL_ID, MISSING_EXTERNAL_ID, "Alpha-tie"),
            ),
        ]
        for name, ref, missing in (
            ("source", pk_of("person"), MISSING),
            (
                "source",
                lambda side: {"scheme": "rna", "value": side.person.identifiers.get().value},
                MISSING_IDENT,
            ),
            ("target_actor", pk_of("organization"), MISSING),
            ("target_body", pk_of("body"), MISSING),
            ("territory", pk_of("commune"), MISSING),
        ):
            base = {
                "source": lambda w: w.inside.person.pk,
                "target_actor": lambda w: w.inside.organization.pk,
                "territory": lambda w: w.inside.commune.pk,
            }

            def fill(w, r, name=name, base=base):
                item = {k: v(w) for k, v in base.items()}
                if name == "target_body":
                    item.pop("target_actor")
                item[name] = r
                return {
                    "items": [
                        {"external_id": "New-tie", "interaction_type": "collaboration", **item}
                    ]
                }

            label = f"item {name}" + (" identifier" if isinstance(missing, dict) else "")
            cases.append(
                Case(
                    interactions,
                    label + suffix,
                    ref,
                    missing,
                    tie_send(fill),
                    tokens=(OUT_IDENT["value"], MISSING_IDENT["value"], IN_IDENT["value"]),
                )
            )
    return cases


def _import_cases() -> list[Case]:
    cases = []
    for dry_run in (True, False):
        suffix = " (dry run)" if dry_run else ""

        def actors(line, d=dry_run):
            def build(w, ref):
                text = "scheme;identifier;name;kind;category;territory\n" + line(w, ref) + "\n"
                return Request(
                    "POST", _dry("/api/actors/import/", d), upload("acteurs.csv", text), True
                )

            return build

        def members(line, header, d=dry_run):
            def build(w, ref):
                text = header + "\n" + line(w, ref) + "\n"
                return Request(
                    "POST",
                    _dry(f"/api/bodies/{w.inside.body.pk}/members/import/", d),
                    upload("membres.csv", text),
                    True,
                )

            return build

        ident = lambda side: side.person.identifiers.get().value  # noqa: E731
        cases += [
            Case(
                ("POST", "/api/actors/import/"),
                "row identifier" + suffix,
                ident,
                MISSING_IDENT["value"],
                actors(
                    lambda w, r: f"rna;{r};Nouvelle;organization;association;{w.inside.commune.pk}"
                ),
                tokens=(OUT_IDENT["value"], MISSING_IDENT["value"], IN_IDENT["value"]),
            ),
            Case(
                ("POST", "/api/actors/import/"),
                "row territory" + suffix,
                pk_of("commune"),
                MISSING,
                actors(lambda w, r: f"rna;W9NEW;Nouvelle;organization;association;{r}"),
            ),
            Case(
                ("POST", "/api/bodies/{pk}/members/import/"),
                "row actor_id" + suffix,
                pk_of("person"),
                MISSING,
                members(lambda w, r: f"{r};member", "actor_id;role"),
            ),
            Case(
                ("POST", "/api/bodies/{pk}/members/import/"),
                "row identifier" + suffix,
                ident,
                MISSING_IDENT["value"],
                members(lambda w, r: f"rna;{r};member", "scheme;identifier;role"),
                tokens=(OUT_IDENT["value"], MISSING_IDENT["value"], IN_IDENT["value"]),
            ),
            Case(
                ("POST", "/api/bodies/{pk}/members/import/"),
                "row on_behalf_of" + suffix,
                pk_of("organization"),
                MISSING,
                members(
                    lambda w, r: f"{w.inside.person.pk};member;{r}", "actor_id;role;on_behalf_of"
                ),
            ),
        ]
    return cases


#: A valid body of each resource (for POST, and PUT on the inside object), given the world.
BASE = {
    "territories": lambda w: {
        "level": "quartier",
        "code": "Q-NEW-1",
        "name": "Alpha quartier neuf",
        "parent_links": [{"territory": w.inside.commune.pk, "kind": "municipal"}],
    },
    "actors": lambda w: {
        "kind": "organization",
        "category": "association",
        "name": "Alpha Nouvelle",
        "territory": w.inside.commune.pk,
    },
    "bodies": lambda w: {
        "name": "Alpha Nouveau conseil",
        "body_type": "conseil_quartier",
        "territory": w.inside.commune.pk,
    },
    "colleges": lambda w: {
        "body": w.inside.body.pk,
        "name": "Alpha Nouveau collège",
        "selection_mode": "lot",
    },
    "memberships": lambda w: {
        "actor": w.inside.organization.pk,
        "body": w.inside.body.pk,
        "role": "secretary",  # the inside person is already a member: no overlap
        "start_date": "2025-01-01",
    },
    "meetings": lambda w: {"body": w.inside.body.pk, "date": "2025-03-01"},
    "opinions": lambda w: {
        "body": w.inside.body.pk,
        "date": "2025-03-01",
        "title": "Alpha avis neuf",
        "referral": "self",
    },
    "interactions": lambda w: {
        "source": w.inside.person.pk,
        "target_actor": w.inside.organization.pk,
        "interaction_type": "funding",
        "territory": w.inside.commune.pk,
    },
    "charters": lambda w: {"territory": w.inside.commune.pk, "name": "Alpha Charte neuve"},
}

#: (resource, field, which object of a branch it names, how it is sent): every relation a
#: CRUD body may carry, nested ones included.
RELATIONS = [
    ("territories", "parent_links", "dept", lambda pk: [{"territory": pk, "kind": "municipal"}]),
    ("actors", "territory", "commune", None),
    ("bodies", "territory", "commune", None),
    ("bodies", "host", "organization", None),
    ("colleges", "body", "body", None),
    ("memberships", "actor", "person", None),
    ("memberships", "body", "body", None),
    ("memberships", "college", "college", None),
    ("memberships", "on_behalf_of", "organization", None),
    ("meetings", "body", "body", None),
    ("meetings", "attendance", "person", lambda pk: [{"actor": pk, "status": "present"}]),
    ("opinions", "body", "body", None),
    ("interactions", "source", "person", None),
    ("interactions", "target_actor", "organization", None),
    ("interactions", "target_body", "body", None),
    ("interactions", "territory", "commune", None),
    ("charters", "territory", "commune", None),
]
#: Relations whose inside control cannot succeed as such (a college of another body...).
NO_CONTROL = {("memberships", "college"), ("meetings", "attendance")}


def _crud_cases() -> list[Case]:
    basename = {prefix: b for prefix, _viewset, b in router.registry}
    cases = []
    for prefix, name, target, shape in RELATIONS:
        shape = shape or (lambda pk: pk)
        for method in ("POST", "PUT", "PATCH"):
            path = f"/api/{prefix}/" if method == "POST" else f"/api/{prefix}/{{pk}}/"

            def build(w, ref, prefix=prefix, name=name, method=method, shape=shape):
                body = {} if method == "PATCH" else dict(BASE[prefix](w))
                if method == "PUT" and prefix == "territories":
                    body["code"] = w.inside.obj("territory").code
                body[name] = shape(ref)
                if name == "target_body":
                    body["target_actor"] = None
                url = f"/api/{prefix}/"
                if method != "POST":
                    url += f"{w.inside.obj(basename[prefix]).pk}/"
                return Request(method, url, body)

            cases.append(
                Case(
                    (method, path),
                    f"body {name}",
                    pk_of(target),
                    MISSING,
                    build,
                    control=(prefix, name) not in NO_CONTROL and method != "PUT",
                )
            )
    return cases


def _merge_cases() -> list[Case]:
    route = ("POST", "/api/actors/{pk}/merge/")

    def build(w, ref):
        url = f"/api/actors/{w.inside.organization.pk}/merge/?dry_run=true"
        return Request("POST", url, {"into": ref})

    # One actor of each kind per side: the inside control would merge across kinds (422).
    return [Case(route, "body into", pk_of("person"), MISSING, build, control=False)]


def _webhook_cases() -> list[Case]:
    """A subscription's territory: outside the key's scope answers as a missing one."""
    from api.models import WebhookSubscription

    def create(w, ref):
        return Request("POST", "/api/webhooks/", {"payload_url": PUBLIC_URL, "territory": ref})

    def change(w, ref):
        owner = ApiKey.objects.get(name="oracle")
        sub = WebhookSubscription.objects.filter(owner=owner).first()
        if sub is None:
            sub = WebhookSubscription.objects.create(owner=owner, payload_url=PUBLIC_URL)
        return Request("PATCH", f"/api/webhooks/{sub.pk}/", {"territory": ref})

    return [
        Case(("POST", "/api/webhooks/"), "body territory", pk_of("commune"), MISSING, create),
        Case(("PATCH", "/api/webhooks/{pk}/"), "body territory", pk_of("commune"), MISSING, change),
    ]


#: A public receiver address (a literal: no DNS lookup).
PUBLIC_URL = "https://93.184.215.14/hooks"

REFERENCES: list[Case] = (
    _crud_cases()
    + _sync_cases()
    + _bulk_cases()
    + _import_cases()
    + _merge_cases()
    + _webhook_cases()
)
#: Write routes whose body names no other object, with the reason.
WITHOUT_REFERENCES = {
    **{
        ("DELETE", f"/api/{prefix}/{{pk}}/"): "a DELETE has no body"
        for prefix, _viewset, _basename in router.registry
    },
    ("POST", "/api/actors/{pk}/erase/"): "the body is empty; the person is the path's",
    ("DELETE", "/api/webhooks/{pk}/"): "a DELETE has no body",
    ("POST", "/api/webhooks/{pk}/rotate-secret/"): "the body is empty",
}

ROUTES = write_routes()
CASES = by_id_cases(ROUTES) + REFERENCES


def test_every_write_route_has_oracle_cases():
    """A new write route fails here until its cases (or its reason for none) are declared."""
    declared = {case.route for case in REFERENCES} | set(WITHOUT_REFERENCES)
    assert ROUTES - declared == set(), "write routes without oracle cases (see REFERENCES)"
    assert declared - ROUTES == set(), "oracle cases for routes that no longer exist"
    with_pk = {
        route for route in ROUTES if "{pk}" in route[1] and not route[1].startswith(KEY_OWNED)
    }
    assert with_pk == {case.route for case in CASES if case.name == "by id"}


# --- running and comparing -------------------------------------------------------------


def _send(client, request: Request):
    send = getattr(client, request.method.lower())
    if request.multipart:
        return send(request.url, request.data, format="multipart")
    return send(request.url, request.data, format="json")


def _created_ids(since: int) -> set[int]:
    return set(
        ChangeRecord.objects.filter(pk__gt=since, action="create").values_list(
            "object_id", flat=True
        )
    )


def _run(client, request: Request, side=None) -> tuple[Any, set[int], bool]:
    """The response, the ids the request created and whether it left ``side``'s objects as
    they were, in a savepoint rolled back after it."""
    cache.clear()
    last = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = _snapshot(side) if side is not None else None
    with transaction.atomic():
        response = _send(client, request)
        created = _created_ids(last)
        untouched = side is None or _snapshot(side) == before
        transaction.set_rollback(True)
    cache.clear()
    return response, created, untouched


#: Members that differ on every request (the problem's request id).
VOLATILE = frozenset({"request_id"})


def _normalise(value: Any, ids: set[int], tokens: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: "<VOLATILE>" if k in VOLATILE else _normalise(v, ids, tokens)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalise(v, ids, tokens) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in ids:
        return "<ID>"
    if isinstance(value, str):
        for token, placeholder in tokens.items():
            value = value.replace(token, placeholder)
        if value.isascii() and value.isdigit() and int(value) in ids:
            return "<ID>"
        for pk in sorted(ids, reverse=True):
            value = re.sub(rf"(?<![\w.\[]){pk}(?![\w\]])", "<ID>", value)
    return value


def _answer(response, ids: set[int], tokens: dict[str, str]) -> tuple:
    content_type = response.get("Content-Type", "")
    try:
        body = orjson.loads(response.content) if response.content else None
    except orjson.JSONDecodeError:
        body = response.content.decode(errors="replace")
    return response.status_code, content_type, _normalise(body, ids, tokens)


def _snapshot(side) -> dict:
    objects = [getattr(side, f) for f in side.__dataclass_fields__]
    return {
        (type(o).__name__, o.pk): model_to_dict(type(o)._base_manager.get(pk=o.pk)) for o in objects
    }


def _ints(value: Any) -> set[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return {value}
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return {int(value)}
    return set()


@pytest.fixture(scope="module")
def oracle(django_db_setup, django_db_blocker):
    """The two-branch world (see conftest) and a key limited to the inside département with
    read, write and personal_data; written once for the module in an outer transaction
    rolled back at its end (every request runs in a savepoint of its own, rolled back too).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            inside = build_side(INSIDE_MARK, 1)
            outside = build_side(OUTSIDE_MARK, 2)
            _key, secret = make_key(
                scopes=("read", "write", "personal_data"), territory=inside.dept, name="oracle"
            )
            check_deferred_constraints()
            yield World(inside, outside, secret, client_for(secret), client_for(None))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_out_of_scope_answers_as_missing(oracle, db, case):
    world, scoped = oracle, oracle.client
    outside_ref, inside_ref = case.ref(world.outside), case.ref(world.inside)
    tokens = {t: "<TOKEN>" for t in case.tokens}
    if isinstance(outside_ref, dict):
        tokens |= {outside_ref["value"]: "<TOKEN>", case.missing["value"]: "<TOKEN>"}
    elif isinstance(outside_ref, str) and not outside_ref.isdigit():
        tokens |= {outside_ref: "<TOKEN>", case.missing: "<TOKEN>"}
    out, out_new, untouched = _run(scoped, case.build(world, outside_ref), world.outside)
    missing, missing_new, _ = _run(scoped, case.build(world, case.missing))
    assert out.status_code < 500 and missing.status_code < 500, (out.content, missing.content)

    out_answer = _answer(out, _ints(outside_ref) | out_new, tokens)
    missing_answer = _answer(missing, _ints(case.missing) | missing_new, tokens)
    assert out_answer == missing_answer, (
        f"\nout of scope: {out_answer}\nmissing:      {missing_answer}"
    )
    assert OUTSIDE_MARK.lower().encode() not in repr(out_answer).lower().encode(), out_answer
    assert untouched, f"an out-of-scope object was changed: {out_answer}"

    if case.control:
        inside, _new, _ = _run(scoped, case.build(world, inside_ref))
        assert 200 <= inside.status_code < 300, (
            "the control (an inside object) must succeed: the payload is wrong",
            inside.status_code,
            inside.content[:600],
        )
