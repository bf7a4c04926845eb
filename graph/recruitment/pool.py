"""The ranking of the recruitment pool: gaps, candidates and their reasons, exclusions."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence

import networkx as nx

from graph.model import BodyFacts, TerritoryProfile, actor_node, body_node, node_pk
from graph.recruitment.gaps import (
    admitted_bands,
    college_needs,
    under_represented,
    vacant_seats,
)
from graph.recruitment.messages import label, say
from graph.recruitment.model import Candidate, CandidateFacts, CollegeNeed, Gap, Pool, Reason
from graph.recruitment.rules import (
    CONTACT_BASES,
    DEFAULT_LIMIT,
    DIMENSIONS,
    EXCLUSIONS,
    PERSONAL_DIMENSIONS,
    REASON_WEIGHTS,
)
from graph.recruitment.simulate import Assess, simulate
from graph.renewal.base import MULTI_MEMBERSHIP_MIN
from graph.renewal.maths import age_band, current_actors
from graph.renewal.network import members_of


def sub_territory(home: str | None, sub_territory_of: Mapping[str, str] | None) -> str | None:
    """The sub-territory of an actor living in ``home`` ("level:code"): its own territory
    without a mapping; with one, the mapped territory, None when ``home`` has none (an
    actor of the territory itself, or from elsewhere)."""
    if not home:
        return None
    return home if sub_territory_of is None else sub_territory_of.get(home)


def _territory_actors(graph: nx.MultiGraph) -> list[str]:
    """The actor nodes of the territory itself: not members from elsewhere, not out of reach."""
    hidden = {actor_node(pk) for pk in graph.graph.get("outside_actor_ids", ())}
    hidden |= {actor_node(pk) for pk in graph.graph.get("restricted_actor_ids", ())}
    return [
        n for n, data in graph.nodes(data=True) if data.get("kind") == "actor" and n not in hidden
    ]


def _community_labels(
    actors: Sequence[str], graph: nx.MultiGraph, communities: Mapping[str, int], pagerank
) -> dict[str, str]:
    """Each community named after its most central actor of the territory."""
    best: dict[int, str] = {}
    for node in sorted(actors, key=lambda n: (-pagerank.get(n, 0.0), node_pk(n))):
        if node in communities:
            best.setdefault(communities[node], node)
    return {str(c): graph.nodes[n].get("label", "") for c, n in best.items()}


def body_gaps(
    facts: BodyFacts,
    *,
    as_of: dt.date,
    graph: nx.MultiGraph,
    communities: Mapping[str, int],
    pagerank: Mapping[str, float],
    profile: TerritoryProfile | None,
    personal: bool,
    place_names: Mapping[str, str] | None = None,
    sub_territory_of: Mapping[str, str] | None = None,
) -> list[Gap]:
    """The values the body under-represents, dimension by dimension (``rules.DIMENSIONS``);
    the personal ones only when ``personal``. ``sub_territory_of`` maps an actor's
    territory to its sub-territory (``graph.loaders.sub_territory_keys``; default: the
    actor's own territory)."""
    current = current_actors(facts, as_of)
    members = [actor_node(pk) for pk in current]
    actors = _territory_actors(graph)

    def places(nodes) -> Counter:
        homes = (graph.nodes.get(n, {}).get("territory") for n in nodes)
        return Counter(p for p in (sub_territory(h, sub_territory_of) for h in homes) if p)

    observed: dict[str, Counter] = {
        "community": Counter(str(communities[n]) for n in members if n in communities),
        "category": Counter(m.category for m in current.values() if m.category),
        "sub_territory": places(members),
        "age_band": Counter(
            age_band(m.birth_year, as_of) for m in current.values() if m.birth_year is not None
        ),
        "gender": Counter(m.gender for m in current.values() if m.gender in ("female", "male")),
    }
    bands = admitted_bands(facts)
    reference: dict[str, Mapping[str, float]] = {
        "community": Counter(str(communities[n]) for n in actors if n in communities),
        "category": dict((profile.categories if profile else {}) or {}),
        "sub_territory": places(actors),
        "age_band": {
            b: n for b, n in ((profile.age_bands if profile else {}) or {}).items() if b in bands
        },
        "gender": {"female": 1, "male": 1},  # parity, whatever the territory
    }
    labels = {
        "community": _community_labels(actors, graph, communities, pagerank),
        "sub_territory": dict(place_names or {}),
        "age_band": {b: b for b in bands},
    }
    gaps: list[Gap] = []
    for dimension, is_personal in DIMENSIONS:
        if is_personal and not personal:
            continue
        gaps += under_represented(
            dimension, reference[dimension], observed[dimension], labels.get(dimension)
        )
    return gaps


def _exclusion(
    candidate: CandidateFacts,
    *,
    sitting: bool,
    seats: int,
    as_of: dt.date,
    host_id: int | None,
) -> str | None:
    """Why the candidate is left out (the first of ``rules.EXCLUSIONS`` that applies)."""
    checks = {
        "host_authority": candidate.actor_id == host_id,
        "already_member": sitting,
        "multi_membership": seats >= MULTI_MEMBERSHIP_MIN,
        "lawful_basis": candidate.lawful_basis is not None
        and candidate.lawful_basis not in CONTACT_BASES,
        "retention_passed": candidate.retention_until is not None
        and candidate.retention_until < as_of,
        "erased": candidate.erased,
    }
    return next((reason for reason in EXCLUSIONS if checks[reason]), None)


def _reason(code: str, key: str | None = None, *, times: int = 1, **values) -> Reason:
    en, fr = say(key or code, **values)
    return Reason(code, REASON_WEIGHTS[code] * times, en, fr)


def _college_reason(
    candidate: CandidateFacts, colleges: Sequence[CollegeNeed]
) -> tuple[Reason | None, int | None]:
    open_ = [c for c in colleges if c.vacant > 0]
    fits = [c for c in open_ if c.profile_source != "open" and candidate.category in c.categories]
    if fits:
        college = sorted(fits, key=lambda c: (-c.vacant, c.id or 0))[0]
        what = tuple(
            f"{a} ({b})"
            for a, b in zip(
                label(candidate.category),
                (
                    "organization" if candidate.kind == "organization" else "person",
                    "organisation" if candidate.kind == "organization" else "personne",
                ),
                strict=True,
            )
        )
        names = tuple(", ".join(label(c)[i].lower() for c in college.categories) for i in range(2))
        reason = _reason(
            "college", what=what, college=college.name, vacant=college.vacant, categories=names
        )
        return reason, college.id
    anyone = [c for c in open_ if c.profile_source == "open"]
    if anyone:
        college = anyone[0]
        key = "vacant_seat" if college.id is not None else "vacant_seat.body"
        return _reason("vacant_seat", key, college=college.name, vacant=college.vacant), college.id
    return None, None


def _gap_reasons(values: Mapping[str, str | None], gaps: Sequence[Gap]) -> list[Reason]:
    reasons = []
    for gap in gaps:
        if values.get(gap.dimension) == gap.value:
            name = label(gap.value) if gap.dimension in ("category", "gender") else gap.label
            reasons.append(
                _reason(
                    gap.dimension,
                    value=gap.value,
                    label=name,
                    body=gap.body_share,
                    territory=gap.territory_share,
                )
            )
    return reasons


def recruitment_pool(
    facts: BodyFacts,
    *,
    as_of: dt.date,
    candidates: Sequence[CandidateFacts],
    graph: nx.MultiGraph,
    communities: Mapping[str, int],
    pagerank: Mapping[str, float],
    profile: TerritoryProfile | None,
    personal: bool,
    assess: Assess,
    top: int | None = None,
    limit: int = DEFAULT_LIMIT,
    college_categories: Mapping[int, Mapping[str, int]] | None = None,
    host_id: int | None = None,
    place_names: Mapping[str, str] | None = None,
    retention_on: dt.date | None = None,
    sub_territory_of: Mapping[str, str] | None = None,
) -> Pool:
    """Rank the territory's actors who could take part in the body's renewal.

    ``candidates`` are the actors of the territory the reader may see (``graph`` is the
    body's network territory graph, ``communities``/``pagerank`` its positions).
    Candidates are left out for the reasons of ``rules.EXCLUSIONS`` (counted), then
    scored by the sum of their reasons' weights (``rules.REASONS``); those with no
    reason count as ``unranked``. ``college_categories`` (college id -> category ->
    count) gives who filled each college (``gaps.college_needs``); ``host_id`` is the
    authority that runs the body; ``place_names`` names the sub-territories
    (``level:code`` -> name), ``sub_territory_of`` maps an actor's territory to its
    sub-territory (``body_gaps``). Order: score (high first), then actor id. ``top``
    (default: the vacant seats) candidates are seated in the simulation (``assess``).
    Without ``personal``, neither gender nor age is used nor shown. ``retention_on``
    (default ``as_of``) is the day retention dates are judged on: the caller gives the
    later of ``as_of`` and today, since data past retention today may not be used to
    recruit, whatever the date analysed.
    """
    current = current_actors(facts, as_of)
    colleges = college_needs(facts, current, college_categories)
    gaps = body_gaps(
        facts,
        as_of=as_of,
        graph=graph,
        communities=communities,
        pagerank=pagerank,
        profile=profile,
        personal=personal,
        place_names=place_names,
        sub_territory_of=sub_territory_of,
    )
    body = body_node(facts.id)
    # Seat-holders, and any other current membership (referents, facilitators): not an
    # interaction with the body, which makes no one a member.
    sitting_now = set(current) | {node_pk(n) for n in members_of(graph, body) if n.startswith("a")}
    excluded: Counter = Counter()
    scored: list[tuple[float, int, dict]] = []
    unranked = 0
    facts_of = {}
    for candidate in sorted(candidates, key=lambda c: c.actor_id):
        node = actor_node(candidate.actor_id)
        seats = sum(
            1
            for other, edges in (graph.adj[node].items() if node in graph else ())
            if other.startswith("b")
            and other != body
            and any(e.get("relation") == "membership" for e in edges.values())
        )
        why_not = _exclusion(
            candidate,
            sitting=candidate.actor_id in sitting_now,
            seats=seats,
            as_of=retention_on or as_of,
            host_id=host_id,
        )
        if why_not:
            excluded[why_not] += 1
            continue
        college_reason, college_id = _college_reason(candidate, colleges)
        band = age_band(candidate.birth_year, as_of) if candidate.birth_year else None
        community = communities.get(node)
        values = {
            "community": None if community is None else str(community),
            "category": candidate.category,
            "sub_territory": sub_territory(candidate.territory, sub_territory_of),
            "age_band": band if personal else None,
            "gender": candidate.gender if personal else None,
        }
        reasons = [r for r in [college_reason] if r] + _gap_reasons(values, gaps)
        if not reasons:
            unranked += 1
            continue
        if seats:
            reasons.append(_reason("other_seats", times=seats, n=seats))
        facts_of[candidate.actor_id] = candidate
        score = sum(r.weight for r in reasons)
        scored.append(
            (
                score,
                candidate.actor_id,
                {
                    "candidate": candidate,
                    "community": community,
                    "seats": seats,
                    "college_id": college_id,
                    "reasons": tuple(reasons),
                    "band": band,
                },
            )
        )
    scored.sort(key=lambda s: (-s[0], s[1]))
    ranked = [
        _candidate(rank, score, data, personal) for rank, (score, _id, data) in enumerate(scored, 1)
    ]
    vacant = vacant_seats(facts, current)
    simulation = simulate(
        facts,
        ranked=ranked,
        colleges=colleges,
        facts_of=facts_of,
        top=(vacant or 0) if top is None else top,
        as_of=as_of,
        assess=assess,
    )
    return Pool(
        body_id=facts.id,
        body_name=facts.name,
        as_of=as_of,
        personal_data=personal,
        criteria_left_out=() if personal else tuple(sorted(PERSONAL_DIMENSIONS)),
        vacant_seats=vacant,
        gaps=tuple(gaps),
        colleges=tuple(colleges),
        candidates_total=len(ranked),
        candidates=tuple(ranked[:limit]),
        excluded=tuple((reason, excluded[reason]) for reason in EXCLUSIONS),
        unranked=unranked,
        simulation=simulation,
    )


def _contact(candidate: CandidateFacts, personal: bool) -> str | None:
    """How to approach the candidate. Whether the registry holds a person's personal data,
    and under which lawful basis, is itself personal data: None without ``personal``."""
    if candidate.kind == "organization":
        return "organization"
    if not personal:
        return None
    return "not_recorded" if candidate.lawful_basis is None else "allowed"


def _candidate(rank: int, score: float, data: dict, personal: bool) -> Candidate:
    c: CandidateFacts = data["candidate"]
    return Candidate(
        rank=rank,
        actor_id=c.actor_id,
        name=c.name,
        kind=c.kind,
        category=c.category,
        territory=c.territory,
        community=data["community"],
        seats=data["seats"],
        score=score,
        college_id=data["college_id"],
        contact=_contact(c, personal),
        reasons=data["reasons"],
        gender=c.gender if personal else None,
        age_band=data["band"] if personal else None,
        channels=c.channels if _contact(c, personal) == "allowed" else (),
    )
