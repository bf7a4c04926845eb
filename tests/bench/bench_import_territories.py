"""Benchmark of the COG import on the whole country (run on demand, not by pytest).

    python tests/bench/bench_import_territories.py [--db sqlite|postgres|both]
        [--data /work/shared/data/cog-2026] [--pg-url postgres://postgres@127.0.0.1:5432/bench_import]

For each database: a fresh one (a new SQLite file; a PostgreSQL database
created here and dropped afterwards), migrated, then the import of the whole
country, then a second run over the same files (which must change nothing).
Prints the seconds (wall and CPU of this process), the rows per second
(territories + relations + closure rows) and the ratio second/first.

Each database runs in its own Python process, since Django reads
DATABASE_URL once.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cog-2026"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bench_import"
LIMIT_SECONDS = 60.0


def worker(data: str) -> None:
    """Migrate the database named by DATABASE_URL, import twice, print a JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from registry.importers.cog import import_cog
    from registry.models import ChangeRecord, Territory, TerritoryClosure, TerritoryRelation

    call_command("migrate", verbosity=0)
    runs = []
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        result = import_cog(data)
        runs.append(
            {
                "seconds": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "changed": result.changed,
                "territories_written": result.territories_written,
                "relations_written": result.relations_written,
                "closure_written": result.closure.inserted
                + result.closure.deleted
                + result.closure.updated,
                "steps": {k: round(v, 2) for k, v in result.timings.items()},
            }
        )
    rows = {
        "territories": Territory.objects.count(),
        "relations": TerritoryRelation.objects.count(),
        "closure": TerritoryClosure.objects.count(),
        "ledger": ChangeRecord.objects.count(),
    }
    print(json.dumps({"runs": runs, "rows": rows}))


def _run_worker(label: str, database_url: str, data: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="false")
    env.setdefault("SECRET_KEY", "bench-only-not-secret")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", "--data", data],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{label}: the benchmark failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def bench_sqlite(data: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        return _run_worker("sqlite", f"sqlite:///{tmp}/bench.sqlite3", data)


def bench_postgres(data: str, url: str) -> dict:
    name = urlsplit(url).path.lstrip("/")
    if not name.isidentifier():
        raise SystemExit(f"unexpected database name {name!r}")
    _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(url, f'CREATE DATABASE "{name}"')
    try:
        return _run_worker("postgres", url, data)
    finally:
        _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(label: str, outcome: dict) -> bool:
    first, second = outcome["runs"]
    rows = outcome["rows"]
    total = rows["territories"] + rows["relations"] + rows["closure"]
    ratio = second["seconds"] / first["seconds"]
    ok = first["seconds"] < LIMIT_SECONDS and ratio < 1 / 3 and not second["changed"]
    print(f"== {label}")
    print(
        f"  rows: {rows['territories']} territories + {rows['relations']} relations + "
        f"{rows['closure']} closure = {total}  (ledger: {rows['ledger']} records)"
    )
    for name, run in (("first run ", first), ("second run", second)):
        print(
            f"  {name}: {run['seconds']:7.2f} s wall, {run['cpu']:7.2f} s CPU, "
            f"{total / run['seconds']:9.0f} rows/s, changed={run['changed']}"
        )
        print(f"    steps: {run['steps']}")
    print(f"  ratio second/first: {ratio:.3f}")
    print(f"  {'OK' if ok else 'TOO SLOW'} (first < {LIMIT_SECONDS:.0f} s, second < first / 3)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="the COG folder to import")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to create, use and drop",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.data)
        return 0
    if not Path(args.data, "communes.json").is_file():
        raise SystemExit(f"no COG files in {args.data}")
    try:
        load = os.getloadavg()
        print(
            f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs"
        )
    except OSError:
        pass
    ok = True
    if args.db in ("sqlite", "both"):
        ok &= report("SQLite", bench_sqlite(args.data))
    if args.db in ("postgres", "both"):
        ok &= report("PostgreSQL", bench_postgres(args.data, args.pg_url))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
