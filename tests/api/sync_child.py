"""A membership sync in a process of its own, for tests/api/test_sync_killed.py (not a test).

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=tests.settings \
        python tests/api/sync_child.py BODY_ID MEMBERS.json YYYY-MM-DD [--hang-after-creates MARKER]

Runs ``membership_sync`` of the list in MEMBERS.json onto the body and prints the size
of the diff as JSON. With ``--hang-after-creates``, the apply step stops right after it
has inserted the new memberships (and their ledger rows), with the ends and updates
already written and the body row locked, inside the still open transaction: it writes
MARKER and sleeps, waiting for the test to SIGKILL it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("body_id", type=int)
    parser.add_argument("members", type=Path)
    parser.add_argument("effective_date", type=dt.date.fromisoformat)
    parser.add_argument("--hang-after-creates", type=Path, default=None)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection

    from registry import tracking
    from registry.models import Body, Membership
    from registry.services.sync import membership_sync

    if args.hang_after_creates is not None:
        original = tracking.bulk_create

        def bulk_create_then_hang(instances, *a, **kw):
            instances = list(instances)
            out = original(instances, *a, **kw)
            if instances and isinstance(instances[0], Membership):
                args.hang_after_creates.write_text(str(len(out)))
                time.sleep(120)  # the test kills us here
            return out

        tracking.bulk_create = bulk_create_then_hang

    if connection.vendor == "postgresql":
        # A lock left behind by a killed sync would make this one wait for ever: fail instead.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
    members = json.loads(args.members.read_text())
    result = membership_sync(
        body=Body.objects.get(pk=args.body_id), members=members, effective_date=args.effective_date
    )
    print(
        json.dumps(
            {
                "created": len(result.created),
                "updated": len(result.updated),
                "ended": len(result.ended),
                "unchanged": len(result.unchanged),
            }
        )
    )


if __name__ == "__main__":
    main()
