"""Benchmark of the membership sync (run on demand, not by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sync python tests/bench/bench_sync.py [--members 10000]

On a fresh database (created and dropped here when it is PostgreSQL): a body and
N actors, then
- baseline: a plain ``bulk_create`` of the same N memberships (no validation,
  no ledger), timed and rolled back;
- first load: ``membership_sync`` of the N members onto the empty body;
- 5% change: the same list with 5% of the members replaced and 5% moved to
  another college;
- no change: the same list again.
Prints seconds and the ratio of the first load to the baseline (target: within
3x) and the 5% change (target: under 1 s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import bench_body, drop  # noqa: E402 - how every member benchmark starts
from startup import start as start_benchmark  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    url = start_benchmark("bench_sync")
    from django.db import connection, transaction

    from registry import tracking
    from registry.models import Actor, Membership
    from registry.services.sync import membership_sync

    n = args.members
    body = bench_body(("Habitants", "Associations"), code="99999")
    territory = body.territory
    habitants, associations = body.colleges.order_by("name").reverse()
    people = [
        Actor(kind="person", category="resident", name=f"Membre {i}", territory=territory)
        for i in range(int(n * 1.05) + 1)
    ]
    tracking.bulk_create(people, validate=False)
    day = dt.date(2026, 1, 1)

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    try:
        with transaction.atomic(), tracking._allow_writes():
            Membership.objects.bulk_create(
                [
                    Membership(
                        actor=p, body=body, college=habitants, start_date=day, external_id=f"M{i}"
                    )
                    for i, p in enumerate(people[:n])
                ],
                batch_size=2000,
            )
            raise Rollback
    except Rollback:
        pass
    baseline = time.perf_counter() - start

    members = [
        {"actor": p.pk, "college": habitants.pk, "external_id": f"M{i}"}
        for i, p in enumerate(people[:n])
    ]
    start = time.perf_counter()
    first = membership_sync(body=body, members=members, effective_date=day)
    first_load = time.perf_counter() - start

    k = n // 20
    changed = list(members)
    for j in range(k):  # 5% leave, replaced by newcomers
        changed[j] = {"actor": people[n + j].pk, "college": habitants.pk, "external_id": f"N{j}"}
    for j in range(k, 2 * k):  # 5% change college
        changed[j] = {**changed[j], "college": associations.pk}
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    second = membership_sync(body=body, members=changed, effective_date=dt.date(2026, 6, 1))
    change = time.perf_counter() - start
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    start = time.perf_counter()
    third = membership_sync(body=body, members=changed, effective_date=dt.date(2026, 7, 1))
    nothing = time.perf_counter() - start

    vendor = connection.vendor
    print(f"database: {vendor}, members: {n}")
    print(f"baseline bulk_create:      {baseline:7.2f} s")
    print(
        f"first load (sync):         {first_load:7.2f} s  ({len(first.created)} created)  "
        f"ratio {first_load / baseline:.2f}x (target <= 3x)"
    )
    print(
        f"5% change:                 {change:7.2f} s  ({len(second.created)} created, "
        f"{len(second.updated)} updated, {len(second.ended)} ended)  (target < 1 s)"
    )
    print(f"same list again:           {nothing:7.2f} s  (empty diff: {third.is_empty})")
    connection.close()
    drop(url)


if __name__ == "__main__":
    main()
