"""The evidence that two actors are one: the reasons, their points, exact-evidence keys.

One row per kind of reason (``REASONS``); ``evidence_of`` finds the reasons of a
pair, ``score`` adds up their points. ``registry.matching.scanning`` sums the same
points for all pairs at once (and a test checks that both agree).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from registry.matching.records import Record

#: Blocks of exact evidence larger than this say nothing about identity.
MAX_EVIDENCE_BLOCK = 20

#: An identifier value shorter than this is not matched across schemes or issuers ("1").
MIN_SHARED_VALUE = 5


@dataclass(frozen=True)
class Evidence:
    """One kind of reason: its code, its points, whether it comes from personal data."""

    code: str
    points: float
    personal: bool
    #: English text, ``%(value)s`` replaced by the reason's value (translated at render time).
    text: str


#: The reasons a pair may have, and what each weighs. ``name_similarity`` weighs its
#: value (0-100) times ``points``.
REASONS: tuple[Evidence, ...] = (
    Evidence("name_similarity", 0.7, False, gettext_noop("Names %(value)s%% alike")),
    Evidence("same_territory", 10, False, gettext_noop("Same territory")),
    Evidence("shared_identifier", 40, False, gettext_noop("Shared identifier: %(value)s")),
    Evidence("same_birth_year", 15, True, gettext_noop("Same birth year (%(value)s)")),
    Evidence("different_birth_year", -40, True, gettext_noop("Different birth years (%(value)s)")),
    Evidence("same_email", 30, True, gettext_noop("Same email address")),
    Evidence("same_phone", 25, True, gettext_noop("Same phone number")),
)
EVIDENCE = {e.code: e for e in REASONS}


@dataclass(frozen=True)
class Reason:
    code: str
    value: object = None

    @property
    def points(self) -> float:
        evidence = EVIDENCE[self.code]
        if self.code == "name_similarity":
            return evidence.points * float(self.value)
        return evidence.points

    @property
    def personal(self) -> bool:
        return EVIDENCE[self.code].personal

    def text(self) -> str:
        """The reason in the active language."""
        return _(EVIDENCE[self.code].text) % {"value": self.value}


def normalise_phone(phone: str) -> str:
    """Digits of a phone number, French international forms written nationally.

    ``"+33 1 99 00 12 34"``, ``"0033199001234"`` and ``"01.99.00.12.34"`` give
    ``"0199001234"``. Fewer than 6 digits: ``""`` (not a number to match on).
    """
    digits = re.sub(r"\D", "", phone or "")
    if (phone or "").lstrip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    return digits if len(digits) >= 6 else ""


def normalise_email(email: str) -> str:
    return (email or "").strip().casefold()


def identifier_keys(scheme: str, issuer: str, value: str) -> list[str]:
    """Keys under which two identifiers are "the same": SIREN of a SIRET, value anywhere."""
    keys = []
    if scheme in ("siren", "siret") and len(value) >= 9 and value[:9].isdigit():
        keys.append(f"siren:{value[:9]}")
    if len(value) >= MIN_SHARED_VALUE:
        keys.append(f"value:{value.upper()}")
    return keys


def shared_identifier(a: Record, b: Record, common: frozenset[str]) -> str | None:
    """How ``a`` and ``b`` share an identifier (``"siret:X / siren:Y"``), if they do."""
    for sa, ia, va in a.identifiers:
        ka = set(identifier_keys(sa, ia, va)) - common
        for sb, ib, vb in b.identifiers:
            if ka & set(identifier_keys(sb, ib, vb)):
                return f"{sa}:{va} / {sb}:{vb}"
    return None


def _evidence_keys(record: Record, personal: bool) -> set[str]:
    """The exact evidence ``record`` carries: identifier keys, and email and phone if allowed."""
    keys = {k for ident in record.identifiers for k in identifier_keys(*ident)}
    if personal:
        if email := normalise_email(record.email):
            keys.add(f"email:{email}")
        if phone := normalise_phone(record.phone):
            keys.add(f"phone:{phone}")
    return keys


def evidence_blocks(
    records: Sequence[Record], personal: bool
) -> tuple[list[list[int]], frozenset[str]]:
    """Blocks of records sharing exact evidence, and the evidence too common to count."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in _evidence_keys(record, personal):
            blocks[key].append(index)
    common = frozenset(k for k, b in blocks.items() if len(b) > MAX_EVIDENCE_BLOCK)
    return [b for b in blocks.values() if 1 < len(b) <= MAX_EVIDENCE_BLOCK], common


def evidence_of(
    a: Record, b: Record, similarity: int, personal: bool, common: frozenset[str]
) -> list[tuple[str, object]]:
    """``(code, value)`` of every reason to think ``a`` and ``b`` are one actor (and the one
    against); ``common``: evidence shared by too many records to count."""
    found: list[tuple[str, object]] = [("name_similarity", similarity)]
    if a.territory_id is not None and a.territory_id == b.territory_id:
        found.append(("same_territory", a.territory_id))
    if a.identifiers and b.identifiers and (shared := shared_identifier(a, b, common)):
        found.append(("shared_identifier", shared))
    if personal:
        if a.birth_year and b.birth_year:
            if a.birth_year == b.birth_year:
                found.append(("same_birth_year", a.birth_year))
            else:
                found.append(("different_birth_year", f"{a.birth_year}, {b.birth_year}"))
        if a.email or b.email:
            email = normalise_email(a.email)
            if email and email == normalise_email(b.email) and f"email:{email}" not in common:
                found.append(("same_email", None))
        if a.phone or b.phone:
            phone = normalise_phone(a.phone)
            if phone and phone == normalise_phone(b.phone) and f"phone:{phone}" not in common:
                found.append(("same_phone", None))
    return found


POINTS = {e.code: e.points for e in REASONS}


def score(evidence: list[tuple[str, object]]) -> int:
    total = sum(
        POINTS[code] * value if code == "name_similarity" else POINTS[code]
        for code, value in evidence
    )
    return max(0, min(100, round(total)))


def reasons_of(
    a: Record, b: Record, similarity: int, *, personal: bool, common: frozenset[str] = frozenset()
) -> list[Reason]:
    """Every reason to think ``a`` and ``b`` are one actor (and the one against)."""
    return [Reason(code, value) for code, value in evidence_of(a, b, similarity, personal, common)]


def score_of(reasons: Iterable[Reason]) -> int:
    return score([(r.code, r.value) for r in reasons])
