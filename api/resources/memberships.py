"""Memberships: who sits in which body, college and role, and when."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import django_filters as filters
from rest_framework import serializers

from api.base import ApiUrlField, RegistrySerializer, RegistryViewSet, document
from api.filters import (
    MultipleIdFilter,
    RegistryFilterSet,
    WithinTerritoryFilter,
    choice_filter,
    today,
)
from api.scoping import Reach, outside_actor
from registry.models import BodyType, EndReason, Membership, Role, SelectionMode
from registry.services import memberships as services


class _Period(NamedTuple):
    start_date: dt.date
    end_date: dt.date | None


class MembershipFilterSet(RegistryFilterSet):
    actor = MultipleIdFilter(field_name="actor_id", help_text="Memberships of these actors.")
    body = MultipleIdFilter(field_name="body_id", help_text="Memberships in these bodies.")
    college = MultipleIdFilter(field_name="college_id", help_text="Memberships in these colleges.")
    on_behalf_of = MultipleIdFilter(
        field_name="on_behalf_of_id", help_text="Members representing these organizations."
    )
    role = choice_filter(Role.choices, "role", "Role")
    selection_mode = choice_filter(SelectionMode.choices, "selection_mode", "Selection mode")
    end_reason = choice_filter(EndReason.choices, "end_reason", "End reason")
    body_type = choice_filter(BodyType.choices, "body__body_type", "Type of the body")
    territory = WithinTerritoryFilter(
        field_name="body__territory_id",
        help_text="Memberships of bodies in this territory or below (id or level:code).",
    )
    as_of = filters.DateFilter(
        method="filter_as_of", help_text="Memberships current on this date (start <= D < end)."
    )
    current = filters.BooleanFilter(method="filter_current", help_text="Memberships current today.")
    start_date = filters.DateFromToRangeFilter(help_text="Start date range (_after, _before).")
    end_date = filters.DateFromToRangeFilter(help_text="End date range (_after, _before).")
    external_id = filters.CharFilter(help_text="Identifier in the syncing system.")

    search_fields = ("actor__name", "body__name")

    class Meta:
        model = Membership
        fields = ["id", "role", "selection_mode", "end_reason", "external_id"]

    def filter_as_of(self, qs, name, value):
        return qs.current_on(value)

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        current = qs.current_on(today())
        return current if value else qs.exclude(pk__in=current.values("pk"))


class ReachActorField(serializers.Field):
    """An expanded actor as the key may see it (``api.scoping.Reach.actor_fields``).

    Within the key's territory: the actor's brief form, as ``inner`` renders it. From
    elsewhere (a member of a body inside who lives outside): its id and name only,
    as in the analyses and the Popolo export. Whether the actor is within reach is
    read from the ``<name>_inside`` annotation that ``MembershipViewSet.get_queryset``
    puts on every row (one subquery in the page's query, not one query per row).
    """

    def __init__(self, inner: serializers.Serializer, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)
        self.inner = inner

    def _inside(self, membership, actor) -> bool:
        inside = getattr(membership, f"{self.field_name}_inside", None)
        if inside is not None:
            return inside
        # A membership read through another route (a body's members): the same rule,
        # asked once per home territory of the page's actors.
        seen = self.__dict__.setdefault("_seen", {})
        if actor.territory_id not in seen:
            reach = Reach.of(self.context["request"])
            seen[actor.territory_id] = reach.actor_fields(actor.territory_id) is None
        return seen[actor.territory_id]

    def to_representation(self, membership):
        actor = getattr(membership, self.field_name)
        if actor is None:
            return None
        if self._inside(membership, actor):
            return self.inner.to_representation(actor)
        return outside_actor({"id": actor.pk, "name": actor.name})


class MembershipSerializer(RegistrySerializer):
    url = ApiUrlField(view_name="membership-detail", help_text="API URL.")
    is_current = serializers.SerializerMethodField(help_text="Whether it is current today.")

    expandable = {
        "actor": "api.resources.actors.ActorSerializer",
        "body": "api.resources.bodies.BodySerializer",
        "college": "api.resources.bodies.CollegeSerializer",
        "on_behalf_of": "api.resources.actors.ActorSerializer",
    }
    reach_limited = ("actor", "on_behalf_of")
    scoped_relations = {
        "actor": "territory_id",
        "body": "territory_id",
        "college": "body__territory_id",
        "on_behalf_of": "territory_id",
    }
    display_template = "{actor__name} in {body__name} ({role})"  # Membership.__str__
    row_methods = {"is_current": ("start_date", "end_date")}

    class Meta:
        model = Membership
        fields = [
            "id",
            "url",
            "display",
            "actor",
            "body",
            "college",
            "role",
            "selection_mode",
            "on_behalf_of",
            "start_date",
            "end_date",
            "end_reason",
            "is_current",
            "external_id",
            "sources",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        brief_fields = ("id", "url", "display", "actor", "body", "role", "start_date", "end_date")
        # The overlap rule and external-id uniqueness are the service's to check, with a
        # clearer message than a generic uniqueness error.
        validators = []

    def _apply_query(self, request) -> None:
        super()._apply_query(request)
        reach = Reach.of(request)
        if not reach.scoped:
            return
        # An expanded member or represented organization from outside the key's
        # territory: id and name only (the list then takes DRF's path, not the fast one).
        for name in self.reach_limited:
            field = self.fields.get(name)
            if isinstance(field, serializers.BaseSerializer):
                self.fields[name] = ReachActorField(field)

    def get_is_current(self, obj) -> bool:
        return obj.is_current(today())

    @staticmethod
    def row_is_current(page, start_date, end_date) -> bool:
        # The model's own rule, on the row's dates (no instance to build per row), with
        # today's date read once per page.
        day = page.get("today") or page.setdefault("today", today())
        return Membership.is_current(_Period(start_date, end_date), day)


@document("membership", "memberships")
class MembershipViewSet(RegistryViewSet):
    """Seats of actors in bodies, over time."""

    queryset = Membership.objects.select_related(
        "actor", "body", "college", "on_behalf_of"
    ).order_by("id")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    territory_path = "body__territory_id"
    ordering_fields = ["id", "start_date", "end_date", "role", "created_at", "updated_at"]
    service_create = staticmethod(services.membership_create)
    service_update = staticmethod(services.membership_update)
    service_delete = staticmethod(services.membership_delete)
    entity = "membership"
    fast_list = True

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "request", None) is None:
            return queryset
        reach = Reach.of(self.request)
        if not reach.scoped:
            return queryset
        # Read by ReachActorField: whether each expanded actor is within the key's reach.
        return queryset.annotate(
            actor_inside=reach.inside("actor__territory_id"),
            on_behalf_of_inside=reach.inside("on_behalf_of__territory_id"),
        )
