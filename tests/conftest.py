"""Fixtures shared by the whole suite."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from tests import schema_validation

# No timed tests (STYLE): Hypothesis's per-example deadline fails a correct test on a busy
# machine (2 cores shared by the SQLite and PostgreSQL passes), so no test has one.
hypothesis_settings.register_profile("registry", deadline=None)
hypothesis_settings.load_profile("registry")

ROOT = Path(__file__).resolve().parent.parent
#: The committed extract of the 2026 COG (Licence Ouverte), used by tests and the demo.
EXTRACT_DIR = ROOT / "registry" / "data" / "cog-extract"
#: The whole country (not committed); benchmarks and the full-country tests. Found, in
#: order: ``COG_2026_DIR``, beside the project (``../shared/data/cog-2026``), then the
#: workplace's shared data (``/work/shared/data/cog-2026``), so that a clone anywhere
#: (CI's, a temporary folder) still runs them; the tests skip, saying so, where none is.
_COG_CANDIDATES = [
    *([Path(os.environ["COG_2026_DIR"])] if os.environ.get("COG_2026_DIR") else []),
    ROOT.parent / "shared" / "data" / "cog-2026",
    Path("/work/shared/data/cog-2026"),
]
FULL_COG_DIR = next(
    (p for p in _COG_CANDIDATES if (p / "communes.json").is_file()), _COG_CANDIDATES[0]
)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


#: Set by tests/run.py for its PostgreSQL pass only: see ``uses_no_database``.
DATABASE_TESTS_ONLY = "REGISTRY_DATABASE_TESTS_ONLY"
#: Fixtures that give a test the database (pytest-django's, and the suite's seeded ones
#: request ``django_db_setup``); ``item.fixturenames`` holds every fixture a test uses,
#: those of its fixtures included.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_setup", "django_db_reset_sequences", "live_server"}
)


def uses_no_database(item) -> bool:
    """A test that can read no database: no ``django_db`` mark, no database fixture, and
    not marked ``postgres``. pytest-django refuses such a test any query, so it runs the
    same whatever ``DATABASE_URL`` says; the test command runs it on SQLite only."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("postgres"):
        return False
    return not DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))


def pytest_configure(config):
    """Every test client's answers from /api/ checked against the committed schema
    (tests/schema_validation.py; ``SCHEMA_VALIDATION=strict|report|off``)."""
    schema_validation.install(config)


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    if connection.vendor != "postgresql":
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip_pg)
    elif os.environ.get(DATABASE_TESTS_ONLY) == "1":
        # Also the slow tests marked ``one_database`` (e.g. the whole COG imported): their
        # subject is the data, not the database, so the SQLite pass runs them alone.
        dropped = [
            item
            for item in items
            if uses_no_database(item) or item.get_closest_marker("one_database")
        ]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            kept = set(map(id, dropped))
            items[:] = [item for item in items if id(item) not in kept]
    items[:] = longest_first(items)


#: The longest test files, longest first (seconds of setup + calls on one pass of
#: tests/run.py, SQLite / PostgreSQL, 2026-12-04 on a loaded machine). pytest-xdist's
#: ``--dist loadfile`` hands files out in collection order as workers free up, so a long
#: file collected last kept one worker busy alone at the end of a pass; handed out first,
#: the short files fill in behind them. Order only: every test still runs, and the tests
#: of a file keep their order.
LONGEST_FILES = (
    "tests/api/test_list_fast_path.py",  # 52 / 103
    "tests/api/test_natural_keys.py",  # 77 / 89
    "tests/security/test_api1_object_level_authorization.py",  # 51 / 80
    "tests/api/test_one_answer.py",  # 66 / 52
    "tests/browser/test_explorer.py",  # 70 / -
    "tests/api/test_problem_shape.py",  # 38 / 71
    "tests/api/test_query_params.py",  # 42 / 70
    "tests/registry/test_obligations_cog.py",  # 62 / -
    "tests/registry/test_seed_demo.py",  # 60 / 46
    "tests/browser/test_pages.py",  # 57 / -
    "tests/security/test_api8_security_misconfiguration.py",  # 35 / 53
    "tests/test_deploy.py",  # 52 / -
    "tests/api/test_schema_headers.py",  # 36 / 44
    "tests/api/test_issue11_probe.py",  # 11 / 44
    "tests/api/test_sync_input.py",  # 11 / 42
    "tests/security/test_api4_resource_consumption.py",  # 21 / 40
    "tests/registry/test_admin_scope.py",  # 18 / 39
    "tests/registry/test_admin.py",  # 26 / 39
    "tests/api/test_webhooks_delivery.py",  # 13 / 36
    "tests/api/test_evolution.py",  # 15 / 36
)


def longest_first(items: list) -> list:
    """``items`` with the files of ``LONGEST_FILES`` first, in its order (stable sort)."""
    rank = {name: n for n, name in enumerate(LONGEST_FILES)}
    last = len(LONGEST_FILES)
    root = Path(__file__).resolve().parent.parent

    def key(item) -> int:
        try:
            return rank.get(Path(item.path).relative_to(root).as_posix(), last)
        except ValueError:
            return last

    return sorted(items, key=key)


def check_deferred_constraints() -> None:
    """Check, now, the deferred constraints (foreign keys) of the rows that a module- or
    class-scoped fixture wrote in its outer transaction; call it at the end of the setup.

    On PostgreSQL, a deferred check waits in the transaction's queue until something
    forces it. Django's ``TestCase`` does, at every test's teardown (``SET CONSTRAINTS ALL
    IMMEDIATE``), but inside the test's savepoint, whose rollback puts the checks back in
    the queue: the next test checks every row of the fixture again. Over the seeded demo
    data that was ~1-1.5 s of server time per test (tests/fuzz, test_renewal_report).
    Checked once here, in the outer transaction, they leave the queue for good. SQLite has
    no such queue (``check_constraints`` scans the tables: nothing to gain).
    """
    if connection.vendor == "postgresql":
        connection.check_constraints()


@contextmanager
def seeded_demo(django_db_blocker) -> Iterator[None]:
    """The territory extract and the demo data, for a module-scoped fixture.

    Seeded once per test process and lent to each module that asks (tests/seeded_db.py:
    a copy restored with SQLite's backup API, or a seeded PostgreSQL database of its own),
    inside a transaction that is rolled back on exit; the tests of other modules find
    the database they would have found without it.

    The deferred constraints of the rows written are checked in that outer transaction
    (``check_deferred_constraints``).
    """
    from tests import seeded_db

    with django_db_blocker.unblock(), seeded_db.lent(check_deferred_constraints, _vacuum):
        yield


@pytest.fixture(scope="session", autouse=True)
def _drop_seeded_database(django_db_blocker):
    """The seeded copy of ``seeded_demo`` lives as long as the session."""
    yield
    from tests import seeded_db

    with django_db_blocker.unblock():
        seeded_db.drop_seeded_database()


#: On PostgreSQL, a table past this many 8 kB pages is vacuumed between two test files.
BLOATED_PAGES = 1000


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test file's last test (its module fixtures torn down), vacuum the tables that
    rolled-back writes have bloated, on PostgreSQL.

    Every test's writes are rolled back, which leaves their rows behind as dead tuples; a
    server without autovacuum (as on this project's machines) never reclaims them, so the
    change ledger grows past 300 MB in a run and every later scan of it reads them all:
    the second half of the PostgreSQL pass ran ~3 times slower than the same tests alone.
    A plain VACUUM (no lock against readers; the table is not in use between two files)
    gives the space back. A transactional test's flush truncates the tables anyway.
    """
    yield
    if nextitem is None or getattr(nextitem, "path", None) != getattr(item, "path", None):
        vacuum_bloated_tables(item.config)


def vacuum_bloated_tables(config) -> None:
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    if connection.in_atomic_block:  # a fixture wider than the file still holds a transaction
        return
    from pytest_django.plugin import blocking_manager_key

    with config.stash[blocking_manager_key].unblock():
        _vacuum()


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname)"
            " FROM pg_stat_user_tables WHERE pg_relation_size(relid) > %s",
            [BLOATED_PAGES * 8192],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"VACUUM {table}")


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware leaves the last request's language active in the thread: a French
    request must not make a later test's messages French."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)
