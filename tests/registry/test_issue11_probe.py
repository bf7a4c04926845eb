"""Independent probes of issue 11 through the management commands and the importer
(regression tests of what they found).

A mairie's own member files: a Windows-1252 CSV with ``;``, title rows above the headers,
accents and capitals in the headers, blank trailing rows; then the same people in an XLSX
with a merged title cell, one "Nom Prénom" column and Excel date cells, which must be an
empty diff; the commands' own refusals in French under ``--lang fr``. Invented names only.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from registry.models import Actor, ChangeRecord, Membership
from tests.factories import BodyFactory, CollegeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def cp1252_csv(path, rows):
    path.write_bytes(("\r\n".join(";".join(map(str, r)) for r in rows) + "\r\n").encode("cp1252"))
    return path


def workbook(path, rows, merge=None):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    if merge:
        book.active.merge_cells(merge)
    book.save(path)
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def state(body):
    return sorted(
        Membership.objects.filter(body=body).values_list(
            "actor__name",
            "actor__given_name",
            "actor__family_name",
            "college__name",
            "role",
            "start_date",
            "end_date",
        )
    )


@pytest.fixture
def council():
    body = BodyFactory()
    CollegeFactory(body=body, name="Collège des habitants", selection_mode="lot")
    return body


def test_a_mairie_csv_then_its_xlsx_spelled_otherwise_is_an_empty_diff(tmp_path, council):
    csv_path = cp1252_csv(
        tmp_path / "membres.csv",
        [
            ["Conseil de quartier Centre - liste des membres au 01/02/2026", "", ""],
            ["", "", ""],
            ["NOM", "Prénom", "COLLÈGE", "date de début", "Fonction", "Catégorie", "Remarques"],
            [
                "DUPONT",
                "Marie",
                "Collège des habitants",
                "01/09/2025",
                "Présidente",
                "Habitante",
                "",
            ],
            ["Le Gall", "Anne-Marie", "collège des habitants", "15/09/2025", "membre", "élue", "x"],
            ["Lefèvre", "Thérèse", "Collège des habitants", "2025-09-01", "", "habitant", ""],
            ["", "", "", "", "", "", ""],
            [";", "", "", "", "", "", ""],
        ],
    )
    dry = run(
        "import_members",
        str(council.pk),
        str(csv_path),
        "--date",
        "01/02/2026",
        "--dry-run",
        "--lang",
        "fr",
    )
    assert "3 créés" in dry and "Colonnes ignorées : 'Remarques'" in dry, dry
    assert not Actor.objects.exists()
    done = run("import_members", str(council.pk), str(csv_path), "--date", "2026-02-01")
    assert "3 created" in done, done
    after = state(council)
    assert [(n, g, f) for n, g, f, *_ in after] == [
        ("Anne-Marie Le Gall", "Anne-Marie", "Le Gall"),
        ("Marie DUPONT", "Marie", "DUPONT"),
        ("Thérèse Lefèvre", "Thérèse", "Lefèvre"),
    ]
    records = ChangeRecord.objects.count()
    assert "3 unchanged" in run("import_members", str(council.pk), str(csv_path))
    xlsx_path = workbook(
        tmp_path / "membres.xlsx",
        [
            ["Liste des membres", None, None],
            [None, None, None],
            ["Nom Prénom", "Collège", "Date de début"],
            ["Dupont Marie", "Collège des habitants", dt.datetime(2025, 9, 1)],
            ["LE GALL Anne Marie", "Collège des habitants", dt.date(2025, 9, 15)],
            ["LEFEVRE Therese", "Collège des habitants", "01/09/2025"],
            [None, None, None],
            [None, None, None],
        ],
        merge="A1:C1",
    )
    out = run("import_members", str(council.pk), str(xlsx_path), "--date", "2026-03-01")
    assert "0 created, 0 updated, 0 ended, 3 unchanged" in out, out
    assert state(council) == after
    assert ChangeRecord.objects.count() == records


def test_an_excel_serial_number_in_a_date_column_is_refused_naming_row_and_header(
    tmp_path, council
):
    path = workbook(
        tmp_path / "m.xlsx",
        [
            ["Nom", "Prénom", "Catégorie", "Date d'arrivée", "Date de début"],
            ["Roux", "Inès", "habitante", "", 45901],
        ],
    )
    with pytest.raises(CommandError) as caught:
        run("import_members", str(council.pk), str(path), "--lang", "fr")
    assert "ligne 2, colonne « Date de début »" in str(caught.value)
    assert "45901" in str(caught.value)
    assert not Actor.objects.exists()


@pytest.mark.parametrize(
    ("args", "french"),
    [
        (("import_members", "999999", "{csv}"), "Aucune instance avec l'id 999999."),
        (
            ("import_members", "{body}", "{csv}", "--date", "31/02/2026"),
            "--date doit être une date",
        ),
        (("import_members", "{body}", "{missing}"), "Impossible de lire"),
        (("import_actors", "{missing}"), "Impossible de lire"),
        (("import_actors", "{ods}"), "Donnez un fichier CSV ou XLSX."),
        (
            ("import_members", "{body}", "{broken}"),
            "Le fichier n'est pas un classeur XLSX lisible.",
        ),
    ],
)
def test_the_commands_refuse_in_french_with_lang_fr(tmp_path, council, args, french):
    paths = {
        "body": str(council.pk),
        "csv": str(cp1252_csv(tmp_path / "m.csv", [["Nom"], ["Roux"]])),
        "missing": str(tmp_path / "absent.csv"),
        "ods": str(cp1252_csv(tmp_path / "m.ods", [["Nom"]])),
        "broken": str(cp1252_csv(tmp_path / "m.xlsx", [["PK"]])),
    }
    args = [a.format(**paths) for a in args]
    records = ChangeRecord.objects.count()
    with pytest.raises(CommandError) as caught:
        run(*args, "--lang", "fr")
    assert french in str(caught.value)
    assert ChangeRecord.objects.count() == records
