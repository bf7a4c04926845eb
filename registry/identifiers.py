"""Identifier normalisation: the one function that turns what a client sends into the stored key.

Every path that stores or looks up an identifier (actor writes, bulk upserts,
member sync, spreadsheet imports, the admin) goes through ``normalise``, so a
value written ``" 123 456 789 "`` in one system and ``"123456789"`` in another
is the same key everywhere.

Per scheme:

- ``siren``, ``siret``, ``insee``: codes made of digits (and the letters of
  Corsica's INSEE codes); the spaces, dots and non-breaking spaces that
  spreadsheets put between digit groups are removed, letters upper-cased.
- ``rna``: ``W`` followed by digits; spaces removed, upper-cased.
- ``rne``, ``external``, ``other``: the client's own text, kept as sent but for
  the surrounding whitespace and Unicode NFC (a client system's ids are
  case-sensitive).

The issuer is stripped and NFC-normalised too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

_GROUP_SEPARATORS = re.compile(r"[\s.\u00a0\u202f]+")
_CODE_SCHEMES = frozenset({"siren", "siret", "insee", "rna"})


class IdentifierKey(NamedTuple):
    """An identifier as stored: ``(scheme, issuer, value)``, the natural key."""

    scheme: str
    issuer: str
    value: str


def normalise_value(scheme: str, value: str) -> str:
    """The stored form of ``value`` in ``scheme``."""
    text = unicodedata.normalize("NFC", value).strip()
    if scheme in _CODE_SCHEMES:
        text = _GROUP_SEPARATORS.sub("", text).upper()
    return text


def normalise(scheme: str, value: str, issuer: str = "") -> IdentifierKey:
    """The natural key of an identifier, normalised (see the module docstring)."""
    scheme = scheme.strip().lower()
    return IdentifierKey(
        scheme, unicodedata.normalize("NFC", issuer or "").strip(), normalise_value(scheme, value)
    )
