"""Duplicate candidates: pairs of actors that may be one person (or one organization).

Why rapidfuzz: it is a maintained C++ implementation of the edit-distance ratios
(``fuzz.ratio`` is ``1 - Indel distance / total length``, as difflib's, but about
a hundred times faster) with ``process.cdist``, which compares a list of strings
with itself in one call, on a cut-off. Hand-written similarity would be slower
and would drift from what the issue's readers know; dedupe would need training
data we do not have.

How the scan stays fast (100,000 actors in seconds, see
``tests/bench/bench_duplicates.py``): no pair of actors is compared unless the
two share a *block*, and each block is compared in one ``cdist`` call (C++, all
cores for large blocks), never pair by pair in Python; scores are then summed
for all pairs at once with numpy, and only the ``limit`` best get their reasons.

- Every actor is known by its name keys (``registry.names.person_keys``: the
  display name, the given + family names, and its other names), folded and with
  their words sorted, so "DUPONT Marie", "Marie Dupont" and "Marie-Dupont" give
  one key and are identical (similarity 100).
- Each word of a key (stop words such as "de", "la" and one-letter words left
  out) is a block ``(kind, word)``: the actors whose names share that word
  exactly. Within it the keys are compared written with that word first, then the
  other words sorted (the shared word aligned), with ``fuzz.ratio`` on the kind's
  cut-off (``NAME_CUTOFF``): "Marie Dupont" meets "Marie Dupond" in the block
  "marie" and "Marie Dupont" meets "Mari Dupont" in the block "dupont". A one-word
  key goes into the blocks of its first three and of its last three letters.
  Persons meet persons, organizations meet organizations: the kind is part of
  every block.
- A word's block larger than ``MAX_NAME_BLOCK`` (a very common given name in a
  very large territory) is split by the first two and by the last two letters of
  the other words, so its cost stays near-linear.
- Exact evidence makes its own blocks, whatever the names: a shared identifier
  (the same SIREN, a SIRET whose first nine digits are another's SIREN, the same
  value under two schemes or issuers), and, only when the caller may read
  personal data, the same email or the same phone number (normalised). Evidence
  shared by more than ``MAX_EVIDENCE_BLOCK`` actors (a switchboard number) says
  nothing about identity and is left out, as a block and as a reason.

What it can miss: a pair whose names differ in *every* word (a misspelling in
both the given and the family name: no block in common); in a split block, a
pair whose other word differs within its first two and within its last two
letters; a one-word name misspelt within both its first and its last three
letters; a renamed organization without a shared identifier or other name.

Scoring: the points of ``REASONS`` (one row per kind of evidence) added up and
rounded, clamped to 0-100: a name's similarity counts for most of it, a shared identifier,
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
#: A word's block larger than this is split by the first and last two letters of the
#: other words (a very common given name in a large territory).
MAX_NAME_BLOCK = 3000
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
    """What a scan found: every pair at or above ``min_score`` and the best ones in full."""

    #: The best ``limit`` pairs (all when no limit), best first, with their reasons.
    pairs: list[Pair]
    #: Every pair at or above ``min_score`` as ``(id, id, score)``, the lower id first.
    found: list[tuple[int, int, int]]
    scanned: int
    blocks: int
    compared: int

    @property
    def count(self) -> int:
        return len(self.found)


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


@dataclass
class _Block:
    kind: str
    records: list[int] = field(default_factory=list)
    #: The key written with the block's word first, then its other words (sorted).
    names: list[str] = field(default_factory=list)


def _name_blocks(records: Sequence[Record]) -> list[_Block]:
    """The name blocks (see the module docstring): one per word, large ones split."""
    by_word: dict[tuple, _Block] = {}
    for index, record in enumerate(records):
        seen: set[tuple] = set()  # (block, compared text): each once per record
        for key in record.keys:
            words = key.split()
            significant = [w for w in words if len(w) > 1 and w not in STOP_WORDS] or words
            if len(significant) == 1:
                (w,) = significant
                blocks = [((record.kind, 1, w[:3]), key), ((record.kind, 1, "$" + w[-3:]), key)]
            else:
                blocks = []
                for w in dict.fromkeys(significant):
                    others = list(words)
                    others.remove(w)
                    blocks.append(((record.kind, 2, w), " ".join([w, *others])))
            for block, text in blocks:
                if (block, text) not in seen:
                    seen.add((block, text))
                    found = by_word.get(block)
                    if found is None:
                        found = by_word[block] = _Block(record.kind)
                    found.records.append(index)
                    found.names.append(text)
    out: list[_Block] = []
    for (_kind, size, _w), block in by_word.items():
        if len(block.records) < 2:
            continue
        if size == 1 or len(block.records) <= MAX_NAME_BLOCK:
            out.append(block)
        else:
            out.extend(_split(block))
    return out


def _split(block: _Block) -> list[_Block]:
    """A word's block too large to compare whole: by the first and last two letters of each
    other word."""
    parts: dict[str, _Block] = {}
    for index, text in zip(block.records, block.names, strict=True):
        _w, *others = text.split()
        subkeys = {f"^{v[:2]}" for v in others if v not in STOP_WORDS} | {
            f"${v[-2:]}" for v in others if v not in STOP_WORDS
        }
        for sub in subkeys or {""}:
            part = parts.setdefault(sub, _Block(block.kind))
            part.records.append(index)
            part.names.append(text)
    return [p for p in parts.values() if len(p.records) > 1]


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


def _compare(block: _Block) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of the block at or above its kind's cut-off: (record, record, similarity)."""
    workers = -1 if len(block.names) > PARALLEL_BLOCK else 1
    matrix = process.cdist(
        block.names,
        block.names,
        scorer=fuzz.ratio,
        score_cutoff=NAME_CUTOFF[block.kind],
        dtype=np.uint8,
        workers=workers,
    )
    rows, cols = np.nonzero(matrix)
    upper = rows < cols
    rows, cols = rows[upper], cols[upper]
    index = np.asarray(block.records, dtype=np.int64)
    return index[rows], index[cols], matrix[rows, cols]


def _name_pairs(blocks: list[_Block]) -> dict[tuple[int, int], int]:
    """Every pair of records met in a block, with its best similarity."""
    parts = [_compare(b) for b in blocks]
    if not parts:
        return {}
    left = np.concatenate([p[0] for p in parts])
    right = np.concatenate([p[1] for p in parts])
    similarity = np.concatenate([p[2] for p in parts]).astype(np.int64)
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    low, high, similarity = low[keep], high[keep], similarity[keep]
    # Best similarity per pair: sort by pair then similarity descending, keep the first.
    order = np.lexsort((-similarity, high, low))
    low, high, similarity = low[order], high[order], similarity[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    return dict(
        zip(
            zip(low[first].tolist(), high[first].tolist(), strict=True),
            similarity[first].tolist(),
            strict=True,
        )
    )


def _name_similarity(a: Record, b: Record) -> int:
    """Best similarity of any two keys, for a pair found by exact evidence."""
    return max((round(fuzz.token_sort_ratio(ka, kb)) for ka in a.keys for kb in b.keys), default=0)


# --- the scan ----------------------------------------------------------------------------


def _evidence_of(
    a: Record, b: Record, similarity: int, personal: bool, common: frozenset[str]
) -> list[tuple[str, object]]:
    """``(code, value)`` of every reason to think ``a`` and ``b`` are one actor (and the one
    against); ``common``: evidence shared by too many records to count."""
    found: list[tuple[str, object]] = [("name_similarity", similarity)]
    if a.territory_id is not None and a.territory_id == b.territory_id:
        found.append(("same_territory", a.territory_id))
    if a.identifiers and b.identifiers and (shared := _shared_identifier(a, b, common)):
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


_POINTS = {e.code: e.points for e in REASONS}


def _score(evidence: list[tuple[str, object]]) -> int:
    total = sum(
        _POINTS[code] * value if code == "name_similarity" else _POINTS[code]
        for code, value in evidence
    )
    return max(0, min(100, round(total)))


def reasons_of(
    a: Record, b: Record, similarity: int, *, personal: bool, common: frozenset[str] = frozenset()
) -> list[Reason]:
    """Every reason to think ``a`` and ``b`` are one actor (and the one against)."""
    return [Reason(code, value) for code, value in _evidence_of(a, b, similarity, personal, common)]


def score_of(reasons: Iterable[Reason]) -> int:
    return _score([(r.code, r.value) for r in reasons])


def _scores(
    records: Sequence[Record],
    low: np.ndarray,
    high: np.ndarray,
    similarity: np.ndarray,
    personal: bool,
    common: frozenset[str],
) -> np.ndarray:
    """``_score(_evidence_of(...))`` of every pair at once (the same sums in the same order:
    ``tests/registry/test_matching.py`` checks that they agree)."""

    def column(values, dtype=np.int64) -> np.ndarray:
        return np.fromiter(values, dtype=dtype, count=len(records))

    total = _POINTS["name_similarity"] * similarity.astype(np.float64)
    territory = column(-1 if r.territory_id is None else r.territory_id for r in records)
    total = total + _POINTS["same_territory"] * (
        (territory[low] == territory[high]) & (territory[low] >= 0)
    )
    held = column((bool(r.identifiers) for r in records), dtype=bool)
    both = np.flatnonzero(held[low] & held[high])
    shared = np.zeros(len(low), dtype=bool)
    for k in both.tolist():
        shared[k] = _shared_identifier(records[low[k]], records[high[k]], common) is not None
    total = total + _POINTS["shared_identifier"] * shared
    if personal:
        birth = column(r.birth_year or 0 for r in records)
        known = (birth[low] > 0) & (birth[high] > 0)
        total = total + _POINTS["same_birth_year"] * (known & (birth[low] == birth[high]))
        total = total + _POINTS["different_birth_year"] * (known & (birth[low] != birth[high]))
        for code, prefix, normalise, attribute in (
            ("same_email", "email:", normalise_email, "email"),
            ("same_phone", "phone:", normalise_phone, "phone"),
        ):
            codes: dict[str, int] = {}
            values = []
            for r in records:
                value = normalise(getattr(r, attribute))
                if not value or f"{prefix}{value}" in common:
                    values.append(-1)
                else:
                    values.append(codes.setdefault(value, len(codes)))
            ids = np.asarray(values, dtype=np.int64)
            total = total + _POINTS[code] * ((ids[low] == ids[high]) & (ids[low] >= 0))
    return np.clip(np.rint(total), 0, 100).astype(np.int64)


def scan(
    records: Sequence[Record],
    *,
    personal: bool = False,
    min_score: int = DEFAULT_MIN_SCORE,
    limit: int | None = None,
) -> Scan:
    """The candidate pairs among ``records`` (see the module docstring), best first.

    ``personal`` False: birth year, email and phone are ignored, as if absent.
    ``limit``: how many pairs to give in full (``Scan.pairs``); all are counted.
    """
    blocks = _name_blocks(records)
    best = _name_pairs(blocks)
    compared = sum(len(b.names) * (len(b.names) - 1) // 2 for b in blocks)
    evidence, common = _evidence_blocks(records, personal)
    for block in evidence:
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                pair = (i, j) if i < j else (j, i)
                if i != j and records[i].kind == records[j].kind and pair not in best:
                    best[pair] = _name_similarity(records[i], records[j])
    count = len(best)
    low = np.fromiter((i for i, _j in best), dtype=np.int64, count=count)
    high = np.fromiter((j for _i, j in best), dtype=np.int64, count=count)
    similarity = np.fromiter(best.values(), dtype=np.int64, count=count)
    score = _scores(records, low, high, similarity, personal, common)
    keep = score >= min_score
    low, high, similarity, score = low[keep], high[keep], similarity[keep], score[keep]
    ids = np.fromiter((r.id for r in records), dtype=np.int64, count=len(records))
    first, second = np.minimum(ids[low], ids[high]), np.maximum(ids[low], ids[high])
    order = np.lexsort((second, first, -score))
    shown = order if limit is None else order[:limit]
    pairs = []
    for k in shown.tolist():
        a, b = records[low[k]], records[high[k]]
        if a.id > b.id:
            a, b = b, a
        reasons = tuple(reasons_of(a, b, int(similarity[k]), personal=personal, common=common))
        pairs.append(Pair(a, b, int(score[k]), reasons))
    return Scan(
        pairs=pairs,
        found=list(
            zip(first[order].tolist(), second[order].tolist(), score[order].tolist(), strict=True)
        ),
        scanned=len(records),
        blocks=len(blocks) + len(evidence),
        compared=compared,
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
    limit: int | None = None,
) -> Scan:
    """The candidate pairs among the actors of ``territory_id`` (and below it).

    ``reach_territory_id``: only actors within it too (a key confined to a territory).
    """
    from registry.models import Actor
    from registry.scope import restrict

    actors = restrict(Actor.objects.all(), "territory_id", territory_id)
    actors = restrict(actors, "territory_id", reach_territory_id)
    records = load_records(actors, personal=personal)
    return scan(records, personal=personal, min_score=min_score, limit=limit)
