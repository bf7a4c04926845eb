"""How every benchmark of the sync, imports, exports and duplicates starts (not run by pytest).

``start(default_db)`` makes a fresh database (PostgreSQL: dropped and created again;
SQLite: the file removed), sets the environment a benchmark needs, sets Django up and
migrates. ``bench_body(colleges)`` is the body the member benchmarks fill.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def _admin(url: str):
    """A connection to the server's ``postgres`` database, and the name of ``url``'s."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return psycopg.connect(admin, autocommit=True), parts.path.lstrip("/")


def recreate(url: str) -> None:
    """A fresh database at ``url``: PostgreSQL dropped and created, a SQLite file removed."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{urlsplit(url).path}{suffix}").unlink(missing_ok=True)
        return
    conn, name = _admin(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop(url: str) -> None:
    """Drop the PostgreSQL database at ``url`` (a SQLite file is left for a look)."""
    if url.startswith("postgres"):
        conn, name = _admin(url)
        with conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def start(default_db: str, **environ: str) -> str:
    """Fresh database, Django set up and migrated; returns the database URL.

    ``DATABASE_URL`` wins over ``postgres://.../<default_db>``; ``environ`` gives
    defaults for other settings (a variable already set is kept).
    """
    url = os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_db}")
    os.environ["DATABASE_URL"] = url
    for name, value in {
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
        **environ,
    }.items():
        os.environ.setdefault(name, value)
    recreate(url)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def bench_body(colleges, *, code: str = "28185"):
    """A conseil citoyen of a benchmark commune, with these colleges (chosen by lot)."""
    from registry.services import bodies
    from registry.services.territories import territory_create

    commune = territory_create(level="commune", code=code, name="Commune de banc d'essai")
    return bodies.body_create(
        name="Conseil citoyen",
        body_type="conseil_citoyen",
        territory=commune,
        colleges=[{"name": name, "selection_mode": "lot"} for name in colleges],
    )
