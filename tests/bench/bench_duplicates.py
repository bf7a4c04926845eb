"""Benchmark of the duplicates scan over 100,000 actors (run on demand, not by pytest).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h4_bench \
        python tests/bench/bench_duplicates.py [--actors 100000] [--planted 1000]
    DATABASE_URL=sqlite:////tmp/bench_duplicates.sqlite3 python tests/bench/bench_duplicates.py

On a fresh database (recreated here): ten communes under one département, N actors
with invented names (85 % persons drawn from ``registry.demo.names``, 15 %
organizations; personal data for 60 % of the persons, identifiers for a third of the
organizations), and P planted duplicates: a copy of a generated actor spelled
another way, one way each in turn (family name first in capitals, accents dropped,
hyphens, a typo inside the family name, an organization renamed but holding a
SIRET whose first nine digits are the original's SIREN, or a person renamed but
sharing an email, found only with personal data). Inserted with ``bulk_create``
(the scan is measured, not the writes).

Timed, in the same run:

- baseline: the plain read of every actor's id, kind, name and territory;
- the scan (``registry.matching.actor_duplicates``: read + blocking + rapidfuzz),
  without and with personal data;
- the endpoint ``GET /api/actors/duplicates/`` over HTTP (test client, limit 100);
- brute force: rapidfuzz ``cdist`` of 1,000 names against all N names, extrapolated
  to all pairs (what the blocking saves).

Prints the times, the bound of 30 s, and the recall of the planted pairs (found at
the default ``min_score``) by kind of spelling.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import recreate  # noqa: E402 - one way to make a fresh benchmark database

BOUND_S = 30.0
VARIANTS = ("order_caps", "accents", "hyphen", "typo", "siret", "email")


def _bare(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo(rng: random.Random, word: str) -> str:
    """One letter changed, dropped or doubled inside ``word`` (not in its first or last two)."""
    if len(word) < 6:
        return word + rng.choice("est")
    i = rng.randrange(2, len(word) - 2)
    how = rng.randrange(3)
    if how == 0:
        return word[:i] + rng.choice("aeiourstn") + word[i + 1 :]
    if how == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--planted", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h4_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    recreate(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment
    from rapidfuzz import fuzz, process
    from rest_framework.test import APIClient

    from registry import matching, tracking
    from registry.demo import names as N
    from registry.models import Actor, ActorIdentifier, PersonalData
    from registry.services.territories import territory_create
    from tests.api.conftest import make_key

    call_command("migrate", verbosity=0)
    setup_test_environment()
    rng = random.Random(args.seed)
    dept = territory_create(level="departement", code="28", name="Département de banc d'essai")
    communes = [
        territory_create(
            level="commune",
            code=f"28{i:03d}",
            name=f"Commune {i}",
            parents=[(dept, "administrative")],
        ).pk
        for i in range(10)
    ]

    # --- the actors ----------------------------------------------------------------
    n, planted = args.actors, args.planted
    base = n - planted
    actors: list[Actor] = []
    personal: dict[int, dict] = {}  # index -> personal data values
    idents: dict[int, tuple[str, str]] = {}  # index -> (scheme, value)
    for i in range(base):
        terr = rng.choice(communes)
        if rng.random() < 0.85:
            female = rng.random() < 0.52
            given = rng.choice(N.FEMALE_GIVEN_NAMES if female else N.MALE_GIVEN_NAMES)
            family = rng.choice(N.FAMILY_NAMES)
            actors.append(
                Actor(
                    kind="person",
                    category="resident",
                    name=f"{given} {family}",
                    given_name=given,
                    family_name=family,
                    territory_id=terr,
                )
            )
            if rng.random() < 0.6:
                personal[i] = {
                    "birth_year": rng.randint(1935, 2006),
                    "email": f"p{i}@example.org",
                    "phone": f"01 99 {i // 10000:02d} {i // 100 % 100:02d} {i % 100:02d}"
                    if rng.random() < 0.4
                    else "",
                }
        else:
            kind = rng.randrange(3)
            if kind == 0:
                name = (
                    f"{rng.choice(N.ASSOCIATION_PREFIXES)} {rng.choice(N.ASSOCIATION_THEMES)} "
                    f"{rng.choice(N.SPOTS)} {i}"
                )
            elif kind == 1:
                name = (
                    f"{rng.choice(N.COMPANY_TRADES)} {rng.choice(N.FAMILY_NAMES)} "
                    f"{rng.choice(N.COMPANY_FORMS)}"
                )
            else:
                name = f"{rng.choice(N.PUBLIC_SERVICE_KINDS)} {rng.choice(N.SPOTS)} {i}"
            actors.append(
                Actor(kind="organization", category="association", name=name, territory_id=terr)
            )
            if rng.random() < 0.33:
                idents[i] = ("siren", f"{100_000_000 + i:09d}")

    # --- the planted duplicates: (original index, duplicate index, variant) --------
    persons = [i for i, a in enumerate(actors) if a.kind == "person"]
    with_email = [i for i in persons if i in personal]
    with_siren = [i for i in idents]
    pairs: list[tuple[int, int, str]] = []
    used: set[int] = set()
    for k in range(planted):
        variant = VARIANTS[k % len(VARIANTS)]
        pool = {"siret": with_siren, "email": with_email}.get(variant, persons)
        original = rng.choice(pool)
        while original in used:
            original = rng.choice(pool)
        used.add(original)
        src = actors[original]
        given, family, name = src.given_name, src.family_name, src.name
        values = None
        if variant == "order_caps":
            name = f"{family.upper()} {given}"
        elif variant == "accents":
            name, given, family = _bare(name), _bare(given), _bare(family)
        elif variant == "hyphen":
            name = f"{given}-{family}" if " " not in family else name.replace(" ", "-")
        elif variant == "typo":
            family = _typo(rng, family)
            name = f"{given} {family}"
        elif variant == "siret":
            name = f"{src.name.split()[0]} établissement {rng.randrange(10**6)}"
        elif variant == "email":
            given = rng.choice(N.FEMALE_GIVEN_NAMES)
            family = rng.choice(N.FAMILY_NAMES)
            name = f"{given} {family}"
            values = {**personal[original], "phone": ""}
        if variant in ("order_caps", "accents", "hyphen", "typo") and original in personal:
            values = {**personal[original], "email": "", "phone": ""}
        dup = len(actors)
        actors.append(
            Actor(
                kind=src.kind,
                category=src.category,
                name=name,
                given_name=given if src.kind == "person" else "",
                family_name=family if src.kind == "person" else "",
                territory_id=src.territory_id,
            )
        )
        if values:
            personal[dup] = values
        if variant == "siret":
            idents[dup] = ("siret", idents[original][1] + f"{dup % 100000:05d}")
        pairs.append((original, dup, variant))

    started = time.perf_counter()
    with transaction.atomic(), tracking._allow_writes():
        Actor.objects.bulk_create(actors, batch_size=5000)
        PersonalData.objects.bulk_create(
            (
                PersonalData(
                    actor=actors[i],
                    lawful_basis="public_task",
                    retention_until=dt.date(2030, 1, 1),
                    **values,
                )
                for i, values in personal.items()
            ),
            batch_size=5000,
        )
        ActorIdentifier.objects.bulk_create(
            (
                ActorIdentifier(actor=actors[i], scheme=scheme, value=value)
                for i, (scheme, value) in idents.items()
            ),
            batch_size=5000,
        )
    written = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"actors: {len(actors):,} ({planted:,} planted duplicates), "
        f"{len(personal):,} with personal data, {len(idents):,} identifiers; "
        f"{connection.vendor}; written in {written:.1f} s"
    )

    # --- timings -------------------------------------------------------------------
    start = time.perf_counter()
    rows = list(Actor.objects.values_list("id", "kind", "name", "territory_id"))
    baseline = time.perf_counter() - start
    assert len(rows) == len(actors)

    cpu: dict[str, float] = {}

    def timed(fn, label=""):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        cpu[label] = time.process_time() - start_cpu
        return time.perf_counter() - start, result

    start = time.perf_counter()
    records = matching.load_records(Actor.objects.all(), personal=True)
    load = time.perf_counter() - start
    scan_plain, plain = timed(
        lambda: matching.actor_duplicates(territory_id=dept.pk, personal=False, limit=100),
        "plain",
    )
    scan_personal, with_pd = timed(
        lambda: matching.actor_duplicates(territory_id=dept.pk, personal=True, limit=100),
        "personal",
    )
    blocking, _ = timed(lambda: matching.scan(records, personal=True, limit=100), "blocking")

    _key, secret = make_key(scopes=("read", "personal_data"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    client.get("/api/health/")  # the URL configuration and the API loaded, not timed
    start = time.perf_counter()
    response = client.get("/api/actors/duplicates/", {"territory": dept.pk, "limit": 100})
    http = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]

    names = [matching.Record(id=0, kind="person", name=r[2]).keys for r in rows]
    keys = [min(k) if k else "" for k in names]
    probe = keys[:1000]
    start = time.perf_counter()
    process.cdist(probe, keys, scorer=fuzz.ratio, score_cutoff=85, workers=-1)
    probe_s = time.perf_counter() - start
    brute = probe_s * len(keys) / len(probe) / 2

    # --- recall --------------------------------------------------------------------
    def recall(result) -> tuple[Counter, int]:
        found = {(a, b) for a, b, _score in result.found}
        hits: Counter = Counter()
        for original, dup, variant in pairs:
            a, b = actors[original].pk, actors[dup].pk
            if (min(a, b), max(a, b)) in found:
                hits[variant] += 1
        return hits, result.count

    per_variant = Counter(v for _o, _d, v in pairs)
    hits_plain, count_plain = recall(plain)
    hits_pd, count_pd = recall(with_pd)
    print(f"baseline (read id, kind, name, territory of every actor): {baseline:6.2f} s")
    print(f"records read (3-4 queries, with personal data):          {load:6.2f} s")
    print(
        f"blocking + rapidfuzz on records already read:            {blocking:6.2f} s "
        f"(CPU {cpu['blocking']:.2f} s)"
    )
    print(
        f"scan without personal data (read + scan):                {scan_plain:6.2f} s "
        f"({scan_plain / baseline:.1f}x the baseline, CPU {cpu['plain']:.2f} s), "
        f"{count_plain:,} pairs"
    )
    print(
        f"scan with personal data (read + scan):                   {scan_personal:6.2f} s "
        f"({scan_personal / baseline:.1f}x the baseline, CPU {cpu['personal']:.2f} s), "
        f"{count_pd:,} pairs"
    )
    print(f"GET /api/actors/duplicates/ (limit 100):                 {http:6.2f} s")
    print(
        f"machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"brute force, all pairs with rapidfuzz cdist (estimated): {brute:6.1f} s "
        f"(1,000 x {len(keys):,} took {probe_s:.2f} s)"
    )
    verdict = "within" if max(scan_personal, http) <= BOUND_S else "OVER"
    print(f"bound: {verdict} {BOUND_S:.0f} s")
    print(
        f"recall at min_score {matching.DEFAULT_MIN_SCORE}, by spelling (without / with personal data):"
    )
    for variant in VARIANTS:
        total = per_variant[variant]
        print(
            f"  {variant:11s} {hits_plain[variant]:4d} / {total}   {hits_pd[variant]:4d} / {total}"
        )
    print(
        f"  all         {sum(hits_plain.values()):4d} / {len(pairs)}   "
        f"{sum(hits_pd.values()):4d} / {len(pairs)}"
    )


if __name__ == "__main__":
    main()
