"""What changed between two snapshots (the first and the last date of an evolution).

- **Core** and **top-PageRank set**: the actors in the last date's set and not in the
  first's (entered), and the reverse (left).
- **Communities** are matched by their members present (and named) at both dates; only
  communities with at least ``MIN_MATCHED`` such members take part. A first-date community
  *goes to* the last-date community holding more than ``OVERLAP`` of those members; two
  or more going to the same one is a **merge**. Symmetrically, a last-date community
  *comes from* the first-date community that held more than ``OVERLAP`` of its members;
  two or more coming from the same one is a **split**. Actors absent at one date are
  ignored, so newcomers and leavers never make a merge or a split.
- **Interlocks grew**: bodies present at both dates with more bodies sharing members, or a
  higher highest Jaccard, most new links first.
- **Score moves**: bodies scored at both dates whose score or an indicator's status changed,
  largest move first (|Δ score|), with the indicators that changed status.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.evolution.messages import say
from graph.evolution.snapshot import MIN_MATCHED, PRECISION, TOP_PAGERANK, Community, Snapshot
from graph.model import node_order

#: Share of a community's members (present at both dates) that must sit in one community
#: of the other date for the two to match: more than half.
OVERLAP = 0.5


@dataclass(frozen=True)
class Moves:
    entered: tuple[str, ...]  # node order
    left: tuple[str, ...]
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class CommunityMerge:
    into: int  # community of the last date
    sources: tuple[int, ...]  # communities of the first date
    shared: int  # members of the sources present at both dates, now in ``into``
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class CommunitySplit:
    source: int  # community of the first date
    parts: tuple[int, ...]  # communities of the last date
    shared: int  # members of ``source`` present at both dates, now in the parts
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class InterlockGrowth:
    body: str
    label: str
    linked_first: int
    linked_last: int
    jaccard_first: float
    jaccard_last: float
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class StatusChange:
    code: str
    first: str
    last: str


@dataclass(frozen=True)
class ScoreMove:
    body: str
    label: str
    score_first: float | None
    score_last: float | None
    delta: float | None  # last - first; None when either is unknown
    changed: tuple[StatusChange, ...]
    message_en: str
    message_fr: str


@dataclass(frozen=True)
class Changes:
    first: dt.date
    last: dt.date
    core: Moves
    top_pagerank: Moves
    merges: tuple[CommunityMerge, ...]
    splits: tuple[CommunitySplit, ...]
    interlocks_grew: tuple[InterlockGrowth, ...]
    score_moves: tuple[ScoreMove, ...]


#: Names a sentence lists before "and N others" (the lists beside it stay complete).
NAMES_SHOWN = 10


def _names(nodes: tuple[str, ...], *snapshots: Snapshot) -> tuple[str, str]:
    if not nodes:
        return ("", "")
    labels: dict[str, str] = {}
    for snapshot in snapshots:
        labels.update(snapshot.labels)
    names = ", ".join(labels.get(n, n) for n in nodes[:NAMES_SHOWN])
    if len(nodes) > NAMES_SHOWN:
        return say("names_more", names=names, more=len(nodes) - NAMES_SHOWN)
    return say("names", names=names)


def _moves(key: str, before: set[str], after: set[str], a: Snapshot, b: Snapshot, **values):
    entered = tuple(sorted(after - before, key=node_order))
    left = tuple(sorted(before - after, key=node_order))
    en, fr = say(
        f"{key}.moves" if entered or left else f"{key}.same",
        first=a.as_of,
        last=b.as_of,
        entered=len(entered),
        left=len(left),
        entered_names=_names(entered, b),
        left_names=_names(left, a),
        **values,
    )
    return Moves(entered, left, en, fr)


def _targets(
    groups: tuple[Community, ...], others: tuple[Community, ...], common: set[str]
) -> dict[int, tuple[int, int]]:
    """Community id -> (the other date's community holding more than OVERLAP of its
    common members, how many), for the communities with MIN_MATCHED common members."""
    where = {m: c.id for c in others for m in c.members}
    found: dict[int, tuple[int, int]] = {}
    for group in groups:
        present = [m for m in group.members if m in common]
        if len(present) < MIN_MATCHED:
            continue
        counts: dict[int, int] = {}
        for member in present:
            counts[where[member]] = counts.get(where[member], 0) + 1
        best = min(counts, key=lambda cid: (-counts[cid], cid))
        if counts[best] > OVERLAP * len(present):
            found[group.id] = (best, counts[best])
    return found


def _grouped(targets: dict[int, tuple[int, int]]) -> dict[int, list[tuple[int, int]]]:
    grouped: dict[int, list[tuple[int, int]]] = {}
    for cid, (other, shared) in sorted(targets.items()):
        grouped.setdefault(other, []).append((cid, shared))
    return {k: v for k, v in sorted(grouped.items()) if len(v) >= 2}


def _communities(a: Snapshot, b: Snapshot):
    common = {m for c in a.communities for m in c.members} & {
        m for c in b.communities for m in c.members
    }
    merges = []
    for into, sources in _grouped(_targets(a.communities, b.communities, common)).items():
        ids, shared = tuple(s for s, _ in sources), sum(n for _, n in sources)
        en, fr = say(
            "merge",
            sources=", ".join(map(str, ids)),
            into=into,
            shared=shared,
            first=a.as_of,
            last=b.as_of,
        )
        merges.append(CommunityMerge(into, ids, shared, en, fr))
    splits = []
    for source, parts in _grouped(_targets(b.communities, a.communities, common)).items():
        ids, shared = tuple(p for p, _ in parts), sum(n for _, n in parts)
        en, fr = say(
            "split",
            source=source,
            parts=", ".join(map(str, ids)),
            shared=shared,
            first=a.as_of,
            last=b.as_of,
        )
        splits.append(CommunitySplit(source, ids, shared, en, fr))
    return tuple(merges), tuple(splits)


def _interlocks(a: Snapshot, b: Snapshot) -> tuple[InterlockGrowth, ...]:
    before = {s.body: s for s in a.bodies}
    grew = []
    for last in b.bodies:
        first = before.get(last.body)
        if first is None:
            continue
        if last.linked_bodies <= first.linked_bodies and last.max_jaccard <= first.max_jaccard:
            continue
        values = {
            "linked_first": first.linked_bodies,
            "linked_last": last.linked_bodies,
            "jaccard_first": first.max_jaccard,
            "jaccard_last": last.max_jaccard,
        }
        en, fr = say("interlock.grew", body=last.label, first=a.as_of, last=b.as_of, **values)
        grew.append(InterlockGrowth(last.body, last.label, **values, message_en=en, message_fr=fr))
    grew.sort(
        key=lambda g: (
            -(g.linked_last - g.linked_first),
            -(g.jaccard_last - g.jaccard_first),
            node_order(g.body),
        )
    )
    return tuple(grew)


def _scores(a: Snapshot, b: Snapshot) -> tuple[ScoreMove, ...]:
    before = {s.body: s for s in a.bodies}
    moves = []
    for last in b.bodies:
        first = before.get(last.body)
        if first is None:
            continue
        statuses = {i.code: i.status for i in first.indicators}
        changed = tuple(
            StatusChange(i.code, statuses[i.code], i.status)
            for i in last.indicators
            if i.code in statuses and statuses[i.code] != i.status
        )
        known = first.score is not None and last.score is not None
        delta = round(last.score - first.score, PRECISION) if known else None
        if not changed and not delta and first.score == last.score:
            continue
        note = say("score.changed", codes=", ".join(c.code for c in changed)) if changed else ""
        common = {
            "body": last.label,
            "first": a.as_of,
            "last": b.as_of,
            "changed": note or ("", ""),
        }
        if known:
            en, fr = say(
                "score.moved" if delta else "score.same",
                score_first=first.score,
                score_last=last.score,
                delta=delta,
                **common,
            )
        else:
            en, fr = say("score.unknown", **common)
        moves.append(
            ScoreMove(last.body, last.label, first.score, last.score, delta, changed, en, fr)
        )
    moves.sort(key=lambda m: (m.delta is None, -abs(m.delta or 0.0), node_order(m.body)))
    return tuple(moves)


def compare(first: Snapshot, last: Snapshot) -> Changes:
    """What changed from ``first`` to ``last`` (see the module docstring)."""
    merges, splits = _communities(first, last)
    return Changes(
        first=first.as_of,
        last=last.as_of,
        core=_moves(
            "core",
            set(first.core),
            set(last.core),
            first,
            last,
            k_first=first.core_k,
            k_last=last.core_k,
        ),
        top_pagerank=_moves(
            "top_pagerank",
            {n for n, _ in first.top_pagerank},
            {n for n, _ in last.top_pagerank},
            first,
            last,
            top=TOP_PAGERANK,
        ),
        merges=merges,
        splits=splits,
        interlocks_grew=_interlocks(first, last),
        score_moves=_scores(first, last),
    )
