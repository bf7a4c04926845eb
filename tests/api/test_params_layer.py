"""One parameter layer: a text is accepted or refused alike by every door that takes it.

The grammar of territory references, dates, booleans and ids is ``registry.params``;
the list filters, the analysis views' parameters and the management commands'
options all read through it. The properties below send the same text through each
door and compare the verdicts: refused (a 400 naming the parameter, a
``CommandError`` naming the option) or accepted with the same value (the same
bodies, the same day). A blank text is "not given" everywhere and is left to its
own test, since what "not given" means differs (no filter, a default, required).

The last test reads the code base for hand-written parsers, so a sixth grammar
cannot come back unnoticed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from io import StringIO
from pathlib import Path

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry import params
from registry.services.actors import actor_create
from registry.services.bodies import body_create
from registry.services.memberships import membership_create
from registry.services.territories import territory_create
from tests.api.conftest import client_for, make_key

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REFUSED = "refused"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client():
    return client_for(make_key(scopes=("read", "write", "analysis"))[1])


@pytest.fixture
def world():
    """Territories in two branches, each with a body of its own (so a territory that
    exists always selects some body: "no body" means "no such territory"), two members."""
    region = territory_create(level="region", code="11", name="Île-de-France")
    dept = territory_create(
        level="departement", code="75", name="Paris", parents=[(region, "administrative")]
    )
    commune = territory_create(
        level="commune", code="75056", name="Paris", parents=[(dept, "administrative")]
    )
    quartier = territory_create(
        level="quartier", code="75118-Q04", name="Goutte d'Or", parents=[(commune, "municipal")]
    )
    other = territory_create(level="commune", code="89025", name="Avallon")
    territories = [region, dept, commune, quartier, other]
    bodies = {
        t.pk: body_create(
            name=f"Conseil {t.code}",
            body_type="conseil_quartier",
            territory=t,
            founding_date=dt.date(2001, 1, 1),
        )
        for t in territories
    }
    people = [
        actor_create(kind="person", category="resident", name=name, territory=commune)
        for name in ("Alice", "Bruno")
    ]
    for person in people:
        membership_create(actor=person, body=bodies[commune.pk], start_date=dt.date(2020, 1, 1))
    return {"territories": territories, "bodies": bodies, "people": people, "commune": commune}


def _problem_fields(response) -> list[str]:
    return [e.get("field") for e in orjson.loads(response.content).get("errors", [])]


def _http_verdict(response, name: str, accepted):
    """REFUSED for a 400 naming ``name``; else ``accepted(response)``."""
    if response.status_code == 400:
        assert name in _problem_fields(response), response.content[:300]
        return REFUSED
    return accepted(response)


def _command_verdict(run, option: str, accepted, missing=frozenset()):
    """REFUSED for a CommandError naming ``option`` with the grammar's message."""
    try:
        out = run()
    except CommandError as error:
        message = str(error)
        if message.startswith(option) and any(str(m) in message for m in params.MESSAGES.values()):
            return REFUSED
        if message.startswith(option) and str(params.NO_TERRITORY) in message:
            return missing
        return accepted(message)
    return accepted(out)


def _body_ids(response) -> frozenset[int]:
    assert response.status_code == 200, response.content[:300]
    return frozenset(r["id"] for r in orjson.loads(response.content)["results"])


# --- input classes ----------------------------------------------------------------------------

NEAR_MISSES = [
    "٣",
    "²",
    "+1",
    "-1",
    "1.0",
    "0x1",
    "1e3",
    str(2**63),
    str(2**63 - 1),
    "0",
    "007",
    "1,2",
    "true",
    "TRUE",
    "no",
    "planet:3",
    "commune:",
    ":75056",
    "commune: 75056",
    "COMMUNE:75056",
    "2024-01-01",
    "2024-1-1",
    "20240101",
    "2024-W01-1",
    "2024-02-30",
    "1899-12-31",
    "3000-01-01",
    "٢٠٢٤-٠١-٠١",
    "2024-01-01T00:00",
    "x\x00",
]


def _not_blank(text: str) -> bool:
    return bool(text.strip())


def territory_texts(world):
    forms = []
    for t in world["territories"]:
        forms += [str(t.pk), f" {t.pk} ", f"{t.level}:{t.code}", f"id:{t.pk}", t.code]
        forms += [f"{t.level}:{t.code}x", f"{t.level.upper()}:{t.code}"]
    return st.one_of(
        st.sampled_from(forms), st.sampled_from(NEAR_MISSES), st.text(max_size=12)
    ).filter(_not_blank)


def date_texts():
    return st.one_of(
        st.dates(dt.date(1890, 1, 1), dt.date(3010, 1, 1)).map(dt.date.isoformat),
        st.sampled_from(NEAR_MISSES),
        st.text(alphabet="0123456789-/ WT:٣", max_size=12),
        st.text(max_size=10),
    ).filter(_not_blank)


def id_texts(world):
    ids = [str(b.pk) for b in world["bodies"].values()]
    return st.one_of(
        st.sampled_from(ids),
        st.integers(-5, 2**64).map(str),
        st.sampled_from(NEAR_MISSES),
        st.text(alphabet="0123456789 +-٣²", max_size=21),
        st.text(max_size=8),
    ).filter(lambda t: _not_blank(t) and "," not in t)  # ?id= alone also takes a list


def bool_texts():
    return st.one_of(
        st.sampled_from(["true", "false", "1", "0", " True ", "FALSE", "yes", "on", "t", "2"]),
        st.sampled_from(NEAR_MISSES),
        st.text(max_size=6),
    ).filter(_not_blank)


# --- the grammar itself -----------------------------------------------------------------------

GRAMMAR = [
    (params.parse_territory_ref, " 42 ", 42),
    (params.parse_territory_ref, "commune:75056", ("commune", "75056")),
    (params.parse_territory_ref, "quartier:75118-Q04", ("quartier", "75118-Q04")),
    (params.parse_territory_ref, "id:42", None),
    (params.parse_territory_ref, "75118-Q04", None),
    (params.parse_territory_ref, "planet:3", None),
    (params.parse_territory_ref, "commune: 75056", None),
    (params.parse_territory_ref, "٤٢", None),
    (params.parse_territory_ref, str(2**63), None),
    (params.parse_date, " 2024-02-29 ", dt.date(2024, 2, 29)),
    (params.parse_date, "2023-02-29", None),
    (params.parse_date, "20240101", None),
    (params.parse_date, "2024-W01-1", None),
    (params.parse_date, "2024-1-1", None),
    (params.parse_date, "1899-12-31", None),
    (params.parse_bool, " TRUE ", True),
    (params.parse_bool, "0", False),
    (params.parse_bool, "yes", None),
    (params.parse_id, "007", 7),
    (params.parse_id, str(2**63 - 1), 2**63 - 1),
    (params.parse_id, "-1", None),
    (params.parse_id, "+1", None),
    (params.parse_id, "²", None),
    (params.parse_int, "-12", -12),
    (params.parse_int, str(-(2**63) - 1), None),
    (params.parse_int, True, None),
]


@pytest.mark.parametrize(("parse", "text", "expected"), GRAMMAR)
def test_the_grammar(parse, text, expected):
    if expected is None:
        with pytest.raises(params.ParamError):
            parse(text)
    else:
        assert parse(text) == expected


# --- the properties -----------------------------------------------------------------------------


def renewal_report(*args: str) -> str:
    out = StringIO()
    call_command("renewal_report", *args, "--format", "csv", stdout=out)
    return out.getvalue()


def _csv_bodies(out: str) -> frozenset[int]:
    return frozenset(int(row["body_id"]) for row in csv.DictReader(io.StringIO(out)))


@PROPERTY
@given(data=st.data())
def test_a_territory_reference_has_one_verdict_at_every_door(client, world, data):
    text = data.draw(territory_texts(world), label="territory")
    through_filter = _http_verdict(
        client.get("/api/bodies/", {"territory": text}), "territory", _body_ids
    )
    through_analysis = _http_verdict(
        client.get("/api/analysis/renewal", {"territory": text}),
        "territory",
        lambda r: (
            frozenset()
            if r.status_code == 404
            else frozenset(a["body_id"] for a in orjson.loads(r.content)["ranking"])
        ),
    )
    through_command = _command_verdict(
        lambda: renewal_report(f"--territory={text}"), "--territory", _csv_bodies
    )
    assert through_filter == through_analysis == through_command, text
    try:
        params.parse_territory_ref(text)
    except params.ParamError:
        assert through_filter == REFUSED, text
    else:
        assert through_filter != REFUSED, text


@PROPERTY
@given(data=st.data())
def test_a_date_has_one_verdict_at_every_door(client, world, data):
    text = data.draw(date_texts(), label="date")
    commune = world["commune"]
    through_filter = _http_verdict(
        client.get("/api/bodies/", {"as_of": text}), "as_of", lambda r: "accepted"
    )
    through_analysis = _http_verdict(
        client.get("/api/analysis/renewal", {"territory": commune.pk, "as_of": text}),
        "as_of",
        lambda r: orjson.loads(r.content)["as_of"],
    )

    through_command = _command_verdict(
        lambda: (
            call_command(
                "renewal_report",
                "--territory",
                str(commune.pk),
                f"--as-of={text}",
                stdout=StringIO(),
            )
            or ""
        ),
        "--as-of",
        lambda out: "accepted",
    )
    retention = _command_verdict(
        lambda: call_command("apply_retention", f"--date={text}", "--dry-run", stdout=StringIO()),
        "--date",
        lambda out: "accepted",
    )
    try:
        day = params.parse_date(text)
    except params.ParamError:
        expected = (REFUSED, REFUSED, REFUSED, REFUSED)
    else:
        expected = ("accepted", day.isoformat(), "accepted", "accepted")
    assert (through_filter, through_analysis, through_command, retention) == expected, text


@PROPERTY
@given(data=st.data())
def test_an_id_has_one_verdict_at_every_door(client, world, data):
    text = data.draw(id_texts(world), label="id")
    alice, bruno = world["people"]
    through_filter = _http_verdict(client.get("/api/bodies/", {"id": text}), "id", _body_ids)
    through_analysis = _http_verdict(
        client.get(
            "/api/analysis/paths",
            {"from": text, "to": bruno.pk, "territory": world["commune"].pk},
        ),
        "from",
        lambda r: "accepted",
    )

    def import_verdict(message: str) -> frozenset[int]:
        # Accepted: the body is looked up (none), or found and then the file is read.
        if message.startswith("No body with id"):
            return frozenset()
        assert message.startswith("Cannot read"), message
        return frozenset({params.parse_id(text)})

    through_command = _command_verdict(
        lambda: call_command(
            "import_members", "--", text, "/nonexistent/members.csv", stdout=StringIO()
        ),
        "body_id",
        import_verdict,
    )
    assert through_filter == through_command, text
    assert (through_filter == REFUSED) == (through_analysis == REFUSED), text


@PROPERTY
@given(data=st.data())
def test_a_boolean_has_one_verdict_at_every_door(client, world, data):
    text = data.draw(bool_texts(), label="boolean")
    through_filter = _http_verdict(
        client.get("/api/bodies/", {"current": text}), "current", lambda r: "accepted"
    )
    through_analysis = _http_verdict(
        client.get(
            "/api/analysis/influence-map", {"territory": world["commune"].pk, "memberships": text}
        ),
        "memberships",
        lambda r: "accepted",
    )
    try:
        params.parse_bool(text)
        expected = "accepted"
    except params.ParamError:
        expected = REFUSED
    assert through_filter == through_analysis == expected, text


def test_a_blank_value_is_not_given_at_every_door(client, world):
    everything = _body_ids(client.get("/api/bodies/"))
    for blank in ("", "  "):
        assert _body_ids(client.get("/api/bodies/", {"territory": blank})) == everything
        assert _body_ids(client.get("/api/bodies/", {"as_of": blank, "id": blank})) == everything
        ranking = client.get(
            "/api/analysis/renewal", {"territory": world["commune"].pk, "as_of": blank}
        )
        assert ranking.status_code == 200, ranking.content[:300]
        assert orjson.loads(ranking.content)["as_of"] == dt.date.today().isoformat()
        # Required where a value must be given: named, never read as something else.
        response = client.get("/api/analysis/renewal", {"territory": blank})
        assert response.status_code == 400 and "territory" in _problem_fields(response)
        with pytest.raises(CommandError, match=r"^--territory '\s*': Give a territory id"):
            renewal_report("--territory", blank)


def test_the_messages_are_translated(client, world):
    response = client.get("/api/bodies/", {"as_of": "demain"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    detail = orjson.loads(response.content)["errors"][0]["detail"]
    assert detail == "Donnez une date au format AAAA-MM-JJ, entre 1900-01-01 et 2999-12-31."


# --- no parser outside the layer ----------------------------------------------------------------

#: Text that parses a parameter by hand; the one module is ``registry/params.py``.
HAND_PARSERS = re.compile(
    r"fromisoformat\(|strptime\(|partition\(\":\"\)|partition\(':'\)|split\(\":\", ?1\)"
    r"|type=int\b"
)
#: Where such text is not a parameter parser, and why.
NOT_PARAMETERS = {
    # Keys of the planted demo data ("host:x", "person:y"), written in the module itself.
    "registry/demo/scenario.py": "partition",
    "registry/demo/generator.py": "partition",
    # The engine's own source keys ("rule:mandate_years"), never read from a request.
    "graph/renewal/config.py": "partition",
}


def test_no_hand_written_parser_outside_the_one_module():
    found = []
    for package in ("api", "registry", "graph"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if "/migrations/" in relative or relative == "registry/params.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                match = HAND_PARSERS.search(code)
                if match and not match.group(0).startswith(NOT_PARAMETERS.get(relative, "\0")):
                    found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, (
        "Parse ids, numbers, dates, booleans and territory references with registry.params "
        "(parse_id, parse_int, parse_date, parse_bool, parse_territory_ref; option() in a "
        "command), not by hand:\n" + "\n".join(found)
    )
