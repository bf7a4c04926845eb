"""``GET /api/analysis/evolution``: what a hostile review found (issue 14), on the town of
``test_evolution`` (commune C: B1, B2; commune D beside it)."""

from __future__ import annotations

import orjson
import pytest

from .test_evolution import URL, client, town  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "field"),
    [
        # the default `from` (a year before `to`) would fall before 1900-01-01: a 500 before
        ({"to": "1900-01-01"}, "from"),
        ({"to": "1900-12-31"}, "from"),
        # `from` after today with no `to`: the parameter given is named, not the default
        ({"from": "2999-01-01"}, "from"),
        ({"from": "2999-01-01", "to": ""}, "from"),
        # both given, in the wrong order or equal: `to`
        ({"from": "2026-06-01", "to": "2026-06-01"}, "to"),
        ({"from": "2026-06-02", "to": "2026-06-01"}, "to"),
        ({"from": "0001-01-01", "to": "2026-06-01"}, "from"),
        ({"from": "2024-06-01", "to": "9999-12-31"}, "to"),
        ({"from": "2024-06-01", "to": "2026-06-01", "step": ""}, None),
        ({"from": "2024-06-01", "to": "2026-06-01", "step": "Year"}, "step"),
        ({"from": "٢٠٢٤-06-01", "to": "2026-06-01"}, "from"),
        ({"from": "2024-06-01", "to": "2026-06-01", "seed": "1" * 30}, "seed"),
    ],
)
def test_hostile_dates_are_problems_naming_the_parameter(client, town, params, field):  # noqa: F811
    client.raise_request_exception = False
    response = client.get(URL, {"territory": town["c"].pk, **params})
    if field is None:
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = orjson.loads(response.content)
    assert [e["parameter"] for e in body["errors"]] == [field], body


def test_the_first_year_a_parameter_may_give_is_served(client, town):  # noqa: F811
    response = client.get(URL, {"territory": town["c"].pk, "to": "1901-01-01"})
    assert response.status_code == 200, response.content
    assert orjson.loads(response.content)["dates"] == ["1900-01-01", "1901-01-01"]


def test_the_date_problems_are_said_in_french(client, town):  # noqa: F811
    response = client.get(
        URL,
        {"territory": town["c"].pk, "to": "1900-06-01"},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 400
    detail = orjson.loads(response.content)["errors"][0]["detail"]
    assert detail == "Donnez `from` : un an avant `to` tombe avant le 1900-01-01."


def test_a_write_elsewhere_leaves_the_evolution_cached(client, town):  # noqa: F811
    from registry.services.actors import actor_create
    from registry.services.territories import territory_create

    # Not D: d1 sits in B2 and lives in D, so what is filed under D refreshes C's answers.
    e = territory_create(level="commune", code="97009", name="Commune E")
    query = {"territory": town["c"].pk, "from": "2024-06-01", "to": "2026-06-01"}
    first = client.get(URL, query)
    assert first["X-Analysis-Cache"] == "miss"
    actor_create(kind="person", category="resident", name="Elsewhere", territory=e)
    again = client.get(URL, query)
    assert again["X-Analysis-Cache"] == "hit" and again.content == first.content
    actor_create(kind="person", category="resident", name="Here", territory=town["c"])
    assert client.get(URL, query)["X-Analysis-Cache"] == "miss"


def test_empty_and_changing_territories_match_the_committed_schema(client, town):  # noqa: F811
    """Shapes the town alone lacks: a territory with nothing in it (no node, no community,
    core 0), and a body founded between the two dates (in the last snapshot only)."""
    import datetime as dt

    from registry.services.bodies import body_create
    from registry.services.territories import territory_create
    from tests.api.test_analysis_schema import check

    empty = territory_create(level="commune", code="97008", name="Commune vide")
    doc = check(
        client.get(URL, {"territory": empty.pk, "from": "2024-06-01", "to": "2026-06-01"}), URL
    )
    last = doc["snapshots"][-1]
    assert (last["nodes"], last["core_k"], last["core"], last["communities"]) == (0, 0, [], [])
    assert doc["changes"]["score_moves"] == doc["changes"]["merges"] == []
    body_create(
        name="Conseil B3", body_type="conseil_citoyen", territory=town["c"],
        founding_date=dt.date(2025, 3, 1),
    )  # fmt: skip
    doc = check(
        client.get(URL, {"territory": town["c"].pk, "from": "2024-06-01", "to": "2026-06-01"}), URL
    )
    labels = [[b["label"] for b in s["bodies"]] for s in doc["snapshots"]]
    assert "Conseil B3" not in labels[0] and "Conseil B3" in labels[-1]
    assert "Conseil B3" not in {m["label"] for m in doc["changes"]["score_moves"]}
