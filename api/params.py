"""Query parameters: one decision per kind of value, for the views and the list filters.

A query parameter that carries an id, a number, a date, a boolean or a territory
is read by a field of ``api.inputs`` (with ``allow_string=True``: a query string is
text), never by ``int()``, ``str.isdigit()`` or ``date.fromisoformat()`` on the raw
text: ``int()`` reads every Unicode decimal digit (``"٣"`` is 3), ``isdigit()`` is
true for ``"²"`` and ``"①"`` that ``int()`` then refuses, and nothing bounds a
number to the 64 bits of an id column (beyond them PostgreSQL raises a DataError
and SQLite an OverflowError: both were 500s).

- Views that are not model lists (analyses, export, the change feed) declare their
  parameters as a small serializer of these fields and read them with
  ``query_of(request, Serializer)``; the same serializer goes into
  ``extend_schema(parameters=[Serializer])``, so the OpenAPI document says what is
  enforced.
- The list filters (``api.filters``) wrap the same fields in form fields.
- ``parse_territory_ref`` is the one grammar of a territory reference: an id or
  ``level:code``.

An empty parameter (``?as_of=``, as a form sends it) is "not given".
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from api.id_schema import TERRITORY_REF_SCHEMA
from api.inputs import (
    INT64_MAX,
    INT64_MIN,
    StrictBooleanField,
    StrictDateField,
    StrictIntegerField,
    parse_ascii_int,
)
from registry.models import Territory

TERRITORY_REF_HELP = "Give a territory id or level:code (e.g. commune:75056)."
#: Longest territory reference: a level (32) and a code (20) with some slack.
TERRITORY_REF_MAX_LENGTH = 100


def parse_id(value: object) -> int | None:
    """``value`` as a 64-bit integer written with ASCII digits (or an int), else None."""
    number = parse_ascii_int(value, allow_string=True)
    if number is None or not INT64_MIN <= number <= INT64_MAX:
        return None
    return number


def parse_territory_ref(value: str) -> int | tuple[str, str]:
    """A territory reference: an id (int) or a natural key ``(level, code)``.

    Raises ``ValueError`` (with the message to show) for anything else: digits
    that are not ASCII, an id beyond 64 bits, no ``:``, NUL, an oversized text.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not text or "\x00" in text or len(text) > TERRITORY_REF_MAX_LENGTH:
        raise ValueError(TERRITORY_REF_HELP)
    level, sep, code = text.partition(":")
    if not sep:
        pk = parse_id(text)
        if pk is None:
            raise ValueError(TERRITORY_REF_HELP)
        return pk
    if not level or not code:
        raise ValueError(TERRITORY_REF_HELP)
    return level, code


def territory_pk(ref: int | tuple[str, str]) -> int | None:
    """The id of a parsed reference: an id as given, a natural key looked up (None: none)."""
    if isinstance(ref, int):
        return ref
    level, code = ref
    return Territory.objects.filter(level=level, code=code).values_list("pk", flat=True).first()


class QueryIntegerField(StrictIntegerField):
    """A whole number given in a query string: ASCII digits, within 64 bits (or the bounds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(allow_string=True, **kwargs)


class QueryIdField(QueryIntegerField):
    """An id given in a query string."""

    default_error_messages = {"invalid": "Give an id (a whole number written with 0-9)."}


class QueryBooleanField(StrictBooleanField):
    """``true``/``false`` (or ``1``/``0``) given in a query string."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(allow_string=True, **kwargs)


class QueryDateField(StrictDateField):
    """A ``YYYY-MM-DD`` date given in a query string, with the digits 0-9 only.

    ``StrictDateField`` reads dates through Django's ``parse_date``, whose ``\\d``
    also matches ``"٢٠٢٠-٠١-٠١"``; a query date is refused unless it is ASCII.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


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
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value if isinstance(value, int) else ":".join(value)


def query_of(request, serializer_class: type[serializers.Serializer]) -> dict:
    """The query parameters that ``serializer_class`` declares, validated (else a 400).

    Empty values count as not given (the field's default applies).
    """
    serializer = serializer_class(data=request.query_params)
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
            raise exceptions.ValidationError({"territory": ["This parameter is required."]})
        return None
    try:
        ref = parse_territory_ref(raw)
    except ValueError as error:
        raise exceptions.ValidationError({"territory": [str(error)]}) from None
    pk = territory_pk(ref)
    if pk is None:
        raise not_found
    return pk
