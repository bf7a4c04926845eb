"""Exports in the import's own columns: a body's members and a territory's actors, CSV and XLSX."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.resources import exports
from registry.importers.spreadsheet import parse_date, read_table
from registry.importers.spreadsheet.cells import json_int, text, whole_number
from registry.importers.spreadsheet.columns import (
    ACTOR_FIELDS,
    CATEGORY_VALUES,
    COLUMN_BY_FIELD,
    KIND_VALUES,
    MEMBER_FIELDS,
    norm,
)
from tests.api.export_world import (
    XLSX,
    actors_url,
    build_world,
    members_url,
    read_csv,
    read_xlsx,
    xlsx_sheet,
)
from tests.committed_schema import committed_schema
from tests.factories import ActorFactory, MembershipFactory

pytestmark = pytest.mark.django_db

EN_MEMBER_HEADERS = [COLUMN_BY_FIELD[f].en for f in MEMBER_FIELDS]
FR_MEMBER_HEADERS = [COLUMN_BY_FIELD[f].fr for f in MEMBER_FIELDS]


@pytest.fixture
def world():
    return build_world()


def by_actor(rows: list[list], headers: list[str]) -> dict:
    """Data rows keyed by actor id, each a {header: cell} dict."""
    out = {}
    for row in rows[1:]:
        cells = dict(zip(headers, row, strict=True))
        out[int(cells[headers[0]])] = cells
    return out


# --- members: negotiation ----------------------------------------------------------------


def test_json_stays_the_default(full_client, world):
    response = full_client.get(members_url(world.body))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert "Accept" in response["Vary"]
    assert sorted(m["actor"] for m in response.json()) == sorted(
        a.pk for a in (world.lea, world.jean, world.nadia, world.outsider)
    )


@pytest.mark.parametrize(
    ("how", "media_type"),
    [
        ({"HTTP_ACCEPT": "text/csv"}, "text/csv; charset=utf-8"),
        ({"QUERY_STRING": "format=csv"}, "text/csv; charset=utf-8"),
        ({"HTTP_ACCEPT": XLSX}, XLSX),
        ({"QUERY_STRING": "format=xlsx"}, XLSX),
    ],
)
def test_members_file_by_accept_or_format(full_client, world, how, media_type):
    response = full_client.get(members_url(world.body), **how)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == media_type
    extension = "xlsx" if media_type == XLSX else "csv"
    assert response["Content-Disposition"] == (
        f'attachment; filename="conseil-citoyen-des-coteaux-members-{dt.date.today()}.{extension}"'
    )
    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept", "accept-language"} <= vary


def test_members_csv_in_english(full_client, world):
    response = full_client.get(members_url(world.body), HTTP_ACCEPT="text/csv")
    assert not response.content.startswith(b"\xef\xbb\xbf")
    delimiter, rows = read_csv(response.content)
    assert delimiter == ","
    assert rows[0] == EN_MEMBER_HEADERS
    members = by_actor(rows, rows[0])
    assert set(members) == {world.lea.pk, world.jean.pk, world.nadia.pk, world.outsider.pk}
    lea = members[world.lea.pk]
    assert lea == {
        "Actor id": str(world.lea.pk),
        # The external identifier, not the first one (rne): the client system's own id.
        "Identifier scheme": "external",
        "Identifier": "P-001",
        "Issuer": "crm",
        "Name": "Léa Martin-Dubois",
        "Given name": "Léa",
        "Family name": "Martin-Dubois",
        "Kind": "person",
        "Category": "resident",
        "College": "Habitants",
        "Role": "president",
        "Selection mode": "lot",
        "On behalf of": "",
        "Start date": "2025-09-01",
        "External id": "S-1",
    }
    nadia = members[world.nadia.pk]
    assert nadia["On behalf of"] == str(world.amicale.pk)
    assert nadia["College"] == "Associations"
    assert nadia["Role"] == "vice_president"
    assert nadia["Start date"] == "2026-01-15"
    assert members[world.outsider.pk]["College"] == ""


def test_members_csv_in_french(full_client, world):
    response = full_client.get(members_url(world.body) + "?format=csv", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert "membres" in response["Content-Disposition"]
    delimiter, rows = read_csv(response.content)
    assert delimiter == ";"
    assert rows[0] == FR_MEMBER_HEADERS
    members = by_actor(rows, rows[0])
    lea = members[world.lea.pk]
    assert lea["Type d'identifiant"] == "externe"
    assert lea["Type"] == "personne"
    assert lea["Catégorie"] == "habitant"
    assert lea["Rôle"] == "président"
    assert lea["Mode de désignation"] == "tirage au sort"
    assert lea["Date de début"] == "01/09/2025"
    assert lea["Collège"] == "Habitants"
    assert members[world.nadia.pk]["Rôle"] == "vice-président"
    assert members[world.nadia.pk]["Date de début"] == "15/01/2026"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_members_xlsx_has_a_header_row_and_real_dates(full_client, world, language):
    response = full_client.get(
        members_url(world.body), HTTP_ACCEPT=XLSX, HTTP_ACCEPT_LANGUAGE=language
    )
    _workbook, sheet = xlsx_sheet(response.content)
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == (FR_MEMBER_HEADERS if language == "fr" else EN_MEMBER_HEADERS)
    members = by_actor(rows, rows[0])
    start = COLUMN_BY_FIELD["start_date"].header(language)
    assert members[world.lea.pk][start] == dt.datetime(2025, 9, 1)
    date_cells = [row[MEMBER_FIELDS.index("start_date")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.is_date for c in date_cells)
    assert {c.number_format for c in date_cells} == {
        "DD/MM/YYYY" if language == "fr" else "YYYY-MM-DD"
    }
    role = COLUMN_BY_FIELD["role"].header(language)
    assert members[world.lea.pk][role] == ("président" if language == "fr" else "president")
    # Numbers stay numbers: an id cell is an integer.
    assert members[world.lea.pk][rows[0][0]] == world.lea.pk


def test_no_personal_data_in_the_files(full_client, world):
    for accept in ("text/csv", XLSX):
        content = full_client.get(members_url(world.body), HTTP_ACCEPT=accept).content
        text = content.decode("utf-8") if accept == "text/csv" else repr(read_xlsx(content))
        assert "lea.invented@example.org" not in text
        assert "0600000001" not in text
    content = full_client.get(actors_url(world.region)).content.decode("utf-8")
    assert "lea.invented@example.org" not in content


def test_as_of_is_the_json_one(full_client, world):
    # On 2025-12-31 Nadia (from 2026-01-15) was not a member yet.
    response = full_client.get(members_url(world.body) + "?format=csv&as_of=2025-12-31")
    _d, rows = read_csv(response.content)
    assert world.nadia.pk not in by_actor(rows, rows[0])
    assert "members-2025-12-31.csv" in response["Content-Disposition"]
    json_ids = {
        m["actor"] for m in full_client.get(members_url(world.body) + "?as_of=2025-12-31").json()
    }
    assert set(by_actor(rows, rows[0])) == json_ids


@pytest.mark.parametrize("query", ["format=csv&as_of=31-12-2025", "format=xlsx&as_of=x"])
def test_bad_as_of_is_a_problem_not_a_file(full_client, world, query):
    response = full_client.get(members_url(world.body) + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "as_of" in str(response.json())


def test_unknown_format_is_a_problem(full_client, world):
    response = full_client.get(members_url(world.body) + "?format=ods")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["parameter"] for e in response.json()["errors"]] == ["format"]


def test_writes_answer_json_only(full_client, world):
    response = full_client.put(
        members_url(world.body),
        {"members": [{"actor": world.lea.pk}]},
        format="json",
        HTTP_ACCEPT="text/csv",
    )
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"


def test_file_etag_differs_by_representation_and_answers_304(full_client, world):
    url = members_url(world.body)
    json_tag = full_client.get(url)["ETag"]
    csv_en = full_client.get(url, HTTP_ACCEPT="text/csv")["ETag"]
    csv_fr = full_client.get(url, HTTP_ACCEPT="text/csv", HTTP_ACCEPT_LANGUAGE="fr")["ETag"]
    xlsx = full_client.get(url, HTTP_ACCEPT=XLSX)["ETag"]
    assert len({json_tag, csv_en, csv_fr, xlsx}) == 4
    again = full_client.get(url, HTTP_ACCEPT="text/csv", HTTP_IF_NONE_MATCH=csv_en)
    assert again.status_code == 304
    assert again.content == b""
    # A member joins: the file's ETag moves.
    MembershipFactory(body=world.body, actor=ActorFactory(territory=world.commune))
    fresh = full_client.get(url, HTTP_ACCEPT="text/csv", HTTP_IF_NONE_MATCH=csv_en)
    assert fresh.status_code == 200


# --- members: scope ----------------------------------------------------------------------


def test_scoped_key_sees_an_outside_member_by_id_and_name_only(api_client_factory, world):
    client = api_client_factory(scopes=("read",), territory=world.commune)
    response = client.get(members_url(world.body), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    _d, rows = read_csv(response.content)
    members = by_actor(rows, rows[0])
    outsider = members[world.outsider.pk]
    assert outsider["Name"] == "Camille Roux"
    shown = {k for k, v in outsider.items() if v}
    # id and name (the actor), and the seat's own cells (role, mode, start).
    assert shown == {"Actor id", "Name", "Role", "Selection mode", "Start date"}
    assert members[world.lea.pk]["Given name"] == "Léa"
    assert members[world.lea.pk]["Identifier"] == "P-001"


def test_scoped_key_cannot_export_a_body_out_of_reach(api_client_factory, world):
    client = api_client_factory(scopes=("read",), territory=world.elsewhere)
    for accept in ("text/csv", XLSX):
        response = client.get(members_url(world.body), HTTP_ACCEPT=accept)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"


def test_anonymous_gets_a_problem(anon_client, world):
    response = anon_client.get(members_url(world.body) + "?format=csv")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"


# --- members: cells ----------------------------------------------------------------------


def test_formula_like_text_is_not_a_formula(full_client, world):
    from registry.services.actors import actor_update

    actor_update(actor=world.jean, name='=HYPERLINK("http://x.invalid")')
    url = members_url(world.body)
    _d, rows = read_csv(full_client.get(url, HTTP_ACCEPT="text/csv").content)
    assert by_actor(rows, rows[0])[world.jean.pk]["Name"] == '\'=HYPERLINK("http://x.invalid")'
    _workbook, sheet = xlsx_sheet(full_client.get(url, HTTP_ACCEPT=XLSX).content)
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value == world.jean.pk][0]
    name = cells[MEMBER_FIELDS.index("name")]
    assert name.data_type == "s"
    assert name.value == '=HYPERLINK("http://x.invalid")'


def test_large_body_in_a_fixed_number_of_queries(full_client, world, django_assert_max_num_queries):
    url = members_url(world.body)
    with django_assert_max_num_queries(12) as small:
        full_client.get(url, HTTP_ACCEPT="text/csv")
    actors = ActorFactory.create_batch(150, territory=world.commune)
    for actor in actors:
        MembershipFactory(body=world.body, actor=actor, college=world.residents)
    for accept in ("text/csv", XLSX):
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = full_client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200
    _d, rows = read_csv(full_client.get(url, HTTP_ACCEPT="text/csv").content)
    assert len(rows) == 1 + 4 + 150


# --- actors of a territory ---------------------------------------------------------------


def test_actors_of_a_territory_csv(full_client, world):
    response = full_client.get(actors_url(world.commune))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="goussainville-28185-actors.csv"'
    )
    _d, rows = read_csv(response.content)
    assert rows[0] == [COLUMN_BY_FIELD[f].en for f in ACTOR_FIELDS]
    actors = by_actor(rows, rows[0])
    # Every actor of the commune and below (Jean lives in the quartier); not the outsider.
    assert world.jean.pk in actors and world.lea.pk in actors
    assert world.outsider.pk not in actors
    amicale = actors[world.amicale.pk]
    assert amicale["Identifier scheme"] == "rna"
    assert amicale["Identifier"] == "W281000123"
    assert amicale["Kind"] == "organization"
    assert amicale["Founding date"] == "2001-05-14"
    assert amicale["Territory"] == str(world.commune.pk)
    assert amicale["Power"] == "3" and amicale["Interest"] == "4" and amicale["Urgency"] == ""
    assert amicale["Description"] == "Association de locataires"
    assert actors[world.jean.pk]["Territory"] == str(world.quartier.pk)


def test_actors_of_a_territory_by_natural_key_in_french_xlsx(full_client, world):
    response = full_client.get(
        "/api/territories/commune:28185/actors/?format=xlsx", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "acteurs" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert rows[0] == [COLUMN_BY_FIELD[f].fr for f in ACTOR_FIELDS]
    amicale = by_actor(rows, rows[0])[world.amicale.pk]
    assert amicale["Date de création"] == dt.datetime(2001, 5, 14)
    assert amicale["Type"] == "organisation"
    assert amicale["Pouvoir"] == 3


def test_actors_csv_in_french(full_client, world):
    response = full_client.get(actors_url(world.commune), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.content.startswith(b"\xef\xbb\xbf")
    delimiter, rows = read_csv(response.content)
    assert delimiter == ";"
    assert by_actor(rows, rows[0])[world.amicale.pk]["Date de création"] == "14/05/2001"


def test_actors_route_is_files_only(full_client, world):
    response = full_client.get(actors_url(world.commune), HTTP_ACCEPT="application/json")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"


def test_actors_route_scope(api_client_factory, world):
    inside = api_client_factory(scopes=("read",), territory=world.commune)
    # Within reach: the territory itself, and one below it.
    assert inside.get(actors_url(world.commune)).status_code == 200
    _d, rows = read_csv(inside.get(actors_url(world.quartier)).content)
    assert set(by_actor(rows, rows[0])) == {world.jean.pk}
    # Out of reach, above or beside: the 404 of a missing territory.
    for territory in (world.region, world.elsewhere):
        response = inside.get(actors_url(territory))
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert inside.get("/api/territories/999999/actors/").status_code == 404


def test_actors_in_a_fixed_number_of_queries(full_client, world, django_assert_max_num_queries):
    url = actors_url(world.region)
    with django_assert_max_num_queries(12) as small:
        full_client.get(url)
    ActorFactory.create_batch(120, territory=world.quartier)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = full_client.get(url, HTTP_ACCEPT=XLSX)
    assert (
        len(read_xlsx(response.content)) == 1 + 5 + 120
    )  # Léa, Jean, Amicale, Nadia, the former member


def test_actors_file_etag_moves_with_the_actors(full_client, world):
    url = actors_url(world.commune)
    tag = full_client.get(url)["ETag"]
    assert full_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    from registry.services.actors import actor_update

    actor_update(actor=world.jean, name="Jean Morel-Petit")
    assert full_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 200


# --- schema ------------------------------------------------------------------------------


def test_schema_offers_the_files():
    # The committed schema: tests/api/test_openapi.py checks that it is the generated one.
    schema = committed_schema()
    members = schema["paths"]["/api/bodies/{id}/members/"]
    content = members["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv", XLSX}
    assert content[XLSX]["schema"] == {"type": "string", "format": "binary"}
    formats = [p for p in members["get"]["parameters"] if p["name"] == "format"]
    assert formats and set(formats[0]["schema"]["enum"]) == {"json", "csv", "xlsx"}
    # The sync (PUT) answers JSON only.
    assert set(members["put"]["responses"]["200"]["content"]) == {"application/json"}
    actors = schema["paths"]["/api/territories/{id}/actors/"]["get"]
    assert set(actors["responses"]["200"]["content"]) == {"text/csv", XLSX}
    assert [p for p in actors["parameters"] if p["name"] == "format"][0]["schema"]["enum"] == [
        "csv",
        "xlsx",
    ]


# --- property: what the renderers write, the import reads back ---------------------------

_TEXT = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
#: Texts a spreadsheet would run as a formula, or that start with quotes before such a
#: character (the guard must read back exactly whatever the text).
_FORMULA_TEXT = st.builds(
    lambda quotes, start, rest: ("'" * quotes + start + rest).strip(),
    st.integers(min_value=0, max_value=2),
    st.sampled_from(["=", "+", "-", "@", "'", "\t"]),
    st.one_of(st.just(""), _TEXT),
).filter(bool)
_TEXT = st.one_of(_TEXT, _FORMULA_TEXT)
_ACTOR_ROW = st.fixed_dictionaries(
    {
        "actor_id": st.integers(min_value=1, max_value=2**63 - 1),
        "name": _TEXT,
        "given_name": st.one_of(st.none(), _TEXT),
        "description": st.one_of(st.none(), _TEXT),
        "kind": st.sampled_from(["person", "organization"]),
        "category": st.sampled_from(sorted(CATEGORY_VALUES.values())),
        "founding_date": st.one_of(
            st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
        ),
        "power": st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(_ACTOR_ROW, min_size=1, max_size=5),
    fmt=st.sampled_from(["csv", "xlsx"]),
    language=st.sampled_from(["en", "fr"]),
)
def test_cells_written_are_the_cells_read(rows, fmt, language):
    """Any text, date, number and value word an export writes, the import reads back as it
    was, CSV text that a spreadsheet would run as a formula included (the export's
    guarding ``'`` is dropped again on reading)."""
    data = exports.sheet(ACTOR_FIELDS, rows, language=language, title="t", filename="f")
    renderer = exports.CSVRenderer() if fmt == "csv" else exports.XLSXRenderer()
    content = renderer.render(data)
    table = read_table(io.BytesIO(content), format=fmt, allowed=ACTOR_FIELDS)
    assert len(table.rows) == len(rows)
    for sent, got in zip(rows, table.rows, strict=True):
        values = got.values
        assert json_int(values["actor_id"]) == sent["actor_id"]
        for name in ("name", "given_name", "description"):
            expected = sent[name]
            assert (text(values[name]) if values[name] not in (None, "") else None) == expected
        assert KIND_VALUES[norm(values["kind"])] == sent["kind"]
        assert CATEGORY_VALUES[norm(values["category"])] == sent["category"]
        founding = values["founding_date"]
        assert (parse_date(founding) if founding not in (None, "") else None) == sent[
            "founding_date"
        ]
        power = values["power"]
        assert (whole_number(power) if power not in (None, "") else None) == sent["power"]


def test_xlsx_keeps_every_digit_of_a_large_id():
    rows = [{"actor_id": 2**53 + 1, "name": "Grand Identifiant"}, {"actor_id": 7, "name": "Sept"}]
    data = exports.sheet(ACTOR_FIELDS, rows, language="en", title="t", filename="f")
    table = read_table(io.BytesIO(exports.XLSXRenderer().render(data)), format="xlsx")
    assert [json_int(r.values["actor_id"]) for r in table.rows] == [2**53 + 1, 7]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_dates_before_1900_are_text_in_xlsx(language):
    rows = [{"actor_id": 1, "name": "Société de 1850", "founding_date": dt.date(1850, 3, 2)}]
    data = exports.sheet(ACTOR_FIELDS, rows, language=language, title="t", filename="f")
    table = read_table(io.BytesIO(exports.XLSXRenderer().render(data)), format="xlsx")
    cell = table.rows[0].values["founding_date"]
    assert cell == ("02/03/1850" if language == "fr" else "1850-03-02")
    assert parse_date(cell) == dt.date(1850, 3, 2)
