"""Query parameters: DRF fields built on the one parameter grammar (``registry.params``).

A query parameter that carries an id, a number, a date, a boolean or a territory
is read by a field of ``api.inputs`` (with ``allow_string=True``: a query string is
text) or of this module, each deciding through ``registry.params``, never by
``int()``, ``str.isdigit()`` or ``date.fromisoformat`` on the raw text. The same
functions read the list filters (``api.filters``) and the management commands'
options, so a text is accepted or refused alike at every door, with one message.

- Views that are not model lists (analyses, export, the change feed) declare their
  parameters as a small serializer of these fields and read them with
  ``query_of(request, Serializer)``; the same serializer goes into
  ``extend_schema(parameters=[Serializer])``, so the OpenAPI document says what is
  enforced. A bad value is a ``ValidationError`` keyed by the parameter's name
  (``{"as_of": [...]}``), which ``api.problems`` turns into a 400 naming it.
- ``territory_param`` reads the ``territory`` parameter (an id or ``level:code``).

An empty parameter (``?as_of=``, as a form sends it) is "not given".
"""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from api.id_schema import TERRITORY_REF_SCHEMA
from api.inputs import StrictBooleanField, StrictDateField, StrictIntegerField
from registry import params as grammar
from registry.params import MESSAGES, ParamError, parse_territory_ref, territory_pk

__all__ = ["TERRITORY_REF_SCHEMA", "parse_territory_ref", "territory_pk"]

TERRITORY_REF_HELP = MESSAGES["territory"]


def parse_id(value: object) -> int | None:
    """``value`` as an id (``registry.params.parse_id``), else None."""
    try:
        return grammar.parse_id(value)
    except ParamError:
        return None


class QueryIntegerField(StrictIntegerField):
    """A whole number given in a query string: ASCII digits, within 64 bits (or the bounds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(allow_string=True, **kwargs)


class QueryIdField(QueryIntegerField):
    """An id given in a query string (``registry.params.parse_id``: 0-9, no sign)."""

    default_error_messages = {"invalid": MESSAGES["id"]}

    def to_internal_value(self, data):
        try:
            value = grammar.parse_id(data)
        except ParamError:
            self.fail("invalid")
        return super().to_internal_value(value)


class QueryBooleanField(StrictBooleanField):
    """``true``/``false`` (or ``1``/``0``) given in a query string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(allow_string=True, **kwargs)


class QueryDateField(StrictDateField):
    """A ``YYYY-MM-DD`` date given in a query string (``registry.params.parse_date``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


@extend_schema_field(TERRITORY_REF_SCHEMA)
class TerritoryRefField(serializers.Field):
    """A territory reference, id or ``level:code``, as parsed by ``parse_territory_ref``."""

    default_error_messages = {"invalid": TERRITORY_REF_HELP}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return parse_territory_ref(data)
        except ParamError:
            self.fail("invalid")

    def to_representation(self, value):
        return grammar.format_territory_ref(value)


def _given(query) -> object:
    """The query without its blank values: an empty or blank parameter is "not given"."""
    if not hasattr(query, "getlist"):
        return query
    given = query.copy()
    for name in list(given):
        values = [v for v in given.getlist(name) if not (isinstance(v, str) and not v.strip())]
        if values:
            given.setlist(name, values)
        else:
            del given[name]
    return given


def query_of(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The query parameters that ``serializer_class`` declares, validated (else a 400).

    Blank values count as not given (the field's default applies).
    """
    serializer = serializer_class(data=_given(request.query_params))
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def check_value(field: serializers.Field, name: str, raw, *, default=None):
    """``raw`` (a parameter's text) through ``field``; ``default`` when empty; else a 400.

    For the views that read one parameter at a time; ``query_of`` reads them all.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        return field.run_validation(raw)
    except serializers.ValidationError as error:
        raise exceptions.ValidationError({name: error.detail}) from None


def territory_param(
    request, *, not_found: exceptions.NotFound, required: bool = True
) -> int | None:
    """The ``territory`` parameter, an id or ``level:code``, as an id (None when absent).

    A natural key is looked up (``not_found`` when there is none); a numeric id
    is returned as given: the caller checks existence and scope in its own query.
    """
    raw = request.query_params.get("territory") or ""
    if not raw.strip():
        if required:
            raise exceptions.ValidationError(
                {"territory": [gettext("This parameter is required.")]}
            )
        return None
    try:
        ref = parse_territory_ref(raw)
    except ParamError as error:
        raise exceptions.ValidationError({"territory": [error.message]}) from None
    pk = territory_pk(ref)
    if pk is None:
        raise not_found
    return pk
