"""Duplicate candidates: pairs of actors that may be one person (or one organization).

Why rapidfuzz: it is a maintained C++ implementation of the edit-distance ratios
(``fuzz.ratio`` is ``1 - Indel distance / total length``, as difflib's, but about
a hundred times faster) with ``process.cdist``, which compares a list of strings
with itself in one call, on a cut-off. Hand-written similarity would be slower
and would drift from what the issue's readers know; dedupe would need training
data we do not have.

How the scan stays fast (100,000 actors in a few seconds, see
``tests/bench/bench_duplicates.py``): no pair of actors is compared unless the
two share a *block*, and blocks are small.

- Every actor is known by its name keys (``registry.names.person_keys``: the
  display name, the given + family names, and its other names), folded and with
  their words sorted, so "DUPONT Marie", "Marie Dupont" and "Marie-Dupont" give
  one key and are identical (similarity 100).
- For each key and each ordered pair of its words ``(w, v)`` (stop words such as
  "de", "la" and one-letter words left out), the actor goes into the blocks
  ``(kind, w, first two letters of v)`` and ``(kind, w, last two letters of v)``;
  a one-word key into ``(kind, first three letters)`` and ``(kind, last three)``.
  Within a block the keys are compared written ``w`` first, then the other words
  sorted (the shared word aligned), with ``fuzz.ratio`` through ``cdist`` on the
  kind's cut-off (``NAME_CUTOFF``). Persons meet persons, organizations meet
  organizations: the kind is part of every block.
- Exact evidence makes its own blocks, whatever the names: a shared identifier
  (the same SIREN, a SIRET whose first nine digits are another's SIREN, the same
  value under two schemes or issuers), and, only when the caller may read
  personal data, the same email or the same phone number (normalised). Blocks
  larger than ``MAX_EVIDENCE_BLOCK`` (a shared switchboard number) say nothing
  about identity and are left out.

What it can miss: a pair whose names differ in *every* word (a misspelling in
both the given and the family name), or within the first two and the last two
letters of the one word they do not share ("Marie Dupont" / "Marie Tupond"), or
a one-word name misspelt at both ends; a renamed organization without a shared
identifier or other name. A name-block larger than ``MAX_NAME_BLOCK`` (a very
common given name with a very common family-name prefix) is compared anyway: its
cost is quadratic but bounded by the cut-off in C++.

Scoring: the points of ``REASONS`` (one row per kind of evidence) added up and
clamped to 0-100: a name's similarity counts for most of it, a shared identifier,
email or phone adds, a different birth year takes away. Reasons drawn from
personal data (birth year, email, phone) are computed only when ``personal`` is
true: otherwise those data are not even read, so they can neither add a pair nor
move a score (no oracle). Merged actors are deleted (``registry.models.merge``):
a pair already merged cannot come up; the merged name, kept as another name of
the survivor, still meets a third spelling.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rapidfuzz import fuzz, process

from registry.names import person_keys

#: Lowest name similarity (0-100) for a pair found by its names alone, per kind. Names of
#: organizations share more words ("Association des habitants de ..."): a higher bar.
NAME_CUTOFF = {"person": 85, "organization": 90}
#: Default lowest score of a listed pair.
DEFAULT_MIN_SCORE = 50
#: Blocks of exact evidence larger than this say nothing about identity.
MAX_EVIDENCE_BLOCK = 20
#: Above this many names, a block is compared with every core (``workers=-1``).
PARALLEL_BLOCK = 400
#: An identifier value shorter than this is not matched across schemes or issuers ("1").
MIN_SHARED_VALUE = 5

#: Words that say nothing about who is named (French articles and prepositions).
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "pour",
        "sur",
        "un",
        "une",
        "van",
        "von",
        "der",
        "den",
    ]
)


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


@dataclass
class Record:
    """An actor as the scan sees it: plain data, read by ``load_records`` (or made by hand)."""

    id: int
    kind: str
    name: str
    territory_id: int | None = None
    given_name: str = ""
    family_name: str = ""
    other_names: tuple[str, ...] = ()
    #: ``(scheme, issuer, value)``, normalised as stored.
    identifiers: tuple[tuple[str, str, str], ...] = ()
    birth_year: int | None = None
    email: str = ""
    phone: str = ""
    keys: frozenset[str] = field(default=frozenset(), init=False)

    def __post_init__(self) -> None:
        keys = set(person_keys(self.name, self.given_name, self.family_name))
        for other in self.other_names:
            keys |= person_keys(other)
        self.keys = frozenset(keys)


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


@dataclass(frozen=True)
class Pair:
    a: Record
    b: Record
    score: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Scan:
    """The pairs at or above ``min_score``, best first, and what the scan did."""

    pairs: list[Pair]
    scanned: int
    blocks: int
    compared: int


# --- normalisation of exact evidence ---------------------------------------------------


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


def _shared_identifier(a: Record, b: Record, common: frozenset[str]) -> str | None:
    """How ``a`` and ``b`` share an identifier (``"siret:X / siren:Y"``), if they do."""
    for sa, ia, va in a.identifiers:
        ka = set(identifier_keys(sa, ia, va)) - common
        for sb, ib, vb in b.identifiers:
            if ka & set(identifier_keys(sb, ib, vb)):
                return f"{sa}:{va} / {sb}:{vb}"
    return None


# --- blocking ----------------------------------------------------------------------------


def _name_blocks(records: Sequence[Record]) -> dict[tuple, list[tuple[int, str]]]:
    """Block key -> (record index, the key written with the block's word first)."""
    blocks: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    for index, record in enumerate(records):
        seen: set[tuple] = set()  # (block, compared text): each once per record
        for key in record.keys:
            words = key.split()
            significant = [w for w in words if len(w) > 1 and w not in STOP_WORDS] or words
            if len(significant) == 1:
                (w,) = significant
                for block in ((record.kind, w[:3], "^"), (record.kind, w[-3:], "$")):
                    if (block, key) not in seen:
                        seen.add((block, key))
                        blocks[block].append((index, key))
                continue
            for i, w in enumerate(significant):
                others = list(words)
                others.remove(w)
                aligned = " ".join([w, *others])  # ``words`` are sorted already
                for j, v in enumerate(significant):
                    if i == j:
                        continue
                    for block in ((record.kind, w, "^" + v[:2]), (record.kind, w, "$" + v[-2:])):
                        if (block, aligned) not in seen:
                            seen.add((block, aligned))
                            blocks[block].append((index, aligned))
    return blocks


def _evidence_keys(record: Record, personal: bool) -> set[str]:
    """The exact evidence ``record`` carries: identifier keys, and email and phone if allowed."""
    keys = {k for ident in record.identifiers for k in identifier_keys(*ident)}
    if personal:
        if email := normalise_email(record.email):
            keys.add(f"email:{email}")
        if phone := normalise_phone(record.phone):
            keys.add(f"phone:{phone}")
    return keys


def _evidence_blocks(
    records: Sequence[Record], personal: bool
) -> tuple[list[list[int]], frozenset[str]]:
    """Blocks of records sharing exact evidence, and the evidence too common to count."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in _evidence_keys(record, personal):
            blocks[key].append(index)
    common = frozenset(k for k, b in blocks.items() if len(b) > MAX_EVIDENCE_BLOCK)
    return [b for b in blocks.values() if 1 < len(b) <= MAX_EVIDENCE_BLOCK], common


def _compare_block(entries: list[tuple[int, str]], cutoff: int, best: dict) -> int:
    """Pairs of the block at or above ``cutoff``, into ``best`` (pair -> similarity)."""
    names = [name for _i, name in entries]
    workers = -1 if len(names) > PARALLEL_BLOCK else 1
    matrix = process.cdist(
        names, names, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=workers
    )
    rows, cols = np.nonzero(np.triu(matrix, k=1))
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        i, j = entries[r][0], entries[c][0]
        if i == j:
            continue
        pair = (i, j) if i < j else (j, i)
        similarity = int(matrix[r, c])
        if similarity > best.get(pair, -1):
            best[pair] = similarity
    return len(names) * (len(names) - 1) // 2


def _name_similarity(a: Record, b: Record) -> int:
    """Best similarity of any two keys, for a pair found by exact evidence."""
    return max((round(fuzz.token_sort_ratio(ka, kb)) for ka in a.keys for kb in b.keys), default=0)


# --- the scan ----------------------------------------------------------------------------


def reasons_of(
    a: Record, b: Record, similarity: int, *, personal: bool, common: frozenset[str] = frozenset()
) -> list[Reason]:
    """Every reason to think ``a`` and ``b`` are one actor (and the one against).

    ``common``: evidence keys shared by too many records to count (``_evidence_blocks``).
    """
    reasons = [Reason("name_similarity", similarity)]
    if a.territory_id is not None and a.territory_id == b.territory_id:
        reasons.append(Reason("same_territory", a.territory_id))
    if shared := _shared_identifier(a, b, common):
        reasons.append(Reason("shared_identifier", shared))
    if personal:
        if a.birth_year and b.birth_year:
            if a.birth_year == b.birth_year:
                reasons.append(Reason("same_birth_year", a.birth_year))
            else:
                reasons.append(Reason("different_birth_year", f"{a.birth_year}, {b.birth_year}"))
        email = normalise_email(a.email)
        if email and email == normalise_email(b.email) and f"email:{email}" not in common:
            reasons.append(Reason("same_email"))
        phone = normalise_phone(a.phone)
        if phone and phone == normalise_phone(b.phone) and f"phone:{phone}" not in common:
            reasons.append(Reason("same_phone"))
    return reasons


def score_of(reasons: Iterable[Reason]) -> int:
    return max(0, min(100, round(sum(r.points for r in reasons))))


def scan(
    records: Sequence[Record], *, personal: bool = False, min_score: int = DEFAULT_MIN_SCORE
) -> Scan:
    """The candidate pairs among ``records`` (see the module docstring), best first.

    ``personal`` False: birth year, email and phone are ignored, as if absent.
    """
    best: dict[tuple[int, int], int] = {}
    compared = 0
    blocks = _name_blocks(records)
    for (kind, _w, _v), entries in blocks.items():
        if len(entries) > 1:
            compared += _compare_block(entries, NAME_CUTOFF[kind], best)
    evidence, common = _evidence_blocks(records, personal)
    for block in evidence:
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                if i != j and records[i].kind == records[j].kind:
                    best.setdefault((i, j) if i < j else (j, i), -1)
    pairs = []
    for (i, j), similarity in best.items():
        a, b = records[i], records[j]
        if a.id > b.id:
            a, b = b, a
        if similarity < 0:
            similarity = _name_similarity(a, b)
        reasons = reasons_of(a, b, similarity, personal=personal, common=common)
        score = score_of(reasons)
        if score >= min_score:
            pairs.append(Pair(a, b, score, tuple(reasons)))
    pairs.sort(key=lambda p: (-p.score, p.a.id, p.b.id))
    return Scan(
        pairs=pairs, scanned=len(records), blocks=len(blocks) + len(evidence), compared=compared
    )


# --- reading the actors ------------------------------------------------------------------


def load_records(actors, *, personal: bool) -> list[Record]:
    """``actors`` (a queryset of Actor) as records: 3 queries, 4 with personal data.

    Personal data are read only when ``personal`` is true.
    """
    from registry.models import ActorIdentifier, ActorOtherName, PersonalData

    ids = actors.values("id")
    identifiers: dict[int, list] = defaultdict(list)
    for actor_id, *ident in ActorIdentifier.objects.filter(actor_id__in=ids).values_list(
        "actor_id", "scheme", "issuer", "value"
    ):
        identifiers[actor_id].append(tuple(ident))
    other_names: dict[int, list] = defaultdict(list)
    for actor_id, name in ActorOtherName.objects.filter(actor_id__in=ids).values_list(
        "actor_id", "name"
    ):
        other_names[actor_id].append(name)
    data: dict[int, tuple] = {}
    if personal:
        data = {
            row[0]: row[1:]
            for row in PersonalData.objects.filter(actor_id__in=ids).values_list(
                "actor_id", "birth_year", "email", "phone"
            )
        }
    records = []
    rows = actors.order_by("id").values_list(
        "id", "kind", "name", "territory_id", "given_name", "family_name"
    )
    for pk, kind, name, territory_id, given, family in rows.iterator(chunk_size=10_000):
        birth, email, phone = data.get(pk, (None, "", ""))
        records.append(
            Record(
                id=pk,
                kind=kind,
                name=name,
                territory_id=territory_id,
                given_name=given,
                family_name=family,
                other_names=tuple(other_names.get(pk, ())),
                identifiers=tuple(identifiers.get(pk, ())),
                birth_year=birth,
                email=email or "",
                phone=phone or "",
            )
        )
    return records


def actor_duplicates(
    *,
    territory_id: int,
    reach_territory_id: int | None = None,
    personal: bool = False,
    min_score: int = DEFAULT_MIN_SCORE,
) -> Scan:
    """The candidate pairs among the actors of ``territory_id`` (and below it).

    ``reach_territory_id``: only actors within it too (a key confined to a territory).
    """
    from registry.models import Actor
    from registry.scope import restrict

    actors = restrict(Actor.objects.all(), "territory_id", territory_id)
    actors = restrict(actors, "territory_id", reach_territory_id)
    return scan(load_records(actors, personal=personal), personal=personal, min_score=min_score)
