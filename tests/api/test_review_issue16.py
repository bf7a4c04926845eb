"""Review of issue 16's list pages: the page SQL compiled once per shape
(``api.page_sql.PAGE_SQL``).

- A key confined to a territory, and one confined to another, alternating on the same
  shapes, each read only its own rows: the compiled SQL is never served across keys.
- A cursor walk reads its pages by one compiled query, not one per cursor: the
  cursor's text is each page's position, not part of the page's shape.
"""

from __future__ import annotations

import io

import orjson
import pytest
from django.db import connection

from api import page_sql
from api.fastlist import cache
from tests.api.generic import build_tree, caller
from tests.api.test_actors import make_actors
from tests.api.test_list_fast_path import READ, actors_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(cache, "PLANS", {})
    monkeypatch.setattr(page_sql, "PAGE_SQL", {})


def ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return [row["id"] for row in orjson.loads(response.content)["results"]]


def test_page_sql_is_never_served_to_a_key_of_another_territory():
    tree = build_tree()
    actors_data(tree)
    make_actors(3, tree.other_dept)
    here = caller(scopes=READ, territory=tree.dept).client
    there = caller(scopes=READ, territory=tree.other_dept).client
    national = caller(scopes=READ).client
    urls = ["/api/actors/?limit=3", "/api/actors/?limit=3&offset=2", "/api/actors/?limit=50"]
    first = {name: [ids(c, u) for u in urls] for name, c in [("here", here), ("there", there)]}
    everyone = [ids(national, u) for u in urls]
    # Again, each after the other has filled the cache with its own shapes.
    for _ in range(2):
        assert [ids(there, u) for u in urls] == first["there"]
        assert [ids(here, u) for u in urls] == first["here"]
        assert [ids(national, u) for u in urls] == everyone
    assert not set(first["here"][2]) & set(first["there"][2])
    assert set(first["here"][2]) | set(first["there"][2]) < set(everyone[2])
    if connection.vendor == "postgresql":  # where the compiled SQL reads the pages
        assert any(compiled is not None for compiled in page_sql.PAGE_SQL.values())


def test_a_cursor_walk_reads_its_pages_by_one_compiled_query():
    tree = build_tree()
    actors_data(tree)
    client = caller(scopes=READ).client
    url, pages = "/api/actors/?pagination=cursor&limit=2", 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        url = orjson.loads(response.content)["next"]
        pages += 1
    assert pages >= 4, "too few pages to tell"
    shapes = [key for key in page_sql.PAGE_SQL if key and key[0] == "cursor"]
    # The first page (no position) and the pages after it (a position): two shapes.
    assert len(shapes) <= 2, (
        f"{pages} cursor pages compiled {len(shapes)} page queries: the cursor's text "
        "is in the page's shape key (api/base.py page_sql_key), so every page compiles "
        "its own and the cache fills with shapes read once"
    )


def test_a_large_spreadsheet_upload_analyses_what_it_wrote(monkeypatch):
    """``import_actors`` the command runs ANALYZE after a large import (issue 16); the
    same import uploaded to ``POST /api/actors/import/`` should as well: the rule lives
    in the command (api/management/commands/_spreadsheet.py), not in the import."""
    from registry.services import statistics

    monkeypatch.setattr(statistics, "LARGE_LOAD_ROWS", 3)
    analysed = []
    monkeypatch.setattr(
        statistics, "analyze", lambda written, **kw: analysed.append(tuple(written)) or 0.0
    )
    rows = "".join(f"rna;W{i:06d};Association {i};organization;association\n" for i in range(3))
    upload = io.BytesIO(("scheme;identifier;name;kind;category\n" + rows).encode())
    upload.name = "acteurs.csv"
    response = caller().client.post("/api/actors/import/", {"file": upload})
    assert response.status_code == 200, response.content[:500]
    assert analysed, "3 records written with LARGE_LOAD_ROWS = 3, and no ANALYZE"


def test_cursor_pages_back_and_forth_are_drf_pages(settings):
    """With one compiled query per direction, the pages reached by ``previous`` links
    are still DRF's (the cursor's direction and offset are each page's)."""
    tree = build_tree()
    actors_data(tree)
    client = caller(scopes=READ).client

    def walk(link: str) -> list[bytes]:
        url, seen = "/api/actors/?pagination=cursor&limit=2", []
        forward = True
        while url:
            body = client.get(url).content
            seen.append(body)
            page = orjson.loads(body)
            if forward and not page["next"]:
                forward = False
            url = page["next"] if forward else page["previous"]
            if link == "next" and not forward:
                break
        return seen

    settings.REGISTRY_LIST_FAST_PATH = True
    fast = walk("both")
    settings.REGISTRY_LIST_FAST_PATH = False
    assert walk("both") == fast
    assert len(fast) >= 7
