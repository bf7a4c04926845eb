"""Batched lookups of the rows' identifiers: chunks of values, never an ``OR`` of ``Q``s
(SQLite refuses an expression tree that deep past about 1,000 terms)."""

from __future__ import annotations

from registry.models import ActorIdentifier

#: Values per ``IN (...)``: within SQLite's bound on query parameters.
CHUNK = 500


def known_identifiers(keys: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The (scheme, issuer, value) of ``keys`` that an actor holds."""
    found: set[tuple[str, str, str]] = set()
    values = sorted({value for _scheme, _issuer, value in keys})
    schemes = sorted({scheme for scheme, _issuer, _value in keys})
    for start in range(0, len(values), CHUNK):
        rows = ActorIdentifier.objects.filter(
            scheme__in=schemes, value__in=values[start : start + CHUNK]
        ).values_list("scheme", "issuer", "value")
        found.update(key for key in rows if key in keys)
    return found
