"""The admin for staff of one territory, one admin for API keys, French labels, a readable history.

A staff account limited to a territory (``StaffTerritory``) lists, sees and changes
only what lies within it, by the API keys' rule: an object out of reach answers as
a missing one, relation choices and lookups stop at the territory, a write that
would point outside is a form error and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework_api_key.models import APIKey

from api.models import ApiKey
from registry.admin.history import DIFF_COLOURS
from registry.models import (
    Actor,
    ActorIdentifier,
    Attendance,
    Body,
    ChangeRecord,
    College,
    Interaction,
    Meeting,
    Membership,
    Opinion,
    PersonalData,
    StaffTerritory,
    Territory,
    TerritoryClosure,
    TerritoryLevel,
    TerritoryRelation,
)
from registry.services import actors, territories
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _side(region, code: str, name: str) -> dict:
    dep = territories.territory_create(
        level=TerritoryLevel.DEPARTEMENT, code=code, name=name, parents=[(region, "administrative")]
    )
    commune = territories.territory_create(
        level=TerritoryLevel.COMMUNE,
        code=f"{code}001",
        name=f"Commune de {name}",
        parents=[(dep, "administrative")],
    )
    person = ActorFactory(territory=commune)
    actors.actor_identifier_add(actor=person, scheme="external", value=f"P-{code}", issuer="crm")
    actors.actor_personal_data_set(
        actor=person,
        email=f"{code}@example.org",
        lawful_basis="public_task",
        retention_until=dt.date(2030, 1, 1),
    )
    org = OrganizationFactory(territory=commune)
    body = BodyFactory(territory=commune, host=org)
    college = CollegeFactory(body=body)
    membership = MembershipFactory(actor=person, body=body, college=college)
    meeting = MeetingFactory(body=body)
    from registry.services import activity

    activity.attendance_set(meeting=meeting, attendance={person: "present"})
    opinion = OpinionFactory(body=body)
    interaction = InteractionFactory(source=person, target_actor=org, territory=commune)
    return {
        "dep": dep,
        "commune": commune,
        "person": person,
        "org": org,
        "body": body,
        "college": college,
        "membership": membership,
        "meeting": meeting,
        "opinion": opinion,
        "interaction": interaction,
    }


@pytest.fixture
def world():
    """Two départements of one région; the staff account is limited to the first."""
    region = territories.territory_create(level=TerritoryLevel.REGION, code="24", name="Centre")
    return {
        "region": region,
        "inside": _side(region, "28", "Eure-et-Loir"),
        "outside": _side(region, "45", "Loiret"),
    }


def _staff(django_user_model, territory, *, personal_data: bool = True):
    user = django_user_model.objects.create_user("agent28", password="x", is_staff=True)
    perms = Permission.objects.filter(content_type__app_label__in=["registry", "api"])
    if not personal_data:
        perms = perms.exclude(codename="view_personaldata")
    user.user_permissions.set(perms)
    if territory is not None:
        StaffTerritory.objects.create(user=user, territory=territory)
    return user


@pytest.fixture
def agent(client, django_user_model, world):
    """A client logged in as staff limited to the first département, with every permission."""
    client.force_login(_staff(django_user_model, world["inside"]["dep"]))
    return client


def _listed(client, model) -> set:
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200, response.content[:300]
    return {obj.pk for obj in response.context["cl"].result_list}


def _pair(world, model):
    """An object of ``model`` inside and one outside the staff's territory."""

    def pick(side):
        objects = {
            Actor: side["person"],
            Body: side["body"],
            College: side["college"],
            Membership: side["membership"],
            Meeting: side["meeting"],
            Opinion: side["opinion"],
            Interaction: side["interaction"],
            Territory: side["commune"],
            ActorIdentifier: side["person"].identifiers.get(),
            PersonalData: PersonalData.objects.get(actor=side["person"]),
            Attendance: Attendance.objects.get(meeting=side["meeting"]),
            TerritoryRelation: TerritoryRelation.objects.get(child=side["commune"]),
            TerritoryClosure: TerritoryClosure.objects.get(
                descendant=side["commune"], ancestor=side["dep"]
            ),
            ChangeRecord: ChangeRecord.objects.filter(
                model="registry.body", object_id=side["body"].pk
            ).first(),
        }
        return objects[model]

    return pick(world["inside"]), pick(world["outside"])


SCOPED_MODELS = [
    Actor,
    ActorIdentifier,
    PersonalData,
    Body,
    College,
    Membership,
    Meeting,
    Attendance,
    Opinion,
    Interaction,
    Territory,
    TerritoryRelation,
    TerritoryClosure,
    ChangeRecord,
]


# --- lists and pages ---------------------------------------------------------------------


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.model_name)
def test_limited_staff_list_only_what_lies_within_their_territory(agent, world, model):
    inside, outside = _pair(world, model)
    listed = _listed(agent, model)
    assert inside.pk in listed
    assert outside.pk not in listed, f"{model.__name__} {outside} is outside the territory"


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.model_name)
def test_an_object_out_of_reach_answers_as_a_missing_one(agent, world, model):
    inside, outside = _pair(world, model)
    missing = 10**9
    assert agent.get(url(model, "change", inside.pk)).status_code == 200
    assert agent.get(url(model, "history", inside.pk)).status_code == 200
    for view in ("change", "history", "delete"):
        out = agent.get(url(model, view, outside.pk))
        gone = agent.get(url(model, view, missing))
        # 404 both; read-only records refuse deletion (403) before looking anything up.
        expected = 403 if view == "delete" and model in (ChangeRecord, TerritoryClosure) else 404
        assert out.status_code == gone.status_code == expected, (view, out.status_code)
    assert model._default_manager.filter(pk=outside.pk).exists()


def test_deleting_an_object_out_of_reach_by_url_deletes_nothing(agent, world):
    outside = world["outside"]["opinion"]
    response = agent.post(url(Opinion, "delete", outside.pk), {"post": "yes"})
    assert response.status_code == 404
    assert Opinion.objects.filter(pk=outside.pk).exists()


def test_bulk_delete_cannot_reach_outside(agent, world):
    outside = world["outside"]["opinion"]
    response = agent.post(
        url(Opinion, "changelist"),
        {"action": "delete_selected", "_selected_action": [outside.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Opinion.objects.filter(pk=outside.pk).exists()


def test_superusers_are_not_limited(admin_client, world):
    assert {world["inside"]["body"].pk, world["outside"]["body"].pk} <= _listed(admin_client, Body)


def test_staff_without_a_territory_are_not_limited(client, django_user_model, world):
    client.force_login(_staff(django_user_model, None))
    assert {world["inside"]["body"].pk, world["outside"]["body"].pk} <= _listed(client, Body)


# --- lookups and choices -----------------------------------------------------------------


def _autocomplete(client, model, field: str, term: str = "") -> set[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": term,
        },
    )
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("model", "field", "key"),
    [
        (Membership, "actor", "person"),
        (Membership, "body", "body"),
        (Body, "territory", "commune"),
        (Interaction, "target_actor", "org"),
        (ApiKey, "territory", "commune"),
    ],
)
def test_autocomplete_offers_only_what_lies_within(agent, world, model, field, key):
    found = _autocomplete(agent, model, field)
    assert str(world["inside"][key].pk) in found
    assert str(world["outside"][key].pk) not in found


def test_raw_id_lookup_lists_only_what_lies_within(agent, world):
    response = agent.get(url(Actor, "changelist"), {"_popup": "1", "_to_field": "id"})
    listed = {obj.pk for obj in response.context["cl"].result_list}
    assert world["inside"]["person"].pk in listed
    assert world["outside"]["person"].pk not in listed


def test_select_choices_offer_only_what_lies_within(agent, world):
    form = agent.get(url(College, "add")).context["adminform"].form
    offered = {pk for pk, _label in form.fields["body"].choices if pk}
    assert world["inside"]["body"].pk in {int(str(pk)) for pk in offered}
    assert world["outside"]["body"].pk not in {int(str(pk)) for pk in offered}


# --- writes pointing outside ---------------------------------------------------------------


def _membership_form(actor, body, **extra) -> dict:
    return {
        "actor": actor.pk,
        "body": body.pk,
        "role": "member",
        "selection_mode": "",
        "start_date": "2025-01-01",
        "sources": "[]",
        **extra,
    }


def test_a_membership_pointing_at_an_outside_actor_is_refused(agent, world):
    before = Membership.objects.count()
    response = agent.post(
        url(Membership, "add"),
        _membership_form(world["outside"]["person"], world["inside"]["body"]),
    )
    assert response.status_code == 200
    assert "actor" in response.context["adminform"].form.errors
    assert Membership.objects.count() == before


def test_a_membership_in_an_outside_body_is_refused(agent, world):
    before = Membership.objects.count()
    response = agent.post(
        url(Membership, "add"),
        _membership_form(world["inside"]["person"], world["outside"]["body"]),
    )
    assert response.status_code == 200
    assert "body" in response.context["adminform"].form.errors
    assert Membership.objects.count() == before


def test_moving_a_body_outside_is_refused(agent, world):
    body = world["inside"]["body"]
    page = agent.get(url(Body, "change", body.pk))
    data = _form_data(page.context["adminform"].form, page.context["inline_admin_formsets"])
    data["territory"] = world["outside"]["commune"].pk
    response = agent.post(url(Body, "change", body.pk), data)
    assert response.status_code == 200
    assert "territory" in response.context["adminform"].form.errors
    body.refresh_from_db()
    assert body.territory_id == world["inside"]["commune"].pk


def test_an_actor_without_a_territory_is_refused_to_limited_staff(agent, world):
    before = Actor.objects.count()
    data = {
        "kind": "organization",
        "category": "association",
        "name": "Nowhere",
        "links": "[]",
        "sources": "[]",
        **_management("identifiers"),
        **_management("other_names"),
        **_management("personal_data"),
    }
    response = agent.post(url(Actor, "add"), data)
    assert response.status_code == 200
    assert "territory" in response.context["adminform"].form.errors
    assert Actor.objects.count() == before


def test_an_outside_value_already_held_stays_accepted_unchanged(agent, world):
    """A body's member from elsewhere may stay: changing the dates keeps the actor."""
    inside = world["inside"]
    membership = MembershipFactory(
        actor=world["outside"]["person"],
        body=inside["body"],
        on_behalf_of=world["outside"]["org"],
    )
    page = agent.get(url(Membership, "change", membership.pk))
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form, [])
    data["end_date"] = "2026-01-01"
    data["end_reason"] = "resigned"
    response = agent.post(url(Membership, "change", membership.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2026, 1, 1)
    assert membership.actor_id == world["outside"]["person"].pk


def test_limited_staff_cannot_add_territories_nor_manage_accounts(agent, world):
    assert agent.get(url(Territory, "add")).status_code == 403
    from django.contrib.auth import get_user_model

    assert agent.get(url(get_user_model(), "changelist")).status_code == 403
    assert agent.get(url(StaffTerritory, "changelist")).status_code == 403


def test_the_ledger_lists_only_entries_filed_within(agent, world):
    listed = _listed(agent, ChangeRecord)
    inside_ids = set(
        TerritoryClosure.objects.filter(ancestor=world["inside"]["dep"]).values_list(
            "descendant_id", flat=True
        )
    )
    records = ChangeRecord.objects.filter(pk__in=listed)
    assert records.exists()
    assert set(records.values_list("territory_id", flat=True)) <= inside_ids


def _management(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": 0,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def _form_data(form, inline_formsets) -> dict:
    """What a browser would send back for a rendered admin form and its inlines."""
    data = {}

    def take(f):
        for name, field in f.fields.items():
            value = f[name].value()
            key = f.add_prefix(name)
            widget = getattr(field.widget, "widget", field.widget)
            if value is None:
                continue
            if hasattr(widget, "widgets") and isinstance(value, list | tuple):
                for i, part in enumerate(value):
                    data[f"{key}_{i}"] = "" if part is None else part
            elif hasattr(widget, "widgets"):
                parts = widget.decompress(value)
                for i, part in enumerate(parts):
                    data[f"{key}_{i}"] = "" if part is None else part
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = value

    take(form)
    for inline in inline_formsets:
        formset = inline.formset
        data.update({k: v for k, v in formset.management_form.initial.items()})
        data = {
            **data,
            **{
                formset.management_form.add_prefix(k): v
                for k, v in formset.management_form.initial.items()
            },
        }
        for f in formset.forms:
            take(f)
    return data


# --- one admin for API keys --------------------------------------------------------------


def _key_form(**overrides) -> dict:
    data = {
        "name": "CRM",
        "scopes": ["read", "write"],
        "territory": "",
        "contact": "crm@example.org",
        "expiry_date_0": "",
        "expiry_date_1": "",
    }
    data.update(overrides)
    return data


def _shown_key(response) -> str:
    text = " ".join(str(m) for m in response.context["messages"])
    match = re.search(r"([A-Za-z0-9]{8}\.[A-Za-z0-9]+)", text)
    assert match, text
    return match.group(1)


def test_there_is_one_api_key_admin():
    assert ApiKey in admin.site._registry
    assert APIKey not in admin.site._registry


def test_a_key_made_in_the_admin_works_with_its_scopes(admin_client, world, client):
    response = admin_client.post(url(ApiKey, "add"), _key_form(), follow=True)
    assert response.status_code == 200
    key = _shown_key(response)
    stored = ApiKey.objects.get(name="CRM")
    assert stored.scopes == ["read", "write"]
    api = client.get("/api/actors/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api.status_code == 200, api.content[:300]


def test_scopes_are_checkboxes_over_the_declared_scopes(admin_client):
    page = admin_client.get(url(ApiKey, "add")).content.decode()
    for scope in ("read", "write", "personal_data", "analysis"):
        assert re.search(rf'type="checkbox" name="scopes" value="{scope}"', page), scope


def test_an_unknown_scope_is_refused(admin_client):
    response = admin_client.post(url(ApiKey, "add"), _key_form(scopes=["read", "root"]))
    assert response.status_code == 200
    assert "scopes" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


def test_limited_staff_make_keys_of_their_territory_only(agent, world, client):
    national = agent.post(url(ApiKey, "add"), _key_form())
    assert "territory" in national.context["adminform"].form.errors
    outside = agent.post(url(ApiKey, "add"), _key_form(territory=world["outside"]["dep"].pk))
    assert "territory" in outside.context["adminform"].form.errors
    assert not ApiKey.objects.exists()
    inside = world["inside"]["dep"].pk
    made = agent.post(url(ApiKey, "add"), _key_form(territory=inside), follow=True)
    key = _shown_key(made)
    assert ApiKey.objects.get().territory_id == inside
    listed = client.get("/api/bodies/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["results"]}
    assert ids == {world["inside"]["body"].pk}


def test_national_keys_are_hidden_from_limited_staff(agent, world):
    national, _key = ApiKey.objects.create_key(name="national", scopes=["read"])
    assert national.pk not in _listed(agent, ApiKey)
    assert agent.get(url(ApiKey, "change", national.pk)).status_code == 404


def test_personal_data_scope_needs_the_personal_data_permission(client, django_user_model, world):
    client.force_login(_staff(django_user_model, None, personal_data=False))
    response = client.post(url(ApiKey, "add"), _key_form(scopes=["read", "personal_data"]))
    assert "scopes" in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


# --- French ------------------------------------------------------------------------------


def test_api_keys_speak_french_with_a_french_browser(admin_client):
    listing = html.unescape(
        admin_client.get(url(ApiKey, "changelist"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert "Clés d’API" in listing
    form = html.unescape(
        admin_client.get(url(ApiKey, "add"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    for label in ("Portées", "Lecture", "Écriture", "Données personnelles", "Analyse", "Contact"):
        assert label in form, label


def test_staff_territories_speak_french(admin_client, world):
    page = html.unescape(
        admin_client.get(
            url(StaffTerritory, "changelist"), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )
    assert "Territoires du personnel" in page


# --- a readable history ------------------------------------------------------------------


def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#dddddd", "#ffffff") < 1.5  # the old pale "after" colour family


@pytest.mark.parametrize("theme", DIFF_COLOURS, ids=lambda t: f"{t.selector} {t.media or ''}")
def test_history_values_have_aa_contrast_in_every_theme(theme):
    for colour in (theme.before, theme.after):
        for background in theme.backgrounds:
            assert contrast(colour, background) >= 4.5, (colour, background)


def test_history_page_uses_the_declared_colours(admin_client, world):
    body = world["inside"]["body"]
    page = admin_client.get(url(Body, "history", body.pk)).content.decode()
    assert "message-success-bg" not in page
    for theme in DIFF_COLOURS:
        assert theme.after in page and theme.before in page
    assert 'class="registry-after"' in page


def test_a_superuser_limits_an_account_from_its_user_page(admin_client, django_user_model, world):
    user = django_user_model.objects.create_user("agent45", password="x", is_staff=True)
    page = admin_client.get(url(django_user_model, "change", user.pk))
    assert page.status_code == 200
    assert b"staff_territory-TOTAL_FORMS" in page.content
    StaffTerritory.objects.create(user=user, territory=world["outside"]["dep"])
    from registry.admin.scope import scope_of

    class Request:
        pass

    request = Request()
    request.user = user
    assert scope_of(request) == world["outside"]["dep"].pk


def test_territory_filters_offer_the_staffs_surroundings_not_the_country(agent, world):
    page = html.unescape(agent.get(url(Body, "changelist")).content.decode())
    assert "28 – Eure-et-Loir" in page
    assert "24 – Centre" in page
    assert "45 – Loiret" not in page
