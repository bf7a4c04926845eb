"""The whole test suite: static checks, then pytest on SQLite and on PostgreSQL.

PostgreSQL is used when ``DATABASE_URL`` names one, or when a server answers
on 127.0.0.1:5432 (user postgres, trust auth). With
``REGISTRY_REQUIRE_POSTGRES=1`` (set by .ci/run) an unreachable server is a
failure, not a skip. Extra arguments go to both pytest passes.

Both passes run the whole suite, the seeded fuzz run (tests/fuzz) included, with
its fixed, deterministic budget (``FUZZ_EXAMPLES`` and ``FUZZ_SEED`` are dropped
from the environment here: the long run and other seeds are run by hand, see
tests/fuzz/test_schemathesis.py).

How it stays under 10 minutes on a 2-core machine (it took ~40 serially: SQLite
~6-12 min, PostgreSQL ~17-27 min, depending on the load) without dropping a check:

- **The two passes run side by side**, each in its own process tree, and each spread
  over ``TEST_WORKERS`` (default 2) pytest-xdist workers with ``--dist loadfile``: a
  file's tests stay together on one worker, in their order, so module-scoped fixtures
  (the seeded demo data of tests/fuzz, tests/graph/test_planted_cases.py, ...) are built
  once per file as before. pytest-django gives each worker its own test database
  (``test_<name>_gw0``, ``_gw1``; SQLite: its own in-memory database). The suite is
  xdist-safe: the servers it starts (test_db_faults' private PostgreSQL and gunicorn)
  take free ports, files go to ``tmp_path``, the Redis test uses a key prefix of its own.
  Each pass's output is kept in a file and printed whole when the pass ends, so the two
  never interleave. ``TEST_WORKERS=0`` runs each pass in one process (no xdist), and
  ``TEST_SERIAL=1`` runs the passes one after the other, as before.
- **Tests that can reach no database run once**, on the SQLite pass: the PostgreSQL pass
  sets ``REGISTRY_DATABASE_TESTS_ONLY=1`` and tests/conftest.py deselects every test with
  no ``django_db`` mark, no database fixture and no ``postgres`` mark (pure graph
  algorithms, the OpenAPI schema, settings and deployment checks in subprocesses that use
  SQLite whatever the pass: ~370 tests). pytest-django refuses such a test any query, so
  its result cannot depend on the database. A by-hand ``DATABASE_URL=postgres://...
  pytest`` still runs everything.
- **The browser tests (tests/browser) run on the SQLite pass only** (``one_database``):
  their live server answers Chromium on the test's own in-memory SQLite connection, inside
  the module's transaction over the seeded demo (a PostgreSQL connection cannot be shared
  so); the API they call is tested on both passes. One module, one seeded database, one
  browser: ~25 s on one worker.
- **Cheaper hashing and commits in tests/settings.py**: passwords hashed with MD5 (the
  admin tests' users; PBKDF2 costs ~0.3 s a hash; API keys keep their own hasher), and
  ``synchronous_commit=off`` on PostgreSQL (migrations and transactional tests no longer
  wait for the disk at each commit).
- **Bytecode is cached**: ``PYTHONDONTWRITEBYTECODE`` is dropped from the children's
  environment, so every worker (and the second pass) loads the compiled project and the
  rewritten test modules from ``__pycache__`` instead of compiling them again (~5 s of
  CPU per process).

- **The demo data are seeded once per pytest process** (issue 16): the seven files that
  want the territory extract and ``seed_demo`` borrow one seeded copy (tests/seeded_db.py:
  SQLite's backup API; on PostgreSQL a ``<test db>_seeded`` database made from the test
  database as a template), each inside a rolled-back transaction, the prior database given
  back after the file. Before: ~20 s of setup per file and per pass.
- **The longest files are handed out first** (tests/conftest.py ``LONGEST_FILES``), so no
  worker is left alone on a long file at the end of a pass.
  Whole command, both on a machine at load ~5-7 (another helper's benchmarks), 2026-12-04:
  909 s before (SQLite 854 s, PostgreSQL 906 s), 680 s after (659 s, 676 s).

- **Bloated tables are vacuumed between test files on PostgreSQL** (tests/conftest.py):
  rolled-back writes leave dead rows that a server without autovacuum never reclaims; the
  change ledger reached 47,000 pages (365 MB) in one run and every later scan read them.

Measured on this machine (2 cores): the CI run before the work of issue 13's "speed" branch
took 719 s (SQLite) + 805 s (PostgreSQL), ~14 min with lint, side by side, on a machine
shared with other test runs. After it, the whole command (this file, what ``make test``
runs) took 366 s: SQLite pass 340 s, PostgreSQL pass 364 s, side by side (3,299 + 2,676
tests; run once, 2026-12-04 02:40 UTC, machine load ~1 before the run). Where the time
went, and what was done (measured on test subsets with ``-n 0 --durations``):

- **The committed schema parsed with PyYAML's pure-Python loader** in ten modules and
  fixtures, five of them while pytest collects, in every worker of both passes (2-4 s
  each): tests/committed_schema.py parses it once per process with libyaml's loader and
  hands out copies. Collection: 18 s -> 12 s of CPU per process.
- **openapi-python-client run four times per pass** (~9 s each):
  tests/api/client_generator.py generates once for the whole command (a session fixture,
  shared by the workers and both passes through ``REGISTRY_TEST_SHARED_DIR``, under a
  lock, keyed by the schema's digest).
- **PostgreSQL re-checked every deferred foreign key of a module's seeded data at every
  test's teardown** (Django's ``SET CONSTRAINTS ALL IMMEDIATE`` runs in the test's
  savepoint, whose rollback queues the checks again): ~1-1.5 s per test in tests/fuzz,
  test_renewal_report, test_one_answer, test_planted_cases, ...;
  ``tests.conftest.check_deferred_constraints`` checks them once in the fixture's outer
  transaction. test_renewal_report on PostgreSQL: 62 s -> 23 s.
- **Factories ran ``full_clean()``'s uniqueness and constraint checks**, a query each:
  ~18 % of the API tests' CPU went into making their data. They now check fields and
  ``clean()`` and leave uniqueness and constraints to the database, which enforces them.
- **The webhook receiver's shutdown waited 0.5 s** at each of 16 teardowns (poll interval).
- **The fuzz run's reads**: their coverage cases were two thirds of its 8,720 requests;
  one in two of each kind (operation, mode, parameter, scenario) is sent, the first of
  each always (tests/fuzz/test_schemathesis.py). tests/fuzz: 55 s SQLite, 62 s PostgreSQL.
- Two schema tests read the committed schema instead of generating it again.

What stays slow and why: the fuzz file (~50 s of CPU per pass, one worker; and
schemathesis builds every operation's coverage cases while pytest collects, ~8 s in every
worker, whether it runs the file or not), each worker's migrations (~5-6 s), the full COG
import of test_obligations_cog (~17 s, SQLite only), and the application's own cost per
request: Django validates each CheckConstraint with a query in the services' ``full_clean``,
django-filter builds a form class per request, each request looks its API key up and
writes ``last_used``. On PostgreSQL each of those queries is a round trip to a server
that shares the two cores with the tests.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCAL_PG = "postgres://postgres@127.0.0.1:5432/registry"
#: Variables that would change the fuzz run's budget or seed: the test command keeps its own.
FUZZ_KNOBS = ("FUZZ_EXAMPLES", "FUZZ_SEED")
#: Dropped too: with it, every process compiles the whole project and the tests again.
DROPPED = (*FUZZ_KNOBS, "PYTHONDONTWRITEBYTECODE")
#: Read by tests/conftest.py: run only the tests that can reach the database.
DATABASE_TESTS_ONLY = "REGISTRY_DATABASE_TESTS_ONLY"
#: Read by tests/api/client_generator.py: a directory shared by both passes' processes.
SHARED_DIR = "REGISTRY_TEST_SHARED_DIR"


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    full = {k: v for k, v in os.environ.items() if k not in DROPPED}
    return {**full, **(extra or {})}


def run(title: str, cmd: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=child_env(env)).returncode == 0


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return url
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3):
            return LOCAL_PG
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        print(f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc.__class__.__name__}).")
        return None


def xdist_args() -> list[str]:
    workers = os.environ.get("TEST_WORKERS", "2")
    if not workers.isdigit():
        sys.exit(f"TEST_WORKERS must be a number of workers (0: no xdist), not {workers!r}")
    if int(workers) == 0:
        return []
    if importlib.util.find_spec("xdist") is None:
        print("pytest-xdist is not installed (make install): each pass runs in one process.")
        return []
    return ["-n", workers, "--dist", "loadfile"]


def nothing_left(returncode: int, env: dict[str, str]) -> bool:
    """pytest's "no tests ran" (5) on the PostgreSQL pass when the tests chosen by hand
    (``tests/run.py tests/graph``) can all reach no database: they ran on SQLite."""
    return returncode == 5 and env.get(DATABASE_TESTS_ONLY) == "1"


def passed(title: str, cmd: list[str], env: dict[str, str]) -> bool:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    returncode = subprocess.run(cmd, cwd=ROOT, env=child_env(env)).returncode
    return returncode == 0 or nothing_left(returncode, env)


def run_passes(passes: list[tuple[str, list[str], dict[str, str]]]) -> dict[str, bool]:
    """Start every pass at once (``TEST_SERIAL=1``: one after the other); print each
    pass's output whole as it ends, with its wall time."""
    if os.environ.get("TEST_SERIAL") == "1":
        results = {}
        for title, cmd, env in passes:
            started = time.monotonic()
            results[title] = passed(title, cmd, env)
            print(f"=== {title}: {time.monotonic() - started:.0f} s", flush=True)
        return results
    running = []
    with tempfile.TemporaryDirectory(prefix="registry-tests-") as logs:
        for n, (title, cmd, env) in enumerate(passes):
            print(f"=== started {title}: {' '.join(cmd)}", flush=True)
            log = open(Path(logs) / f"{n}.log", "w+b")  # noqa: SIM115 - closed below
            process = subprocess.Popen(
                cmd, cwd=ROOT, env=child_env(env), stdout=log, stderr=subprocess.STDOUT
            )
            running.append((title, process, log, time.monotonic(), env))
        results = {}
        while running:
            for item in list(running):
                title, process, log, started, env = item
                if process.poll() is None:
                    continue
                running.remove(item)
                log.seek(0)
                print(f"\n=== {title} ({time.monotonic() - started:.0f} s)", flush=True)
                sys.stdout.buffer.write(log.read())
                sys.stdout.flush()
                log.close()
                results[title] = process.returncode == 0 or nothing_left(process.returncode, env)
            time.sleep(0.5)
    return results


def main(pytest_args: list[str]) -> int:
    started = time.monotonic()
    manage_env = {"SECRET_KEY": "test-only-not-secret"}
    sqlite_env = {"DATABASE_URL": "sqlite:///:memory:"}
    results: dict[str, bool] = {}
    results["ruff check"] = run("lint", [str(BIN / "ruff"), "check", "."])
    results["ruff format"] = run("format", [str(BIN / "ruff"), "format", "--check", "."])
    # The layering of DESIGN.md: [tool.importlinter] contracts in pyproject.toml.
    results["import contracts"] = run("layering", [str(BIN / "lint-imports")])
    results["migrations"] = run(
        "migrations up to date",
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        {**manage_env, **sqlite_env},
    )
    pytest = [sys.executable, "-m", "pytest", *xdist_args(), *pytest_args]
    with tempfile.TemporaryDirectory(prefix="registry-tests-shared-") as shared:
        # What every pytest process of this command may share (the generated client).
        shared_env = {SHARED_DIR: shared}
        passes = [("pytest sqlite", pytest, {**sqlite_env, **shared_env})]
        pg = postgres_url()
        if pg:
            pg_env = {"DATABASE_URL": pg, DATABASE_TESTS_ONLY: "1", **shared_env}
            passes.append(("pytest postgresql", pytest, pg_env))
        elif os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1":
            results["pytest postgresql"] = False
        results.update(run_passes(passes))
    print(f"\n=== summary ({time.monotonic() - started:.0f} s)")
    for name, ok in results.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
