"""Faithful spreadsheets (issue 11): absent columns keep stored values, names, header row
below titles, every problem at once in the file's own headers (and in French), the dry
run's listing of changes, 5,000 rows on SQLite, actors by id, the commands."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from api.resources.bulk import parse_actor_items
from api.resources.members import parse_member_entries
from registry.exceptions import ImportFailed
from registry.importers import spreadsheet
from registry.importers.spreadsheet import read_table
from registry.importers.spreadsheet.cells import split_full_name
from registry.importers.spreadsheet.limits import MAX_PROBLEMS
from registry.models import Actor, ChangeRecord, Membership
from registry.services.actors import actor_identifier_add
from tests.factories import ActorFactory, BodyFactory, CollegeFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


DAY = dt.date(2025, 9, 1)


def import_members(*args, **kwargs):
    return spreadsheet.import_members(*args, parse_entries=parse_member_entries, **kwargs)


def import_actors(*args, **kwargs):
    return spreadsheet.import_actors(*args, parse_items=parse_actor_items, **kwargs)


def csv_file(rows, name="membres.csv", delimiter=";"):
    text = "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"
    data = io.BytesIO(text.encode("utf-8"))
    data.name = name
    return data


def xlsx_file(rows, name="membres.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    data.name = name
    return data


def seats(body):
    return {
        m.actor.name: m
        for m in Membership.objects.filter(body=body, end_date=None).select_related("actor")
    }


@pytest.fixture
def council():
    """A body of three members with identifiers, two in colleges, one representing an org."""
    body = BodyFactory()
    residents = CollegeFactory(body=body, name="Habitants")
    associations = CollegeFactory(body=body, name="Associations")
    org = ActorFactory(name="Les Amis du Parc", kind="organization", category="association")
    people = []
    for n, (name, college, behalf) in enumerate(
        [
            ("Alice Martin", residents, None),
            ("Bruno Petit", associations, org),
            ("Chloé Durand", None, None),
        ]
    ):
        actor = ActorFactory(name=name)
        actor_identifier_add(actor=actor, scheme="external", value=f"P-{n}")
        MembershipFactory(
            body=body, actor=actor, college=college, on_behalf_of=behalf, external_id=f"S-{n}"
        )
        people.append(actor)
    return body, residents, associations, org, people


# --- 1. a column absent from the file never changes a stored value -----------------------


def test_a_file_without_college_or_on_behalf_of_keeps_them(council):
    body, residents, associations, org, _people = council
    before = {name: (m.college_id, m.on_behalf_of_id) for name, m in seats(body).items()}
    ledger = ChangeRecord.objects.count()
    rows = [["Type d'identifiant", "Identifiant", "Rôle"]]
    rows += [["externe", f"P-{n}", "membre"] for n in range(3)]
    result = import_members(csv_file(rows), body=body, effective_date=DAY)
    assert result.is_empty, result.details()
    after = {name: (m.college_id, m.on_behalf_of_id) for name, m in seats(body).items()}
    assert (
        after
        == before
        == {
            "Alice Martin": (residents.pk, None),
            "Bruno Petit": (associations.pk, org.pk),
            "Chloé Durand": (None, None),
        }
    )
    assert ChangeRecord.objects.count() == ledger


def test_a_present_column_with_an_empty_cell_clears(council):
    body, residents, _associations, _org, _people = council
    rows = [["Type d'identifiant", "Identifiant", "Collège", "Au titre de"]]
    rows += [["externe", "P-0", "Habitants", ""], ["externe", "P-1", "", ""]]
    rows += [["externe", "P-2", "", ""]]
    dry = import_members(csv_file(rows), body=body, effective_date=DAY, dry_run=True)
    assert len(dry.result.updated) == 1
    (line,) = [d for d in dry.details() if "Bruno Petit" in d]
    assert "Collège" in line and "Au titre de" in line and "cleared" in line
    import_members(csv_file(rows), body=body, effective_date=DAY)
    after = {name: (m.college_id, m.on_behalf_of_id) for name, m in seats(body).items()}
    assert after["Alice Martin"] == (residents.pk, None)
    assert after["Bruno Petit"] == (None, None)


def test_the_entry_of_a_row_has_no_key_for_an_absent_column(council):
    body, *_ = council
    sent = []

    def parse(entries):
        sent.extend(entries)
        return parse_member_entries(entries)

    rows = [["Identifiant", "Type d'identifiant"], ["P-0", "externe"]]
    spreadsheet.import_members(csv_file(rows), body=body, effective_date=DAY, parse_entries=parse)
    assert sent == [{"identifier": {"scheme": "external", "issuer": "", "value": "P-0"}}]


# --- 2. names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers,cells",
    [
        (["Nom", "Prénom"], ["Dupont", "Marie"]),
        (["Prénom", "Nom"], ["Marie", "Dupont"]),
        (["Nom Prénom"], ["DUPONT Marie"]),
        (["Prénom Nom"], ["Marie Dupont"]),
        (["Nom complet"], ["Marie DUPONT"]),
    ],
)
def test_names_fill_given_and_family_names(headers, cells):
    body = BodyFactory()
    rows = [[*headers, "Catégorie"], [*cells, "habitante"]]
    result = import_members(csv_file(rows), body=body, effective_date=DAY)
    assert len(result.result.created) == 1
    actor = Membership.objects.get(body=body).actor
    assert (actor.given_name, actor.family_name.capitalize(), actor.kind) == (
        "Marie",
        "Dupont",
        "person",
    )
    assert actor.name.casefold() in ("marie dupont", "dupont marie")


def test_nom_beside_prenom_is_the_family_name():
    table = read_table(csv_file([["Nom", "Prénom", "Rôle"], ["Dupont", "Marie", "membre"]]))
    assert table.columns == {"family_name": "Nom", "given_name": "Prénom", "role": "Rôle"}
    table = read_table(csv_file([["Nom", "Rôle"], ["Les Amis", "membre"]]))
    assert table.columns == {"name": "Nom", "role": "Rôle"}


@pytest.mark.parametrize(
    "full,order,expected",
    [
        ("DUPONT Marie", None, ("Marie", "DUPONT")),
        ("Marie DUPONT", None, ("Marie", "DUPONT")),
        ("LE GALL Anne-Marie", None, ("Anne-Marie", "LE GALL")),
        ("Marie Dupont", "given_first", ("Marie", "Dupont")),
        ("Dupont Marie", "family_first", ("Marie", "Dupont")),
        ("Marie Dupont", None, ("", "")),
        ("Marie", "given_first", ("", "")),
    ],
)
def test_split_full_name(full, order, expected):
    assert split_full_name(full, order) == expected


@settings(max_examples=60, deadline=None)
@given(
    given_name=st.text("abcdéèïç-", min_size=2, max_size=8).filter(
        lambda s: s.strip("-") == s and "--" not in s
    ),
    family_name=st.text("abcdeéô", min_size=2, max_size=8),
)
def test_split_full_name_gives_back_the_parts(given_name, family_name):
    given_name = given_name.capitalize()
    assert split_full_name(f"{family_name.upper()} {given_name}", None) == (
        given_name,
        family_name.upper(),
    )
    assert split_full_name(f"{given_name} {family_name}", "given_first") == (
        given_name,
        family_name,
    )


# --- 3. the header row below title rows --------------------------------------------------


def test_the_header_row_is_found_below_title_rows():
    rows = [
        ["Conseil de quartier Centre", "", ""],
        ["Liste des membres au 1er septembre 2025"],
        ["", "", ""],
        ["Type d'identifiant", "Identifiant", "Rôle"],
        ["externe", "P-0", "membre"],
    ]
    for data in (csv_file(rows), xlsx_file(rows)):
        table = read_table(data)
        assert table.header_row == 4 and table.rows[0].number == 5
        assert table.columns["identifier"] == "Identifiant"


def test_a_file_without_headers_says_where_they_are_expected_and_which_are_known():
    rows = [["Conseil de quartier"], ["Liste"], ["Foo", "Bar"], ["1", "2"]]
    with pytest.raises(ImportFailed) as caught:
        read_table(csv_file(rows))
    message = caught.value.errors["file"][0]
    assert "first 20 rows" in message
    assert "Identifier scheme" in message and "Type d'identifiant" in message


def test_a_members_file_without_an_identifying_column_says_so_with_its_other_problems():
    body = BodyFactory()
    rows = [["Liste des membres"], ["Rôle", "Date de début"], ["membre", "31/02/2025"]]
    with pytest.raises(ImportFailed) as caught:
        import_members(csv_file(rows), body=body, effective_date=DAY)
    by_place = {(p["row"], p["column"]): p["message"] for p in caught.value.problems}
    assert "'Id acteur', 'Identifiant', 'Nom complet'" in by_place[(2, None)]
    assert (3, "Date de début") in by_place


# --- 4. every problem at once, in the file's own headers, in French -----------------------


def test_a_bad_date_no_longer_hides_the_unknown_college_or_the_database_checks(council):
    body, *_ = council
    rows = [
        ["Type d'identifiant", "Identifiant", "Collège", "Date de début", "Rôle"],
        ["externe", "P-0", "Habitants", "31/02/2025", "membre"],  # bad date
        ["externe", "P-1", "Inconnu", "01/02/2025", "membre"],  # unknown college (database)
        ["externe", "P-9", "", "01/02/2025", "trésorier"],  # unknown role (cell)
        ["externe", "P-404", "", "", "membre"],  # unknown identifier (database)
    ]
    before = (ChangeRecord.objects.count(), Actor.objects.count())
    with pytest.raises(ImportFailed) as caught:
        import_members(csv_file(rows), body=body, effective_date=DAY)
    problems = {(p["row"], p["column"]) for p in caught.value.problems}
    assert {(2, "Date de début"), (3, "Collège"), (4, "Rôle"), (5, "Identifiant")} <= problems
    assert all(p["column"] in (None, *rows[0]) for p in caught.value.problems)
    assert before == (ChangeRecord.objects.count(), Actor.objects.count())


def test_a_column_the_file_lacks_is_named_by_its_header_in_the_files_language():
    body = BodyFactory()
    rows = [["Nom", "Rôle"], ["Sans Catégorie", "membre"]]
    with pytest.raises(ImportFailed) as caught:
        import_members(csv_file(rows), body=body, effective_date=DAY)
    columns = {p["column"] for p in caught.value.problems}
    assert "kind" not in columns and "category" not in columns
    assert columns & {"Type", "Catégorie"}


def test_messages_in_french():
    body = BodyFactory()
    rows = [["Nom", "Catégorie", "Date de début"], ["X", "inconnue", "31/02/2025"]]
    with translation.override("fr"), pytest.raises(ImportFailed) as caught:
        import_members(csv_file(rows), body=body, effective_date=DAY)
    text = " ".join(f"{k} {' '.join(v)}" for k, v in caught.value.errors.items())
    assert "ligne 2, colonne « Date de début »" in text
    assert "n'est pas une vraie date" in text and "Valeur inconnue" in text
    assert "ligne" in caught.value.detail


def test_problems_are_capped_and_say_how_many_more():
    body = BodyFactory()
    rows = [["Nom", "Date de début", "Catégorie"]]
    rows += [[f"P {n}", "99/99/2025", "habitant"] for n in range(MAX_PROBLEMS + 50)]
    with pytest.raises(ImportFailed) as caught:
        import_members(csv_file(rows), body=body, effective_date=DAY)
    assert len(caught.value.problems) == MAX_PROBLEMS + 1
    assert caught.value.problem_count == MAX_PROBLEMS + 50
    assert "50 more problems" in caught.value.errors["file"][0]


# --- 5. the dry run lists each change by name --------------------------------------------


def test_the_dry_run_lists_per_member_each_field_changed(council):
    body, *_ = council
    rows = [["Type d'identifiant", "Identifiant", "Rôle", "Identifiant externe"]]
    rows += [["externe", "P-0", "présidente", "S-0"], ["externe", "P-1", "membre", ""]]
    rows += [["externe", "P-2", "membre", "S-2"]]
    before = ChangeRecord.objects.count()
    result = import_members(csv_file(rows), body=body, effective_date=DAY, dry_run=True)
    assert ChangeRecord.objects.count() == before
    lines = result.details()
    assert any("Alice Martin" in line and "Rôle" in line for line in lines), lines
    assert any("Bruno Petit" in line and "Identifiant externe cleared" in line for line in lines)
    assert not any("Chloé Durand" in line for line in lines)


def test_an_import_dated_before_a_stored_end_keeps_it_and_says_so(tmp_path):
    """A resignation of 31/08/2026 is not rewritten by a list dated 01/02/2026."""
    body = BodyFactory()
    actor = ActorFactory(name="Denise Roux")
    actor_identifier_add(actor=actor, scheme="external", value="R-1")
    seat = MembershipFactory(
        body=body, actor=actor, end_date=dt.date(2026, 8, 31), end_reason="resigned"
    )
    path = tmp_path / "membres.csv"
    path.write_bytes(
        csv_file([["Identifiant", "Type d'identifiant"], ["Z-9", "externe"]]).getvalue()
    )
    out = io.StringIO()
    with pytest.raises(CommandError):  # Z-9 is no one: the file is refused...
        call_command("import_members", str(body.pk), str(path), "--date", "2026-02-01", stdout=out)
    other = ActorFactory(name="Zoé Blanc")
    actor_identifier_add(actor=other, scheme="external", value="Z-9")
    call_command(
        "import_members",
        str(body.pk),
        str(path),
        "--date",
        "2026-02-01",
        "--no-progress",
        stdout=out,
    )
    seat.refresh_from_db()
    assert (seat.end_date, seat.end_reason) == (dt.date(2026, 8, 31), "resigned")
    assert "Warning" in out.getvalue() and "Denise Roux" in out.getvalue(), out.getvalue()


# --- 6. 5,000 rows on SQLite (and PostgreSQL) ---------------------------------------------


def test_five_thousand_identifier_rows_dry_run_and_real_run_agree():
    body = BodyFactory()
    rows = [["Type d'identifiant", "Identifiant", "Nom", "Type", "Catégorie"]]
    rows += [["externe", f"N-{n}", f"Personne {n}", "personne", "habitant"] for n in range(5000)]
    data = xlsx_file(rows).getvalue()
    dry = import_members(
        io.BytesIO(data), filename="m.xlsx", body=body, effective_date=DAY, dry_run=True
    )
    assert Membership.objects.filter(body=body).count() == 0
    real = import_members(io.BytesIO(data), filename="m.xlsx", body=body, effective_date=DAY)
    counts = [
        (len(r.result.created), len(r.result.updated), len(r.result.ended)) for r in (dry, real)
    ]
    assert counts[0] == counts[1] == (5000, 0, 0)
    again = import_members(
        io.BytesIO(data), filename="m.xlsx", body=body, effective_date=DAY, dry_run=True
    )
    assert again.is_empty and len(again.result.unchanged) == 5000


def test_five_thousand_actor_rows_dry_run_and_real_run_agree():
    rows = [["Type d'identifiant", "Identifiant", "Nom", "Type", "Catégorie"]]
    rows += [
        ["rna", f"W{n:09d}", f"Association {n}", "organisation", "association"] for n in range(5000)
    ]
    data = csv_file(rows, "acteurs.csv").getvalue()
    dry = import_actors(io.BytesIO(data), filename="acteurs.csv", dry_run=True)
    assert Actor.objects.count() == 0
    real = import_actors(io.BytesIO(data), filename="acteurs.csv")
    assert len(dry.result.created) == len(real.result.created) == 5000
    ids = [[a.pk, f"Association {n}"] for n, a in enumerate(Actor.objects.order_by("pk"))]
    by_id = [["Id acteur", "Nom complet"], *ids]
    again = import_actors(csv_file(by_id, "acteurs.csv"), dry_run=True)
    assert again.is_empty and len(again.result.unchanged) == 5000


# --- 8. actors by id ----------------------------------------------------------------------


def test_an_actors_file_without_identifiers_imports_back_by_actor_id():
    alice = ActorFactory(name="Alice Martin", description="")
    rows = [["Id acteur", "Nom complet", "Description"], [alice.pk, "Alice Martin", "Habitante"]]
    result = import_actors(csv_file(rows, "acteurs.csv"))
    assert len(result.result.updated) == 1
    alice.refresh_from_db()
    assert alice.description == "Habitante"
    assert import_actors(csv_file(rows, "acteurs.csv")).is_empty


def test_an_actors_file_needs_an_id_or_identifier_columns():
    with pytest.raises(ImportFailed) as caught:
        import_actors(csv_file([["Nom complet", "Type"], ["X", "personne"]], "a.csv"))
    assert {p["column"] for p in caught.value.problems} >= {"Type d'identifiant", "Identifiant"}


# --- 7. the commands ----------------------------------------------------------------------


def test_commands_speak_french_show_the_dry_run_and_never_a_traceback(tmp_path, council):
    body, *_ = council
    path = tmp_path / "membres.csv"
    path.write_bytes(
        csv_file(
            [["Type d'identifiant", "Identifiant", "Rôle"], ["externe", "P-0", "présidente"]]
        ).getvalue()
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_members",
        str(body.pk),
        str(path),
        "--dry-run",
        "--date",
        DAY.isoformat(),
        "--lang",
        "fr",
        stdout=out,
        stderr=err,
    )
    text = out.getvalue()
    assert "rien n'a été écrit" in text and "Alice Martin" in text, text
    path.write_bytes(b"Nom;Date de d\xc3\xa9but\nX;31/02/2025\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_members", str(body.pk), str(path), "--no-progress", "--lang", "fr")
    assert str(caught.value).startswith("membres.csv: ") and "ligne 2" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        call_command("import_actors", str(tmp_path / "absent.csv"), "--no-progress")
    assert "absent.csv" in str(caught.value)


# --- any cell: a result or problems named by the file's headers, never a crash ------------

HEADERS = ["Id acteur", "Type d'identifiant", "Identifiant", "Nom", "Prénom", "Type"]
HEADERS += ["Catégorie", "Collège", "Rôle", "Au titre de", "Date de début", "Identifiant externe"]
KNOWN_HEADERS = {c.en for c in spreadsheet.columns.COLUMNS} | {
    c.fr for c in spreadsheet.columns.COLUMNS
}
cell_text = st.one_of(
    st.just(""),
    st.sampled_from(["externe", "P-0", "membre", "habitant", "personne", "01/02/2025", "1"]),
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters=';\n\r"\x00'), max_size=8
    ),
)


@settings(max_examples=40, deadline=None)
@given(
    columns=st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_any_cells_give_a_result_or_problems_named_by_headers(columns, data):
    body = BodyFactory()
    rows = [columns] + [
        [data.draw(cell_text) for _ in columns] for _ in range(data.draw(st.integers(1, 4)))
    ]
    try:
        import_members(csv_file(rows), body=body, effective_date=DAY, dry_run=True)
    except ImportFailed as exc:
        for problem in getattr(exc, "problems", []):
            assert problem["column"] in (None, *columns, *KNOWN_HEADERS), problem
