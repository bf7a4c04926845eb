"""One seeded demo database per test process, lent to each module that asks for it.

The territory extract and ``seed_demo`` cost ~10-20 s of CPU each time they run; seven
test files want them (tests/fuzz, the planted cases, the one-answer and renewal-report
tests, ...), so each pytest worker of each pass seeded them up to seven times. Here the
first module seeds them once and keeps a copy; every module (the first included) then
gets that copy, wrapped as before in an outer transaction that is rolled back at the
module's end, and the database it had before is given back afterwards:

- **SQLite** (in memory): the copy is a second in-memory database filled with
  ``sqlite3``'s backup API (what Django's own test-database cloning uses). At a module's
  start the test database is backed up aside, the seeded copy is backed up into it, and
  at the end the aside copy is backed up into it again: the next file finds exactly the
  database (rows, ``sqlite_sequence``) it would have found without the seeded module.
- **PostgreSQL**: the copy is a database of its own, ``<test database>_seeded``, made
  from the (migrated) test database with ``CREATE DATABASE ... TEMPLATE`` and seeded
  once, committed. A seeded module's connection points at it for the module's duration,
  inside the outer transaction that is always rolled back, so nothing a test writes is
  ever committed there; the test database itself is left untouched. The seeded database
  is dropped at the end of the session (``drop_seeded_database``).

Any other database (a file-backed SQLite) seeds in the test database, as before.
The cache is cleared when a module gets or gives back the seeded data: its entries
belong to the database that was there before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction

from tests.conftest import EXTRACT_DIR

#: This process's seeded copy: an ``sqlite3.Connection`` (SQLite) or a database name (PostgreSQL).
_copy: dict[str, object] = {}


def seed_here() -> None:
    """The territory extract and the demo data set, written through ``connection``."""
    call_command("import_territories", str(EXTRACT_DIR), stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())


@contextmanager
def rolled_back(check_deferred) -> Iterator[None]:
    """An outer transaction for the module, rolled back at its end."""
    outer = transaction.atomic()
    outer.__enter__()
    try:
        check_deferred()
        yield
    finally:
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@contextmanager
def lent(check_deferred, vacuum) -> Iterator[None]:
    """The seeded demo data for one module (see the module's docstring)."""
    if connection.in_atomic_block:
        raise RuntimeError("seeded_demo needs a connection outside any transaction")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with _sqlite_lent(), rolled_back(check_deferred):
            yield
    elif connection.vendor == "postgresql":
        with _postgres_lent(vacuum), rolled_back(check_deferred):
            yield
    else:
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_here()
            check_deferred()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _backup(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    source.backup(target)


@contextmanager
def _sqlite_lent() -> Iterator[None]:
    connection.ensure_connection()
    raw = connection.connection
    before = sqlite3.connect(":memory:")
    _backup(raw, before)
    try:
        if "sqlite" not in _copy:
            seed_here()
            seeded = sqlite3.connect(":memory:", check_same_thread=False)
            _backup(raw, seeded)
            _copy["sqlite"] = seeded
        else:
            _backup(_copy["sqlite"], raw)
        cache.clear()
        yield
    finally:
        _backup(before, raw)
        before.close()
        cache.clear()


def _point_at(name: str) -> None:
    """The default connection, closed, to reconnect to database ``name``."""
    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES[connection.alias]["NAME"] = name


@contextmanager
def _postgres_lent(vacuum) -> Iterator[None]:
    test_name = connection.settings_dict["NAME"]
    seeded = f"{test_name}_seeded"
    if "postgresql" not in _copy:
        quoted = connection.ops.quote_name
        connection.close()  # a template database must have no other session
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted(seeded)}")
            cursor.execute(f"CREATE DATABASE {quoted(seeded)} TEMPLATE {quoted(test_name)}")
        _copy["postgresql"] = seeded
        _point_at(seeded)
        try:
            seed_here()  # committed: the copy every seeded module gets
        except BaseException:
            _point_at(test_name)
            raise
    else:
        _point_at(seeded)
    cache.clear()
    try:
        yield
    finally:
        vacuum()  # the seeded database's dead rows (rolled-back writes)
        _point_at(test_name)
        cache.clear()


def drop_seeded_database() -> None:
    """At the session's end: drop this process's seeded PostgreSQL database, if any."""
    seeded = _copy.pop("postgresql", None)
    if seeded is not None:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(seeded)}")
    copy = _copy.pop("sqlite", None)
    if copy is not None:
        copy.close()
