"""Normalised names: the one rule by which two spellings of a name are "the same".

Used by entry resolution (``registry.services.resolution``: an inline new actor
matching a member already in the body), by the duplicates scan
(``registry.matching``) and by the spreadsheet import (one "Nom Prénom" column).

``fold`` is insensitive to accents, case, hyphens, apostrophes, punctuation and
spacing; ``name_key`` also to word order ("DUPONT Marie" and "Marie Dupont" give
the same key), because French lists write "Nom Prénom" as often as "Prénom Nom".
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)
#: Letters that Unicode does not decompose into a base letter and an accent, which
#: lists write without it all the same: the French ligatures (``Lætitia`` is also
#: written ``Laetitia``, ``Cœur`` ``Coeur``) and the barred letters (``Łukasz``,
#: ``Øster``, ``Đặng``). A table of a dozen letters, not a transliteration library.
_UNDECOMPOSED = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)


def fold(text: str) -> str:
    """``"  Jean-Édouard  d'Arc "`` -> ``"jean edouard d arc"``; ``Lætitia`` -> ``laetitia``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", bare.casefold().translate(_UNDECOMPOSED)).split())


def name_key(*parts: str) -> str:
    """The words of ``parts`` folded and sorted: the same for any order of the words."""
    return " ".join(sorted(fold(" ".join(p for p in parts if p)).split()))


def person_keys(name: str, given_name: str = "", family_name: str = "") -> frozenset[str]:
    """Every key an actor is known by: its display name, and its given + family names.

    Two records name the same person when their key sets meet (one may have only a
    display name, the other its given and family names).
    """
    keys = {name_key(name)}
    if given_name or family_name:
        keys.add(name_key(given_name, family_name))
    return frozenset(k for k in keys if k)
