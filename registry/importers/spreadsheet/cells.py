"""Cell values: dates, words of a value table, texts, ids and whole numbers.

A converter raises ``ValueError`` with a message in the active language; ``cell``
turns it into a problem naming the row and the file's column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from registry import params
from registry.importers.spreadsheet.columns import VALUES, norm, value_label
from registry.importers.spreadsheet.problems import Problems
from registry.importers.spreadsheet.reading import Row, _blank
from registry.models.actor import ORGANIZATION_CATEGORIES, PERSON_CATEGORIES

#: What ``cell`` returns for a column the file does not have (as opposed to a blank cell).
ABSENT = object()

# [0-9], not \d: \d also matches "٠١/٠٢/٢٠٢٠", which int() would then read as a date.
_FR_DATE = re.compile(r"^([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}( 00:00(:00)?)?$")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}\Z")


def parse_date(value: Any) -> dt.date:
    """A date from an ISO or French (dd/mm/yyyy) string, or an XLSX date cell."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _FR_DATE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if _ISO_DATE.match(text):
            return params.iso_date(text[:10])
    except ValueError as exc:
        raise ValueError(_("%(value)r is not a real date.") % {"value": text[:50]}) from exc
    raise ValueError(
        _("%(value)r is not a date: write YYYY-MM-DD or dd/mm/yyyy.") % {"value": text[:50]}
    )


def choice(name: str) -> Callable[[Any], str]:
    """A converter reading a code of field ``name`` or any of its words (``VALUES``);
    a refusal lists the values as files of the active language write them."""
    table = VALUES[name]

    def convert(value: Any) -> str:
        code = table.get(norm(value))
        if code is None:
            language = "fr" if (translation.get_language() or "").startswith("fr") else "en"
            known = sorted({value_label(name, c, language) for c in table.values()})
            raise ValueError(
                _("Unknown value %(value)r; expected one of: %(known)s.")
                % {"value": str(value).strip()[:50], "known": ", ".join(known)}
            )
        return code

    return convert


def text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an identifier typed as a number in a spreadsheet
    return str(value).strip()


def json_int(value: Any) -> Any:
    """An id cell as the JSON integer it stands for; any other text is left for the
    entry's validation to refuse (with the message a JSON client gets)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = str(value).strip()
    return int(value) if re.fullmatch(r"[0-9]{1,19}", value) else value


def whole_number(value: Any) -> int:
    """A whole XLSX number, or ASCII digits within 64 bits (``²`` or ``①`` pass
    ``str.isdigit()``; they are refused here)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
        return value
    value = str(value).strip()
    if not _WHOLE_NUMBER.match(value) or not -(2**63) <= int(value) < 2**63:
        raise ValueError(_("%(value)r is not a whole number (digits 0-9).") % {"value": value[:50]})
    return int(value)


def cell(row: Row, name: str, problems: Problems, convert, blank: Any = None) -> Any:
    """The converted cell; ``blank`` for an empty cell, ``ABSENT`` for an absent column,
    ``None`` (and a problem) for a cell that does not convert."""
    if name not in row.values:
        return ABSENT
    value = row.values[name]
    if _blank(value):
        return blank
    try:
        return convert(value)
    except ValueError as exc:
        problems.add(row.number, name, str(exc))
        return None


def given(value: Any) -> bool:
    """A cell that holds a value (neither absent nor blank nor refused)."""
    return value is not ABSENT and value is not None and value != ""


def identifier(row: Row, problems: Problems) -> tuple[str, str, str] | None:
    """(scheme, issuer, value) of the row's identifier columns, or None."""
    value = cell(row, "identifier", problems, text)
    scheme = cell(row, "scheme", problems, choice("scheme"))
    issuer = cell(row, "issuer", problems, text)
    issuer = issuer if given(issuer) else ""
    if not given(value):
        if given(scheme):
            problems.add(row.number, "identifier", _("Give the identifier with its scheme."))
        return None
    if not given(scheme):
        if scheme is ABSENT or _blank(row.values.get("scheme")):
            problems.add(
                row.number, "scheme", _("Give the scheme of the identifier (siren, rna...).")
            )
        return None
    return (scheme, issuer, value)


def check_kind_category(row: Row, kind: Any, category: Any, problems: Problems) -> None:
    """A person with an organization's category (or the reverse), found before any query."""
    if kind == "person" and category in ORGANIZATION_CATEGORIES:
        problems.add(row.number, "category", _("A person cannot have an organization's category."))
    if kind == "organization" and category in PERSON_CATEGORIES:
        problems.add(row.number, "category", _("An organization cannot have a person's category."))


def _is_capitals(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def split_full_name(full: str, order: str | None) -> tuple[str, str]:
    """(given name, family name) of one "Nom Prénom" cell.

    The French convention first: the words in capitals are the family name
    (``DUPONT Marie``, ``Marie DUPONT``, ``LE GALL Anne-Marie``); else the header's
    order (``Prénom Nom``: the last word is the family name; ``Nom Prénom``: the
    first); else it is not split (``("", "")``).
    """
    words = full.split()
    if len(words) < 2:
        return "", ""
    capitals = [w for w in words if _is_capitals(w)]
    if capitals and len(capitals) < len(words):
        family = [w for w in words if _is_capitals(w)]
        rest = [w for w in words if not _is_capitals(w)]
        return " ".join(rest), " ".join(family)
    if order == "given_first":
        return " ".join(words[:-1]), words[-1]
    if order == "family_first":
        return " ".join(words[1:]), words[0]
    return "", ""
