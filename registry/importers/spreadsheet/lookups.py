"""Batched lookups of the rows' identifiers: chunks of values, never an ``OR`` of ``Q``s
(SQLite refuses an expression tree that deep past about 1,000 terms)."""

from __future__ import annotations

from django.db.models import Q

from registry.models import Actor, ActorIdentifier

#: Values per ``IN (...)``: within SQLite's bound on query parameters.
CHUNK = 500


def known_identifiers(
    keys: set[tuple[str, str, str]], allowed_actors: Q | None = None
) -> set[tuple[str, str, str]]:
    """The (scheme, issuer, value) of ``keys`` that an actor within ``allowed_actors`` holds.

    A key held only out of a scoped writer's reach is not "known": the row goes to the
    sync as a new actor with that identifier, answered as for a free one (an unknown
    ``identifier`` would be "no actor with identifier ...", telling the key exists).
    """
    found: set[tuple[str, str, str]] = set()
    values = sorted({value for _scheme, _issuer, value in keys})
    schemes = sorted({scheme for scheme, _issuer, _value in keys})
    held = ActorIdentifier.objects.all()
    if allowed_actors is not None:
        held = held.filter(actor__in=Actor.objects.filter(allowed_actors))
    for start in range(0, len(values), CHUNK):
        rows = held.filter(scheme__in=schemes, value__in=values[start : start + CHUNK]).values_list(
            "scheme", "issuer", "value"
        )
        found.update(key for key in rows if key in keys)
    return found
