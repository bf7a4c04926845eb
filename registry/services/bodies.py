"""Writes to participation bodies and their colleges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext

from registry import tracking
from registry.exceptions import InvalidInput
from registry.models import ActorKind, Body, College
from registry.services._common import domain_errors, protected_delete, reject_unknown

BODY_FIELDS = frozenset(
    {
        "name",
        "body_type",
        "territory",
        "host",
        "description",
        "legal_basis",
        "status",
        "founding_date",
        "dissolution_date",
        "mandate_years",
        "term_start",
        "term_end",
        "seats",
        "parity_rule",
        "min_age",
        "max_age",
        "sources",
    }
)
COLLEGE_FIELDS = frozenset({"name", "seats", "selection_mode", "sources"})


def _check_host(host) -> None:
    if host is not None and host.kind != ActorKind.ORGANIZATION:
        raise InvalidInput(
            gettext("The host of a body is an organization."),
            errors={"host": [gettext("The host authority must be an organization, not a person.")]},
        )


def body_create(*, colleges: Iterable[Mapping] = (), **fields) -> Body:
    """Create a body with its colleges."""
    reject_unknown(fields, BODY_FIELDS, "body")
    _check_host(fields.get("host"))
    with transaction.atomic(), domain_errors():
        body = tracking.create(Body(**fields))
        for college in colleges:
            college_create(body=body, **college)
    return body


def body_update(*, body: Body, **changes) -> bool:
    """Change fields of a body; returns whether anything changed."""
    reject_unknown(changes, BODY_FIELDS, "body")
    if "host" in changes:
        _check_host(changes["host"])
    with transaction.atomic(), domain_errors():
        return tracking.update(body, changes)


def body_delete(*, body: Body) -> None:
    """Delete a body and its colleges, memberships, meetings and opinions (all recorded).

    Prefer dissolving a body (status and dissolution date): deletion is for
    records entered by mistake.
    """
    with transaction.atomic(), protected_delete("body"):
        tracking.delete(body)


def college_create(*, body: Body, **fields) -> College:
    """Add a college to a body."""
    reject_unknown(fields, COLLEGE_FIELDS, "college")
    with transaction.atomic(), domain_errors():
        return tracking.create(College(body=body, **fields))


def college_update(*, college: College, **changes) -> bool:
    """Change a college; returns whether anything changed."""
    reject_unknown(changes, COLLEGE_FIELDS, "college")
    with transaction.atomic(), domain_errors():
        return tracking.update(college, changes)


def college_delete(*, college: College) -> None:
    """Remove a college nobody sits in."""
    with transaction.atomic(), protected_delete("college"):
        tracking.delete(college)
