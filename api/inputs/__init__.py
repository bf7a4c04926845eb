"""The input layer's field types: what every write entry and query parameter is made of.

DRF's own fields coerce: ``IntegerField`` takes ``"٣"`` (Python's ``int()`` reads
every Unicode decimal digit) and ``3.0``, ``CharField`` turns ``12`` or
``{"a": 1}`` into text, and nothing bounds an integer to the 64 bits of an id
column. The fields below refuse instead, with a message naming what to send,
so a serializer built from them is the one validation of an entry: services
receive typed values, and the OpenAPI document is generated from the same
declarations.

- ``StrictIntegerField``: a JSON integer (never a boolean, a float or a
  string); with ``allow_string=True`` (query strings, multipart forms) also
  ASCII digits (``registry.params.parse_int``). Within 64 bits unless narrower
  bounds are given.
- ``StrictCharField``: a JSON string only; no NUL (DRF already refuses it, the
  database would too on PostgreSQL); bounded length, refused beyond, never
  truncated. ``trim_whitespace`` as DRF.
- ``StrictChoiceField``: one of the codes, given as a string.
- ``StrictBooleanField``: ``true``/``false`` only (``"yes"``, ``1`` refused),
  strings ``"true"``/``"false"``/``"1"``/``"0"`` with ``allow_string=True``
  (``registry.params.parse_bool``).
- ``StrictDateField``: ``YYYY-MM-DD`` between 1900 and 2999 (the range the
  analyses accept; ``registry.params.parse_date``).

The text grammar of numbers, booleans and dates is ``registry.params``, shared with
the list filters and the management commands; the fields add what JSON adds (a
JSON integer or boolean is typed, a string is not one).
- ``StrictJSONParser``: JSON request bodies with duplicate keys refused
  (Python's and orjson's parsers keep the last one silently).

References to other objects (an id or a natural key) are read by the fields of
``api.inputs.references``.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser

from registry import params as grammar

#: The range of a 64-bit id column: beyond it PostgreSQL raises a DataError, SQLite an
#: OverflowError (both were 500s).
INT64_MIN, INT64_MAX = grammar.INT64_MIN, grammar.INT64_MAX
#: Longest text a free-text field takes unless it declares its own bound.
DEFAULT_MAX_LENGTH = 1000
DATE_MIN, DATE_MAX = grammar.DATE_MIN, grammar.DATE_MAX


def parse_ascii_int(value: object, *, allow_string: bool) -> int | None:
    """``value`` as an int when it is one (text: ``registry.params.parse_int``), else None.

    A JSON integer is returned as given (the field's bounds then speak); a string only
    with ``allow_string`` (a query string, a form), within 64 bits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if allow_string and isinstance(value, str):
        try:
            return grammar.parse_int(value)
        except grammar.ParamError:
            return None
    return None


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {
        "invalid": grammar.MESSAGES["integer"],
        "max_value": _("Ensure this value is less than or equal to {max_value}."),
        "min_value": _("Ensure this value is greater than or equal to {min_value}."),
    }

    def __init__(self, *, allow_string: bool = False, **kwargs):
        self.allow_string = allow_string
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = parse_ascii_int(data, allow_string=self.allow_string or _form_request(self))
        if value is None:
            self.fail("invalid")
        return value


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": _("Give a text (a JSON string).")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", DEFAULT_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the codes, of the codes' own JSON type (``"member"``, or ``-1`` for a sign)."""

    def to_internal_value(self, data):
        kinds = {type(code) for code in self.choices} or {str}
        if isinstance(data, bool) or not (
            type(data) in kinds or (isinstance(data, str) and _form_request(self))
        ):
            self.fail("invalid_choice", input=type(data).__name__)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": grammar.MESSAGES["boolean"]}

    def __init__(self, *, allow_string: bool = False, **kwargs):
        self.allow_string = allow_string
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if _form_request(self):
            return super().to_internal_value(data)
        if self.allow_string and isinstance(data, str):
            try:
                return grammar.parse_bool(data)
            except grammar.ParamError:
                pass
        self.fail("invalid")


class StrictDateField(serializers.DateField):
    """``YYYY-MM-DD`` text (or a date) read by ``registry.params.parse_date``.

    Not DRF's ``iso-8601`` input: Django's ``parse_date`` tries ``date.fromisoformat``
    (``20240101``, ``2024-W01-1`` since Python 3.11) and then a ``\\d`` pattern
    that also reads "٢٠٢٠-٠١-٠١".
    """

    default_error_messages = {"invalid": grammar.MESSAGES["date"]}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return grammar.parse_date(data)
        except grammar.ParamError:
            self.fail("invalid")


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _no_duplicate_keys(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


class StrictJSONParser(JSONParser):
    """JSON bodies parsed with duplicate keys refused (a 400 naming the key)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
            return json.loads(
                text, object_pairs_hook=_no_duplicate_keys, parse_constant=_refuse_constant
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(
                gettext("JSON parse error - %(error)s") % {"error": exc}
            ) from None


def _form_request(field: serializers.Field) -> bool:
    """True when the field reads a form (browsable API, multipart): every value is text there.

    JSON bodies are typed, so a number sent as a string is refused; a form cannot
    send anything but strings, so ASCII digits and DRF's boolean words are read.
    """
    request = field.context.get("request") if field.root is not None else None
    content_type = getattr(request, "content_type", "") or ""
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id: a JSON integer within 64 bits (ASCII digits in a form), else refused.

    DRF's own field hands the value to the model field, whose ``int()`` reads
    ``"٣"`` as 3 and lets an integer beyond 64 bits reach the database.
    """

    def to_internal_value(self, data):
        pk = parse_ascii_int(data, allow_string=_form_request(self))
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not INT64_MIN <= pk <= INT64_MAX:
            self.fail("does_not_exist", pk_value=pk)
        return super().to_internal_value(pk)


class StrictEmailField(StrictCharField, serializers.EmailField):
    pass


class StrictURLField(StrictCharField, serializers.URLField):
    pass


#: DRF's model-serializer fields and their strict counterparts (RegistrySerializer maps them).
STRICT_FIELDS: dict[type, type] = {
    serializers.CharField: StrictCharField,
    serializers.EmailField: StrictEmailField,
    serializers.URLField: StrictURLField,
    serializers.IntegerField: StrictIntegerField,
    serializers.BooleanField: StrictBooleanField,
    serializers.DateField: StrictDateField,
    serializers.ChoiceField: StrictChoiceField,
}
#: Longest text of a model text field (``TextField``) written through the API.
TEXT_MAX_LENGTH = 20_000


def validated_many(
    serializer_class: type[serializers.Serializer],
    raw,
    *,
    name: str,
    what: str,
    context: dict | None = None,
) -> list:
    """JSON values checked by ``serializer_class`` (many), as its typed values.

    Else ``InvalidInput`` naming each bad field by its path (``members.3.role``,
    ``items.0.links.2.url``): what the spreadsheet imports map to row and column.
    """
    from drf_standardized_errors.formatter import flatten_errors

    from registry.exceptions import InvalidInput

    serializer = serializer_class(data=list(raw), many=True, context=context or {})
    if serializer.is_valid():
        return list(serializer.validated_data)
    errors: dict[str, list[str]] = {}
    for error in flatten_errors({name: serializer.errors}):
        errors.setdefault(error.attr or "non_field_errors", []).append(str(error.detail))
    bad = len({key.split(".")[1] for key in errors if key.count(".")})
    raise InvalidInput(_many_invalid(what, bad), errors=errors)


def _many_invalid(what: str, count: int) -> str:
    """How many entries of a call are not valid (``what``: ``members`` or ``items``)."""
    if what == "members":
        message = ngettext(
            "%(count)d member entry is not valid; nothing was written.",
            "%(count)d member entries are not valid; nothing was written.",
            count,
        )
    else:
        message = ngettext(
            "%(count)d item is not valid; nothing was written.",
            "%(count)d items are not valid; nothing was written.",
            count,
        )
    return message % {"count": count}
