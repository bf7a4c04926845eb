"""Load test: gunicorn on PostgreSQL and Redis under mixed reads, analyses and syncs (on demand).

    .venv/bin/python tests/bench/load_test.py [--workers 3] [--duration 30] [--reuse]

Not collected by pytest. Loopback only. Unless ``--reuse`` is given, the database
(``--database``, default ``postgres://postgres@127.0.0.1:5432/load_test``) is dropped
and created anew; then migrated, given the committed COG extract and ``seed_demo``
(default scale; both idempotent, so ``--reuse`` only skips the re-creation), and a key
with every scope. The Redis database ``--redis-db`` (default 14) of
redis://127.0.0.1:6379 is flushed, then gunicorn serves ``--workers`` processes on a
free loopback port with the production settings (``DEBUG=false``, a random
``SECRET_KEY``, Redis cache, ``CONN_MAX_AGE``) except the HTTPS redirect
(``SECURE_SSL_REDIRECT=false``: plain HTTP on loopback), and ``API_THROTTLE_RATE``
high enough never to throttle.

The client is a pool of threads, each with a ``requests`` session (closed loop with a
random think time): locust would bring gevent and a second busy process onto a 2-core
machine, and wrk a Lua script for the PUT bodies, the idempotency retries and the final
check, which need the responses anyway. Three classes of user:

- ``read``: lists of bodies, actors and memberships with filters, object reads, the
  members of a body;
- ``analysis``: the influence map of small territories, the renewal of a body and the
  renewal ranking of a territory (cached by data version after the first call);
- ``sync``: ``PUT /api/bodies/{id}/members/`` of a few bodies, each synced at once by
  several clients with different random lists and their own ``Idempotency-Key``; half
  of them read the body first and send ``If-Match``; some retry with the same key (must
  replay) or send the same request twice at once (one applies; the other replays or
  gets 409).

Errors: any 5xx, connection error or unexpected status (429, 4xx other than the
expected ones). 409 and 412 are expected outcomes of concurrent syncs and counted
apart. Per class it prints requests, requests/s, p50 and p99 latency, errors.

Then the consistency check of the synced bodies, from the change feed (walked from
its end before the load): the writes of each applied sync are contiguous in the
feed and come from a sync answered 200 (nothing written by a failed or replayed
request); every applied sync is there with as many changes as its answer listed; in
feed order, each sync's diff is exactly the previous list against its own (none
lost, none mixed); the final current members are the list of the last applied sync,
and no actor holds two current or overlapping seats of one role. Exits 1 on any
error or failed check. gunicorn is stopped whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
EXTRACT = ROOT / "registry" / "data" / "cog-extract"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/load_test"
READ_P99_TARGET_MS = 200.0
#: Territories of the demo data (seed_demo, default scale): lists filter on them.
READ_TERRITORIES = [
    "commune:75056",
    "arrondissement_municipal:75118",
    "departement:28",
    "region:24",
    "commune:41018",
]
#: Small ones (up to about 150 actors) analysed while the load runs; no synced body is in
#: them, so their analyses stay cached once computed (Paris takes seconds, uncached).
ANALYSIS_TERRITORIES = [
    "commune:41018",
    "commune:89025",
    "commune:28280",
    "commune:45053",
    "quartier:75120-Q02",
]


# --- set-up ---------------------------------------------------------------------------


def _admin(url: str):
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def recreate_database(url: str) -> None:
    from psycopg import sql

    conn, name = _admin(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def server_env(args, secret: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database,
        "CACHE_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "DEBUG": "false",
        "REGISTRY_ENV_FILE": "",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "1000000/min",
        "CONN_MAX_AGE": str(args.conn_max_age),
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *command: str) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def prepare(args, env: dict[str, str]) -> str:
    started = time.perf_counter()
    if not args.reuse:
        recreate_database(args.database)
    manage(env, "migrate", "--noinput")
    manage(env, "import_territories", str(EXTRACT), "--no-progress")
    manage(env, "seed_demo")
    key = manage(
        env,
        "create_api_key",
        "load-test",
        "--replace",
        "--key-only",
        "--scopes",
        "read,write,personal_data,analysis",
    ).strip()
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=args.redis_db).flushdb()
    print(f"set-up (database, territories, seed_demo, key): {time.perf_counter() - started:.0f} s")
    return key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(args, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [
            str(gunicorn),
            "api.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own process group (start_new_session)
            proc.wait(10)


# --- the load -------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_route: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    expected: Counter = field(default_factory=Counter)  # 409/412 of concurrent syncs
    error_samples: list[str] = field(default_factory=list)
    cache: Counter = field(default_factory=Counter)  # X-Analysis-Cache of the analyses
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, kind: str, route: str, seconds: float, status: int | str, ok: bool, note: str = ""
    ):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.by_route[(kind, route)].append(seconds)
            if status in (409, 412):
                self.expected[(kind, status)] += 1
            elif not ok:
                self.errors[kind] += 1
                if len(self.error_samples) < 20:
                    self.error_samples.append(f"{kind} {status} {note}"[:300])


@dataclass
class SyncCall:
    body: int
    request_id: str
    key: str
    members: list[int]
    status: int | str
    replayed: bool
    answer: dict | None
    sent_at: float
    answered_at: float


def route_of(method: str, path: str) -> str:
    """``GET /api/bodies/{id}/?territory&limit``: the path without ids and values."""
    base, _sep, query = path.partition("?")
    base = re.sub(r"/\d+/", "/{id}/", base)
    names = sorted({part.partition("=")[0] for part in query.split("&") if part})
    return f"{method} {base}" + (f"?{'&'.join(names)}" if names else "")


class Client:
    def __init__(self, base: str, key: str, stats: Stats) -> None:
        import requests

        self.base = base
        self.stats = stats
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Api-Key {key}"

    def call(self, kind: str, method: str, path: str, ok=(200,), **kw):
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=30, **kw)
        except Exception as exc:  # noqa: BLE001 - a connection error is an error
            self.stats.record(
                kind,
                route_of(method, path),
                time.perf_counter() - started,
                "conn",
                False,
                repr(exc),
            )
            return None
        elapsed = time.perf_counter() - started
        good = response.status_code in ok
        self.stats.record(
            kind,
            route_of(method, path),
            elapsed,
            response.status_code,
            good,
            f"{method} {path} {response.text[:150]}",
        )
        return response


@dataclass
class World:
    """What the load draws from: ids read once before it starts."""

    territories: list[str]
    analysis_territories: list[str]
    bodies: list[int]
    actors: list[int]
    renewal_bodies: list[int]
    sync_bodies: list[int]
    pools: dict[int, list[int]]


def discover(client: Client, n_sync_bodies: int) -> World:
    def get(path):
        r = client.call("setup", "GET", path)
        if r is None or r.status_code != 200:
            sys.exit(f"set-up read failed: {path}: {r and r.status_code} {r and r.text[:300]}")
        return r.json()

    bodies = get("/api/bodies/?limit=1000&fields=id")["results"]
    body_ids = [b["id"] for b in bodies]
    actors = [a["id"] for a in get("/api/actors/?limit=1000&fields=id")["results"]]
    renewal_bodies = []
    for territory in ANALYSIS_TERRITORIES:
        get(f"/api/territories/{territory}/")  # the demo data has them
        renewal_bodies += [
            b["id"] for b in get(f"/api/bodies/?territory={territory}&fields=id")["results"]
        ]
    sync = []
    for body_id in body_ids:
        if len(sync) == n_sync_bodies:
            break
        if body_id in renewal_bodies:
            continue
        members = get(f"/api/bodies/{body_id}/members/")
        if 10 <= len(members) <= 60:
            sync.append((body_id, members))
    if len(sync) < n_sync_bodies or not renewal_bodies:
        sys.exit("not enough bodies in the demo data")
    pools = {}
    for body_id, members in sync:
        body = get(f"/api/bodies/{body_id}/?fields=id,territory")
        territory = body["territory"]
        territory_id = territory["id"] if isinstance(territory, dict) else territory
        around = get(f"/api/actors/?territory={territory_id}&kind=person&limit=150&fields=id")
        pool = {actor_of(m) for m in members} | {a["id"] for a in around["results"]}
        pools[body_id] = sorted(pool)
    return World(
        territories=READ_TERRITORIES,
        analysis_territories=ANALYSIS_TERRITORIES,
        bodies=body_ids,
        actors=actors,
        renewal_bodies=renewal_bodies,
        sync_bodies=[b for b, _m in sync],
        pools=pools,
    )


def reader(client: Client, world: World, rng: random.Random, stop: threading.Event, think):
    while not stop.is_set():
        choice = rng.random()
        t = rng.choice(world.territories)
        if choice < 0.2:
            path = f"/api/bodies/?territory={t}&limit=50"
        elif choice < 0.4:
            category = rng.choice(["association", "resident", "elected_official"])
            path = f"/api/actors/?territory={t}&category={category}&limit=50"
        elif choice < 0.55:
            body = rng.choice(world.bodies)
            path = f"/api/memberships/?body={body}&current=true&expand=actor&limit=100"
        elif choice < 0.65:
            path = f"/api/memberships/?territory={t}&role=president&limit=50"
        elif choice < 0.8:
            path = f"/api/actors/{rng.choice(world.actors)}/"
        elif choice < 0.9:
            path = f"/api/bodies/{rng.choice(world.bodies)}/"
        else:
            path = f"/api/bodies/{rng.choice(world.bodies)}/members/"
        client.call("read", "GET", path)
        think()


def analyst(client: Client, world: World, rng: random.Random, stop: threading.Event, think):
    while not stop.is_set():
        choice = rng.random()
        if choice < 0.5:
            path = f"/api/analysis/influence-map?territory={rng.choice(world.analysis_territories)}"
        elif choice < 0.8:
            path = f"/api/analysis/bodies/{rng.choice(world.renewal_bodies)}/renewal"
        else:
            path = f"/api/analysis/renewal?territory={rng.choice(world.analysis_territories)}"
        r = client.call("analysis", "GET", path)
        if r is not None:
            with client.stats.lock:
                client.stats.cache[r.headers.get("X-Analysis-Cache", "none")] += 1
        think()


class Syncer:
    """Syncs one body, over and over, with random lists drawn from its pool."""

    def __init__(self, client, body, pool, rng, calls, calls_lock, base, key, stats):
        self.client, self.body, self.pool, self.rng = client, body, pool, rng
        self.calls, self.calls_lock = calls, calls_lock
        self.base, self.key, self.stats = base, key, stats

    def put(self, client: Client, members: list[int], idem: str, if_match: str | None):
        request_id = uuid.uuid4().hex
        headers = {
            "Idempotency-Key": idem,
            "X-Request-ID": request_id,
            "Content-Type": "application/json",
        }
        if if_match:
            headers["If-Match"] = if_match
        payload = json.dumps({"members": [{"actor": a} for a in members]})
        sent = time.monotonic()
        r = client.call(
            "sync",
            "PUT",
            f"/api/bodies/{self.body}/members/",
            ok=(200,),
            data=payload,
            headers=headers,
        )
        call = SyncCall(
            body=self.body,
            request_id=request_id,
            key=idem,
            members=members,
            status=r.status_code if r is not None else "conn",
            replayed=bool(r is not None and r.headers.get("Idempotent-Replayed") == "true"),
            answer=r.json() if r is not None and r.status_code == 200 else None,
            sent_at=sent,
            answered_at=time.monotonic(),
        )
        with self.calls_lock:
            self.calls.append(call)
        return call

    def run(self, stop: threading.Event, think) -> None:
        while not stop.is_set():
            size = self.rng.randint(min(10, len(self.pool)), min(40, len(self.pool)))
            members = sorted(self.rng.sample(self.pool, size))
            idem = f"load-{uuid.uuid4().hex}"
            if_match = None
            if self.rng.random() < 0.5:
                r = self.client.call("read", "GET", f"/api/bodies/{self.body}/")
                if_match = r.headers.get("ETag") if r is not None else None
            roll = self.rng.random()
            if roll < 0.05:  # the same request delivered twice at once
                twin = Client(self.base, self.key, self.stats)
                other = threading.Thread(target=self.put, args=(twin, members, idem, if_match))
                other.start()
                self.put(self.client, members, idem, if_match)
                other.join()
            else:
                first = self.put(self.client, members, idem, if_match)
                if roll < 0.15 and first.status == 200:  # a retry of an answered request
                    again = self.put(self.client, members, idem, if_match)
                    if again.status != 200 or not again.replayed or again.answer != first.answer:
                        with self.stats.lock:
                            self.stats.errors["sync"] += 1
                            self.stats.error_samples.append(
                                f"retry of {idem} not replayed: {again.status} {again.replayed}"
                            )
            think()


# --- the consistency check ------------------------------------------------------------


def walk_feed(client: Client, cursor: str | None) -> tuple[list[dict], str | None]:
    records = []
    while True:
        path = "/api/changes/?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        r = client.call("setup", "GET", path)
        if r is None or r.status_code != 200:
            sys.exit(f"change feed failed: {r and r.status_code}")
        page = r.json()
        records += page["results"]
        cursor = page["next"]
        if not page["has_more"]:
            return records, cursor


def seat_of(entry) -> tuple[int, str]:
    return actor_of(entry), entry.get("role") or "member"


def actor_of(entry) -> int:
    actor = entry["actor"]
    return actor["id"] if isinstance(actor, dict) else actor


def check_consistency(client, world, initial, calls, feed) -> list[str]:
    problems: list[str] = []
    by_request = {c.request_id: c for c in calls}
    membership_changes = defaultdict(list)  # request id -> feed records
    order = []  # request ids in feed order of their first membership change
    for index, record in enumerate(feed):
        if record["type"] != "membership" or record["request_id"] not in by_request:
            continue
        rid = record["request_id"]
        if rid not in membership_changes:
            order.append(rid)
        membership_changes[rid].append(index)
    for rid, positions in membership_changes.items():
        if positions != list(range(positions[0], positions[0] + len(positions))):
            problems.append(f"the writes of sync {rid} are interleaved with other changes")
        call = by_request[rid]
        if call.status != 200 or call.replayed:
            problems.append(f"sync {rid} answered {call.status} (replayed={call.replayed}) wrote")
        elif len(positions) != sum(len(call.answer[k]) for k in ("created", "updated", "ended")):
            problems.append(f"sync {rid}: {len(positions)} changes in the feed, answer differs")
    applied_per_key = Counter(c.key for c in calls if c.status == 200 and not c.replayed)
    for key, n in applied_per_key.items():
        if n > 1:
            problems.append(f"Idempotency-Key {key} applied {n} times")
    for body in world.sync_bodies:
        state = set(initial[body])
        states = [frozenset(state)]
        body_calls = [c for c in calls if c.body == body]
        applied = [c for c in body_calls if c.status == 200 and not c.replayed]
        writing = [by_request[rid] for rid in order if by_request[rid].body == body]
        missing = [
            c.request_id
            for c in applied
            if c.answer["created"] or c.answer["ended"] or c.answer["updated"]
            if c.request_id not in membership_changes
        ]
        if missing:
            problems.append(f"body {body}: {len(missing)} applied syncs missing from the feed")
        for call in writing:
            wanted = {(a, "member") for a in call.members}
            created = {seat_of(e) for e in call.answer["created"]}
            ended = {seat_of(e) for e in call.answer["ended"]}
            if created != wanted - state or ended != state - wanted:
                problems.append(
                    f"body {body}: sync {call.request_id} did not start from the previous list: "
                    f"created {sorted(created ^ (wanted - state))[:4]}, "
                    f"ended {sorted(ended ^ (state - wanted))[:4]} differ"
                )
            state = wanted
            states.append(frozenset(state))
        for call in applied:
            seats = frozenset((a, "member") for a in call.members)
            if call.request_id not in membership_changes and seats not in states:
                problems.append(f"body {body}: empty-diff sync {call.request_id} matches no state")
        r = client.call("setup", "GET", f"/api/bodies/{body}/members/")
        current = r.json() if r is not None and r.status_code == 200 else []
        seats = Counter((actor_of(m), m["role"]) for m in current)
        doubles = [s for s, n in seats.items() if n > 1]
        if doubles:
            problems.append(f"body {body}: actors with two current seats: {doubles[:5]}")
        final = {seat_of(m) for m in current}
        if final != state:
            problems.append(f"body {body}: final members differ from the last applied list")
        problems += overlaps(client, body)
        print(
            f"  body {body}: {len(body_calls)} sync requests, {len(applied)} applied "
            f"({len(writing)} writing), final {len(current)} members = last applied list: "
            f"{final == state}"
        )
    return problems


def overlaps(client: Client, body: int) -> list[str]:
    rows, path = (
        [],
        f"/api/memberships/?body={body}&limit=1000&fields=id,actor,role,start_date,end_date",
    )
    while path:
        r = client.call("setup", "GET", path)
        if r is None or r.status_code != 200:
            return [f"body {body}: memberships unreadable"]
        page = r.json()
        rows += page["results"]
        path = page.get("next")
        if path:
            path = path[path.index("/api/") :]
    seats = defaultdict(list)
    for m in rows:
        if m["end_date"] != m["start_date"]:
            seats[(actor_of(m), m["role"])].append((m["start_date"], m["end_date"] or "9999"))
    found = []
    for seat, spans in seats.items():
        spans.sort()
        for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                found.append(f"body {body}: overlapping seats of {seat}")
                break
    return found


# --- report ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(stats: Stats, seconds: float) -> None:
    print(
        f"\n{'class':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}  expected 409/412"
    )
    total = 0
    for kind in ("read", "analysis", "sync"):
        values = stats.latencies.get(kind, [])
        total += len(values)
        print(
            f"{kind:<10}{len(values):>10}{len(values) / seconds:>9.1f}"
            f"{percentile(values, 0.5) * 1000:>9.1f}{percentile(values, 0.99) * 1000:>9.1f}"
            f"{stats.errors[kind]:>8}  {stats.expected[(kind, 409)]}/{stats.expected[(kind, 412)]}"
        )
    print(f"{'all':<10}{total:>10}{total / seconds:>9.1f}")
    print(f"analysis cache (X-Analysis-Cache): {dict(stats.cache)}")
    print("\nslowest routes (p99):")
    rows = sorted(stats.by_route.items(), key=lambda kv: -percentile(kv[1], 0.99))
    for (kind, route), values in rows[:8]:
        print(
            f"  {kind:<9}{len(values):>6} p50 {percentile(values, 0.5) * 1000:>7.1f} "
            f"p99 {percentile(values, 0.99) * 1000:>7.1f} ms  {route}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("LOAD_TEST_DATABASE", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="Keep the database (no re-creation).")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3).")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of load (30).")
    parser.add_argument("--readers", type=int, default=4, help="Reading users (4).")
    parser.add_argument("--analysts", type=int, default=1, help="Analysing users (1).")
    parser.add_argument("--sync-bodies", type=int, default=2, help="Bodies synced (2).")
    parser.add_argument(
        "--syncers", type=int, default=3, help="Clients syncing each of them at once (3)."
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=100.0,
        help="Mean think time between two requests of a reader or analyst (100 ms).",
    )
    parser.add_argument(
        "--sync-think-ms",
        type=float,
        default=2000.0,
        help="Mean think time between two syncs of a client (2000 ms).",
    )
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database, flushed (14).")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE (60).")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not args.database.startswith(("postgres://", "postgresql://")):
        sys.exit("--database must name PostgreSQL")
    if args.duration > 120:
        sys.exit("--duration: keep a load run short (120 s at most)")

    env = server_env(args, secret=secrets.token_urlsafe(50))
    key = prepare(args, env)
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="load_test_")) / "gunicorn.log"
    server = start_gunicorn(args, env, port, log)
    try:
        return run(args, key, port, server, log)
    finally:
        stop_gunicorn(server)


def run(args, key: str, port: int, server: subprocess.Popen, log: Path) -> int:
    import requests

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(base + "/api/health/", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            print(log.read_text() if log.exists() else "")
            sys.exit("gunicorn did not start")
        time.sleep(0.3)

    setup_stats = Stats()
    admin = Client(base, key, setup_stats)
    world = discover(admin, args.sync_bodies)
    initial = {
        b: {seat_of(m) for m in admin.call("setup", "GET", f"/api/bodies/{b}/members/").json()}
        for b in world.sync_bodies
    }
    # Warm each worker (imports, connections) and the analysis cache outside the measure:
    # the analyses measured are the cached answers (and any recomputation a write causes).
    for path in ("/api/bodies/?limit=1", "/api/actors/?limit=1") * args.workers * 2:
        admin.call("setup", "GET", path)
    for territory in world.analysis_territories:
        admin.call("setup", "GET", f"/api/analysis/influence-map?territory={territory}")
        admin.call("setup", "GET", f"/api/analysis/renewal?territory={territory}")
    for body in world.renewal_bodies:
        admin.call("setup", "GET", f"/api/analysis/bodies/{body}/renewal")
    _feed, cursor = walk_feed(admin, None)

    stats = Stats()
    stop = threading.Event()
    rng = random.Random(args.seed)
    calls: list[SyncCall] = []
    calls_lock = threading.Lock()
    threads = []

    def thinker(r: random.Random, ms: float | None = None):
        mean = (args.think_ms if ms is None else ms) / 1000
        return lambda: stop.wait(r.expovariate(1 / mean)) if mean > 0 else None

    for _i in range(args.readers):
        r = random.Random(rng.random())
        c = Client(base, key, stats)
        threads.append(threading.Thread(target=reader, args=(c, world, r, stop, thinker(r))))
    for _i in range(args.analysts):
        r = random.Random(rng.random())
        c = Client(base, key, stats)
        threads.append(threading.Thread(target=analyst, args=(c, world, r, stop, thinker(r))))
    for body in world.sync_bodies:
        for _i in range(args.syncers):
            r = random.Random(rng.random())
            s = Syncer(
                Client(base, key, stats),
                body,
                world.pools[body],
                r,
                calls,
                calls_lock,
                base,
                key,
                stats,
            )
            threads.append(
                threading.Thread(target=s.run, args=(stop, thinker(r, args.sync_think_ms)))
            )
    print(
        f"load: {args.duration:.0f} s, gunicorn {args.workers} workers on 127.0.0.1:{port}, "
        f"{args.readers} readers, {args.analysts} analysts, {args.syncers} clients syncing "
        f"each of bodies {world.sync_bodies} (pools of {[len(world.pools[b]) for b in world.sync_bodies]} "
        f"actors), think time {args.think_ms:.0f} ms, between syncs {args.sync_think_ms:.0f} ms"
    )
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(args.duration)
    stop.set()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    print(
        f"machine load average (1 min) before / after: {load_before:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    report(stats, elapsed)
    if stats.error_samples:
        print("\nerror samples:")
        for line in stats.error_samples:
            print("  " + line)

    print("\nconsistency of the synced bodies:")
    feed, _cursor = walk_feed(admin, cursor)
    problems = check_consistency(admin, world, initial, calls, feed)
    outcomes = Counter(("replayed" if c.replayed else str(c.status)) for c in calls)
    print(f"  sync answers: {dict(sorted(outcomes.items()))}")
    for p in problems[:20]:
        print("  PROBLEM: " + p)
    errors = sum(stats.errors.values())
    read_p99 = percentile(stats.latencies.get("read", []) or [0.0], 0.99) * 1000
    print(
        f"\nerrors: {errors}; consistency: {'ok' if not problems else 'FAILED'}; read p99 "
        f"{read_p99:.0f} ms (target < {READ_P99_TARGET_MS:.0f} ms: "
        f"{'met' if read_p99 < READ_P99_TARGET_MS else 'missed'})"
    )
    if server.poll() is not None:
        print("gunicorn died during the run:\n" + log.read_text())
        return 1
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
