"""Name blocks: which actors are compared by name, and their comparison in one call per block.

See the package docstring (``registry.matching``) for the rule and what it can miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from registry.matching.records import Record

#: Lowest name similarity (0-100) for a pair found by its names alone, per kind. Names of
#: organizations share more words ("Association des habitants de ..."): a higher bar.
NAME_CUTOFF = {"person": 85, "organization": 90}

#: A word's block larger than this is split by the first and last two letters of the
#: other words (a very common given name in a large territory).
MAX_NAME_BLOCK = 3000

#: Above this many names, a block is compared with every core (``workers=-1``).
PARALLEL_BLOCK = 400

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


@dataclass
class _Block:
    kind: str
    records: list[int] = field(default_factory=list)
    #: The key written with the block's word first, then its other words (sorted).
    names: list[str] = field(default_factory=list)


def name_blocks(records: Sequence[Record]) -> list[_Block]:
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


def name_pairs(blocks: list[_Block]) -> dict[tuple[int, int], int]:
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


def name_similarity(a: Record, b: Record) -> int:
    """Best similarity of any two keys, for a pair found by exact evidence."""
    return max((round(fuzz.token_sort_ratio(ka, kb)) for ka in a.keys for kb in b.keys), default=0)
