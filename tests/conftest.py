"""Fixtures shared by the whole suite."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

ROOT = Path(__file__).resolve().parent.parent
#: The committed extract of the 2026 COG (Licence Ouverte), used by tests and the demo.
EXTRACT_DIR = ROOT / "registry" / "data" / "cog-extract"
#: The whole country, beside the project (not committed); benchmarks and slow tests only.
FULL_COG_DIR = ROOT.parent / "shared" / "data" / "cog-2026"


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)


@contextmanager
def seeded_demo(django_db_blocker) -> Iterator[None]:
    """The territory extract and the demo data, for a module-scoped fixture.

    Loaded once inside a transaction that is rolled back on exit, so the tests
    of other modules start from an empty database.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("import_territories", str(EXTRACT_DIR), stdout=StringIO())
            call_command("seed_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
