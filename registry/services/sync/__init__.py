"""Membership sync: make a body's current members exactly the list a collectivity sends.

The list is the body's complete current membership, given as typed entries
(``MemberEntry``): the API parses and validates what a client sends
(``api.resources.members``) before this service runs, so here every value
already has its type (ints, dates, codes, normalised identifier keys).

Each entry resolves to one actor, always the same (``registry.services.resolution``:
actor id, identifier, the external id of a seat of the body, then an inline new
actor's name among the body's current and past members), so a list sent twice,
however its members are named, gives an empty diff. A seat field an entry does not
give keeps its stored value (``MemberEntry.given``); one given empty clears it. A
membership with a stored end is never rewritten (warning ``end-kept``).

The service checks every entry against the database first (actors, identifiers,
colleges, seats, overlaps; one bad entry means nothing is written and the error
names each bad entry by its index, ``members.3.actor``), then applies the plan:
inline new actors, their identifiers and personal data, ends, updates and new seats,
in bulk. A dry run is that same run, rolled back: same checks, same answer, nothing
committed.

Modules: ``entries`` (typed input, result, errors), ``resolve`` (entries to actors,
colleges, new actors), ``plan`` (matching stored seats, checks, warnings), ``apply``
(the writes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registry.exceptions import InvalidInput
from registry.models import Body, EndReason
from registry.services import resolution
from registry.services._common import domain_errors
from registry.services.sync.apply import apply_plan
from registry.services.sync.entries import (
    SEAT_FIELDS,
    Errors,
    MemberEntry,
    NewActor,
    NewPersonalData,
    SyncResult,
    parse_entries,
)
from registry.services.sync.plan import kept_end_warnings, make_plan, new_seat_values, rule_warnings
from registry.services.sync.resolve import (
    prepare_new_actors,
    reachable,
    resolve_actors,
    resolve_colleges,
)

__all__ = [
    "SEAT_FIELDS",
    "MemberEntry",
    "NewActor",
    "NewPersonalData",
    "SyncResult",
    "membership_sync",
]

_END_REASONS = {r.value for r in EndReason}


def membership_sync(
    *,
    body: Body,
    members: Sequence[MemberEntry],
    effective_date: dt.date,
    end_reason: str = EndReason.TERM_ENDED,
    dry_run: bool = False,
    allowed_actors: Q | None = None,
    allowed_territories: Q | None = None,
) -> SyncResult:
    """Make ``body``'s current members exactly ``members`` as of ``effective_date``.

    Each entry names its actor by ``actor`` (id), ``identifier`` or ``new_actor``
    (resolved, else created inline with its identifiers and personal data), and may
    give ``college`` (id or name), ``role``, ``selection_mode``, ``on_behalf_of`` (id),
    ``start_date`` and ``external_id``. Entries match stored current memberships by
    external id, else by actor and role (any role of the actor, member first, when the
    entry gives none). Unmatched stored memberships end on ``effective_date`` with
    ``end_reason`` (unless they already have an end); unchanged ones are not touched.

    ``allowed_actors`` limits which actors entries may name (a territory scope; the
    body's current members stay nameable, see ``resolve.reachable``),
    ``allowed_territories`` where new actors may be created. ``dry_run`` runs the very
    same checks and writes, then rolls them back: the answer is the real run's, with
    null ids for the rows it would create.
    """
    if end_reason not in _END_REASONS:
        raise InvalidInput(_("Unknown end reason."), errors={"end_reason": [f"{end_reason!r}"]})
    errors = Errors()
    with transaction.atomic(), domain_errors():
        body = Body.objects.select_for_update().get(pk=body.pk)
        entries = parse_entries(members, errors)
        resolve_actors(body, entries, errors, reachable(body, allowed_actors, effective_date))
        colleges = resolve_colleges(body, entries, errors)
        prepare_new_actors(body, entries, errors, allowed_territories)
        errors.raise_if_any()
        the_plan = make_plan(body, entries, effective_date, colleges, errors)
        errors.raise_if_any()
        result = SyncResult(effective_date=effective_date, dry_run=dry_run)
        names = resolution.actor_names(
            {e.actor_id for e in entries if e.actor_id is not None}
            | {m.actor_id for m in the_plan.ends}
            | {m.actor_id for m, _c in the_plan.kept_ends}
        )
        apply_plan(body, the_plan, entries, colleges, effective_date, end_reason, result, names)
        result.unchanged = [m.pk for m in the_plan.unchanged]
        seats_after = [(m.actor_id, m.college_id) for m in the_plan.unchanged]
        seats_after += [
            (m.actor_id, ch.get("college_id", m.college_id)) for m, ch, _e in the_plan.updates
        ]
        seats_after += [
            (e.actor_id, new_seat_values(e, colleges, effective_date)["college_id"])
            for e in the_plan.creates
        ]
        result.warnings = rule_warnings(body, seats_after, colleges) + kept_end_warnings(
            the_plan, names
        )
        if dry_run:
            transaction.set_rollback(True)
    if dry_run:
        # Ids of rows that were never committed mean nothing: the contract is null.
        new_actor_ids = {
            e.actor_id for e in the_plan.creates if e.new_actor is not None or e.shares is not None
        }
        for created in result.created:
            created["id"] = None
            if created["actor"] in new_actor_ids:
                created["actor"] = None
    return result
