"""Helpers shared by the services: turning low-level failures into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError

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
            "The change breaks a database rule.", errors={"non_field_errors": [_first_line(message)]}
        ) from exc


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "integrity error"
