"""Benchmark of the list endpoints against a bare ``.values()`` + orjson baseline (on demand).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api \\
        .venv/bin/python tests/bench/bench_api_lists.py --scale 100

Not collected by pytest. Unless ``--reuse`` is given, the database named by
``DATABASE_URL`` is dropped and created anew (point it at a throwaway one; the
default is ``bench_api`` on the local PostgreSQL), migrated, given the
committed COG extract and ``seed_demo --scale N`` (or, with ``--own-data`` or
when seed_demo fails, plain rows: 1,000 actors and 2,000 memberships per unit
of scale); it is dropped again at the end unless ``--keep``.

The database is then vacuumed and analyzed (``VACUUM (ANALYZE)``: dead tuples
removed and planner statistics gathered, as autovacuum would; the rows are left
alone). Then, for /api/actors/ and /api/memberships/, with a key holding every scope,
through the Django test client (the whole middleware, authentication,
throttling, filtering, pagination, serialization and rendering path):

- ``cursor``: a cursor walk of ``--pages`` pages of ``--page-size`` items;
- ``offset``: the same number of limit/offset pages (each also counts the rows);

beside a baseline in the same run that reads the same rows with ``.values()``
(keyset or offset slices) and encodes them with orjson (the two take turns, best
of ``--repeat`` runs each). It prints items per second for both and their ratio (the
target: the API within 2x of the baseline, issue 16). ``--profile`` adds a
pyinstrument profile of one API walk
(``pip install pyinstrument`` into the venv first; it is not a dependency).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTRACT = ROOT / "registry" / "data" / "cog-extract"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_api"
TARGET_RATIO = 2.0


def _admin_connection(url: str):
    import psycopg

    base, _, name = url.rpartition("/")
    return psycopg.connect(f"{base}/postgres", autocommit=True), name.split("?", 1)[0]


def _recreate(url: str) -> None:
    from psycopg import sql

    conn, name = _admin_connection(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop(url: str) -> None:
    from psycopg import sql

    conn, name = _admin_connection(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _setup(scale: int, *, own_data: bool) -> None:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("import_territories", str(EXTRACT), "--no-progress", verbosity=0)
    how = f"seed_demo --scale {scale}"
    if not own_data:
        try:
            call_command("seed_demo", scale=scale, verbosity=1)
        except Exception as exc:  # noqa: BLE001 - any failure: fall back to our own rows
            print(f"seed_demo failed ({exc.__class__.__name__}: {exc}); writing own rows.")
            own_data = True
    if own_data:
        _own_rows(scale)
        how = f"own rows, scale {scale}"
    print(f"set-up (migrate, territories, {how}): {time.perf_counter() - started:.0f}s")


#: Per unit of scale (100: 100,000 actors, 200,000 memberships).
ACTORS, ORGANIZATIONS, BODIES, MEMBERSHIPS = 1_000, 100, 20, 2_000


def _own_rows(scale: int, chunk: int = 10_000) -> None:
    """Plain, deterministic rows when seed_demo is not available: actors (a tenth of them
    organizations with an RNA number, a third of the persons with personal data),
    bodies on the communes, and memberships (one per actor and body)."""
    import datetime as dt
    import random

    from registry import tracking
    from registry.models import (
        Actor,
        ActorIdentifier,
        Body,
        Membership,
        PersonalData,
        Territory,
    )

    rng = random.Random(0)
    communes = list(Territory.objects.filter(level="commune").values_list("pk", flat=True))
    today = dt.date(2026, 1, 1)

    def write(objs):
        for i in range(0, len(objs), chunk):
            tracking.bulk_create(objs[i : i + chunk], validate=False)
        print(f"  {len(objs):,} {objs[0]._meta.verbose_name_plural}", flush=True)

    people = [
        Actor(
            kind="organization" if i % (ACTORS // ORGANIZATIONS) == 0 else "person",
            category="association" if i % (ACTORS // ORGANIZATIONS) == 0 else "resident",
            name=f"Acteur {i:06d}",
            given_name="" if i % 10 == 0 else f"Prénom {i % 97}",
            family_name="" if i % 10 == 0 else f"Nom {i}",
            territory_id=rng.choice(communes),
            power=rng.randint(0, 5),
            interest=rng.randint(0, 5),
        )
        for i in range(ACTORS * scale)
    ]
    write(people)
    by_id = {a.pk: a for a in people}
    orgs = [a for a in people if a.kind == "organization"]
    write([ActorIdentifier(actor=a, scheme="rna", issuer="", value=f"W{a.pk:09d}") for a in orgs])
    write(
        [
            PersonalData(
                actor=a,
                email=f"acteur{a.pk}@example.org",
                birth_year=1940 + a.pk % 60,
                lawful_basis="public_task",
                retention_until=today + dt.timedelta(days=3 * 365),
            )
            for a in people[1::3]
            if a.kind == "person"
        ]
    )
    bodies = [
        Body(
            name=f"Conseil {i:05d}",
            body_type="conseil_quartier",
            territory_id=rng.choice(communes),
            founding_date=dt.date(2015, 1, 1),
        )
        for i in range(BODIES * scale)
    ]
    write(bodies)
    bodies_by_id = {b.pk: b for b in bodies}
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < MEMBERSHIPS * scale:
        pairs.add((rng.choice(people).pk, rng.choice(bodies).pk))
    write(
        [
            # Objects, not ids: the ledger reads each row's territory through them.
            Membership(
                actor=by_id[actor],
                body=bodies_by_id[body],
                role="member",
                start_date=today - dt.timedelta(days=rng.randint(0, 3000)),
            )
            for actor, body in sorted(pairs)
        ]
    )
    del people, bodies, pairs, by_id, bodies_by_id


def _analyze() -> None:
    """Planner statistics for the freshly written rows, and no dead tuples, as autovacuum
    would leave them.

    The seed stamps every ledger row with its commit order (an update: 1.4 million dead
    tuples at scale 100), which leaves the partial index of unstamped rows that every
    page's ledger version reads full of dead entries (1 ms a page) until a vacuum. Without
    statistics (a server with autovacuum off, or a run right after the seed)
    PostgreSQL plans a join of the page with its actors and bodies as hash joins
    of whole tables and nested lists as sequential scans: the benchmark would
    measure the missing statistics rather than the API.
    """
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM (ANALYZE): {time.perf_counter() - started:.1f}s")


def _timed(fns: list[Callable[[], int]], repeat: int) -> list[tuple[float, int]]:
    """Best of ``repeat`` runs of each function (warm caches): (seconds, items) each.

    The functions take turns (API, baseline, API, ...), so that both meet the same
    conditions on a machine shared with other work.
    """
    best = [(float("inf"), 0)] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            items = fn()
            best[i] = min(best[i], (time.perf_counter() - started, items))
    return best


class Bench:
    def __init__(self, *, pages: int, page_size: int):
        from rest_framework.test import APIClient

        from api.models import ALL_SCOPES, ApiKey

        self.pages = pages
        self.size = page_size
        _api_key, key = ApiKey.objects.create_key(name="bench", scopes=list(ALL_SCOPES))
        # SERVER_NAME: a host the settings allow (the test runner is not there to add one).
        self.client = APIClient(SERVER_NAME="localhost")
        self.client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        self.seen: dict[tuple[str, str], list[int]] = {}

    def _get(self, url: str) -> dict:
        import orjson

        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return orjson.loads(response.content)

    # --- the API --------------------------------------------------------------

    def api_cursor(self, resource: str) -> int:
        url = f"/api/{resource}/?pagination=cursor&limit={self.size}"
        ids: list[int] = []
        for _ in range(self.pages):
            data = self._get(url)
            ids += [row["id"] for row in data["results"]]
            url = data["next"]
            if not url:
                break
        self.seen[(resource, "cursor")] = ids
        return len(ids)

    def api_offset(self, resource: str) -> int:
        ids: list[int] = []
        for page in range(self.pages):
            data = self._get(f"/api/{resource}/?limit={self.size}&offset={page * self.size}")
            ids += [row["id"] for row in data["results"]]
        self.seen[(resource, "offset")] = ids
        return len(ids)

    # --- the baseline: the same rows, .values() and orjson ------------------------

    def base_cursor(self, model) -> int:
        import orjson

        last, total, ids = 0, 0, []
        for _ in range(self.pages):
            rows = list(model.objects.filter(id__gt=last).order_by("id").values()[: self.size])
            if not rows:
                break
            orjson.dumps({"next": None, "previous": None, "results": rows})
            last = rows[-1]["id"]
            total += len(rows)
            ids += [row["id"] for row in rows]
        self.seen[(model.__name__, "cursor")] = ids
        return total

    def base_offset(self, model) -> int:
        import orjson

        total, ids = 0, []
        for page in range(self.pages):
            start = page * self.size
            rows = list(model.objects.order_by("id").values()[start : start + self.size])
            orjson.dumps({"next": None, "previous": None, "results": rows})
            total += len(rows)
            ids += [row["id"] for row in rows]
        self.seen[(model.__name__, "offset")] = ids
        return total


def run(args) -> list[tuple[str, str, float, float]]:
    from registry.models import Actor, Membership

    bench = Bench(pages=args.pages, page_size=args.page_size)
    rows = []
    print(f"\n{'list':<14} {'mode':<7} {'API items/s':>12} {'baseline items/s':>17} {'ratio':>7}")
    for resource, model in (("actors", Actor), ("memberships", Membership)):
        for mode in ("cursor", "offset"):
            api_fn = getattr(bench, f"api_{mode}")
            base_fn = getattr(bench, f"base_{mode}")
            api_fn(resource)  # warm-up: key lookup, caches, query plans
            (api_s, api_n), (base_s, base_n) = _timed(
                [
                    lambda api_fn=api_fn, r=resource: api_fn(r),
                    lambda base_fn=base_fn, m=model: base_fn(m),
                ],
                args.repeat,
            )
            assert bench.seen[(resource, mode)] == bench.seen[(model.__name__, mode)], (
                "the API and the baseline did not read the same rows"
            )
            api_rate, base_rate = api_n / api_s, base_n / base_s
            ratio = base_rate / api_rate
            rows.append((resource, mode, api_rate, base_rate))
            flag = "" if ratio <= TARGET_RATIO else f"  > {TARGET_RATIO:g}x"
            print(
                f"/api/{resource + '/':<9} {mode:<7} {api_rate:>12,.0f} {base_rate:>17,.0f} "
                f"{ratio:>6.1f}x{flag}"
            )
    print(f"({args.pages} pages of {args.page_size} items each, best of {args.repeat})")
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            bench.api_cursor(args.profile)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="seed_demo scale (default 100)")
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument(
        "--own-data", action="store_true", help="write plain rows instead of seed_demo"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument(
        "--profile",
        choices=["actors", "memberships"],
        help="profile one cursor walk of this list with pyinstrument",
    )
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        print("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    if not args.reuse:
        _recreate(url)

    import django

    django.setup()
    from django.db import connections

    try:
        if not args.reuse:
            _setup(args.scale, own_data=args.own_data)
        from registry.models import Actor, Membership

        _analyze()
        print(f"{Actor.objects.count():,} actors, {Membership.objects.count():,} memberships")
        rows = run(args)
    finally:
        connections.close_all()
        if not args.keep:
            _drop(url)
    worst = max(base / api for _r, _m, api, base in rows)
    print(f"worst ratio {worst:.1f}x (target {TARGET_RATIO:g}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
