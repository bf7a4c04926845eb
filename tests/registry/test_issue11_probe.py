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
import unicodedata

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.models import Actor, ChangeRecord, Membership
from registry.names import name_key
from registry.services.territories import territory_create
from tests.factories import ActorFactory, BodyFactory, CollegeFactory

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
        "2026-02-01",
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
            "Donnez une date au format AAAA-MM-JJ",
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


# --- names written without their ligatures or barred letters ------------------------------

FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿæœøł"
_PLAIN = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l"})


def _plain(text: str) -> str:
    """How a clerk without the French keyboard's extras types a name."""
    bare = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return "".join(c for c in bare if not unicodedata.combining(c))


@settings(max_examples=200, derandomize=True)
@given(
    words=st.lists(st.text(FRENCH_LETTERS, min_size=1, max_size=8), min_size=1, max_size=3),
    upper=st.booleans(),
    reverse=st.booleans(),
)
def test_a_name_typed_without_ligatures_accents_or_case_is_the_same_key(words, upper, reverse):
    stored = " ".join(words)
    typed = [_plain(w).upper() if upper else _plain(w) for w in words]
    typed = " - ".join(reversed(typed) if reverse else typed)
    assert name_key(typed) == name_key(stored), (typed, stored)


def test_laetitia_in_the_file_is_the_stored_laetitia(tmp_path, council):
    first = cp1252_csv(
        tmp_path / "membres.csv",
        [
            ["Nom", "Prénom", "Catégorie"],
            ["Lefèvre", "Lætitia", "habitante"],
            ["CŒUR", "Anne", "élue"],
        ],
    )
    assert "2 created" in run("import_members", str(council.pk), str(first))
    again = cp1252_csv(
        tmp_path / "membres2.csv",
        [["Nom Prénom"], ["LEFEVRE Laetitia"], ["Coeur Anne"]],
    )
    out = run("import_members", str(council.pk), str(again))
    assert "0 created, 0 updated, 0 ended, 2 unchanged" in out, out
    assert Actor.objects.count() == 2


def test_the_duplicates_scan_pairs_a_name_with_and_without_its_ligature():
    from registry.matching import actor_duplicates

    territory = territory_create(level="commune", code="28185", name="Goussainville")
    a = ActorFactory(name="Lætitia Cœurderoy", territory=territory)
    b = ActorFactory(name="Laetitia Coeurderoy", territory=territory)
    c = ActorFactory(name="Lætitia Cœurderoy", territory=territory)
    result = actor_duplicates(
        territory_id=territory.pk, reach_territory_id=None, personal=False, min_score=0, limit=10
    )
    pairs = {(p.a.id, p.b.id): p.score for p in result.pairs}
    # Spelled without the ligatures, as alike as spelled the same.
    assert pairs.get((a.pk, b.pk)) == pairs[(a.pk, c.pk)] == pairs.get((b.pk, c.pk)), pairs


def test_every_problem_of_a_mairie_file_at_once_in_french_under_its_own_headers(tmp_path, council):
    from tests.factories import MembershipFactory, OrganizationFactory

    marie = ActorFactory(name="Marie Dupont")
    homonym = ActorFactory(name="Marie DUPONT")
    MembershipFactory(body=council, actor=marie, start_date=dt.date(2020, 1, 1))
    MembershipFactory(
        body=council,
        actor=homonym,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 1, 1),
        end_reason="resigned",
    )
    org = OrganizationFactory(name="Amicale")
    headers = ["NOM", "Prénom", "Catégorie", "COLLÈGE", "Date de début", "Au titre de"]
    headers += ["Fonction", "N° acteur", "Id externe"]
    rows = [
        ["Roux", "Inès", "habitante", "Collège des habitants", "31/02/2025", "", "", "", ""],
        ["Morel", "Jean", "habitant", "Inconnu", "", "", "", "", ""],
        ["Petit", "Paul", "", "", "", "", "", "", ""],
        ["Dupont", "Marie", "habitante", "", "", "", "", "", ""],
        ["Leroy", "Anne", "association", "", "", "", "", "", ""],
        ["Blanc", "Léo", "habitant", "", "", "999999", "", "", ""],
        ["Noir", "Léa", "habitant", "", "", str(org.pk), "chef", "", ""],
        ["", "", "", "", "", "", "", "abc", ""],
        ["Vert", "Zoé", "habitante", "", "", "", "", "", "X1"],
        ["Bleu", "Zoé", "habitante", "", "", "", "", "", "X1"],
        ["", "", "", "", "", "", "", str(marie.pk), ""],
        ["", "", "", "", "", "", "", str(marie.pk), ""],
    ]
    path = cp1252_csv(tmp_path / "m.csv", [["Membres du conseil"], [], headers, *rows])
    before = state(council), ChangeRecord.objects.count()
    with pytest.raises(CommandError) as caught:
        run("import_members", str(council.pk), str(path), "--lang", "fr")
    text = str(caught.value)
    expected = [
        ("ligne 4, colonne « Date de début »", "n'est pas une vraie date"),
        ("ligne 5, colonne « COLLÈGE »", "Inconnu"),
        ("ligne 6, colonne « Catégorie »", "Indiquez la catégorie"),
        ("ligne 7, colonne « NOM »", f"{marie.pk} (Marie Dupont), {homonym.pk} (Marie DUPONT)"),
        ("ligne 8, colonne « Catégorie »", "catégorie d'organisation"),
        ("ligne 9, colonne « Au titre de »", "Aucun acteur avec l'id 999999"),
        ("ligne 10, colonne « Fonction »", "Valeur inconnue 'chef'"),
        ("ligne 11, colonne « N° acteur »", "Donnez l'id d'un acteur"),
        ("ligne 13, colonne « Id externe »", "que la ligne 12."),
        ("ligne 15, colonne « N° acteur »", "que la ligne 14."),
    ]
    for where, what in expected:
        line = next((li for li in text.splitlines() if where in li), None)
        assert line is not None and what in line, (where, what, text)
    assert "12 lignes" not in text and "10 lignes du fichier" in text, text
    for english in ("Give ", "column", "row ", "entry", "l'ligne", "Nom complet"):
        assert english not in text, (english, text)
    assert (state(council), ChangeRecord.objects.count()) == before


@pytest.mark.parametrize(
    "title",
    [
        ["Conseil de quartier Centre, liste des membres au 01/02/2026"],
        ["Conseil de quartier Centre, liste des membres", "", ""],  # Excel pads it with ';'
        ["Membres (titre, sous-titre ; etc.)"],
        ["Liste des membres"],
    ],
)
def test_a_title_row_with_a_comma_above_a_semicolon_file(tmp_path, council, title):
    path = cp1252_csv(
        tmp_path / "m.csv",
        [title, ["NOM", "Prénom", "Catégorie"], ["Roux", "Inès, dite Nana", "habitante"]],
    )
    out = run("import_members", str(council.pk), str(path))
    assert "1 created" in out, out
    assert Actor.objects.get().given_name == "Inès, dite Nana"
