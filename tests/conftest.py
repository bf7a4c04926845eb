"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest
from django.db import connection

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
