"""Planner statistics after a bulk load: ``ANALYZE`` the tables a loader filled.

A table filled in one go has no planner statistics until the database gathers them
(PostgreSQL's autovacuum, a minute or more later; SQLite never, unless asked). Until
then the planner guesses, and guesses wrong on the large tables: on a freshly seeded
PostgreSQL the data-version probe behind every warm analysis answer took 1.2 s instead
of 10 ms (issue 16). The bulk loaders (``seed_demo``, ``import_territories``) therefore
call ``analyze`` on the tables they wrote, once, when they are done: statistics only, no
lock against readers, seconds at the largest scale. The spreadsheet imports
(``import_actors``, ``import_members``) do the same once they have written at least
``LARGE_LOAD_ROWS`` records (``analyze_after_import``); smaller ones leave it to autovacuum.

``ANALYZE`` is the same statement on both databases (SQLite keeps what it finds in
``sqlite_stat1``); run inside a transaction, it sees that transaction's rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.db import connections, models, router

from registry.models import (
    Actor,
    ActorIdentifier,
    ChangeRecord,
    Membership,
    PersonalData,
    TerritoryClosure,
)

#: Written by every bulk load, whatever it loads: the ledger and the territory closure.
ALWAYS = (ChangeRecord, TerritoryClosure)

#: Records an import writes (created, updated or ended) from which it analyses the
#: tables it wrote: about where the planner's guesses on a table start to cost seconds.
LARGE_LOAD_ROWS = 5_000

#: The tables each spreadsheet import writes (``ImportResult.kind``).
IMPORTED: dict[str, tuple[type[models.Model], ...]] = {
    "actors": (Actor, ActorIdentifier, PersonalData),
    "members": (Membership, Actor, ActorIdentifier, PersonalData),
}


def analyze(written: Iterable[type[models.Model]], *, using: str | None = None) -> float:
    """``ANALYZE`` the tables of ``written`` (and ``ALWAYS``); returns the seconds it took."""
    started = time.perf_counter()
    chosen = {*written, *ALWAYS}
    alias = using or router.db_for_write(ChangeRecord)
    connection = connections[alias]
    tables = sorted({model._meta.db_table for model in chosen})
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return time.perf_counter() - started


def analyze_after_import(kind: str, written: int, *, using: str | None = None) -> bool:
    """``analyze`` what a committed spreadsheet import of ``kind`` wrote, when it wrote
    ``LARGE_LOAD_ROWS`` records or more; whether it did."""
    if written < LARGE_LOAD_ROWS:
        return False
    analyze(IMPORTED[kind], using=using)
    return True
