"""The whole test suite: static checks, then pytest on SQLite and on PostgreSQL.

PostgreSQL is used when ``DATABASE_URL`` names one, or when a server answers
on 127.0.0.1:5432 (user postgres, trust auth). With
``REGISTRY_REQUIRE_POSTGRES=1`` (set by .ci/run) an unreachable server is a
failure, not a skip. Extra arguments go to pytest.

Both passes run the whole suite, the seeded fuzz run (tests/fuzz) included, with
its fixed, deterministic budget (``FUZZ_EXAMPLES`` and ``FUZZ_SEED`` are dropped
from the environment here: the long run and other seeds are run by hand, see
tests/fuzz/test_schemathesis.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCAL_PG = "postgres://postgres@127.0.0.1:5432/registry"
#: Variables that would change the fuzz run's budget or seed: the test command keeps its own.
FUZZ_KNOBS = ("FUZZ_EXAMPLES", "FUZZ_SEED")


def run(title: str, cmd: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    full = {k: v for k, v in os.environ.items() if k not in FUZZ_KNOBS}
    return subprocess.run(cmd, cwd=ROOT, env={**full, **(env or {})}).returncode == 0


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


def main(pytest_args: list[str]) -> int:
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
    pytest = [sys.executable, "-m", "pytest", *pytest_args]
    results["pytest sqlite"] = run("pytest on SQLite", pytest, sqlite_env)
    pg = postgres_url()
    if pg:
        results["pytest postgresql"] = run("pytest on PostgreSQL", pytest, {"DATABASE_URL": pg})
    elif os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1":
        results["pytest postgresql"] = False
    print("\n=== summary")
    for name, ok in results.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
