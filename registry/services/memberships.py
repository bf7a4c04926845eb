"""Writes to memberships: who sits in which body, in which role, and when."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput, MembershipOverlap
from registry.models import ActorKind, Membership
from registry.services._common import domain_errors, reject_unknown

MEMBERSHIP_FIELDS = frozenset(
    {
        "actor",
        "body",
        "college",
        "role",
        "selection_mode",
        "on_behalf_of",
        "start_date",
        "end_date",
        "end_reason",
        "external_id",
        "sources",
    }
)


def check_membership_rules(membership: Membership) -> None:
    """The rules a membership must follow beyond its own fields.

    Raises ``InvalidInput`` (or ``MembershipOverlap``) naming the field at fault.
    The overlap rule is also enforced by the database (exclusion constraint on
    PostgreSQL, trigger on SQLite); checking here first gives a clear message.
    """
    if membership.college_id is not None and membership.college.body_id != membership.body_id:
        raise InvalidInput(
            gettext("The college belongs to another body."),
            errors={"college": [gettext("Choose a college of this body.")]},
        )
    if (
        membership.on_behalf_of_id is not None
        and membership.on_behalf_of.kind != ActorKind.ORGANIZATION
    ):
        raise InvalidInput(
            gettext("A member sits on behalf of an organization."),
            errors={"on_behalf_of": [gettext("Must be an organization.")]},
        )
    if membership.end_date is not None and membership.end_date < membership.start_date:
        raise InvalidInput(
            gettext("The membership ends before it starts."),
            errors={"end_date": [gettext("The end date cannot come before the start date.")]},
        )
    if membership.end_date == membership.start_date:
        return  # a zero-length membership holds no time and overlaps nothing
    clash = (
        Membership.objects.overlapping(
            actor_id=membership.actor_id,
            body_id=membership.body_id,
            role=membership.role,
            start=membership.start_date,
            end=membership.end_date,
        )
        .exclude(pk=membership.pk)
        .exclude(end_date=F("start_date"))
        .order_by("start_date")
        .first()
    )
    if clash is not None:
        raise MembershipOverlap(
            gettext("The actor already holds this role in this body for part of that period."),
            errors={"start_date": [overlap_message(clash, clash.end_date)]},
        )


def overlap_message(clash: Membership, end: dt.date | None) -> str:
    """Which membership a new one overlaps, and its period (``end``: None, open-ended)."""
    if end is None:
        return gettext("Overlaps membership %(id)s (from %(start)s, with no end date).") % {
            "id": clash.pk,
            "start": clash.start_date.isoformat(),
        }
    return gettext("Overlaps membership %(id)s (%(start)s to %(end)s).") % {
        "id": clash.pk,
        "start": clash.start_date.isoformat(),
        "end": end.isoformat(),
    }


def membership_create(*, actor, body, start_date: dt.date, **fields) -> Membership:
    """Seat an actor in a body; refuses an overlap with the same actor, body and role."""
    reject_unknown(fields, MEMBERSHIP_FIELDS - {"actor", "body", "start_date"}, "membership")
    with transaction.atomic(), domain_errors():
        membership = Membership(actor=actor, body=body, start_date=start_date, **fields)
        if not membership.selection_mode and membership.college_id:
            membership.selection_mode = membership.college.selection_mode
        membership.full_clean()
        check_membership_rules(membership)
        return tracking.create(membership, validate=False)


def membership_update(*, membership: Membership, **changes) -> bool:
    """Change a membership; the same rules as on creation apply. Returns whether it changed."""
    reject_unknown(changes, MEMBERSHIP_FIELDS, "membership")
    with transaction.atomic(), domain_errors():
        if not tracking.diff(membership, changes):
            return False
        candidate = copy.copy(membership)  # validate the result before touching the original
        for name, value in changes.items():
            setattr(candidate, name, value)
        candidate.full_clean()
        check_membership_rules(candidate)
        return tracking.update(membership, changes, validate=False)


def membership_end(*, membership: Membership, end_date: dt.date, end_reason: str) -> bool:
    """End a membership on ``end_date`` (the first day the actor no longer sits)."""
    if not end_reason:
        raise InvalidInput(
            gettext("Say why the membership ends."), errors={"end_reason": [gettext("Required.")]}
        )
    return membership_update(membership=membership, end_date=end_date, end_reason=end_reason)


def membership_delete(*, membership: Membership) -> None:
    """Delete a membership entered by mistake (end it instead when the member leaves)."""
    with transaction.atomic():
        tracking.delete(membership)
