"""The scan: blocks compared, evidence added, pairs scored at once, the best in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from registry.matching.blocking import name_blocks, name_pairs, name_similarity
from registry.matching.evidence import (
    POINTS,
    Reason,
    evidence_blocks,
    normalise_email,
    normalise_phone,
    reasons_of,
    shared_identifier,
)
from registry.matching.records import Record, load_records

#: Default lowest score of a listed pair.
DEFAULT_MIN_SCORE = 50


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


def _scores(
    records: Sequence[Record],
    low: np.ndarray,
    high: np.ndarray,
    similarity: np.ndarray,
    personal: bool,
    common: frozenset[str],
) -> np.ndarray:
    """``score(evidence_of(...))`` of every pair at once (the same sums in the same order:
    ``tests/registry/test_matching.py`` checks that they agree)."""

    def column(values, dtype=np.int64) -> np.ndarray:
        return np.fromiter(values, dtype=dtype, count=len(records))

    total = POINTS["name_similarity"] * similarity.astype(np.float64)
    territory = column(-1 if r.territory_id is None else r.territory_id for r in records)
    total = total + POINTS["same_territory"] * (
        (territory[low] == territory[high]) & (territory[low] >= 0)
    )
    held = column((bool(r.identifiers) for r in records), dtype=bool)
    both = np.flatnonzero(held[low] & held[high])
    shared = np.zeros(len(low), dtype=bool)
    for k in both.tolist():
        shared[k] = shared_identifier(records[low[k]], records[high[k]], common) is not None
    total = total + POINTS["shared_identifier"] * shared
    if personal:
        birth = column(r.birth_year or 0 for r in records)
        known = (birth[low] > 0) & (birth[high] > 0)
        total = total + POINTS["same_birth_year"] * (known & (birth[low] == birth[high]))
        total = total + POINTS["different_birth_year"] * (known & (birth[low] != birth[high]))
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
            total = total + POINTS[code] * ((ids[low] == ids[high]) & (ids[low] >= 0))
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
    blocks = name_blocks(records)
    best = name_pairs(blocks)
    compared = sum(len(b.names) * (len(b.names) - 1) // 2 for b in blocks)
    evidence, common = evidence_blocks(records, personal)
    for block in evidence:
        for x, i in enumerate(block):
            for j in block[x + 1 :]:
                pair = (i, j) if i < j else (j, i)
                if i != j and records[i].kind == records[j].kind and pair not in best:
                    best[pair] = name_similarity(records[i], records[j])
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
