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
    """The first ``top`` candidates, each given a seat: in the college it fits if a vacant
    seat is left there, else the first college with a vacant seat left (body order),
    else outside any college (the body is then over its seats)."""
    left = {c.id: c.vacant for c in colleges}
    seated = []
    for candidate in ranked[:top]:
        college = candidate.college_id if left.get(candidate.college_id, 0) > 0 else None
        if college is None:
            college = next((c.id for c in colleges if left[c.id] > 0), None)
        if college is not None or None in left:
            left[college] = left.get(college, 0) - 1
        seated.append(Seating(candidate.actor_id, college))
    return seated


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
