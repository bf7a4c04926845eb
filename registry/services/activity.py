"""Writes to what bodies do: meetings with attendance, opinions and their responses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction

from registry import tracking
from registry.models import Actor, Attendance, Body, Meeting, Opinion
from registry.services._common import domain_errors, reject_unknown

MEETING_FIELDS = frozenset({"date", "kind", "title", "notes", "sources"})
OPINION_FIELDS = frozenset(
    {
        "date",
        "title",
        "summary",
        "referral",
        "response_date",
        "response_outcome",
        "response_note",
        "sources",
    }
)


def meeting_create(
    *, body: Body, date: dt.date, attendance: Mapping[Actor, str] | None = None, **fields
) -> Meeting:
    """Record a meeting of a body, with who was present, excused or absent."""
    reject_unknown(fields, MEETING_FIELDS - {"date"}, "meeting")
    with transaction.atomic(), domain_errors():
        meeting = tracking.create(Meeting(body=body, date=date, **fields))
        if attendance:
            attendance_set(meeting=meeting, attendance=attendance)
    return meeting


def meeting_update(*, meeting: Meeting, **changes) -> bool:
    reject_unknown(changes, MEETING_FIELDS, "meeting")
    with transaction.atomic(), domain_errors():
        return tracking.update(meeting, changes)


def meeting_delete(*, meeting: Meeting) -> None:
    with transaction.atomic():
        tracking.delete(meeting)


def attendance_set(*, meeting: Meeting, attendance: Mapping[Actor, str]) -> dict[str, int]:
    """Make the meeting's attendance list say exactly ``attendance`` ({actor: status}).

    Returns counts of created, updated, deleted and unchanged rows.
    """
    with transaction.atomic(), domain_errors():
        existing = {a.actor_id: a for a in Attendance.objects.filter(meeting=meeting)}
        wanted = {actor.pk: status for actor, status in attendance.items()}
        created = [
            Attendance(meeting=meeting, actor_id=actor_id, status=status)
            for actor_id, status in wanted.items()
            if actor_id not in existing
        ]
        for row in created:
            row.meeting = meeting
        tracking.bulk_create(created)
        updated = tracking.bulk_update(
            [
                (existing[actor_id], {"status": status})
                for actor_id, status in wanted.items()
                if actor_id in existing
            ]
        )
        gone = [row for actor_id, row in existing.items() if actor_id not in wanted]
        if gone:
            tracking.bulk_delete(gone)
    return {
        "created": len(created),
        "updated": len(updated),
        "deleted": len(gone),
        "unchanged": len(wanted) - len(created) - len(updated),
    }


def opinion_create(*, body: Body, **fields) -> Opinion:
    """Record an opinion (avis) issued by a body."""
    reject_unknown(fields, OPINION_FIELDS, "opinion")
    with transaction.atomic(), domain_errors():
        return tracking.create(Opinion(body=body, **fields))


def opinion_update(*, opinion: Opinion, **changes) -> bool:
    reject_unknown(changes, OPINION_FIELDS, "opinion")
    with transaction.atomic(), domain_errors():
        return tracking.update(opinion, changes)


def opinion_delete(*, opinion: Opinion) -> None:
    with transaction.atomic():
        tracking.delete(opinion)
