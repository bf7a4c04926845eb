"""The sync's plan: which stored seats each entry matches, what changes, what ends.

A seat that already has an end date (a resignation of 31/08/2026, say) is never
rewritten: absent from the list it is not ended on the effective date, matched it
is not updated; either way it is left as it is and a warning (``end-kept``) says so.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from registry.models import Body, College, Membership, ParityRule, PersonalData, Role
from registry.services import resolution
from registry.services.memberships import overlap_message
from registry.services.sync.entries import Entry, Errors

#: Membership attnames an entry may set, in the order the diff lists them.
SEAT_ATTNAMES = (
    "college_id",
    "role",
    "selection_mode",
    "on_behalf_of_id",
    "start_date",
    "external_id",
)


class Seat(NamedTuple):
    """A stored current membership, as plain values (a sync of 10,000 members reads them all)."""

    pk: int
    actor_id: int
    role: str
    college_id: int | None
    selection_mode: str
    on_behalf_of_id: int | None
    external_id: str
    start_date: dt.date
    end_date: dt.date | None
    end_reason: str


@dataclass
class Plan:
    creates: list[Entry]
    updates: list[tuple[Seat, dict[str, Any], Entry]]
    ends: list[Seat]
    unchanged: list[Seat]
    kept_ends: list[tuple[Seat, dict[str, Any]]] = field(default_factory=list)


def _college_mode(colleges: dict[int, College], college_id: int | None) -> str:
    college = colleges.get(college_id) if college_id is not None else None
    return college.selection_mode if college is not None else ""


def new_seat_values(entry: Entry, colleges: dict[int, College], effective_date: dt.date) -> dict:
    """A new seat's fields: those the entry gives, the defaults for the others."""
    values = entry.values
    college_id = values.get("college_id")
    return {
        "college_id": college_id,
        "role": values.get("role") or Role.MEMBER,
        "selection_mode": values.get("selection_mode") or _college_mode(colleges, college_id),
        "on_behalf_of_id": values.get("on_behalf_of_id"),
        "start_date": values.get("start_date") or effective_date,
        "external_id": values.get("external_id", ""),
    }


def _changes(seat: Seat, entry: Entry, colleges: dict[int, College]) -> dict[str, Any]:
    """The given fields that differ from the stored seat (absent fields keep theirs)."""
    changes = {}
    for name in SEAT_ATTNAMES:
        if name not in entry.values:
            continue
        value = entry.values[name]
        if name == "selection_mode" and not value:
            college_id = entry.values.get("college_id", seat.college_id)
            if not seat.selection_mode and college_id == seat.college_id:
                # Already empty in the same college: clearing it again changes nothing
                # (an exported seat without a mode imports back unchanged).
                continue
            # Given empty: back to the mode of the seat's college.
            value = _college_mode(colleges, college_id)
        if getattr(seat, name) != value:
            changes[name] = value
    return changes


def _match(entry: Entry, by_seat, by_actor, consumed: set[int]) -> Seat | None:
    """The actor's unconsumed current seat in the entry's role (any role, member first,
    when the entry gives none)."""
    if "role" in entry.values:
        return next(
            (m for m in by_seat.get((entry.actor_id, entry.role), []) if m.pk not in consumed), None
        )
    free = [m for m in by_actor.get(entry.actor_id, []) if m.pk not in consumed]
    return next((m for m in free if m.role == Role.MEMBER), free[0] if free else None)


def make_plan(
    body: Body,
    entries: list[Entry],
    effective_date: dt.date,
    colleges: dict[int, College],
    errors: Errors,
) -> Plan:
    current = [
        Seat(*row)
        for row in Membership.objects.filter(body=body)
        .current_on(effective_date)
        .order_by("start_date", "id")
        .values_list(*Seat._fields)
    ]
    by_external = {m.external_id: m for m in current if m.external_id}
    by_seat: dict[tuple[int, str], list[Seat]] = defaultdict(list)
    by_actor: dict[int, list[Seat]] = defaultdict(list)
    for m in current:
        by_seat[(m.actor_id, m.role)].append(m)
        by_actor[m.actor_id].append(m)

    seen_seats: dict[tuple[Any, str], int] = {}
    seen_external: dict[str, int] = {}
    consumed: set[int] = set()
    result = Plan([], [], [], [])
    for entry in entries:
        external_id = entry.values.get("external_id", "")
        if external_id:
            if external_id in seen_external:
                errors.add(
                    entry.index,
                    "external_id",
                    _("Same external id as entry %(index)s.")
                    % {"index": seen_external[external_id]},
                )
                continue
            seen_external[external_id] = entry.index
        match = by_external.get(external_id) if external_id else None
        if match is not None and match.actor_id != entry.actor_id:
            errors.add(
                entry.index,
                "external_id",
                _("External id %(external_id)r is the seat of another actor (%(actor)s).")
                % {"external_id": external_id, "actor": match.actor_id},
            )
            continue
        if match is not None and match.pk in consumed:
            match = None
        if match is None and entry.actor_id is not None:
            match = _match(entry, by_seat, by_actor, consumed)
        owner = entry.shares if entry.shares is not None else entry.index
        who = entry.actor_id if entry.actor_id is not None else f"new-{owner}"
        seat = (who, match.role if match is not None and "role" not in entry.values else entry.role)
        if seat in seen_seats:
            errors.add(
                entry.index,
                "actor",
                _("Same actor and role as entry %(index)s.") % {"index": seen_seats[seat]},
            )
            continue
        seen_seats[seat] = entry.index
        if match is None:
            result.creates.append(entry)
            continue
        consumed.add(match.pk)
        changes = _changes(match, entry, colleges)
        if changes and match.end_date is not None:
            result.kept_ends.append((match, changes))
            result.unchanged.append(match)
        elif changes:
            result.updates.append((match, changes, entry))
        else:
            result.unchanged.append(match)
    for m in current:
        if m.pk in consumed:
            continue
        if m.end_date is not None:
            result.kept_ends.append((m, {}))
        else:
            result.ends.append(m)
    _check_external_ids_free(body, result, errors)
    _check_overlaps(body, result, effective_date, errors)
    return result


def _check_external_ids_free(body: Body, plan: Plan, errors: Errors) -> None:
    """A new seat cannot take the external id of a membership that is not current."""
    wanted = {e.values.get("external_id") for e in plan.creates} - {None, ""}
    taken = {ext: pk for ext, (pk, _a) in resolution.seats_by_external_id(body.pk, wanted).items()}
    for entry in plan.creates:
        external_id = entry.values.get("external_id")
        holder = taken.get(external_id) if external_id else None
        if holder is not None:
            errors.add(
                entry.index,
                "external_id",
                _("External id %(external_id)r belongs to ended membership %(id)s.")
                % {"external_id": external_id, "id": holder},
            )


def _check_overlaps(body: Body, plan: Plan, effective_date: dt.date, errors: Errors) -> None:
    """New seats must not overlap another (past or future) membership of the same actor and role."""
    actor_ids = {e.actor_id for e in plan.creates if e.actor_id is not None}
    if not actor_ids:
        return
    others = defaultdict(list)
    ending = {m.pk for m in plan.ends}
    for batch in resolution.id_batches(actor_ids):
        for m in Membership.objects.filter(body=body, actor_id__in=batch):
            end = effective_date if m.pk in ending else m.end_date
            others[(m.actor_id, m.role)].append((m, end))
    for entry in plan.creates:
        start = entry.values.get("start_date") or effective_date
        for m, end in others.get((entry.actor_id, entry.role), []):
            if (end is None or end > start) and m.end_date != m.start_date:
                errors.add(entry.index, "start_date", overlap_message(m, end))
                break


def kept_end_warnings(plan: Plan, names: dict[int, str]) -> list[dict]:
    """``end-kept``: seats with a stored end the list would have ended or changed."""
    out = []
    for seat, changes in plan.kept_ends:
        name = names.get(seat.actor_id, "")
        values = {"name": name, "date": seat.end_date.isoformat(), "reason": seat.end_reason}
        if changes:
            detail = _(
                "%(name)s's membership already ends on %(date)s (%(reason)s): a stored end is "
                "never rewritten, so its changes were not applied."
            )
        else:
            detail = _(
                "%(name)s is not in the list, but the membership already ends on %(date)s "
                "(%(reason)s): a stored end is never rewritten, it is kept."
            )
        out.append(
            {
                "code": "end-kept",
                "membership": seat.pk,
                "actor": seat.actor_id,
                "name": name,
                "end_date": seat.end_date,
                "end_reason": seat.end_reason,
                "detail": detail % values,
            }
        )
    return out


def rule_warnings(
    body: Body, seats_after: list[tuple[int, int | None]], colleges: dict[int, College]
) -> list[dict]:
    """Rules the new list breaks: reported, never refused (reality may break them)."""
    warnings = []
    if body.seats is not None and len(seats_after) > body.seats:
        warnings.append(
            {
                "code": "seats-exceeded",
                "detail": _("%(count)s current members for %(seats)s seats.")
                % {"count": len(seats_after), "seats": body.seats},
            }
        )
    per_college = Counter(college_id for _actor, college_id in seats_after if college_id)
    for college_id, count in sorted(per_college.items()):
        college = colleges[college_id]
        if college.seats is not None and count > college.seats:
            warnings.append(
                {
                    "code": "college-seats-exceeded",
                    "college": college_id,
                    "detail": _("%(count)s members in college %(name)r for %(seats)s seats.")
                    % {"count": count, "name": college.name, "seats": college.seats},
                }
            )
    if body.parity_rule == ParityRule.MAX_GAP_ONE:
        genders = Counter()
        for batch in resolution.id_batches(actor for actor, _c in seats_after):
            genders.update(
                PersonalData.objects.filter(actor_id__in=batch).values_list("gender", flat=True)
            )
        women, men = genders.get("female", 0), genders.get("male", 0)
        if abs(women - men) > 1:
            warnings.append(
                {
                    "code": "parity-breach",
                    "detail": _(
                        "%(women)s women and %(men)s men: the parity rule allows a gap of one "
                        "at most."
                    )
                    % {"women": women, "men": men},
                }
            )
    return warnings
