"""CSV/XLSX imports of a body's members and of actors (registry.importers.spreadsheet)."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from api.resources.bulk import parse_actor_items
from api.resources.members import parse_member_entries
from registry.exceptions import ImportFailed
from registry.importers import spreadsheet
from registry.importers.spreadsheet import read_table
from registry.models import Actor, ActorIdentifier, ChangeRecord, Membership
from registry.services.actors import actor_identifier_add
from tests.factories import ActorFactory, BodyFactory, CollegeFactory, MembershipFactory


def import_actors(*args, **kwargs):
    """The import as the upload view and the command call it: rows checked as bulk items."""
    return spreadsheet.import_actors(*args, parse_items=parse_actor_items, **kwargs)


def import_members(*args, **kwargs):
    """The import as the upload view and the command call it: rows checked by the API's entry serializers."""
    return spreadsheet.import_members(*args, parse_entries=parse_member_entries, **kwargs)


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, whatever language an earlier request left active."""
    with translation.override("en"):
        yield


DAY = dt.date(2025, 9, 1)


def write_csv(path, rows, delimiter=";", bom=False):
    text = "\n".join(delimiter.join(str(c) for c in row) for row in rows) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def _state(body):
    return sorted(
        (m.actor.name, m.role, m.start_date, m.end_date)
        for m in Membership.objects.filter(body=body).select_related("actor")
    )


@pytest.fixture
def body():
    return BodyFactory()


@pytest.fixture
def known(body):
    alice = ActorFactory(name="Alice Martin")
    actor_identifier_add(actor=alice, scheme="external", value="A-1")
    bruno = ActorFactory(name="Bruno Petit")
    return alice, bruno


FRENCH = [
    ["Id acteur", "Schéma", "Identifiant", "Nom", "Type", "Catégorie", "Rôle", "Date de début"],
    ["", "externe", "A-1", "", "", "", "Présidente", "01/09/2024"],
    ["{bruno}", "", "", "", "", "", "vice-président(e)", "2024-09-01"],
    ["", "externe", "N-7", "Chloé Durand", "personne", "habitante", "membre", "15/01/2025"],
]


def _french(bruno):
    return [[c.replace("{bruno}", str(bruno.pk)) for c in row] for row in FRENCH]


@pytest.mark.parametrize("delimiter,bom", [(";", True), (",", False), (";", False)])
def test_member_sync_from_french_csv_then_empty_second_import(
    tmp_path, body, known, delimiter, bom
):
    alice, bruno = known
    leaver = MembershipFactory(body=body, start_date=dt.date(2020, 1, 1))
    path = write_csv(tmp_path / "membres.csv", _french(bruno), delimiter=delimiter, bom=bom)

    result = import_members(path, body=body, effective_date=DAY)
    assert (len(result.result.created), len(result.result.ended)) == (3, 1)
    assert _state(body) == sorted(
        [
            ("Alice Martin", "president", dt.date(2024, 9, 1), None),
            ("Bruno Petit", "vice_president", dt.date(2024, 9, 1), None),
            ("Chloé Durand", "member", dt.date(2025, 1, 15), None),
            (leaver.actor.name, "member", dt.date(2020, 1, 1), DAY),
        ]
    )
    chloe = Actor.objects.get(name="Chloé Durand")
    assert (chloe.kind, chloe.category) == ("person", "resident")
    assert ActorIdentifier.objects.get(value="N-7").actor == chloe

    ledger = ChangeRecord.objects.count()
    again = import_members(path, body=body, effective_date=DAY)
    assert again.is_empty and len(again.result.unchanged) == 3
    assert ChangeRecord.objects.count() == ledger
    assert Actor.objects.filter(name="Chloé Durand").count() == 1


def test_member_sync_from_english_xlsx_with_date_cells(tmp_path, body, known):
    alice, bruno = known
    college = CollegeFactory(body=body, name="Habitants")
    path = write_xlsx(
        tmp_path / "members.xlsx",
        [
            [
                "actor_id",
                "Scheme",
                "Identifier",
                "Name",
                "Kind",
                "Category",
                "College",
                "Role",
                "Start date",
                "Notes",
            ],
            [
                None,
                "external",
                "A-1",
                None,
                None,
                None,
                "habitants",
                "member",
                dt.datetime(2024, 3, 1),
                "x",
            ],
            [bruno.pk, None, None, None, None, None, college.pk, "secretary", "2024-03-02", None],
            [None, None, None, None, None, None, None, None, None, None],
            [
                None,
                "siren",
                123456789,
                "Les Amis",
                "organisation",
                "association",
                None,
                None,
                None,
                None,
            ],
        ],
    )
    result = import_members(path, body=body, effective_date=DAY)
    assert result.ignored_columns == ["Notes"]
    members = {
        m.actor.name: m for m in Membership.objects.filter(body=body).select_related("actor")
    }
    assert members["Alice Martin"].college_id == college.pk
    assert members["Alice Martin"].start_date == dt.date(2024, 3, 1)
    assert members["Bruno Petit"].role == "secretary"
    assert members["Les Amis"].start_date == DAY
    assert ActorIdentifier.objects.get(scheme="siren").value == "123456789"
    assert import_members(path, body=body, effective_date=DAY).is_empty


def test_file_like_object_with_filename(body, known):
    alice, _bruno = known
    data = io.BytesIO(b"identifier,scheme,role\nA-1,external,member\n")
    result = import_members(data, body=body, effective_date=DAY, filename="upload.csv")
    assert [c["actor"] for c in result.result.created] == [alice.pk]


def test_errors_name_row_and_column_and_write_nothing(tmp_path, body, known):
    alice, bruno = known
    MembershipFactory(body=body, actor=alice)
    before = (_state(body), Actor.objects.count(), ChangeRecord.objects.count())
    path = write_csv(
        tmp_path / "membres.csv",
        [
            [
                "Id acteur",
                "Schéma",
                "Identifiant",
                "Nom",
                "Type",
                "Catégorie",
                "Rôle",
                "Date de début",
            ],
            ["", "externe", "A-1", "", "", "", "membre", "31/02/2024"],
            [str(bruno.pk), "", "", "", "", "", "trésorier", "2024-01-01"],
            ["99999", "", "", "", "", "", "membre", ""],
            ["", "", "", "Sans Type", "", "habitant", "membre", ""],
            ["", "externe", "INCONNU", "", "", "", "", ""],
            ["", "", "", "", "", "", "", ""],
            ["", "", "", "Orga", "organisation", "habitant", "", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_members(path, body=body, effective_date=DAY)
    problems = {(p["row"], p["column"]) for p in exc.value.problems}
    assert (2, "Date de début") in problems
    assert (3, "Rôle") in problems
    assert "row 2, column 'Date de début'" in exc.value.errors
    assert before == (_state(body), Actor.objects.count(), ChangeRecord.objects.count())

    # Once the values parse, the service's own checks come back as rows and columns.
    path = write_csv(
        tmp_path / "membres2.csv",
        [
            ["Id acteur", "Schéma", "Identifiant", "Nom", "Type", "Catégorie", "Rôle"],
            ["99999", "", "", "", "", "", "membre"],
            ["", "", "", "Sans Type", "", "habitant", "membre"],
            ["", "externe", "INCONNU", "", "", "", ""],
            ["", "", "", "", "", "", ""],
            ["", "", "", "Orga", "organisation", "", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_members(path, body=body, effective_date=DAY)
    problems = {(p["row"], p["column"]) for p in exc.value.problems}
    assert {(2, "Id acteur"), (3, "Type"), (4, "Identifiant"), (6, "Catégorie")} <= problems
    assert before == (_state(body), Actor.objects.count(), ChangeRecord.objects.count())


def test_dry_run_writes_nothing(tmp_path, body, known):
    _alice, bruno = known
    path = write_csv(tmp_path / "membres.csv", _french(bruno))
    before = (_state(body), Actor.objects.count(), ChangeRecord.objects.count())
    result = import_members(path, body=body, effective_date=DAY, dry_run=True)
    assert result.dry_run and len(result.result.created) == 3
    assert before == (_state(body), Actor.objects.count(), ChangeRecord.objects.count())


def test_read_table_headers_and_bad_files(tmp_path):
    path = write_csv(
        tmp_path / "a.csv", [["NOM", "date_de_debut", "ROLE"], ["x", "1/2/2024", "membre"]]
    )
    table = read_table(path)
    assert table.columns == {"name": "NOM", "start_date": "date_de_debut", "role": "ROLE"}
    assert table.rows[0].number == 2
    with pytest.raises(ImportFailed):
        read_table(write_csv(tmp_path / "b.csv", [["nom", "Nom"], ["x", "y"]]))
    with pytest.raises(ImportFailed):
        read_table(io.BytesIO(b"not a zip"), filename="x.xlsx")
    with pytest.raises(ImportFailed):
        read_table(io.BytesIO(b"a,b"), filename="x.pdf")


def test_import_actors_csv_and_xlsx(tmp_path):
    path = write_csv(
        tmp_path / "acteurs.csv",
        [
            ["Schéma", "Identifiant", "Nom", "Type", "Catégorie", "Date de création", "Pouvoir"],
            ["rna", "W1", "Les Amis du Parc", "organisation", "association", "04/05/2001", "3"],
            ["externe", "P-1", "Alice Martin", "personne", "élue", "", ""],
        ],
        delimiter=",",
        bom=True,
    )
    result = import_actors(path)
    assert len(result.result.created) == 2
    amis = Actor.objects.get(identifiers__value="W1")
    assert (amis.founding_date, amis.power, amis.kind) == (dt.date(2001, 5, 4), 3, "organization")
    assert import_actors(path).is_empty

    xlsx = write_xlsx(
        tmp_path / "actors.xlsx",
        [["scheme", "identifier", "name", "power"], ["rna", "W1", "Amis du Parc", 4]],
    )
    ledger = ChangeRecord.objects.count()
    dry = import_actors(xlsx, dry_run=True)
    assert dry.result.updated[0]["changes"] == {
        "name": ["Les Amis du Parc", "Amis du Parc"],
        "power": [3, 4],
    }
    assert ChangeRecord.objects.count() == ledger
    import_actors(xlsx)
    amis.refresh_from_db()
    assert (amis.name, amis.power, amis.category) == ("Amis du Parc", 4, "association")


def test_import_actors_errors(tmp_path):
    path = write_csv(
        tmp_path / "acteurs.csv",
        [
            ["scheme", "identifier", "name", "kind", "category", "power"],
            ["rna", "W1", "Ok", "organization", "association", "1"],
            ["rna", "W2", "Bad", "organization", "resident", "9"],
            ["", "", "No id", "person", "resident", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_actors(path)
    problems = {(p["row"], p["column"]) for p in exc.value.problems}
    assert (4, "identifier") in problems
    assert Actor.objects.count() == 0
    path = write_csv(
        tmp_path / "acteurs2.csv",
        [
            ["scheme", "identifier", "name", "kind", "category", "power"],
            ["rna", "W1", "Ok", "organization", "association", "1"],
            ["rna", "W2", "Bad", "organization", "association", "9"],
            ["rna", "W3", "", "organization", "association", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_actors(path)
    problems = {(p["row"], p["column"]) for p in exc.value.problems}
    assert problems == {(3, "power"), (4, "name")}
    assert Actor.objects.count() == 0


def test_commands(tmp_path, body, known):
    _alice, bruno = known
    path = write_csv(tmp_path / "membres.csv", _french(bruno))
    out = io.StringIO()
    call_command(
        "import_members", str(body.pk), str(path), "--date", "2025-09-01", "--dry-run", stdout=out
    )
    assert "Dry run" in out.getvalue() and Membership.objects.filter(body=body).count() == 0
    call_command("import_members", str(body.pk), str(path), "--date", "2025-09-01", stdout=out)
    assert Membership.objects.filter(body=body).count() == 3

    bad = write_csv(
        tmp_path / "bad.csv", [["nom", "type", "catégorie", "rôle"], ["X", "robot", "", "chef"]]
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_members", str(body.pk), str(bad), stdout=out)
    assert "row 2, column 'type'" in str(exc.value) and "row 2, column 'rôle'" in str(exc.value)

    actors = write_csv(
        tmp_path / "a.csv",
        [
            ["schema", "identifiant", "nom", "type", "categorie"],
            ["rna", "W9", "Asso", "organisation", "association"],
        ],
    )
    out = io.StringIO()
    call_command("import_actors", str(actors), stdout=out)
    assert "1 created" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_actors", str(bad))


def test_duplicate_member_named_by_spreadsheet_row(tmp_path, body, known):
    _alice, bruno = known
    path = write_csv(
        tmp_path / "membres.csv",
        [["id acteur", "rôle"], [str(bruno.pk), "membre"], ["", ""], [str(bruno.pk), "membre"]],
    )
    with pytest.raises(ImportFailed) as exc:
        import_members(path, body=body, effective_date=DAY)
    assert exc.value.errors == {"row 4, column 'id acteur'": ["Same actor and role as row 2."]}


def test_all_row_problems_reported_at_once(tmp_path, body):
    path = write_csv(
        tmp_path / "membres.csv",
        [
            ["Nom", "Type", "Catégorie", "Rôle", "Date de début"],
            ["X", "robot", "habitante", "chef", "31/02/2024"],
            ["Y", "personne", "association", "membre", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_members(path, body=body, effective_date=DAY)
    assert set(exc.value.errors) == {
        "row 2, column 'Type'",
        "row 2, column 'Rôle'",
        "row 2, column 'Date de début'",
        "row 3, column 'Catégorie'",
    }
    assert exc.value.detail.startswith("2 rows of the file are not valid")
    out = io.StringIO()
    call_command(
        "import_actors",
        str(
            write_csv(
                tmp_path / "a.csv",
                [
                    ["scheme", "identifier", "name", "type", "catégorie"],
                    ["rna", "W", "A", "organisation", "collectif"],
                ],
            )
        ),
        "--verbosity",
        "2",
        "--dry-run",
        stdout=out,
    )
    assert "1 row)" in out.getvalue()


def test_new_identified_actors_not_created_when_another_row_fails(tmp_path, body):
    before = (Actor.objects.count(), ChangeRecord.objects.count())
    path = write_csv(
        tmp_path / "membres.csv",
        [
            ["id acteur", "schéma", "identifiant", "nom", "type", "catégorie"],
            ["", "externe", "N-1", "Nouvelle", "personne", "habitante"],
            ["99999", "", "", "", "", ""],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_members(path, body=body, effective_date=DAY)
    assert set(exc.value.errors) == {"row 3, column 'id acteur'"}
    assert (Actor.objects.count(), ChangeRecord.objects.count()) == before


def test_actor_rows_are_checked_as_bulk_items(tmp_path):
    """A row goes through the bulk item serializer: its bounds and shapes, named by row and
    column (the service alone did not bound the name)."""
    path = write_csv(
        tmp_path / "acteurs.csv",
        [
            ["scheme", "identifier", "name", "kind", "category"],
            ["rna", "W1", "N" * 301, "organization", "association"],
            ["rna", "W2", "Ok", "organization", "association"],
        ],
    )
    with pytest.raises(ImportFailed) as exc:
        import_actors(path)
    assert {(p["row"], p["column"]) for p in exc.value.problems} == {(2, "name")}
    assert Actor.objects.count() == 0
