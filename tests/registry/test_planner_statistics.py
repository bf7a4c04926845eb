"""The bulk loaders leave planner statistics behind them (``registry.services.statistics``).

Without them the planner of a freshly filled database guesses: on PostgreSQL the
data-version probe behind every warm analysis answer took 1.2 s instead of 10 ms right
after ``seed_demo`` (issue 16). Each test clears what the database knows of a table, runs
a loader, and reads that the table was analysed again: PostgreSQL counts the ANALYZE runs
of each table (``pg_stat_user_tables``); SQLite keeps their findings in ``sqlite_stat1``.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from registry.demo import seed_demo
from registry.services import statistics
from registry.services.territories import territory_create
from tests.conftest import EXTRACT_DIR

pytestmark = pytest.mark.django_db


def analysed(table: str) -> int:
    """How many times the table was analysed (PostgreSQL), or whether it was (SQLite)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the counters as they are now
            cursor.execute(
                "SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables "
                "WHERE relname = %s",
                [table],
            )
            return cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0]


def forget(tables: list[str]) -> dict[str, int]:
    """Clear SQLite's statistics of the tables; the counts to compare with afterwards."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone()[0]:
                for table in tables:
                    cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
    return {table: analysed(table) for table in tables}


def test_import_territories_analyses_the_territory_tables_it_filled():
    tables = ["registry_territory", "registry_territoryclosure", "registry_changerecord"]
    before = forget(tables)
    call_command("import_territories", str(EXTRACT_DIR), stdout=StringIO())
    assert {t: analysed(t) > before[t] for t in tables} == dict.fromkeys(tables, True)


def test_seed_demo_analyses_every_table_it_filled():
    call_command("import_territories", str(EXTRACT_DIR), stdout=StringIO())
    tables = [
        "registry_actor",
        "registry_body",
        "registry_membership",
        "registry_interaction",
        "registry_changerecord",
    ]
    before = forget(tables)
    seed_demo(seed=0, scale=1)
    assert {t: analysed(t) > before[t] for t in tables} == dict.fromkeys(tables, True)


def test_the_ledger_and_the_closure_are_always_analysed():
    assert statistics.ALWAYS  # whatever a loader names, these two grow with every load
    territory_create(level="commune", code="97001", name="Commune")  # (SQLite skips empty tables)
    tables = ["registry_changerecord", "registry_territoryclosure"]
    before = forget(tables)
    statistics.analyze([])
    assert {t: analysed(t) > before[t] for t in tables} == dict.fromkeys(tables, True)


def _actors_file(tmp_path, count: int):
    path = tmp_path / "actors.csv"
    lines = ["schema,identifiant,nom,type,categorie"]
    lines += [f"rna,W{i:06d},Association {i},organisation,association" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_large_spreadsheet_import_analyses_what_it_wrote(tmp_path, monkeypatch):
    monkeypatch.setattr(statistics, "LARGE_LOAD_ROWS", 3)
    tables = ["registry_actor", "registry_actoridentifier", "registry_changerecord"]
    path = _actors_file(tmp_path, 3)
    before = forget(tables)
    call_command("import_actors", str(path), "--dry-run", "--no-progress", stdout=StringIO())
    assert {t: analysed(t) for t in tables} == before  # a dry run writes nothing
    call_command("import_actors", str(path), "--no-progress", stdout=StringIO())
    assert {t: analysed(t) > before[t] for t in tables} == dict.fromkeys(tables, True)


def test_a_small_spreadsheet_import_leaves_statistics_to_the_database(tmp_path, monkeypatch):
    monkeypatch.setattr(statistics, "LARGE_LOAD_ROWS", 3)
    tables = ["registry_actor", "registry_actoridentifier"]
    path = _actors_file(tmp_path, 2)
    before = forget(tables)
    call_command("import_actors", str(path), "--no-progress", stdout=StringIO())
    assert {t: analysed(t) for t in tables} == before
