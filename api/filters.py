"""Filter pieces shared by the resources (django-filter).

Every filter value of a kind that ``registry.params`` knows (id, whole number, date,
boolean, territory reference) is read by it, through the same fields as the views'
parameters (``api.params``), so ``?as_of=`` on a list and on an analysis accept and
refuse the same texts with the same message.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import ClassVar

import django_filters as filters
from django import forms
from django.db import models
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext
from django_filters import fields
from django_filters.fields import IsoDateTimeField
from django_filters.utils import get_model_field
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.filters import OrderingFilter

from api import params
from api.id_schema import TERRITORY_REF_SCHEMA
from api.scoping import Reach, within_ids
from registry import params as grammar
from registry.params import ParamError


class InputFormField(forms.Field):
    """A form field that decides through a field of the input layer (``api.params``).

    So a list filter and a view parameter of the same kind (id, whole number, date,
    boolean) accept and refuse the same texts, with the same message.
    """

    #: The input-layer field (unbound: ``run_validation`` keeps no state).
    input_field: ClassVar[serializers.Field]

    def to_python(self, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self.input_field.run_validation(value)
        except serializers.ValidationError as error:
            # One ValidationError per message, each with its code: a plain list of strings
            # loses them (a range filter's errors then had "code": null).
            raise forms.ValidationError(
                [forms.ValidationError(str(m), code=m.code or "invalid") for m in error.detail]
            ) from None


class WholeNumberField(InputFormField):
    """A whole number on an integer column: ASCII digits within 64 bits (not a decimal)."""

    input_field = params.QueryIntegerField()


class DateField(InputFormField):
    """A ``YYYY-MM-DD`` date (ASCII digits, 1900-2999)."""

    input_field = params.QueryDateField()


class StrictBooleanField(InputFormField):
    """``true``/``false`` (or ``1``/``0``, any case); empty is "not given"; anything else a 400.

    django-filter's ``BooleanFilter`` reads its value through Django's
    ``NullBooleanSelect``, which turns whatever it does not know (``?current=1``,
    ``?current=yes``) into "not given", so the filter was silently left out.
    """

    widget = forms.Select(choices=[("", "Unknown"), ("true", "Yes"), ("false", "No")])
    input_field = params.QueryBooleanField()


class DateRangeField(fields.DateRangeField):
    """``<name>_after``/``<name>_before`` dates, each read as ``DateField`` reads a date."""

    def __init__(self, *args, **kwargs):
        fields.RangeField.__init__(self, (DateField(), DateField()), *args, **kwargs)

    def compress(self, data_list):
        # A blank text (" ") is "not given" for DateField, but not for MultiValueField's
        # own emptiness test: both ends None then made slice(None, None), which the range
        # filter passed to the database as a date (a 500).
        if not data_list or all(v is None for v in data_list):
            return None
        return super().compress(data_list)


class DecimalField(forms.DecimalField):
    """A decimal number written with ASCII digits (``Decimal()`` reads ``"٣"`` as 3)."""

    def to_python(self, value):
        if isinstance(value, str) and not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MultipleIntegerField(forms.Field):
    """Repeated ids (``?id=1&id=2``), also ``1,2``: ``registry.params.parse_ids``."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            return grammar.parse_ids(value or ())
        except ParamError as error:
            raise forms.ValidationError(error.message, code=error.code) from None


class MultipleChoiceField(forms.MultipleChoiceField):
    """Repeated choices; an empty one (``?level=``, as a filter form sends it) is not given."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v != ""]


class TypedMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Repeated typed choices (``?sign=-1``); an empty one is not given."""

    def to_python(self, value):
        return [v for v in super().to_python(value) if v != ""]


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time (ASCII digits), turned to UTC before it reaches the database.

    Python takes UTC offsets up to ±23:59, PostgreSQL up to ±15:59: a
    ``?updated_since=3071-02-22T17:41:41-18:30`` was a DataError (a 500) there.
    A date-time that UTC cannot hold (year 1 and an east offset) is a 400.
    Django's parser reads any Unicode digit (its ``\\d``): only 0-9 are taken.
    """

    def to_python(self, value):
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        value = super().to_python(value)
        if value is None or timezone.is_naive(value):
            return value
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                gettext("This date-time is out of range."), code="invalid"
            ) from None


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class MultipleIdFilter(filters.Filter):
    """Rows whose ``field_name`` is one of the given ids (repeat the parameter for several)."""

    field_class = MultipleIntegerField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class TerritoryRefField(forms.Field):
    """A territory given by id (``42``) or natural key (``commune:75056``): ``registry.params``."""

    def clean(self, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return resolve_territory(value)


def resolve_territory(value: str) -> int:
    try:
        ref = grammar.parse_territory_ref(value)
    except ParamError as error:
        raise forms.ValidationError(error.message, code=error.code) from None
    pk = grammar.territory_pk(ref)
    # Unknown territory: match nothing rather than reveal what exists.
    return -1 if pk is None else pk


@extend_schema_field(TERRITORY_REF_SCHEMA)
class TerritoryRefFilter(filters.Filter):
    """A filter taking a territory id or natural key (``level:code``)."""

    field_class = TerritoryRefField


@extend_schema_field(TERRITORY_REF_SCHEMA)
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
        """Filters that read their values as the input layer does (``InputFormField``).

        django-filter's own form fields coerce or break: ``NumberFilter`` parses a
        decimal that the integer column then truncates (``?urgency_min=0.5``
        matched 0) and Django's integer, decimal and date fields read every Unicode
        digit (``?power_min=٣`` was 3), with no 64-bit bound (an OverflowError on
        SQLite); a ``BooleanFilter`` ignored any value but true/false.
        """
        found = super().get_filters()
        model = cls._meta.model
        for filter_ in found.values():
            kind = type(filter_)
            if kind is filters.NumberFilter and model is not None:
                field = get_model_field(model, filter_.field_name)
                filter_.field_class = (
                    WholeNumberField if isinstance(field, models.IntegerField) else DecimalField
                )
            elif kind is filters.DateFilter:
                filter_.field_class = DateField
            elif kind is filters.DateFromToRangeFilter:
                filter_.field_class = DateRangeField
            elif kind is filters.IsoDateTimeFilter:
                filter_.field_class = UtcDateTimeField
            elif kind is filters.BooleanFilter:
                filter_.field_class = StrictBooleanField
            elif kind is filters.MultipleChoiceFilter:
                filter_.field_class = MultipleChoiceField
            elif kind is filters.TypedMultipleChoiceFilter:
                filter_.field_class = TypedMultipleChoiceField
        return found

    def get_form_class(self):
        form_class = super().get_form_class()
        return type(form_class.__name__, (_RefusesNul, form_class), {})

    def filter_queryset(self, queryset):
        """A territory named by a parameter that the key may not reach, and that its own
        territory does not lie in, answers as a missing one: nothing, whatever the filter
        does with it (below it, above it, the charters that govern it...), so that no list
        tells it exists. The key's ancestors keep filtering its own rows."""
        reach = Reach.of(self.request) if self.request is not None else Reach()
        if reach.scoped:
            for name, filter_ in self.filters.items():
                value = self.form.cleaned_data.get(name)
                if (
                    isinstance(filter_, TerritoryRefFilter | WithinTerritoryFilter)
                    and value is not None
                    and not reach.knows(value)
                ):
                    return queryset.none()
        return super().filter_queryset(queryset)

    @property
    def errors(self):
        """The form's errors, a range filter's named by the parameter at fault (``date_after``)."""
        errors = self.form.errors
        renamed = ErrorDict()
        for name, messages in errors.items():
            field = self.form.fields.get(name)
            if isinstance(field, fields.RangeField):
                widget = field.widget
                at_fault = [
                    f"{name}_{suffix}"
                    for suffix, sub in zip(widget.suffixes, field.fields, strict=False)
                    if _refuses(sub, self.data.get(f"{name}_{suffix}"))
                ]
                for param in at_fault or [name]:
                    renamed[param] = messages
            else:
                renamed[name] = messages
        return renamed

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


class _RefusesNul:
    """A filter form mixin: a NUL in any parameter is a 400 naming it.

    Django's ``CharField`` refuses NUL, but not every filter's field is one (the
    comma-separated ``BaseInFilter``, custom fields); PostgreSQL raises a
    DataError (a 500) on a NUL in a string.
    """

    def clean(self):
        cleaned = super().clean()
        for name in list(self.fields):
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            if name not in self.errors and any("\x00" in str(v) for v in values):
                self.add_error(
                    name,
                    forms.ValidationError(gettext("Null characters are not allowed."), code="null"),
                )
        return cleaned


def _refuses(field: forms.Field, value) -> bool:
    try:
        field.clean(value)
    except forms.ValidationError:
        return True
    return False


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
