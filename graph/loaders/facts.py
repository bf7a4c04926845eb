"""The facts of each body (members, colleges, meetings, opinions) and the territory
profile the renewal assessment compares a body with."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count

from graph.loaders.common import (
    _inside,
    _territory_label,
    sub_territories_of,
)
from graph.loaders.common import below as territories_below
from graph.loaders.strengths import host_referrals, seats_by_actor
from graph.model import (
    BodyFacts,
    CollegeFacts,
    MeetingFacts,
    MemberFacts,
    OpinionFacts,
    TerritoryProfile,
)
from graph.renewal import age_band
from registry.models import (
    Actor,
    Attendance,
    Body,
    College,
    Meeting,
    Membership,
    Opinion,
    PersonalData,
)


def body_facts(
    *, body_ids: list[int], as_of: dt.date, reach_territory_id: int | None = None
) -> list[BodyFacts]:
    """Everything the renewal assessment reads about these bodies, up to ``as_of``.

    Memberships started by ``as_of`` (current and past), meetings and opinions
    dated up to ``as_of``, attendance counted per meeting in SQL. Gender and
    birth year are read for the aggregates only (parity, age gap) and never
    leave the assessment. Members out of ``reach_territory_id`` (see
    ``registry_graph``) count as members whose category, gender and birth year
    are unknown: nothing of theirs but their seat feeds the answer. The strengths'
    reads (the members' seats elsewhere, the host's referrals) follow
    ``graph.loaders.strengths``: three more queries whatever the number of bodies.
    """
    if not body_ids:
        return []
    bodies = Body.objects.filter(id__in=body_ids).values(
        "id",
        "name",
        "body_type",
        "status",
        "territory__level",
        "territory__code",
        "founding_date",
        "dissolution_date",
        "mandate_years",
        "term_start",
        "term_end",
        "seats",
        "parity_rule",
        "min_age",
        "max_age",
        "host_id",
    )
    colleges: dict[int, list[CollegeFacts]] = defaultdict(list)
    for pk, body_id, name, seats in (
        College.objects.filter(body_id__in=body_ids)
        .order_by("body_id", "id")
        .values_list("id", "body_id", "name", "seats")
    ):
        colleges[body_id].append(CollegeFacts(id=pk, name=name, seats=seats))

    members: dict[int, list[MemberFacts]] = defaultdict(list)
    rows = (
        Membership.objects.filter(body_id__in=body_ids, start_date__lte=as_of)
        .annotate(inside=_inside(reach_territory_id, "actor__territory_id"))
        .order_by("body_id", "start_date", "id")
        .values_list(
            "body_id",
            "actor_id",
            "college_id",
            "role",
            "start_date",
            "end_date",
            "end_reason",
            "actor__category",
            "actor__personal_data__gender",
            "actor__personal_data__birth_year",
            "inside",
        )
    )
    for row in rows:
        body_id, actor_id, college_id, role, start, end, reason, category, gender, year, seen = row
        if not seen:
            category, gender, year = "", None, None
        members[body_id].append(
            MemberFacts(
                actor_id=actor_id,
                college_id=college_id,
                role=role,
                # A membership that ends after as_of is, on as_of, still running.
                start=start,
                end=end if end is not None and end <= as_of else None,
                end_reason=reason if end is not None and end <= as_of else "",
                category=category,
                gender=gender if gender in ("female", "male", "other") else None,
                birth_year=year,
            )
        )

    meetings: dict[int, list[MeetingFacts]] = defaultdict(list)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for meeting_id, status, n in _attendance_counts(body_ids, as_of):
        counts[meeting_id][status] = n
    for pk, body_id, date, kind in (
        Meeting.objects.filter(body_id__in=body_ids, date__lte=as_of)
        .order_by("body_id", "date", "id")
        .values_list("id", "body_id", "date", "kind")
    ):
        c = counts.get(pk, {})
        meetings[body_id].append(
            MeetingFacts(
                date=date,
                kind=kind,
                present=c.get("present", 0),
                excused=c.get("excused", 0),
                absent=c.get("absent", 0),
            )
        )

    opinions: dict[int, list[OpinionFacts]] = defaultdict(list)
    for body_id, date, referral, response_date, outcome in (
        Opinion.objects.filter(body_id__in=body_ids, date__lte=as_of)
        .order_by("body_id", "date", "id")
        .values_list("body_id", "date", "referral", "response_date", "response_outcome")
    ):
        answered_by_then = response_date is not None and response_date <= as_of
        opinions[body_id].append(
            OpinionFacts(
                date=date,
                referral=referral,
                response_date=response_date if answered_by_then else None,
                response_outcome=outcome if answered_by_then else "",
            )
        )

    bodies = list(bodies)
    seats = seats_by_actor(body_ids, as_of, reach_territory_id)
    referrals, host_bodies = host_referrals(
        {row["host_id"] for row in bodies if row["host_id"] is not None}, as_of, reach_territory_id
    )

    def elsewhere(body_id: int) -> tuple:
        actors = sorted({m.actor_id for m in members[body_id]})
        return tuple(s for a in actors for s in seats.get(a, ()) if s.body_id != body_id)

    return [
        BodyFacts(
            id=row["id"],
            name=row["name"],
            body_type=row["body_type"],
            status=row["status"],
            territory=_territory_label(row["territory__level"], row["territory__code"]),
            founding_date=row["founding_date"],
            dissolution_date=row["dissolution_date"],
            mandate_years=row["mandate_years"],
            term_start=row["term_start"],
            term_end=row["term_end"],
            seats=row["seats"],
            parity_rule=row["parity_rule"],
            min_age=row["min_age"],
            max_age=row["max_age"],
            colleges=tuple(colleges[row["id"]]),
            members=tuple(members[row["id"]]),
            meetings=tuple(meetings[row["id"]]),
            opinions=tuple(opinions[row["id"]]),
            seats_elsewhere=elsewhere(row["id"]),
            host_id=row["host_id"],
            host_bodies=host_bodies.get(row["host_id"], 0),
            host_referrals=tuple(referrals.get(row["host_id"], ())),
        )
        for row in sorted(bodies, key=lambda r: r["id"])
    ]


def _attendance_counts(body_ids: list[int], as_of: dt.date):
    return (
        Attendance.objects.filter(meeting__body_id__in=body_ids, meeting__date__lte=as_of)
        .values_list("meeting_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )


def territory_profile(*, territory_id: int, as_of: dt.date) -> TerritoryProfile:
    """Reference distributions of the territory's persons (category, age band, sub-territory:
    ``graph.loaders.common.sub_territories``), where known."""
    return territory_profiles(territory_ids={territory_id}, as_of=as_of)[territory_id]


def territory_profiles(*, territory_ids: set[int], as_of: dt.date) -> dict[int, TerritoryProfile]:
    """``territory_profile`` of each territory, in five queries for all of them (a ranking
    needs the profile of every network territory: hundreds in a region)."""
    below, everywhere = territories_below(territory_ids)
    persons = Actor.objects.filter(kind="person", territory_id__in=everywhere)
    by_category = (
        persons.values_list("territory_id", "category")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("territory_id", "category", "n")
    )
    by_year = (
        PersonalData.objects.filter(actor__in=persons, birth_year__isnull=False)
        .values_list("actor__territory_id", "birth_year")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("actor__territory_id", "birth_year", "n")
    )
    homes: dict[int, int] = defaultdict(int)
    categories: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for home, category, n in by_category:
        homes[home] += n
        categories[home][category] += n
    years: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for home, year, n in by_year:
        years[home].append((year, n))
    places = sub_territories_of(territory_ids, everywhere)
    profiles = {}
    for pk in territory_ids:
        inside = below.get(pk, set()) & homes.keys()
        counts: dict[str, int] = defaultdict(int)
        bands: dict[str, int] = defaultdict(int)
        where: dict[str, int] = defaultdict(int)
        for home in inside:
            for category, n in categories[home].items():
                counts[category] += n
            for year, n in years.get(home, ()):
                bands[age_band(year, as_of)] += n
            place = places[pk].get(home)
            if place is not None:
                where[place] += homes[home]
        profiles[pk] = TerritoryProfile(
            categories=dict(counts), age_bands=dict(bands), places=dict(where)
        )
    return profiles


# --- what a cached result was computed from ---------------------------------------------
