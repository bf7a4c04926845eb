"""Filter pieces shared by the resources (django-filter)."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

import django_filters as filters
from django import forms
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from django_filters.utils import get_model_field
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from api.scoping import within_ids
from registry.models import Territory

#: The range of an id (a 64-bit integer column): beyond it, the database refuses the value.
ID_RANGE = range(-(2**63), 2**63)


class MultipleIntegerField(forms.Field):
    """Repeated integer parameters (``?id=1&id=2``); also accepts ``1,2``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        items = [v for raw in value for v in str(raw).split(",") if v.strip()]
        try:
            ids = [int(v) for v in items]
        except ValueError:
            raise forms.ValidationError("Give whole numbers (ids).", code="invalid") from None
        if any(i not in ID_RANGE for i in ids):
            # SQLite raises OverflowError (a 500) on an integer over 64 bits.
            raise forms.ValidationError("Give whole numbers (ids).", code="invalid")
        return ids


class MultipleChoiceField(forms.MultipleChoiceField):
    """Repeated choices; an empty one (``?level=``, as a filter form sends it) is not given."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v != ""]


class TypedMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Repeated typed choices (``?sign=-1``); an empty one is not given."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v != ""]


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned to UTC before it reaches the database.

    Python takes UTC offsets up to ±23:59, PostgreSQL up to ±15:59: a
    ``?updated_since=3071-02-22T17:41:41-18:30`` was a DataError (a 500) there.
    A date-time that UTC cannot hold (year 1 and an east offset) is a 400.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or timezone.is_naive(value):
            return value
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("This date-time is out of range.", code="invalid") from None


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``, any case); empty is "not given"; anything else a 400.

    django-filter's ``BooleanFilter`` reads its value through Django's
    ``NullBooleanSelect``, which turns whatever it does not know (``?current=1``,
    ``?current=yes``) into "not given", so the filter was silently left out.
    """

    widget = forms.Select(choices=[("", "Unknown"), ("true", "Yes"), ("false", "No")])
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Give true or false.", code="invalid") from None


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class MultipleIdFilter(filters.Filter):
    """Rows whose ``field_name`` is one of the given ids (repeat the parameter for several)."""

    field_class = MultipleIntegerField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class TerritoryRefField(forms.CharField):
    """A territory given by id (``42``) or natural key (``commune:75056``)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return resolve_territory(value)


def resolve_territory(value: str) -> int:
    value = value.strip()
    if value.isdigit():
        return int(value)
    level, sep, code = value.partition(":")
    if not sep:
        raise forms.ValidationError(
            "Give a territory id or level:code (e.g. commune:75056).", code="invalid"
        )
    pk = Territory.objects.filter(level=level, code=code).values_list("pk", flat=True).first()
    if pk is None:
        # Unknown territory: match nothing rather than reveal what exists.
        return -1
    return pk


@extend_schema_field(OpenApiTypes.STR)
class TerritoryRefFilter(filters.Filter):
    """A filter taking a territory id or natural key (``level:code``)."""

    field_class = TerritoryRefField


@extend_schema_field(OpenApiTypes.STR)
class WithinTerritoryFilter(filters.Filter):
    """Rows whose territory is the given one or lies below it, through both hierarchies."""

    field_class = TerritoryRefField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": within_ids(value)})


class RegistryFilterSet(filters.FilterSet):
    """Base: ``id``, ``q`` (text search), ``updated_since``."""

    id = MultipleIdFilter(field_name="id", help_text="One or more ids (repeat the parameter).")
    q = filters.CharFilter(method="search", help_text="Text search on names.")
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only what changed at or after this time (ISO 8601).",
    )
    created_since = filters.IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Only what was created at or after this time (ISO 8601).",
    )

    #: Fields ``q`` searches (case-insensitive containment).
    search_fields: tuple[str, ...] = ("name",)

    @classmethod
    def get_filters(cls):
        """Filters that refuse what the schema refuses, rather than ignore or bend it.

        django-filter's ``NumberFilter`` parses a decimal, which the integer
        column then truncates: ``?urgency_min=0.5`` matched urgency 0 as well;
        on an integer column it now takes whole numbers only. A ``BooleanFilter``
        ignored any value but true/false (see ``StrictBooleanField``).
        """
        found = super().get_filters()
        model = cls._meta.model
        for filter_ in found.values():
            if type(filter_) is filters.NumberFilter and model is not None:
                field = get_model_field(model, filter_.field_name)
                if isinstance(field, models.IntegerField):
                    filter_.field_class = forms.IntegerField
            elif type(filter_) is filters.IsoDateTimeFilter:
                filter_.field_class = UtcDateTimeField
            elif type(filter_) is filters.BooleanFilter:
                filter_.field_class = StrictBooleanField
            elif type(filter_) is filters.MultipleChoiceFilter:
                filter_.field_class = MultipleChoiceField
            elif type(filter_) is filters.TypedMultipleChoiceFilter:
                filter_.field_class = TypedMultipleChoiceField
        return found

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        query = reduce(or_, (Q(**{f"{f}__icontains": value}) for f in self.search_fields))
        return (
            qs.filter(query).distinct()
            if any("__" in f for f in self.search_fields)
            else qs.filter(query)
        )


def today() -> dt.date:
    return timezone.localdate()


def choice_filter(choices, field_name: str, label: str) -> filters.MultipleChoiceFilter:
    return filters.MultipleChoiceFilter(
        field_name=field_name, choices=choices, help_text=f"{label} (repeat for several)."
    )


class StableOrderingFilter(OrderingFilter):
    """``?ordering=``, always ended by the id.

    Rows with equal sort keys (same name, same date) have no defined order in SQL,
    so limit/offset pages could repeat or skip them; the id settles ties. Unknown
    fields are ignored, as in DRF (the default order applies).
    """

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(
            isinstance(f, str) and f.lstrip("-") in ("id", "pk") for f in ordering
        ):
            ordering = (*ordering, "id")
        return ordering
