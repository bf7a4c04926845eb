"""A sync killed part-way (a worker SIGKILLed) leaves the previous state intact.

For real: another process (tests/api/sync_child.py) syncs a body of 4,000 members on the
test database and is SIGKILLed in the apply step, after it has ended, updated and created
memberships and written their ledger rows, with the body locked, before the commit. The
body's memberships, the actors and the change ledger must be exactly as before, and a
next sync (another process again) must go through: no lock left behind.

SQLite: the test database is in memory, which another process cannot open, so it is
copied to a file (SQLite's backup API), the child works on the file, and the file is
copied back (opening it recovers it as after a crash) before checking.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from registry import tracking
from registry.models import Actor, ChangeRecord, Membership
from registry.services import bodies
from registry.services.sync import membership_sync
from tests.factories import TerritoryFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("sync_child.py")
N = 4000
BEFORE_DAY = dt.date(2026, 1, 1)
SYNC_DAY = dt.date(2026, 6, 1)


class _Database:
    """Where the child process finds the test database, and how to see its writes here."""

    def __init__(self, tmp_path: Path) -> None:
        s = connection.settings_dict
        self.file: Path | None = None
        if connection.vendor == "sqlite":
            if connection.is_in_memory_db():
                self.file = tmp_path / "db.sqlite3"
                path = self.file
            else:
                path = Path(s["NAME"])
            self.url = f"sqlite:///{path.resolve()}"
        else:
            auth = quote(s["USER"] or "", safe="")
            if s["PASSWORD"]:
                auth += ":" + quote(s["PASSWORD"], safe="")
            host = f"{auth}@" if auth else ""
            host += s["HOST"] or "localhost"
            if s["PORT"]:
                host += f":{s['PORT']}"
            self.url = f"postgres://{host}/{s['NAME']}"

    def to_child(self) -> None:
        if self.file is not None:
            connection.ensure_connection()
            with sqlite3.connect(self.file) as dest:
                connection.connection.backup(dest)
            dest.close()

    def from_child(self) -> None:
        if self.file is not None:
            connection.ensure_connection()
            source = sqlite3.connect(self.file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "REGISTRY_ENV_FILE": "",
            "PYTHONPATH": str(ROOT),
        }


def _state(body) -> dict:
    return {
        "memberships": sorted(
            Membership.objects.filter(body=body).values_list(
                "id",
                "actor_id",
                "role",
                "college_id",
                "external_id",
                "start_date",
                "end_date",
                "end_reason",
                "updated_at",
            )
        ),
        "actors": Actor.objects.count(),
        "ledger": (
            ChangeRecord.objects.count(),
            max(ChangeRecord.objects.values_list("id", flat=True), default=None),
        ),
    }


def test_a_sync_killed_while_applying_leaves_the_previous_state_and_no_lock(tmp_path):
    territory = TerritoryFactory()
    body = bodies.body_create(
        name="Assemblée",
        body_type="conseil_developpement",
        territory=territory,
        colleges=[
            {"name": "Habitants", "selection_mode": "lot"},
            {"name": "Associations", "selection_mode": "designation"},
        ],
    )
    habitants = body.colleges.get(name="Habitants")
    associations = body.colleges.get(name="Associations")
    people = tracking.bulk_create(
        [
            Actor(kind="person", category="resident", name=f"Membre {i}", territory=territory)
            for i in range(N + N // 2)
        ],
        validate=False,
    )
    first = [
        {"actor": p.pk, "college": habitants.pk, "external_id": f"M{i}"}
        for i, p in enumerate(people[:N])
    ]
    membership_sync(body=body, members=first, effective_date=BEFORE_DAY)
    # The next list: half stay (a fifth of them change college), half leave, 2,000 arrive.
    half = N // 2
    second = [
        {**m, "college": associations.pk} if i < N // 10 else m for i, m in enumerate(first[:half])
    ]
    second += [
        {"actor": p.pk, "college": habitants.pk, "external_id": f"N{i}"}
        for i, p in enumerate(people[N:])
    ]
    members_file = tmp_path / "members.json"
    members_file.write_text(json.dumps(second))
    before = _state(body)
    assert len(before["memberships"]) == N

    db = _Database(tmp_path)
    db.to_child()
    marker = tmp_path / "applying"
    child = subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            str(body.pk),
            str(members_file),
            SYNC_DAY.isoformat(),
            "--hang-after-creates",
            str(marker),
        ],
        env=db.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if child.poll() is not None:
                pytest.fail(f"the sync ended before it was killed:\n{child.stderr.read()}")
            assert time.monotonic() < deadline, "the sync never reached its apply step"
            time.sleep(0.05)
        assert marker.read_text() == str(half)  # the new memberships were inserted
        child.send_signal(signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)
    assert child.returncode == -signal.SIGKILL

    db.from_child()
    assert _state(body) == before

    # The next sync, by another process, is not blocked by anything the killed one held.
    retry = subprocess.run(
        [sys.executable, str(CHILD), str(body.pk), str(members_file), SYNC_DAY.isoformat()],
        env=db.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert retry.returncode == 0, retry.stderr
    assert json.loads(retry.stdout.strip().splitlines()[-1]) == {
        "created": half,
        "updated": N // 10,
        "ended": half,
        "unchanged": half - N // 10,
    }
    db.from_child()
    current = set(
        Membership.objects.filter(body=body)
        .current_on(SYNC_DAY)
        .values_list("actor_id", "college_id")
    )
    assert current == {(m["actor"], m["college"]) for m in second}
    assert ChangeRecord.objects.count() == before["ledger"][0] + half + N // 10 + half
