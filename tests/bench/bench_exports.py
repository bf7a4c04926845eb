"""Benchmark of the members export (CSV, XLSX, both languages) beside the JSON read of the
same list (run on demand, not by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h3_bench \
        python tests/bench/bench_exports.py [--members 10000] [--repeat 2]

On a fresh database (created here when it is PostgreSQL): one body with two colleges and
N current members, each a person with a name, given and family names, an ``external``
identifier, a college, a role, a start date and an external seat id. Times
``GET /api/bodies/{id}/members/`` through Django's test client (authentication,
negotiation, rendering included): JSON (the baseline), CSV and XLSX in English and
French, and counts the queries of each. Prints the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import bench_body  # noqa: E402 - how every member benchmark starts
from startup import start as start_benchmark  # noqa: E402

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    start_benchmark("h3_bench")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api.models import ApiKey
    from registry import tracking
    from registry.models import Actor, ActorIdentifier, College, Membership

    n = args.members
    body = bench_body(("Habitants", "Asso"))
    commune = body.territory
    colleges = list(College.objects.filter(body=body))
    actors = tracking.bulk_create(
        [
            Actor(
                kind="person",
                category="resident",
                name=f"Prénom{i} Famille{i}",
                given_name=f"Prénom{i}",
                family_name=f"Famille{i}",
                territory=commune,
            )
            for i in range(n)
        ]
    )
    tracking.bulk_create(
        [ActorIdentifier(actor=a, scheme="external", value=f"H-{a.pk}") for a in actors]
    )
    tracking.bulk_create(
        [
            Membership(
                actor=a,
                body=body,
                college=colleges[i % 2],
                role="member" if i % 50 else "secretary",
                selection_mode="lot",
                start_date=dt.date(2024, 1, 1) + dt.timedelta(days=i % 365),
                external_id=f"S-{i}",
            )
            for i, a in enumerate(actors)
        ]
    )
    _key, secret = ApiKey.objects.create_key(name="bench", scopes=["read"])
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_HOST="localhost")
    path = f"/api/bodies/{body.pk}/members/"
    cases = [
        ("JSON (baseline)", {}),
        ("CSV en", {"HTTP_ACCEPT": "text/csv"}),
        ("CSV fr", {"HTTP_ACCEPT": "text/csv", "HTTP_ACCEPT_LANGUAGE": "fr"}),
        ("XLSX en", {"HTTP_ACCEPT": XLSX}),
        ("XLSX fr", {"HTTP_ACCEPT": XLSX, "HTTP_ACCEPT_LANGUAGE": "fr"}),
    ]
    print(f"{n} members, {connection.vendor}")
    for label, headers in cases:
        best, size, queries = float("inf"), 0, 0
        for _ in range(args.repeat):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(path, **headers)
                elapsed = time.perf_counter() - start
            assert response.status_code == 200, response.content[:500]
            best, size, queries = min(best, elapsed), len(response.content), len(captured)
        print(f"{label:16} {best:7.2f} s  {size / 1e6:6.2f} MB  {queries} queries")


if __name__ == "__main__":
    main()
