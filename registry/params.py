"""Parameters: the one grammar of the values a caller names, whatever the door.

A territory, a date, a boolean, an id or a whole number given as text (a query
parameter, a list filter, a management command's option, a path segment) is read
here and nowhere else, so the API's views, its list filters and the commands
accept and refuse the same texts with the same message. The API wraps these
functions in DRF and django-filter fields (``api.params``, ``api.inputs``,
``api.filters``) and turns a ``ParamError`` into a 400 naming the parameter; a
command calls ``option()``, which turns it into a ``CommandError`` naming the
option. This module is pure (no DRF: ``registry`` may not import it).

The grammar, one rule per kind (surrounding whitespace is ignored everywhere):

- **whole number**: ASCII digits ``0-9`` with an optional sign, within 64 bits.
  Never ``int()`` on raw text: it reads every Unicode decimal digit (``"٣"`` is
  3), and ``str.isdigit()`` is true for ``"²"`` that ``int()`` then refuses;
  beyond 64 bits PostgreSQL raises a DataError and SQLite an OverflowError.
- **id**: ASCII digits ``0-9``, no sign, at most ``2**63 - 1``. A parameter that
  takes several ids (the list filters' ``?id=``) takes them repeated
  (``?id=1&id=2``) or comma-separated (``?id=1,2``), each one an id; a parameter
  that takes one id refuses ``1,2``.
- **boolean**: ``true``/``false`` or ``1``/``0``, any case.
- **date**: ``YYYY-MM-DD`` with the digits 0-9, between 1900-01-01 and
  2999-12-31 (the analyses count terms and ages back in years). Not
  ``date.fromisoformat``, which since Python 3.11 also reads ``20240101`` and
  ``2024-W01-1``, nor Django's ``parse_date``, whose ``\\d`` reads ``"٢٠٢٤"``.
- **territory reference**: a territory id (as above) or ``level:code`` with a
  known level (``commune:75056``, ``quartier:75118-Q04``). Nothing else: the
  ``id:N`` and bare-code forms that ``renewal_report`` once took are refused
  (a bare number is always an id, so ``75056`` never means Paris in one place
  and the territory of id 75056 in another).

Each kind has one message (``MESSAGES``), translated (gettext).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError
from django.utils.translation import gettext_lazy as _

from registry.models.territory import Territory, TerritoryLevel

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
#: Longest territory reference: a level (32) and a code (20) with some slack.
TERRITORY_REF_MAX_LENGTH = 100

_WHOLE = re.compile(r"[+-]?[0-9]{1,20}")
_ID = re.compile(r"[0-9]{1,19}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}

#: The one message of each kind of parameter.
MESSAGES = {
    "integer": _("Give a whole number written with the digits 0-9."),
    "id": _("Give an id (a whole number written with the digits 0-9)."),
    "ids": _("Give ids: whole numbers written with the digits 0-9 (repeat the parameter)."),
    "boolean": _("Give true or false."),
    "date": _("Give a date as YYYY-MM-DD, between 1900-01-01 and 2999-12-31."),
    "territory": _("Give a territory id or level:code (e.g. commune:75056)."),
}

#: A well-formed reference that names no territory (commands; the API answers 404).
NO_TERRITORY = _("No territory has this id or level:code.")

T = TypeVar("T")


class ParamError(ValueError):
    """A parameter's text is not of its kind; ``message`` says what to give instead."""

    code = "invalid"

    def __init__(self, kind: str):
        self.kind = kind
        self.message = MESSAGES[kind]
        super().__init__(str(self.message))


def _text(value: object, kind: str) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ParamError(kind)
    return value.strip()


def parse_int(value: object) -> int:
    """A whole number within 64 bits: an ``int`` (not a bool) or ASCII digits."""
    if isinstance(value, bool):
        raise ParamError("integer")
    if isinstance(value, int):
        number = value
    else:
        text = _text(value, "integer")
        if not _WHOLE.fullmatch(text):
            raise ParamError("integer")
        number = int(text)
    if not INT64_MIN <= number <= INT64_MAX:
        raise ParamError("integer")
    return number


def parse_id(value: object) -> int:
    """An id: an ``int`` from 0 to ``2**63 - 1``, or the same written with ASCII digits."""
    if isinstance(value, bool):
        raise ParamError("id")
    if isinstance(value, int):
        number = value
    else:
        text = _text(value, "id")
        if not _ID.fullmatch(text):
            raise ParamError("id")
        number = int(text)
    if not 0 <= number <= INT64_MAX:
        raise ParamError("id")
    return number


def parse_ids(values) -> list[int]:
    """Ids of a list parameter: each value repeated (``?id=1&id=2``) or comma-separated
    (``?id=1,2``), each read by ``parse_id``; blank items are skipped."""
    items = [i for v in values for i in (v.split(",") if isinstance(v, str) else [v])]
    try:
        return [parse_id(i) for i in items if not (isinstance(i, str) and not i.strip())]
    except ParamError:
        raise ParamError("ids") from None


def parse_bool(value: object) -> bool:
    """``True``/``False``, or ``true``/``false``/``1``/``0`` in any case."""
    if isinstance(value, bool):
        return value
    try:
        return _BOOLEANS[_text(value, "boolean").lower()]
    except KeyError:
        raise ParamError("boolean") from None


def iso_date(value: object) -> dt.date:
    """``YYYY-MM-DD`` text (digits 0-9) as a date of any year: the syntax of ``parse_date``.

    For data that is not a parameter (a spreadsheet cell may hold an 1850 founding
    date); a parameter is read by ``parse_date``, which bounds the year.
    """
    match = _DATE.fullmatch(_text(value, "date"))
    if not match:
        raise ParamError("date")
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ParamError("date") from None


def parse_date(value: object) -> dt.date:
    """A date (not a datetime), or ``YYYY-MM-DD`` text, between 1900 and 2999."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        day = iso_date(value)
    if not DATE_MIN <= day <= DATE_MAX:
        raise ParamError("date")
    return day


TerritoryRef = int | tuple[str, str]


def parse_territory_ref(value: object) -> TerritoryRef:
    """A territory reference: an id (int) or a natural key ``(level, code)``.

    Raises ``ParamError`` for anything else: an unknown level, an empty code, a
    bare code, ``id:N``, digits that are not ASCII, an id beyond 64 bits, NUL.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return parse_id(value)
        except ParamError:
            raise ParamError("territory") from None
    text = _text(value, "territory")
    if not text or len(text) > TERRITORY_REF_MAX_LENGTH:
        raise ParamError("territory")
    level, sep, code = text.partition(":")
    if not sep:
        try:
            return parse_id(text)
        except ParamError:
            raise ParamError("territory") from None
    if level not in TerritoryLevel.values or not code or code != code.strip():
        raise ParamError("territory")
    return level, code


def format_territory_ref(ref: TerritoryRef) -> str:
    return str(ref) if isinstance(ref, int) else ":".join(ref)


def territory_pk(ref: TerritoryRef) -> int | None:
    """The id of a parsed reference: an id as given, a natural key looked up (None: none).

    An id is not checked here: the caller's own query (with its scope) decides
    whether it exists, so an invisible territory and a missing one look alike.
    """
    if isinstance(ref, int):
        return ref
    level, code = ref
    return Territory.objects.filter(level=level, code=code).values_list("pk", flat=True).first()


def resolve_territory(value: object) -> Territory | None:
    """The territory a reference names, or None; ``ParamError`` when it is malformed."""
    ref = parse_territory_ref(value)
    if isinstance(ref, int):
        return Territory.objects.filter(pk=ref).first()
    level, code = ref
    return Territory.objects.filter(level=level, code=code).first()


def option(
    name: str, parse: Callable[[object], T], value: object, *, required: bool = False
) -> T | None:
    """A command's option ``value`` through ``parse``; else a ``CommandError`` naming it.

    ``name`` as the user types it (``--as-of``), so the message says which option to
    fix and how: ``--as-of 'tomorrow': Give a date as YYYY-MM-DD, ...``. A blank value
    is "not given" (None), as an empty query parameter is, unless ``required``.
    """
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    try:
        return parse(value)
    except ParamError as error:
        given = "" if value is None else f" {value!r}"
        raise CommandError(f"{name}{given}: {error.message}") from None


def territory_option(name: str, value: object) -> Territory:
    """The territory a command's option names; ``CommandError`` naming the option otherwise."""
    territory = option(name, resolve_territory, value, required=True)
    if territory is None:
        raise CommandError(f"{name} {value!r}: {NO_TERRITORY}")
    return territory
