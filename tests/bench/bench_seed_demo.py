"""Benchmark of ``seed_demo`` (run on demand, not collected by pytest).

    python tests/bench/bench_seed_demo.py --scale 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_demo \\
        python tests/bench/bench_seed_demo.py --scale 100 --fresh

With ``--fresh`` the database is made anew first (SQLite: the file is deleted;
PostgreSQL: the database is dropped and created, so point it at a throwaway
one), migrated, and the committed COG extract imported. Prints the seconds,
the rows written (and the change records), rows per second, the peak resident
memory of the process (``resource.getrusage``) and, with ``--tracemalloc``, the
peak of Python allocations (slower: tracemalloc hooks every allocation).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTRACT = ROOT / "registry" / "data" / "cog-extract"


def _fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and os.path.exists(path):
            os.remove(path)
        return
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    name = name.split("?", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=20_000)
    parser.add_argument("--fresh", action="store_true", help="drop, migrate, import first")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench_seed_demo.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, str(ROOT))
    url = os.environ["DATABASE_URL"]
    if args.fresh:
        _fresh_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.demo import seed_demo

    if args.fresh:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("import_territories", str(EXTRACT), verbosity=0)
        print(f"migrate + import of the extract: {time.perf_counter() - t:.1f}s")

    if args.tracemalloc:
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cpu = time.process_time()
    report = seed_demo(seed=args.seed, scale=args.scale, chunk_size=args.chunk_size, log=print)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if report.already_present:
        print("demo data already present: nothing written (use --fresh)")
        return
    rows = report.total
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"scale {args.scale}, seed {args.seed}, chunk {args.chunk_size}")
    for model, count in sorted(report.created.items()):
        print(f"  {model:<20} {count:>12,}")
    print(f"rows: {rows:,} (+ {report.change_records:,} change records)")
    print(f"time: {seconds:.1f}s wall, {cpu:.1f}s CPU in this process")
    print(
        f"rate: {rows / seconds:,.0f} rows/s ({(rows + report.change_records) / seconds:,.0f} with the ledger)"
    )
    print(f"peak RSS: {peak_rss / 1024:.0f} MiB (before the run: {rss_before / 1024:.0f} MiB)")
    if args.tracemalloc:
        _current, peak = tracemalloc.get_traced_memory()
        print(f"peak Python allocations (tracemalloc): {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
