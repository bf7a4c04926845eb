"""Generic API tests, in the NetBox spirit: a resource's test declares its data, this runs the rest.

A resource test subclasses ``ResourceAPITests`` (its name starting with ``Test``)
and declares only what is specific to the resource:

- ``model``, ``basename`` (``"body"`` for ``body-list``/``body-detail``);
- ``territory_path``: the path from the model to its territory id
  (``"territory_id"``, ``"body__territory_id"``, ``"id"`` for territories), which
  says what a territory-scoped key must see;
- ``territory_filter``: the transitive territory filter (``"territory"``, or
  ``"within"`` for territories), ``None`` if the resource has none;
- ``scope_error_field``: the field a problem names when a territory-scoped
  key creates outside its territory;
- ``make(n, territory)``: ``n`` saved objects lying within ``territory``, with
  their related data, and with choice fields varied so that filters have
  something to tell apart;
- ``create_payloads(territory)``, ``update_payload(obj, territory)``,
  ``put_payload(obj, territory)``: valid bodies (they may create what they
  refer to, within ``territory``);
- ``invalid_payloads(territory)``: ``(payload, field)`` pairs, ``field`` being
  what the problem's ``errors[].field`` must name;
- ``search_term(obj)``: a text ``?q=`` finds ``obj`` (and nothing else) by;
- ``protect(obj)``: make ``obj`` undeletable (return ``True``), or return
  ``False`` when nothing can protect it (deletion cascades).

The mixin then checks list, retrieve (ETag), create, PATCH, PUT, delete,
history, filters, permissions, territory scope and bad input, always against
the database and the change ledger, never against the response alone.
Test data is written through factories and services (the registry refuses
untracked writes).
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import django_filters
import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ALL_SCOPES
from registry.models import ChangeRecord, Territory, TerritoryClosure
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key
from tests.conftest import check_deferred_constraints

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: Large enough to hold a whole test's data on one page.
ALL = {"limit": 1000}

_sequence = itertools.count(1)


def unique(prefix: str) -> str:
    """A label with a token no other label contains (``?q=`` finds exactly it)."""
    return f"{prefix} u{next(_sequence):05d}x"


def token_of(label: str) -> str:
    """The unique token of a label made by ``unique``."""
    return label.rsplit(" ", 1)[-1]


# --- territories --------------------------------------------------------------------


@dataclass
class Tree:
    """Two disjoint branches: région > département > commune, and another région likewise."""

    region: Territory
    dept: Territory
    commune: Territory
    other_region: Territory
    other_dept: Territory
    other_commune: Territory


def build_tree() -> Tree:
    region = territory_create(level="region", code="11", name="Île-de-France")
    dept = territory_create(
        level="departement", code="75", name="Paris", parents=[(region, "administrative")]
    )
    commune = territory_create(
        level="commune", code="75056", name="Paris", parents=[(dept, "administrative")]
    )
    other_region = territory_create(level="region", code="27", name="Bourgogne-Franche-Comté")
    other_dept = territory_create(
        level="departement", code="89", name="Yonne", parents=[(other_region, "administrative")]
    )
    other_commune = territory_create(
        level="commune", code="89025", name="Avallon", parents=[(other_dept, "administrative")]
    )
    return Tree(region, dept, commune, other_region, other_dept, other_commune)


def key_of(territory: Territory) -> str:
    return f"{territory.level}:{territory.code}"


# --- callers --------------------------------------------------------------------------


@dataclass
class Caller:
    """An API client sending one key, and that key's public prefix (what the ledger keeps)."""

    client: APIClient
    prefix: str


def caller(*, scopes=tuple(ALL_SCOPES), territory: Territory | None = None) -> Caller:
    api_key, key = make_key(scopes=scopes, territory=territory)
    return Caller(client_for(key), api_key.prefix)


# --- assertions ----------------------------------------------------------------------


def assert_problem(
    response, status: int, *, field: str | None = None, code: str | None = None
) -> dict:
    """The response is an RFC 9457 problem with this status (and field error, and code)."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content[:500]!r}"
    )
    content_type = response.get("Content-Type", "")
    assert content_type.startswith(PROBLEM_CONTENT_TYPE), (
        f"an error must be {PROBLEM_CONTENT_TYPE}, got {content_type!r}"
    )
    doc = response.json()
    missing = {"type", "title", "status", "detail"} - set(doc)
    assert not missing, f"problem document lacks {sorted(missing)}: {doc}"
    assert doc["status"] == status, doc
    assert doc["detail"], f"a problem says what is wrong in 'detail': {doc}"
    if code is not None:
        assert doc.get("code") == code, doc
        assert doc["type"].endswith(f"/{code}"), doc
    if field is not None:
        fields = [e["field"] for e in doc.get("errors", [])]
        assert field in fields, f"errors should name {field!r}, they name {fields}: {doc}"
    return doc


def assert_json(response, status: int = 200) -> Any:
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content[:500]!r}"
    )
    assert response.get("Content-Type", "").startswith("application/json"), response.get(
        "Content-Type"
    )
    return response.json()


def results(response) -> list[dict]:
    return assert_json(response)["results"]


def ids(response) -> set[int]:
    return {item["id"] for item in results(response)}


def pks(objects) -> set[int]:
    return {o.pk for o in objects}


def counts() -> dict[str, int]:
    """Rows of every registry model, the change ledger included: to prove nothing was written."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("registry").get_models()
    }


def _normal(stored: Any, sent: Any) -> tuple[Any, Any]:
    if isinstance(stored, Decimal) and sent is not None:
        return stored, Decimal(str(sent))
    if isinstance(stored, dt.date):
        return stored.isoformat(), sent
    return stored, sent


def assert_stored(instance: models.Model, payload: dict) -> None:
    """Every concrete model field the payload sets holds the sent value in the database."""
    instance.refresh_from_db()
    for name, sent in payload.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete:
            continue
        stored, sent = _normal(getattr(instance, field.attname), sent)
        assert stored == sent, f"{instance._meta.label}.{name}: stored {stored!r}, sent {sent!r}"


def _subset(sent: dict, shown: dict) -> bool:
    return all(k not in shown or _same(shown[k], v) for k, v in sent.items())


def _same(shown: Any, sent: Any) -> bool:
    if isinstance(sent, dict) and isinstance(shown, dict):
        return _subset(sent, shown)
    if isinstance(sent, list) and isinstance(shown, list):
        return len(sent) == len(shown) and all(any(_same(s, item) for s in shown) for item in sent)
    if isinstance(shown, float) and sent is not None:
        return shown == float(sent)
    return shown == sent


def assert_shown(data: dict, payload: dict) -> None:
    """The representation shows what was sent (for the fields it shows)."""
    for name, sent in payload.items():
        if name in data:
            assert _same(data[name], sent), f"{name}: shown {data[name]!r}, sent {sent!r}"


def assert_recorded(instance_or_model, pk: int, action: str, prefix: str) -> ChangeRecord:
    """The ledger holds the change, made through the API with the key of that prefix."""
    label = instance_or_model._meta.label_lower
    record = (
        ChangeRecord.objects.filter(model=label, object_id=pk, action=action).order_by("id").last()
    )
    assert record is not None, f"no '{action}' of {label} {pk} in the change ledger"
    assert record.via == "api", f"the ledger says via={record.via!r}, not 'api'"
    assert record.api_key == prefix, f"the ledger says api_key={record.api_key!r}, not {prefix!r}"
    return record


# --- the mixin -----------------------------------------------------------------------


class ResourceAPITests:
    """Subclass as ``class TestThings(ResourceAPITests)`` and declare the data (module doc)."""

    model: ClassVar[type[models.Model]]
    basename: ClassVar[str]
    territory_path: ClassVar[str] = "territory_id"
    territory_filter: ClassVar[str | None] = "territory"
    scope_error_field: ClassVar[str] = "territory"

    # --- what a resource declares --------------------------------------------------

    def make(self, n: int, territory: Territory) -> list[models.Model]:
        raise NotImplementedError

    def create_payloads(self, territory: Territory) -> list[dict]:
        raise NotImplementedError

    def update_payload(self, obj, territory: Territory) -> dict:
        raise NotImplementedError

    def put_payload(self, obj, territory: Territory) -> dict:
        raise NotImplementedError

    def invalid_payloads(self, territory: Territory) -> list[tuple[dict, str]]:
        raise NotImplementedError

    def search_term(self, obj) -> str:
        return token_of(obj.name)

    def protect(self, obj) -> bool:
        return False

    # --- plumbing --------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def class_tree(cls, django_db_setup, django_db_blocker):
        """The tree, built once per class in an outer transaction (like setUpTestData).

        Each test runs in a savepoint inside it and rolls back to it; the class
        rolls the tree back at the end.
        """
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            tree = build_tree()
            check_deferred_constraints()
        try:
            yield tree
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)

    @pytest.fixture
    def tree(self, class_tree, db) -> Tree:
        return class_tree

    @pytest.fixture
    def full(self, db) -> Caller:
        """Every scope, national."""
        return caller()

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, pk) -> str:
        return reverse(f"{self.basename}-detail", args=[pk])

    def history_url(self, pk) -> str:
        return reverse(f"{self.basename}-history", args=[pk])

    def visible_from(self, territory: Territory) -> set[int]:
        """Ids of the rows whose territory lies within ``territory`` (what a scoped key sees)."""
        below = TerritoryClosure.objects.filter(ancestor=territory).values("descendant_id")
        rows = self.model._default_manager.filter(**{f"{self.territory_path}__in": below})
        return set(rows.values_list("pk", flat=True))

    def get_list(self, client: APIClient, **params):
        return client.get(self.list_url(), {**ALL, **params})

    def filterset(self):
        return resolve(self.list_url()).func.cls.filterset_class

    def serializer(self):
        return resolve(self.list_url()).func.cls.serializer_class

    # --- reads -------------------------------------------------------------------------

    def test_list_shows_every_object_in_pages(self, tree, full):
        made = self.make(3, tree.commune)
        data = assert_json(self.get_list(full.client))
        every = sorted(self.model._default_manager.values_list("pk", flat=True))
        assert pks(made) <= set(every)
        assert sorted(item["id"] for item in data["results"]) == every
        assert data["count"] == len(every)
        for item in data["results"]:
            assert item["url"].endswith(self.detail_url(item["id"])), item["url"]
        first = assert_json(full.client.get(self.list_url(), {"limit": 2, "ordering": "id"}))
        assert [i["id"] for i in first["results"]] == every[:2]
        assert first["next"]
        walked, url = [], self.list_url() + "?pagination=cursor&limit=2"
        while url:
            page = assert_json(full.client.get(url))
            walked += [i["id"] for i in page["results"]]
            url = page["next"]
        assert walked == every

    def test_brief_and_expand(self, tree, full):
        made = self.make(2, tree.commune)
        serializer = self.serializer()
        brief = results(self.get_list(full.client, id=[o.pk for o in made], brief="true"))
        assert brief and all(set(i) == set(serializer.Meta.brief_fields) for i in brief)
        expandable = sorted(serializer.expandable)
        if not expandable:
            return
        items = results(self.get_list(full.client, id=[o.pk for o in made], expand=expandable))
        by_id = {o.pk: o for o in made}
        for name in expandable:
            shown = [i[name] for i in items]
            assert any(isinstance(s, dict) for s in shown), f"?expand={name} embedded nothing"
            for item in items:
                related_id = getattr(by_id[item["id"]], f"{name}_id")
                if related_id is None:
                    assert item[name] is None
                else:
                    assert item[name]["id"] == related_id and "display" in item[name]
        assert_problem(self.get_list(full.client, expand="nonsense"), 400, field="expand")

    def test_retrieve_has_an_etag_and_answers_304_when_unchanged(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        response = full.client.get(self.detail_url(obj.pk))
        assert assert_json(response)["id"] == obj.pk
        tag = response["ETag"]
        assert tag.startswith('"') and tag.endswith('"') and len(tag) > 2
        again = full.client.get(self.detail_url(obj.pk), HTTP_IF_NONE_MATCH=tag)
        assert again.status_code == 304 and again["ETag"] == tag
        changed = full.client.patch(
            self.detail_url(obj.pk), self.update_payload(obj, tree.commune), format="json"
        )
        assert_json(changed)
        assert changed["ETag"] != tag
        assert full.client.get(self.detail_url(obj.pk), HTTP_IF_NONE_MATCH=tag).status_code == 200

    # --- writes ------------------------------------------------------------------------

    def test_create_stores_the_object_and_records_who(self, tree, full):
        for payload in self.create_payloads(tree.commune):
            before = self.model._default_manager.count()
            response = full.client.post(self.list_url(), payload, format="json")
            data = assert_json(response, 201)
            assert response["ETag"]
            assert self.model._default_manager.count() == before + 1
            instance = self.model._default_manager.get(pk=data["id"])
            assert_stored(instance, payload)
            assert_shown(data, payload)
            assert_recorded(self.model, instance.pk, "create", full.prefix)

    def test_patch_changes_only_what_is_sent(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        payload = self.update_payload(obj, tree.commune)
        response = full.client.patch(self.detail_url(obj.pk), payload, format="json")
        data = assert_json(response)
        assert response["ETag"]
        assert_stored(obj, payload)
        assert_shown(data, payload)
        record = assert_recorded(self.model, obj.pk, "update", full.prefix)
        assert record.after, "an update records the values after"

    def test_put_replaces_the_object(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        payload = self.put_payload(obj, tree.commune)
        data = assert_json(full.client.put(self.detail_url(obj.pk), payload, format="json"))
        assert_stored(obj, payload)
        assert_shown(data, payload)
        assert_recorded(self.model, obj.pk, "update", full.prefix)

    def test_write_with_a_stale_if_match_is_412(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        payload = self.update_payload(obj, tree.commune)
        tag = full.client.get(self.detail_url(obj.pk))["ETag"]
        before = counts()
        stale = full.client.patch(
            self.detail_url(obj.pk), payload, format="json", HTTP_IF_MATCH='"stale"'
        )
        assert_problem(stale, 412, code="precondition-failed")
        assert_problem(
            full.client.delete(self.detail_url(obj.pk), HTTP_IF_MATCH='"stale"'),
            412,
            code="precondition-failed",
        )
        # If-Match compares strongly (RFC 9110): the weak form of the current tag fails.
        weak = full.client.patch(
            self.detail_url(obj.pk), payload, format="json", HTTP_IF_MATCH=f"W/{tag}"
        )
        assert_problem(weak, 412, code="precondition-failed")
        assert counts() == before
        fresh = full.client.patch(
            self.detail_url(obj.pk), payload, format="json", HTTP_IF_MATCH=tag
        )
        assert_json(fresh)
        assert_stored(obj, payload)

    def test_delete_removes_the_object_and_records_a_tombstone(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        response = full.client.delete(self.detail_url(obj.pk))
        assert response.status_code == 204, response.content
        assert not self.model._default_manager.filter(pk=obj.pk).exists()
        record = assert_recorded(self.model, obj.pk, "delete", full.prefix)
        assert record.before, "a deletion keeps the deleted values"
        assert_problem(full.client.get(self.detail_url(obj.pk)), 404)

    def test_delete_of_a_protected_object_is_409(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        if not self.protect(obj):
            pytest.skip(f"nothing protects a {self.basename} from deletion (it cascades)")
        before = counts()
        assert_problem(full.client.delete(self.detail_url(obj.pk)), 409, code="conflict")
        assert counts() == before
        assert self.model._default_manager.filter(pk=obj.pk).exists()

    def test_history_lists_the_changes_in_order(self, tree, full):
        payload = self.create_payloads(tree.commune)[0]
        created = assert_json(full.client.post(self.list_url(), payload, format="json"), 201)
        obj = self.model._default_manager.get(pk=created["id"])
        update = self.update_payload(obj, tree.commune)
        assert_json(full.client.patch(self.detail_url(obj.pk), update, format="json"))
        history = results(full.client.get(self.history_url(obj.pk)))
        assert [h["action"] for h in history] == ["create", "update"]
        assert [h["id"] for h in history] == sorted(h["id"] for h in history)
        assert all(h["via"] == "api" and h["api_key"] == full.prefix for h in history)
        assert all(h["object_id"] == obj.pk for h in history)
        assert history[0]["before"] is None and history[0]["after"]
        assert history[1]["before"] and history[1]["after"]
        assert set(history[1]["before"]) == set(history[1]["after"])
        for name, value in history[1]["after"].items():
            assert history[1]["before"][name] != value, f"{name} recorded as changed, but equal"
        assert_problem(full.client.get(self.history_url(10**9)), 404)

    # --- filters -----------------------------------------------------------------------

    def test_filter_id_takes_several_ids_and_q_searches_text(self, tree, full):
        made = a, b, c = self.make(3, tree.commune)
        assert ids(self.get_list(full.client, id=[a.pk, c.pk])) == {a.pk, c.pk}
        assert ids(self.get_list(full.client, id=f"{b.pk},{c.pk}")) == {b.pk, c.pk}
        assert_problem(self.get_list(full.client, id="x"), 400, field="id")
        term = self.search_term(made[1])
        assert ids(self.get_list(full.client, q=term.upper())) == {made[1].pk}, "case-blind"
        assert ids(self.get_list(full.client, q="no-such-text-anywhere")) == set()

    def test_filter_updated_since(self, tree, full):
        made = self.make(3, tree.commune)
        cut = timezone.now()
        payload = self.update_payload(made[1], tree.commune)
        assert_json(full.client.patch(self.detail_url(made[1].pk), payload, format="json"))
        assert ids(self.get_list(full.client, updated_since=cut.isoformat())) == {made[1].pk}
        later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
        assert ids(self.get_list(full.client, updated_since=later)) == set()
        assert_problem(self.get_list(full.client, updated_since="yesterday"), 400)

    def test_filter_territory_is_transitive(self, tree, full):
        if self.territory_filter is None:
            pytest.skip(f"{self.basename} has no territory filter")
        inside = pks(self.make(2, tree.commune))
        outside = pks(self.make(1, tree.other_commune))
        name = self.territory_filter
        for ref in (tree.region.pk, key_of(tree.region), key_of(tree.dept), tree.commune.pk):
            found = ids(self.get_list(full.client, **{name: ref}))
            assert inside <= found and not outside & found, f"?{name}={ref}"
        found = ids(self.get_list(full.client, **{name: tree.other_region.pk}))
        assert outside <= found and not inside & found
        assert ids(self.get_list(full.client, **{name: "commune:00000"})) == set()
        assert_problem(self.get_list(full.client, **{name: "nonsense"}), 400, field=name)

    def test_choice_filters_take_repeated_values(self, tree, full):
        self.make(4, tree.commune)
        self.make(1, tree.other_commune)
        manager = self.model._default_manager
        choice_filters = {
            name: f
            for name, f in self.filterset().base_filters.items()
            if isinstance(f, django_filters.MultipleChoiceFilter)
        }
        assert choice_filters, f"{self.basename} has no choice filter to test"
        for name, f in choice_filters.items():
            column = f.field_name
            stored = set(manager.values_list(column, flat=True))
            choices = [c for c, _label in f.extra["choices"] if c != ""]
            present = sorted(c for c in choices if c in stored)
            absent = [c for c in choices if c not in stored]
            assert present, f"make() should give some {self.basename} a {column}"
            asked = present[:2] if len(present) > 1 else present + absent[:1]

            def expected(values, column=column):
                return set(manager.filter(**{f"{column}__in": values}).values_list("pk", flat=True))

            assert ids(self.get_list(full.client, **{name: asked})) == expected(asked), name
            assert ids(self.get_list(full.client, **{name: asked[:1]})) == expected(asked[:1])
            if absent:
                assert ids(self.get_list(full.client, **{name: absent[0]})) == set(), name
            assert_problem(self.get_list(full.client, **{name: "no-such-choice"}), 400, field=name)

    # --- permissions -------------------------------------------------------------------

    def test_no_key_is_401_and_writes_nothing(self, tree):
        obj = self.make(1, tree.commune)[0]
        payload = self.create_payloads(tree.commune)[0]
        anonymous = APIClient()
        before = counts()
        url = self.detail_url(obj.pk)
        for response in (
            anonymous.get(self.list_url()),
            anonymous.get(url),
            anonymous.get(self.history_url(obj.pk)),
            anonymous.post(self.list_url(), payload, format="json"),
            anonymous.patch(url, self.update_payload(obj, tree.commune), format="json"),
            anonymous.delete(url),
        ):
            assert_problem(response, 401, code="not-authenticated")
        assert counts() == before

    def test_read_only_key_reads_but_cannot_write(self, tree):
        obj = self.make(1, tree.commune)[0]
        payload = self.create_payloads(tree.commune)[0]
        reader = caller(scopes=("read",))
        assert obj.pk in ids(self.get_list(reader.client))
        assert assert_json(reader.client.get(self.detail_url(obj.pk)))["id"] == obj.pk
        before = counts()
        url = self.detail_url(obj.pk)
        for response in (
            reader.client.post(self.list_url(), payload, format="json"),
            reader.client.patch(url, self.update_payload(obj, tree.commune), format="json"),
            reader.client.put(url, self.put_payload(obj, tree.commune), format="json"),
            reader.client.delete(url),
        ):
            assert_problem(response, 403, code="permission-denied")
        assert counts() == before

    def test_territory_scoped_keys_see_their_territory_only(self, tree):
        obj, below = self.make(2, tree.commune)
        elsewhere = pks(self.make(1, tree.other_commune))
        insider = caller(territory=tree.region)
        found = ids(self.get_list(insider.client))
        assert {obj.pk, below.pk} <= found and not elsewhere & found
        assert found == self.visible_from(tree.region)
        for pk in (obj.pk, below.pk):
            assert assert_json(insider.client.get(self.detail_url(pk)))["id"] == pk
        outsider = caller(territory=tree.other_region)
        found = ids(self.get_list(outsider.client))
        assert obj.pk not in found
        assert elsewhere <= found, "the key still sees its own territory"
        assert found == self.visible_from(tree.other_region)
        update = self.update_payload(obj, tree.commune)
        put = self.put_payload(obj, tree.commune)
        before = counts()
        url = self.detail_url(obj.pk)
        for response in (
            outsider.client.get(url),
            outsider.client.get(self.history_url(obj.pk)),
            outsider.client.patch(url, update, format="json"),
            outsider.client.put(url, put, format="json"),
            outsider.client.delete(url),
        ):
            assert_problem(response, 404)  # never 403: the object's existence is not revealed
        assert counts() == before

    def test_scoped_key_creates_inside_its_territory_not_outside(self, tree):
        insider = caller(territory=tree.region)
        outside = self.create_payloads(tree.other_commune)
        inside = self.create_payloads(tree.commune)[0]
        before = counts()
        for payload in outside:
            response = insider.client.post(self.list_url(), payload, format="json")
            assert_problem(response, 422, field=self.scope_error_field)
        assert counts() == before
        created = assert_json(insider.client.post(self.list_url(), inside, format="json"), 201)
        assert self.model._default_manager.filter(pk=created["id"]).exists()

    # --- bad input ---------------------------------------------------------------------

    def test_invalid_payloads_are_422_naming_the_field(self, tree, full):
        cases = self.invalid_payloads(tree.commune)
        assert cases
        before = counts()
        for payload, field in cases:
            response = full.client.post(self.list_url(), payload, format="json")
            assert_problem(response, 422, field=field)
        assert counts() == before

    def test_malformed_requests_are_problems_and_write_nothing(self, tree, full):
        obj = self.make(1, tree.commune)[0]
        payload = self.update_payload(obj, tree.commune)
        put = self.put_payload(obj, tree.commune)
        url, unknown = self.detail_url(obj.pk), self.detail_url(10**9)
        client = full.client
        before = counts()
        # Unparseable JSON: 400.
        for response in (
            client.post(self.list_url(), '{"name": ', content_type="application/json"),
            client.patch(url, "{nope", content_type="application/json"),
        ):
            assert_problem(response, 400, code="bad-request")
        # A body in a format the API does not read: 415.
        for response in (
            client.post(self.list_url(), "<x/>", content_type="application/xml"),
            client.patch(url, "name=x", content_type="text/plain"),
        ):
            assert_problem(response, 415, code="unsupported-media-type")
        # An id that does not exist: 404.
        for response in (
            client.get(unknown),
            client.patch(unknown, payload, format="json"),
            client.put(unknown, put, format="json"),
            client.delete(unknown),
        ):
            assert_problem(response, 404, code="not-found")
        assert counts() == before
