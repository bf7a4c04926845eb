"""What the strengths read beyond a body's own facts: its members' seats elsewhere, its
host's referrals, the members of the territory's bodies and their sub-territories.

Each function is one or two queries whatever the number of bodies. Scope: a
reader confined to ``reach_territory_id`` sees only the seats, referrals and
bodies within it (a seat out of reach is not told apart from no seat), and the
members whose home lies out of it as members whose category, gender, birth year
and sub-territory are unknown (``body_facts``' rule).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from graph.loaders.common import _inside, _within, sub_territories_of
from graph.loaders.common import below as territories_below
from graph.model import SEAT_ROLES, PeerMember, ReferralFacts, SeatFacts
from registry.models import Body, Membership, Opinion

SEATS = sorted(SEAT_ROLES)


def _in_reach(qs: QuerySet, reach_territory_id: int | None, path: str) -> QuerySet:
    if reach_territory_id is None:
        return qs
    return qs.filter(**{f"{path}__in": _within(reach_territory_id)})


def seats_by_actor(
    body_ids: list[int], as_of: dt.date, reach_territory_id: int | None
) -> dict[int, list[SeatFacts]]:
    """Actor id -> every seat started by ``as_of`` of the actors who ever sat in these
    bodies (one query): the callers keep the seats in bodies other than theirs."""
    members = Membership.objects.filter(body_id__in=body_ids).values("actor_id")
    rows = _in_reach(
        Membership.objects.filter(actor_id__in=members, role__in=SEATS, start_date__lte=as_of),
        reach_territory_id,
        "body__territory_id",
    ).values_list("actor_id", "body_id", "start_date")
    seats: dict[int, list[SeatFacts]] = defaultdict(list)
    for actor_id, body_id, start in sorted(rows):
        seats[actor_id].append(SeatFacts(actor_id=actor_id, body_id=body_id, start=start))
    return seats


def host_referrals(
    host_ids: set[int], as_of: dt.date, reach_territory_id: int | None
) -> tuple[dict[int, list[ReferralFacts]], dict[int, int]]:
    """Host id -> the opinions it referred to its bodies by ``as_of``, and host id -> the
    bodies it runs on ``as_of`` (two queries)."""
    if not host_ids:
        return {}, {}
    opinions = _in_reach(
        Opinion.objects.filter(body__host_id__in=host_ids, referral="referred", date__lte=as_of),
        reach_territory_id,
        "body__territory_id",
    ).values_list("body__host_id", "body_id", "date", "id")
    referrals: dict[int, list[ReferralFacts]] = defaultdict(list)
    for host, body_id, date, _pk in sorted(opinions):
        referrals[host].append(ReferralFacts(body_id=body_id, date=date))
    bodies = (
        _in_reach(
            Body.objects.active_on(as_of).filter(host_id__in=host_ids),
            reach_territory_id,
            "territory_id",
        )
        .values_list("host_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("host_id", "n")
    )
    return referrals, dict(bodies)


def peer_members(
    *, territory_id: int, as_of: dt.date, reach_territory_id: int | None = None
) -> tuple[PeerMember, ...]:
    """Every current seat holder of the bodies of the territory on ``as_of``, with what the
    diversity strengths aggregate; personal data only for aggregates."""
    return peer_members_of(
        territory_ids={territory_id}, as_of=as_of, reach_territory_id=reach_territory_id
    )[territory_id]


def peer_members_of(
    *, territory_ids: set[int], as_of: dt.date, reach_territory_id: int | None = None
) -> dict[int, tuple[PeerMember, ...]]:
    """``peer_members`` of each territory, in four queries for all of them."""
    below, everywhere = territories_below(territory_ids)
    rows = list(
        Membership.objects.current_on(as_of)
        .filter(body__in=Body.objects.active_on(as_of).filter(territory_id__in=everywhere))
        .filter(role__in=SEATS)
        .annotate(inside=_inside(reach_territory_id, "actor__territory_id"))
        .order_by("body_id", "actor_id", "id")
        .values_list(
            "body_id",
            "actor_id",
            "actor__category",
            "actor__personal_data__gender",
            "actor__personal_data__birth_year",
            "actor__territory_id",
            "inside",
            "actor__kind",
            "body__territory_id",
        )
    )
    places = sub_territories_of(territory_ids, sorted({r[5] for r in rows if r[5] is not None}))
    members: dict[int, list[PeerMember]] = {pk: [] for pk in territory_ids}
    holders: dict[int, list[int]] = {}  # a body's territory -> the territories holding it
    seen: set[tuple[int, int]] = set()
    for body_id, actor_id, category, gender, year, home, inside, kind, where in rows:
        if (body_id, actor_id) in seen:
            continue
        seen.add((body_id, actor_id))
        if not inside:
            category, gender, year, home, kind = "", None, None, None, ""
        if where not in holders:
            holders[where] = [pk for pk in territory_ids if where in below[pk]]
        for pk in holders[where]:
            members[pk].append(
                PeerMember(
                    body_id=body_id,
                    actor_id=actor_id,
                    category=category or "",
                    gender=gender if gender in ("female", "male", "other") else None,
                    birth_year=year,
                    place=places[pk].get(home, "") if home is not None else "",
                    kind=kind,
                )
            )
    return {pk: tuple(found) for pk, found in members.items()}


def body_territories(body_ids: Iterable[int]) -> frozenset[int]:
    """The territories of these bodies (one query): where a change must refresh an answer
    that read their seats or opinions (``api.analysis.runner.Reads``)."""
    ids = sorted(set(body_ids))
    if not ids:
        return frozenset()
    return frozenset(Body.objects.filter(id__in=ids).values_list("territory_id", flat=True))
