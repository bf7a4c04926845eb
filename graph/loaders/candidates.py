"""The actors of a territory who might join a body (``graph.recruitment.CandidateFacts``).

Two queries whatever the territory's size: the territory's existing actors with what the
ranking needs, and their personal-data rows. Gender, birth year and contact details are
read only when the reader holds the ``personal_data`` scope (``personal``); the lawful
basis, the retention date and the erasure flag are always read, because they decide
who may be proposed at all (only counts of them leave the analysis).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from graph.loaders.common import _inside, _territory_label, _within
from graph.recruitment import CandidateFacts
from registry.models import Actor, Membership, PersonalData, Territory, TerritoryClosure

#: The contact channels, as (field, channel code) in the order of the answer.
CHANNELS = (("email", "email"), ("phone", "phone"), ("postal_address", "postal_address"))


def candidate_facts(
    *,
    territory_id: int,
    as_of: dt.date,
    personal: bool,
    reach_territory_id: int | None = None,
) -> list[CandidateFacts]:
    """The actors of the territory (and below) existing on ``as_of`` and within the
    reader's reach, by id."""
    actors = (
        Actor.objects.filter(
            Q(founding_date__isnull=True) | Q(founding_date__lte=as_of),
            Q(dissolution_date__isnull=True) | Q(dissolution_date__gt=as_of),
            territory_id__in=_within(territory_id),
        )
        .annotate(inside=_inside(reach_territory_id))
        .filter(inside=True)
        .order_by("id")
    )
    rows = list(
        actors.values_list(
            "id", "name", "kind", "category", "territory__level", "territory__code",
            "is_pseudonymised",
        )
    )  # fmt: skip
    fields = ["actor_id", "lawful_basis", "retention_until"]
    if personal:
        fields += ["gender", "birth_year", *(f for f, _c in CHANNELS)]
    data = {
        row["actor_id"]: row
        for row in PersonalData.objects.filter(actor__in=actors.values("id")).values(*fields)
    }
    out = []
    for pk, name, kind, category, level, code, erased in rows:
        row = data.get(pk) if kind == "person" else None
        gender = row.get("gender") if row and personal else None
        out.append(
            CandidateFacts(
                actor_id=pk,
                name=name,
                kind=kind,
                category=category,
                territory=_territory_label(level, code),
                lawful_basis=row["lawful_basis"] if row else None,
                retention_until=row["retention_until"] if row else None,
                erased=bool(erased),
                gender=gender if gender in ("female", "male", "other") else None,
                birth_year=row.get("birth_year") if row and personal else None,
                channels=tuple((c, row[f]) for f, c in CHANNELS if row and personal and row.get(f)),
            )
        )
    return out


def place_names(*, territory_id: int) -> dict[str, str]:
    """``level:code`` -> name of the territory's sub-territories (those just below it:
    ``graph.loaders.common.sub_territories``), which the recruitment gaps name. One query."""
    children = TerritoryClosure.objects.filter(ancestor_id=territory_id, depth=1).values(
        "descendant_id"
    )
    return {
        _territory_label(level, code): name
        for level, code, name in Territory.objects.filter(pk__in=children).values_list(
            "level", "code", "name"
        )
    }


def college_categories(
    *, body_id: int, as_of: dt.date, reach_territory_id: int | None = None
) -> dict[int, dict[str, int]]:
    """Per college of the body, the categories of who filled it up to ``as_of`` (current
    and past): the organization a member sat on behalf of (a designated person speaks for
    an association), else the member; each actor or organization counted once. One query.

    Members out of the reader's reach, or sitting on behalf of an organization out of it,
    do not count (their category is not theirs to see, as in ``body_facts``).
    """
    rows = (
        Membership.objects.filter(body_id=body_id, start_date__lte=as_of, college__isnull=False)
        .annotate(
            inside=_inside(reach_territory_id, "actor__territory_id"),
            behalf_inside=_inside(reach_territory_id, "on_behalf_of__territory_id"),
        )
        .values_list(
            "college_id", "actor_id", "actor__category",
            "on_behalf_of_id", "on_behalf_of__category", "inside", "behalf_inside",
        )
    )  # fmt: skip
    seen: dict[int, dict[int, str]] = {}
    for college, actor, category, behalf, behalf_category, inside, behalf_inside in rows:
        # An organization out of reach is known by id and name only: not its category.
        if not inside or (behalf is not None and not behalf_inside):
            continue
        who, what = (behalf, behalf_category) if behalf is not None else (actor, category)
        if what:
            seen.setdefault(college, {}).setdefault(who, what)
    out: dict[int, dict[str, int]] = {}
    for college, whos in seen.items():
        counts: dict[str, int] = {}
        for category in whos.values():
            counts[category] = counts.get(category, 0) + 1
        out[college] = counts
    return out
