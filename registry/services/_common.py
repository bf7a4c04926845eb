"""Helpers shared by the services: turning low-level failures into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext

from registry.exceptions import InvalidInput, MembershipOverlap

#: Database constraint names that map to a friendlier domain error.
_CONSTRAINT_ERRORS = {
    "membership_no_overlap": MembershipOverlap,
}


@contextmanager
def domain_errors() -> Iterator[None]:
    """Translate Django validation and integrity errors into ``InvalidInput``.

    Model validation catches most mistakes first; the database constraints are
    the last word (races, rules Django cannot check), and their names say which
    rule was broken.
    """
    try:
        yield
    except ValidationError as exc:
        raise InvalidInput.from_django(exc) from exc
    except IntegrityError as exc:
        message = str(exc)
        for name, error_class in _CONSTRAINT_ERRORS.items():
            if name in message:
                raise error_class() from exc
        raise InvalidInput(
            gettext("The change breaks a database rule."),
            errors={"non_field_errors": [_first_line(message)]},
        ) from exc


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "integrity error"


@contextmanager
def protected_delete(label: str) -> Iterator[None]:
    """Turn a refused cascade (PROTECT) into a ``Conflict`` that says what still refers to it."""
    from django.db.models import ProtectedError, RestrictedError

    from registry.exceptions import Conflict

    try:
        yield
    except (ProtectedError, RestrictedError) as exc:
        kinds = sorted({o._meta.verbose_name_plural for o in exc.protected_objects})
        raise Conflict(
            gettext("The %(label)s cannot be deleted while other records refer to it: %(kinds)s.")
            % {"label": gettext(label), "kinds": ", ".join(map(str, kinds))}
        ) from exc


def reject_unknown(changes: dict, allowed: frozenset[str] | set[str], label: str) -> None:
    """Refuse field names a service does not let callers change (no mass assignment)."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput(
            gettext("These fields of a %(label)s cannot be set here.") % {"label": gettext(label)},
            errors={name: [gettext("Unknown or read-only field.")] for name in unknown},
        )
