"""The simulation: the body's indicators before and after the top candidates take seats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import networkx as nx

from graph.model import MEMBERSHIP_WEIGHTS, BodyFacts, MemberFacts, actor_node, body_node
from graph.recruitment.model import (
    Candidate,
    CandidateFacts,
    CollegeNeed,
    IndicatorChange,
    Seating,
    Simulation,
)
from graph.renewal.base import Assessment

#: assess(members added) -> the body's assessment with them (none added: as it is).
Assess = Callable[[tuple[MemberFacts, ...]], Assessment]


def seat(ranked: Sequence[Candidate], colleges: Sequence[CollegeNeed], top: int) -> list[Seating]:
    """``top`` candidates given a seat, in rank order.

    First, each college's vacant seats go to the best-ranked candidates who fit it (their
    ``college_id``): a resident ranked high never takes the seat of an associations
    college that an association lower in the list fits. Then the seats left, and a
    ``top`` above the vacant seats, go to the best-ranked candidates not yet seated: in
    the first college with a vacant seat left (body order), else outside any college (the
    body is then over its seats).
    """
    left = {c.id: c.vacant for c in colleges}
    chosen: dict[int, int | None] = {}  # rank index -> college
    for index, candidate in enumerate(ranked):
        if len(chosen) >= top:
            break
        if left.get(candidate.college_id, 0) > 0:
            left[candidate.college_id] -= 1
            chosen[index] = candidate.college_id
    for index, _candidate in enumerate(ranked):
        if len(chosen) >= top:
            break
        if index in chosen:
            continue
        college = next((c.id for c in colleges if left[c.id] > 0), None)
        if college is not None:
            left[college] -= 1
        chosen[index] = college
    return [Seating(ranked[i].actor_id, chosen[i]) for i in sorted(chosen)]


def added_members(
    seated: Sequence[Seating], facts_of: dict[int, CandidateFacts], as_of: dt.date
) -> tuple[MemberFacts, ...]:
    """The seated candidates as members from ``as_of`` (gender and birth year as read: None
    without the ``personal_data`` scope, so the simulation never tells them)."""
    return tuple(
        MemberFacts(
            actor_id=s.actor_id,
            college_id=s.college_id,
            role="member",
            start=as_of,
            end=None,
            end_reason="",
            category=facts_of[s.actor_id].category,
            gender=facts_of[s.actor_id].gender,
            birth_year=facts_of[s.actor_id].birth_year,
        )
        for s in seated
    )


def with_members(graph: nx.MultiGraph, body_id: int, actor_ids: Sequence[int]) -> nx.MultiGraph:
    """A copy of the graph where these actors are also members of the body."""
    copy = graph.copy()
    for pk in actor_ids:
        copy.add_edge(
            actor_node(pk),
            body_node(body_id),
            key=f"simulated{pk}",
            relation="membership",
            type="member",
            weight=MEMBERSHIP_WEIGHTS["member"],
            sign=1,
            start=None,
            end=None,
        )
    return copy


def simulate(
    facts: BodyFacts,
    *,
    ranked: Sequence[Candidate],
    colleges: Sequence[CollegeNeed],
    facts_of: dict[int, CandidateFacts],
    top: int,
    as_of: dt.date,
    assess: Assess,
) -> Simulation:
    seated = seat(ranked, colleges, top)
    before = assess(())
    after = assess(added_members(seated, facts_of, as_of)) if seated else before
    changes = tuple(
        IndicatorChange(b.code, b.value, b.status, a.value, a.status)
        for b, a in zip(before.indicators, after.indicators, strict=True)
    )
    return Simulation(
        top=len(seated),
        seated=tuple(seated),
        score_before=before.score,
        score_after=after.score,
        indicators=changes,
    )
