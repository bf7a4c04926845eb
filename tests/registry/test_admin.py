"""The admin: every page renders, every write is recorded, refused writes are form errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from registry.models import (
    Actor,
    Body,
    BodyType,
    ChangeRecord,
    CogVintage,
    College,
    Membership,
    PersonalData,
    TerritoryClosure,
    TerritoryLevel,
    TerritoryRelation,
)
from registry.models.merge import ActorMerge
from registry.services import actors, territories
from registry.services.obligations import legal_obligations_load_shipped
from tests.factories import (
    ActorFactory,
    BodyFactory,
    CollegeFactory,
    InteractionFactory,
    MeetingFactory,
    MembershipFactory,
    OpinionFactory,
    OrganizationFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db

REGISTRY_ADMINS = sorted(
    (m for m in admin.site._registry if m._meta.app_label == "registry"),
    key=lambda m: m._meta.model_name,
)
READ_ONLY = {ChangeRecord, TerritoryClosure, ActorMerge, CogVintage}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:registry_{model._meta.model_name}_{view}", args=args)


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, int]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def body_form(territory, **overrides) -> dict:
    data = {
        "name": "Conseil de quartier Centre",
        "body_type": BodyType.CONSEIL_QUARTIER,
        "territory": territory.pk,
        "status": "active",
        "parity_rule": "none",
        "sources": "[]",
        **management("colleges"),
        **management("memberships"),
    }
    data.update(overrides)
    return data


def membership_row(prefix: str, i: int, actor, start: str, **extra) -> dict:
    row = {"actor": actor.pk, "role": "member", "start_date": start, **extra}
    return {f"{prefix}-{i}-{k}": v for k, v in row.items()}


@pytest.fixture
def sample_data():
    """One of everything, so every list shows at least one row."""
    # The legal rules the migrations ship (gone if a transactional test flushed them).
    legal_obligations_load_shipped()
    region = territories.territory_create(level=TerritoryLevel.REGION, code="24", name="Centre")
    dep = territories.territory_create(
        level=TerritoryLevel.DEPARTEMENT,
        code="28",
        name="Eure-et-Loir",
        parents=[(region, "administrative")],
    )
    commune = territories.territory_create(
        level=TerritoryLevel.COMMUNE,
        code="28085",
        name="Chartres",
        parents=[(dep, "administrative")],
    )
    person = ActorFactory(territory=commune)
    actors.actor_identifier_add(actor=person, scheme="external", value="P-1", issuer="crm")
    actors.actor_personal_data_set(
        actor=person,
        email="p@example.org",
        lawful_basis="public_task",
        retention_until=dt.date(2030, 1, 1),
    )
    body = BodyFactory(territory=commune, host=OrganizationFactory())
    college = CollegeFactory(body=body)
    MembershipFactory(actor=person, body=body, college=college)
    meeting = MeetingFactory(body=body)
    from registry.services import activity

    activity.attendance_set(meeting=meeting, attendance={person: "present"})
    OpinionFactory(body=body)
    InteractionFactory(source=person)
    from registry import tracking
    from registry.models import ActorOtherName

    tracking.create(ActorOtherName(actor=person, name="P."))
    from registry.services.merge import actor_merge

    actor_merge(actor=ActorFactory(territory=commune), into=person)
    from django.contrib.auth import get_user_model

    from registry.models import StaffTerritory
    from registry.services.charters import charter_create

    charter_create(territory=commune, name="Charte de la participation", min_meetings_per_year=3)
    agent = get_user_model().objects.create_user("chartres-agent", is_staff=True)
    StaffTerritory.objects.create(user=agent, territory=dep)
    tracking.create(
        CogVintage(pk=CogVintage.SINGLE_ROW, vintage=2026, imported_on=dt.date(2026, 1, 1))
    )
    return {"region": region, "dep": dep, "commune": commune, "person": person, "body": body}


# --- every page renders ------------------------------------------------------------


def test_every_registry_model_has_an_admin():
    from django.apps import apps

    assert set(apps.get_app_config("registry").get_models()) == set(REGISTRY_ADMINS)


@pytest.mark.parametrize("model", REGISTRY_ADMINS, ids=lambda m: m._meta.model_name)
def test_changelist_and_add_pages_render(admin_client, sample_data, model):
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200, response.content[:500]
    add = admin_client.get(url(model, "add"))
    assert add.status_code == (403 if model in READ_ONLY else 200)


@pytest.mark.parametrize("model", REGISTRY_ADMINS, ids=lambda m: m._meta.model_name)
def test_change_and_history_pages_render(admin_client, sample_data, model):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"sample_data makes no {model.__name__}: add one"
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(url(model, "history", obj.pk)).status_code == 200


def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, sample_data, django_assert_max_num_queries
):
    for _ in range(3):
        MembershipFactory(body=sample_data["body"])
    admin_client.get(url(Membership, "changelist"))  # warm caches (content types, session)
    with django_assert_max_num_queries(15):
        assert admin_client.get(url(Membership, "changelist")).status_code == 200


def test_body_change_page_query_count_does_not_grow_with_members(
    admin_client, sample_data, django_assert_max_num_queries
):
    body = sample_data["body"]
    college = body.colleges.get()
    for _ in range(10):
        MembershipFactory(body=body, college=college, on_behalf_of=OrganizationFactory())
    admin_client.get(url(Body, "change", body.pk))
    with django_assert_max_num_queries(15):
        assert admin_client.get(url(Body, "change", body.pk)).status_code == 200


# --- search and filters ---------------------------------------------------------------


def test_search_finds_bodies_by_name_and_territory_code(admin_client, sample_data):
    BodyFactory(name="Conseil des jeunes de Dreux")
    response = admin_client.get(url(Body, "changelist"), {"q": "jeunes"})
    names = [b.name for b in response.context["cl"].result_list]
    assert names == ["Conseil des jeunes de Dreux"]
    response = admin_client.get(url(Body, "changelist"), {"q": "28085"})
    assert list(response.context["cl"].result_list) == [sample_data["body"]]


def test_filters_by_type_and_by_departement_through_the_hierarchy(admin_client, sample_data):
    elsewhere = BodyFactory(body_type=BodyType.CESER)
    response = admin_client.get(url(Body, "changelist"), {"departement": "28"})
    assert list(response.context["cl"].result_list) == [sample_data["body"]]
    response = admin_client.get(url(Body, "changelist"), {"region": "24"})
    assert list(response.context["cl"].result_list) == [sample_data["body"]]
    response = admin_client.get(url(Body, "changelist"), {"body_type__exact": "ceser"})
    assert list(response.context["cl"].result_list) == [elsewhere]
    response = admin_client.get(url(Membership, "changelist"), {"departement": "28"})
    assert response.context["cl"].result_count == 1


def test_change_ledger_is_searchable_by_object_id_and_request_id(admin_client, sample_data):
    body = sample_data["body"]
    record = ChangeRecord.objects.filter(model="registry.body", object_id=body.pk).get()
    response = admin_client.get(
        url(ChangeRecord, "changelist"), {"q": str(body.pk), "model": "registry.body"}
    )
    assert list(response.context["cl"].result_list) == [record]
    response = admin_client.get(url(ChangeRecord, "changelist"), {"via": "admin"})
    assert response.status_code == 200


# --- writes are recorded ------------------------------------------------------------


def test_body_with_a_college_added_through_the_admin_is_recorded(admin_client, admin_user):
    territory = TerritoryFactory()
    data = body_form(
        territory,
        **management("colleges", total=1),
        **{"colleges-0-name": "Habitants", "colleges-0-selection_mode": "lot"},
    )
    response = admin_client.post(url(Body, "add"), data, HTTP_X_REQUEST_ID="req-admin-1")
    assert response.status_code == 302, response.context and response.context["errors"]
    body = Body.objects.get(name="Conseil de quartier Centre")
    college = College.objects.get(body=body)
    records = ChangeRecord.objects.filter(
        model__in=["registry.body", "registry.college"], object_id__in=[body.pk, college.pk]
    )
    assert {(r.model, r.action) for r in records} == {
        ("registry.body", "create"),
        ("registry.college", "create"),
    }
    assert {(r.via, r.user_id, r.request_id) for r in records} == {
        ("admin", admin_user.pk, "req-admin-1")
    }


def test_a_change_through_the_admin_records_before_and_after(admin_client, sample_data):
    body = sample_data["body"]
    data = body_form(body.territory, name="Conseil renommé", host=body.host_id)
    college = body.colleges.get()
    membership = body.memberships.get()
    data.update(management("colleges", total=1, initial=1))
    data.update(
        {
            "colleges-0-id": college.pk,
            "colleges-0-body": body.pk,
            "colleges-0-name": college.name,
            "colleges-0-selection_mode": college.selection_mode,
        }
    )
    data.update(management("memberships", total=1, initial=1))
    data.update(membership_row("memberships", 0, membership.actor, "2024-01-01"))
    data.update(
        {
            "memberships-0-id": membership.pk,
            "memberships-0-body": body.pk,
            "memberships-0-college": college.pk,
        }
    )
    response = admin_client.post(url(Body, "change", body.pk), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    record = ChangeRecord.objects.filter(model="registry.body", object_id=body.pk).last()
    assert (record.action, record.via) == ("update", "admin")
    assert record.before == {"name": body.name}
    assert record.after == {"name": "Conseil renommé"}
    # Unchanged inline rows leave no trace.
    assert not ChangeRecord.objects.filter(
        model__in=["registry.college", "registry.membership"], action="update"
    ).exists()


def test_bulk_delete_action_records_each_deletion(admin_client, admin_user):
    opinions = [OpinionFactory(), OpinionFactory()]
    from registry.models import Opinion

    response = admin_client.post(
        url(Opinion, "changelist"),
        {"action": "delete_selected", "_selected_action": [o.pk for o in opinions], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Opinion.objects.exists()
    deletes = ChangeRecord.objects.filter(model="registry.opinion", action="delete")
    assert {r.object_id for r in deletes} == {o.pk for o in opinions}
    assert {(r.via, r.user_id) for r in deletes} == {("admin", admin_user.pk)}


def test_deleting_through_the_admin_records_the_cascade(admin_client):
    college = CollegeFactory()
    response = admin_client.post(url(Body, "delete", college.body_id), {"post": "yes"})
    assert response.status_code == 302
    assert ChangeRecord.objects.filter(
        model="registry.college", object_id=college.pk, action="delete", via="admin"
    ).exists()


def test_territory_added_with_a_parent_link_is_placed_in_the_closure(admin_client, sample_data):
    from registry.models import Territory

    dep = sample_data["dep"]
    data = {
        "level": TerritoryLevel.COMMUNE,
        "kind": "",
        "code": "28999",
        "name": "Commune nouvelle",
        "siren": "",
        "extra": "{}",
        "sources": "[]",
        **management("parent_relations", total=1),
        "parent_relations-0-parent": dep.pk,
        "parent_relations-0-kind": "administrative",
        **management("child_relations"),
    }
    response = admin_client.post(url(Territory, "add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    created = Territory.objects.get(code="28999")
    assert set(Territory.objects.filter(descendant_links__descendant=created)) == {
        created,
        dep,
        sample_data["region"],
    }
    assert set(ChangeRecord.objects.filter(via="admin").values_list("model", flat=True)) == {
        "registry.territory",
        "registry.territoryrelation",
    }


def test_renaming_a_territory_leaves_its_listed_children_alone(admin_client, sample_data):
    from registry.models import Territory

    dep, region, commune = sample_data["dep"], sample_data["region"], sample_data["commune"]
    up = TerritoryRelation.objects.get(child=dep)
    down = TerritoryRelation.objects.get(parent=dep)
    data = {
        "level": dep.level,
        "kind": "",
        "code": dep.code,
        "name": "Eure-et-Loir (28)",
        "siren": "",
        "extra": "{}",
        "sources": "[]",
        **management("parent_relations", total=1, initial=1),
        "parent_relations-0-id": up.pk,
        "parent_relations-0-child": dep.pk,
        "parent_relations-0-parent": region.pk,
        "parent_relations-0-kind": up.kind,
        # The children are listed read-only: the browser posts only their ids.
        **management("child_relations", total=1, initial=1),
        "child_relations-0-id": down.pk,
        "child_relations-0-parent": dep.pk,
    }
    response = admin_client.post(url(Territory, "change", dep.pk), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(ChangeRecord.objects.filter(via="admin").values_list("model", "action")) == [
        ("registry.territory", "update")
    ]
    assert TerritoryRelation.objects.get(pk=down.pk).child == commune


def test_actor_added_with_identifier_and_personal_data_is_recorded(admin_client, admin_user):
    from registry.models import Actor

    data = {
        "kind": "person",
        "category": "resident",
        "name": "Jeanne Martin",
        "links": "[]",
        "sources": "[]",
        **management("identifiers", total=1),
        "identifiers-0-scheme": "external",
        "identifiers-0-value": "J-42",
        "identifiers-0-issuer": "crm",
        **management("other_names"),
        **management("personal_data", total=1),
        "personal_data-0-email": "jeanne@example.org",
        "personal_data-0-lawful_basis": "consent",
        "personal_data-0-retention_until": "2030-01-01",
    }
    response = admin_client.post(url(Actor, "add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    actor = Actor.objects.get(name="Jeanne Martin")
    assert actor.personal_data.email == "jeanne@example.org"
    assert actor.identifiers.get().value == "J-42"
    records = ChangeRecord.objects.filter(via="admin", user=admin_user)
    assert sorted(records.values_list("model", flat=True)) == [
        "registry.actor",
        "registry.actoridentifier",
        "registry.personaldata",
    ]


def test_identifier_held_by_another_actor_is_an_error_on_its_row(admin_client, sample_data):
    from registry.models import Actor

    before = (Actor.objects.count(), ChangeRecord.objects.count())
    data = {
        "kind": "person",
        "category": "resident",
        "name": "Homonyme",
        "links": "[]",
        "sources": "[]",
        **management("identifiers", total=1),
        "identifiers-0-scheme": "external",
        "identifiers-0-value": "P-1",
        "identifiers-0-issuer": "crm",
        **management("other_names"),
        **management("personal_data"),
    }
    response = admin_client.post(url(Actor, "add"), data)
    assert response.status_code == 200
    formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "identifiers"
    )
    assert formset.forms[0].errors
    assert (Actor.objects.count(), ChangeRecord.objects.count()) == before


# --- refused writes are form errors, not 500s, and write nothing --------------------------


def test_overlapping_membership_is_a_form_error_and_writes_nothing(admin_client, sample_data):
    existing = Membership.objects.get()
    before = (Membership.objects.count(), ChangeRecord.objects.count())
    data = {
        "actor": existing.actor_id,
        "body": existing.body_id,
        "role": existing.role,
        "start_date": "2025-06-01",
        "sources": "[]",
    }
    response = admin_client.post(url(Membership, "add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors, "the overlap must be shown on the form"
    assert "already holds this role" in str(form.non_field_errors())
    assert (Membership.objects.count(), ChangeRecord.objects.count()) == before


def test_overlapping_rows_in_a_body_inline_are_refused_as_a_whole(admin_client):
    body = BodyFactory()
    actor = ActorFactory()
    before = ChangeRecord.objects.count()
    data = body_form(body.territory, name=body.name, description="changed")
    data.update(management("memberships", total=2))
    data.update(membership_row("memberships", 0, actor, "2024-01-01"))
    data.update(membership_row("memberships", 1, actor, "2024-06-01"))
    response = admin_client.post(url(Body, "change", body.pk), data)
    assert response.status_code == 200
    formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "memberships"
    )
    assert formset.forms[1].errors
    assert not Membership.objects.exists()
    # The body's own change was rolled back with the refused rows.
    assert ChangeRecord.objects.count() == before
    body.refresh_from_db()
    assert body.description == ""


def test_deleting_a_protected_actor_is_refused_without_error(admin_client, sample_data):
    person = sample_data["person"]
    response = admin_client.post(url(type(person), "delete", person.pk), {"post": "yes"})
    assert response.status_code in (200, 302)
    assert type(person).objects.filter(pk=person.pk).exists()


# --- history and the ledger -----------------------------------------------------------


def test_history_page_lists_the_objects_changes(admin_client, admin_user):
    body = BodyFactory(name="Ancien nom")
    data = body_form(body.territory, name="Nouveau nom")
    assert admin_client.post(url(Body, "change", body.pk), data).status_code == 302
    response = admin_client.get(url(Body, "history", body.pk))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [record.action for record, _rows in entries] == ["update", "create"]
    update, rows = entries[0]
    assert update.user == admin_user and update.via == "admin"
    content = response.content.decode()
    assert "Ancien nom" in content and "Nouveau nom" in content
    assert admin_user.get_username() in content


def test_change_ledger_cannot_be_added_changed_or_deleted(admin_client, sample_data):
    record = ChangeRecord.objects.first()
    assert admin_client.get(url(ChangeRecord, "add")).status_code == 403
    assert admin_client.post(url(ChangeRecord, "add"), {"model": "x"}).status_code == 403
    view = admin_client.get(url(ChangeRecord, "change", record.pk))
    assert view.status_code == 200  # read-only view
    assert b'name="_save"' not in view.content
    changed = admin_client.post(url(ChangeRecord, "change", record.pk), {"via": "forged"})
    assert changed.status_code == 403
    assert (
        admin_client.post(url(ChangeRecord, "delete", record.pk), {"post": "yes"}).status_code
        == 403
    )
    actions = admin_client.get(url(ChangeRecord, "changelist")).context["action_form"]
    assert actions is None or "delete_selected" not in dict(actions.fields["action"].choices)
    record.refresh_from_db()
    assert record.via != "forged"


def test_territory_closure_is_read_only_and_follows_admin_links(admin_client, sample_data):
    dep, commune = sample_data["dep"], sample_data["commune"]
    other = TerritoryFactory(level=TerritoryLevel.EPCI, code="200033181", name="CA Chartres")
    data = {
        "parent": other.pk,
        "child": commune.pk,
        "kind": "intercommunal",
        "sources": "[]",
    }
    assert admin_client.post(url(TerritoryRelation, "add"), data).status_code == 302
    assert TerritoryClosure.objects.filter(ancestor=other, descendant=commune).exists()
    assert TerritoryClosure.objects.filter(ancestor=dep, descendant=commune).exists()
    relation = TerritoryRelation.objects.get(parent=other)
    response = admin_client.post(url(TerritoryRelation, "delete", relation.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not TerritoryClosure.objects.filter(ancestor=other, descendant=commune).exists()


# --- personal data behind a permission ---------------------------------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    def make(*codenames):
        user = django_user_model.objects.create_user("agent", password="x", is_staff=True)
        perms = Permission.objects.filter(
            content_type__app_label="registry", codename__in=codenames
        )
        user.user_permissions.set(perms)
        client.force_login(user)
        return client

    return make


def test_personal_data_shows_only_with_the_view_permission(staff_client, sample_data):
    person = sample_data["person"]
    client = staff_client("view_actor", "change_actor", "change_personaldata")
    page = client.get(url(type(person), "change", person.pk))
    assert page.status_code == 200
    assert b"p@example.org" not in page.content
    assert client.get(url(PersonalData, "changelist")).status_code == 403


def test_personal_data_inline_shows_with_the_permission(client, django_user_model, sample_data):
    person = sample_data["person"]
    user = django_user_model.objects.create_user("dpo", password="x", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="registry", codename__in=["view_actor", "view_personaldata"]
        )
    )
    client.force_login(user)
    page = client.get(url(type(person), "change", person.pk))
    assert b"p@example.org" in page.content


def test_personal_data_is_hidden_in_the_ledger_without_the_permission(staff_client, sample_data):
    client = staff_client("view_changerecord")
    record = ChangeRecord.objects.get(model="registry.personaldata")
    page = client.get(url(ChangeRecord, "change", record.pk))
    assert page.status_code == 200
    assert b"p@example.org" not in page.content


# --- French --------------------------------------------------------------------------


def test_choice_labels_are_translated_to_french():
    with translation.override("fr"):
        assert str(BodyType.CONSEIL_QUARTIER.label) == "Conseil de quartier"
        assert str(TerritoryLevel.COMMUNE_DELEGUEE.label) == "Commune déléguée"
        assert str(Body._meta.verbose_name_plural) == "instances"


def test_admin_speaks_french_with_a_french_browser(admin_client, sample_data):
    response = admin_client.get(url(Body, "changelist"), HTTP_ACCEPT_LANGUAGE="fr")
    content = response.content.decode()
    assert "Conseil de quartier" in content
    assert "Instances" in content or "instances" in content


# --- the "merge into…" action on actors --------------------------------------------------------


def _merge_post(client, selected, into=None):
    data = {"action": "merge_into", "_selected_action": [a.pk for a in selected]}
    if into is not None:
        data.update(apply="yes", into=into)
    return client.post(url(Actor, "changelist"), data, follow=into is not None)


def test_merge_into_asks_for_the_actor_kept_then_merges_the_others(admin_client):
    from registry.models.merge import ActorMerge

    kept, twin, third = (
        ActorFactory(name=n) for n in ("Odile Ferrand", "FERRAND Odile", "O. Ferrand")
    )
    MembershipFactory(actor=twin, start_date=dt.date(2024, 1, 1))
    page = _merge_post(admin_client, [kept, twin, third])
    assert page.status_code == 200
    assert b"Odile Ferrand" in page.content and b'name="into"' in page.content
    done = _merge_post(admin_client, [kept, twin, third], into=kept.pk)
    assert done.status_code == 200
    assert "2 actor(s) merged into Odile Ferrand." in [str(m) for m in done.context["messages"]]
    assert set(ActorMerge.objects.values_list("merged_id", flat=True)) == {twin.pk, third.pk}
    assert Membership.objects.filter(actor=kept).count() == 1
    assert ChangeRecord.objects.filter(action="merge", via="admin").count() == 2


def test_merge_into_refuses_another_kind_and_merges_nothing(admin_client):
    person, org = ActorFactory(), OrganizationFactory()
    done = _merge_post(admin_client, [person], into=org.pk)
    assert any("same kind" in str(m) for m in done.context["messages"])
    assert Actor.objects.filter(pk=person.pk).exists()


def test_limited_staff_merge_only_within_their_territory(client, django_user_model):
    from registry.models import StaffTerritory
    from registry.models.merge import ActorMerge

    here = territories.territory_create(level=TerritoryLevel.COMMUNE, code="37261", name="Tours")
    there = territories.territory_create(level=TerritoryLevel.COMMUNE, code="41018", name="Blois")
    user = django_user_model.objects.create_user("agent37", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="registry"))
    StaffTerritory.objects.create(user=user, territory=here)
    client.force_login(user)
    inside, twin = ActorFactory(territory=here), ActorFactory(territory=here)
    outside = ActorFactory(territory=there)
    # the actor kept outside: refused as an unknown id, nothing merged
    page = _merge_post(client, [inside], into=outside.pk)
    assert "No actor with this id within your reach." in page.content.decode()
    # an outside actor posted in the selection is not in the admin's queryset: left alone
    _merge_post(client, [twin, outside], into=inside.pk)
    assert list(ActorMerge.objects.values_list("merged_id", flat=True)) == [twin.pk]
    assert Actor.objects.filter(pk=outside.pk).exists()
