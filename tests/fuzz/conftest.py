"""Fuzzing fixtures: one seeded database for the whole fuzz run, and a key with every scope.

The territory extract and the demo data set are written once for the module
inside an outer transaction that is rolled back at its end, so the rest of the
suite, run in the same process, still starts from an empty database. Each operation's
test runs in a savepoint of its own (pytest-django's ``db``): what its examples
write is undone before the next operation, which keeps the run deterministic
whatever order the operations run in.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from api.auth import KeyRateThrottle
from api.models import ALL_SCOPES
from tests.api.conftest import make_key
from tests.conftest import seeded_demo


@pytest.fixture(scope="module")
def fuzz_db(django_db_setup, django_db_blocker):
    """The territory extract and the demo data set, and the secret of a key with every scope."""
    with seeded_demo(django_db_blocker):
        _api_key, secret = make_key(scopes=tuple(ALL_SCOPES), name="fuzz")
        yield secret


@pytest.fixture(scope="module")
def in_process_wsgi():
    """Requests go through the real WSGI handler, inside the test's transaction.

    Django's handler closes "old" connections when a request starts and ends;
    inside a test transaction that would close the connection under it, so, as
    Django's test client does, that signal handler is off while fuzzing.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(fuzz_db, in_process_wsgi, db, monkeypatch) -> dict[str, str]:
    """The ``Authorization`` header of the all-scopes key; no throttling, a cold cache."""
    monkeypatch.setattr(KeyRateThrottle, "THROTTLE_RATES", {"key": "1000000/min"})
    cache.clear()
    yield {"Authorization": f"Api-Key {fuzz_db}"}
    cache.clear()
