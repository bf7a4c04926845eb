"""Benchmark of a member sync that creates its members inline (run on demand, not by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_new_actors \
        python tests/bench/bench_sync_new_actors.py [--members 10000]

On a fresh database (created here when it is PostgreSQL): one body with one college,
then ``PUT /api/bodies/{id}/members/`` through the test client (the whole request:
parsing, the input layer, the plan, the writes and their ledger rows) with N entries,
each a ``new_actor`` with one identifier:

- dry run (the real run rolled back);
- real run;
- the same members sent again by identifier (nothing to change);
- the same inline new actors sent again (each resolves to the actor the real run
  created: nothing to change, no one created; issue 11);
- the same people by name only, spelled "FAMILY Given" (no identifier, no external id:
  each found among the body's members by name);
- baseline: a plain ``bulk_create`` of N actors, N identifiers and N memberships
  (no validation, no ledger), timed and rolled back.

Prints seconds, the ratio of the real run to the baseline, and whether the real run
holds within the 30 s a request may take (issue "One validated edge for every write").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import recreate  # noqa: E402 - one way to make a fresh benchmark database

REQUEST_BUDGET_S = 30.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_new_actors")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    # The request body of 10,000 inline actors is ~1.5 MB; the benchmark measures the sync,
    # not the body limit.
    os.environ.setdefault("API_MAX_BODY_BYTES", str(64 * 1024 * 1024))
    if url.startswith("postgres"):
        recreate(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from api.models import ALL_SCOPES
    from registry import tracking
    from registry.models import Actor, ActorIdentifier, Membership
    from registry.services import bodies
    from registry.services.territories import territory_create
    from tests.api.conftest import make_key

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    call_command("migrate", verbosity=0)
    setup_test_environment()
    n = args.members
    commune = territory_create(level="commune", code="28185", name="Commune de banc d'essai")
    body = bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=commune,
        colleges=[{"name": "Habitants", "selection_mode": "lot"}],
    )
    _key, secret = make_key(scopes=tuple(ALL_SCOPES))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    new = [
        {
            "new_actor": {
                "kind": "person",
                "category": "resident",
                "name": f"Habitant {i}",
                "identifiers": [{"scheme": "external", "value": f"H-{i}"}],
            },
            "college": "Habitants",
            "external_id": f"S-{i}",
        }
        for i in range(n)
    ]
    again = [
        {
            "identifier": {"scheme": "external", "value": f"H-{i}"},
            "college": "Habitants",
            "external_id": f"S-{i}",
        }
        for i in range(n)
    ]
    path = f"/api/bodies/{body.pk}/members/"

    def put(members, query=""):
        start = time.perf_counter()
        response = client.put(path + query, {"members": members}, format="json")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.content[:500]
        return elapsed, response.json()

    dry, answer = put(new, "?dry_run=true")
    assert len(answer["created"]) == n and Actor.objects.count() == 0
    real, answer = put(new)
    assert len(answer["created"]) == n and Actor.objects.count() == n
    same, answer = put(again)
    assert len(answer["unchanged"]) == n
    resent, answer = put(new)
    assert len(answer["unchanged"]) == n and not answer["created"], answer["created"][:3]
    assert Actor.objects.count() == n
    by_name = [
        {"new_actor": {"kind": "person", "category": "resident", "name": f"{i} HABITANT"}}
        for i in range(n)
    ]
    named, answer = put(by_name)
    assert len(answer["unchanged"]) == n and not answer["created"], answer["created"][:3]

    class Rollback(Exception):
        pass

    start = time.perf_counter()
    try:
        with transaction.atomic(), tracking._allow_writes():
            actors = Actor.objects.bulk_create(
                Actor(kind="person", category="resident", name=f"Base {i}") for i in range(n)
            )
            ActorIdentifier.objects.bulk_create(
                ActorIdentifier(actor=a, scheme="external", value=f"B-{i}")
                for i, a in enumerate(actors)
            )
            Membership.objects.bulk_create(
                Membership(actor=a, body=body, start_date=dt.date.today()) for a in actors
            )
            baseline = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    print(f"members: {n:,} inline new actors, {connectionvendor()}")
    print(f"dry run:        {dry:7.2f} s")
    print(f"real run:       {real:7.2f} s  ({real / baseline:.1f}x the baseline)")
    print(f"same again:     {same:7.2f} s  (by identifier)")
    print(f"new list again: {resent:7.2f} s  (the inline new actors resolved, none created)")
    print(f"by name only:   {named:7.2f} s  (found by name among the members)")
    print(f"baseline:       {baseline:7.2f} s  (bulk_create of actors, identifiers, seats)")
    verdict = "within" if real <= REQUEST_BUDGET_S else "OVER"
    print(f"request budget: {verdict} {REQUEST_BUDGET_S:.0f} s")


def connectionvendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
