"""Round trip: a file exported by the API imports back unchanged; edited cells are the diff.

Both formats (CSV, XLSX) and both languages (English, French), through the upload
routes (``POST /api/bodies/{id}/members/import/``, ``POST /api/actors/import/``)
exactly as a collectivity's staff would: export, open, edit, import.
"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from registry.importers.spreadsheet.columns import COLUMN_BY_FIELD, value_label
from registry.models import Actor, ChangeRecord, Membership
from tests.api.export_world import (
    actors_url,
    build_world,
    current_members,
    members_url,
    read_csv,
    write_csv,
    xlsx_sheet,
)

pytestmark = pytest.mark.django_db

FORMATS = [("csv", "en"), ("csv", "fr"), ("xlsx", "en"), ("xlsx", "fr")]


@pytest.fixture
def world():
    return build_world()


def export(client, url: str, fmt: str, language: str) -> bytes:
    response = client.get(f"{url}?format={fmt}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    return response.content


def edit(content: bytes, fmt: str, language: str, *, cells=None, drop=()) -> bytes:
    """The file with ``cells`` ({(actor_id, field): value}) changed, rows of ``drop`` removed.

    Values are given as codes and written as the file's language writes them.
    """
    cells = cells or {}
    if fmt == "csv":
        _delimiter, rows = read_csv(content)
        headers = rows[0]
        out = [headers]
        for row in rows[1:]:
            actor_id = int(row[0])
            if actor_id in drop:
                continue
            for (target, name), value in cells.items():
                if target == actor_id:
                    row[headers.index(COLUMN_BY_FIELD[name].header(language))] = value_label(
                        name, value, language
                    )
            out.append(row)
        return write_csv(out, french=language == "fr")
    workbook, sheet = xlsx_sheet(content)
    headers = [c.value for c in sheet[1]]
    for number in range(sheet.max_row, 1, -1):
        actor_id = sheet.cell(number, 1).value
        if actor_id in drop:
            sheet.delete_rows(number)
            continue
        for (target, name), value in cells.items():
            if target == actor_id:
                column = headers.index(COLUMN_BY_FIELD[name].header(language)) + 1
                sheet.cell(number, column).value = value_label(name, value, language)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, url: str, content: bytes, fmt: str, language: str, *, dry_run=False):
    name = f"export.{fmt}"
    file = io.BytesIO(content)
    file.name = name
    query = "?dry_run=true" if dry_run else ""
    return client.post(
        url + query, {"file": file}, format="multipart", HTTP_ACCEPT_LANGUAGE=language
    )


def import_members_url(body) -> str:
    return reverse("body-members-import", kwargs={"pk": body.pk})


# --- members -----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "language"), FORMATS)
def test_members_export_imports_back_unchanged(full_client, world, fmt, language):
    before = current_members(world.body)
    records = ChangeRecord.objects.count()
    content = export(full_client, members_url(world.body), fmt, language)
    response = upload(full_client, import_members_url(world.body), content, fmt, language)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["updated"] == result["ended"] == []
    assert len(result["unchanged"]) == 4
    assert result["rows"] == 4
    assert result["ignored_columns"] == []
    assert current_members(world.body) == before
    assert ChangeRecord.objects.count() == records


@pytest.mark.parametrize(("fmt", "language"), FORMATS)
def test_members_edited_cells_are_exactly_the_changes(full_client, world, fmt, language):
    content = export(full_client, members_url(world.body), fmt, language)
    edited = edit(
        content,
        fmt,
        language,
        cells={(world.jean.pk, "college"): "Associations", (world.lea.pk, "role"): "secretary"},
        drop={world.outsider.pk},
    )
    url = import_members_url(world.body)
    dry = upload(full_client, url, edited, fmt, language, dry_run=True)
    assert dry.status_code == 200, dry.content
    result = dry.json()
    # Jean changes college (his seat is updated), Camille's row is gone (her seat ends),
    # Léa's role changes (her seat, found by its external id, is updated); Nadia is untouched.
    updated = {u["actor"]: u for u in result["updated"]}
    assert set(updated) == {world.jean.pk, world.lea.pk}
    assert set(updated[world.jean.pk]["changes"]) == {"college"}
    assert set(updated[world.lea.pk]["changes"]) == {"role"}
    assert [e["actor"] for e in result["ended"]] == [world.outsider.pk]
    assert result["created"] == []
    assert len(result["unchanged"]) == 1
    # The dry run wrote nothing; the real run writes exactly that.
    jean = Membership.objects.get(body=world.body, actor=world.jean, end_date__isnull=True)
    assert jean.college == world.residents
    real = upload(full_client, url, edited, fmt, language)
    assert real.status_code == 200, real.content
    jean.refresh_from_db()
    assert jean.college == world.associations
    lea = Membership.objects.get(body=world.body, actor=world.lea, end_date__isnull=True)
    assert lea.role == "secretary" and lea.external_id == "S-1"
    assert not Membership.objects.filter(
        body=world.body, actor=world.outsider, end_date__isnull=True
    ).exists()
    # And the new state exports and imports back unchanged too.
    again = export(full_client, members_url(world.body), fmt, language)
    result = upload(full_client, url, again, fmt, language, dry_run=True).json()
    assert result["created"] == result["updated"] == result["ended"] == []


@pytest.mark.parametrize(("fmt", "language"), [("csv", "fr"), ("xlsx", "en")])
def test_scoped_export_imports_back_unchanged(api_client_factory, world, fmt, language):
    # A key of the commune: the outside member comes as id and name only, and still
    # imports back as the same seat.
    client = api_client_factory(territory=world.commune)
    content = export(client, members_url(world.body), fmt, language)
    response = upload(client, import_members_url(world.body), content, fmt, language)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["updated"] == result["ended"] == []


# --- actors ------------------------------------------------------------------------------

#: Every exported actor row carries its ``Id acteur``, which the actors import sends as the
#: bulk item's ``id``: actors without any identifier are found too.


def commune_actors(world) -> set[int]:
    return set(
        Actor.objects.filter(territory__in=[world.commune, world.quartier]).values_list(
            "id", flat=True
        )
    )


@pytest.mark.parametrize(("fmt", "language"), FORMATS)
def test_actors_export_imports_back_unchanged(full_client, world, fmt, language):
    records = ChangeRecord.objects.count()
    content = export(full_client, actors_url(world.commune), fmt, language)
    response = upload(full_client, reverse("actor-import"), content, fmt, language)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["updated"] == []
    assert set(result["unchanged"]) == commune_actors(world)
    assert ChangeRecord.objects.count() == records


@pytest.mark.parametrize(("fmt", "language"), FORMATS)
def test_actors_edited_cells_are_exactly_the_changes(full_client, world, fmt, language):
    content = export(full_client, actors_url(world.commune), fmt, language)
    edited = edit(
        content,
        fmt,
        language,
        cells={
            (world.amicale.pk, "category"): "collective",
            (world.amicale.pk, "power"): "5",
            (world.jean.pk, "given_name"): "Jean-Baptiste",
        },
        # A row removed from an actors file changes nothing (the import never deletes).
        drop={world.nadia.pk},
    )
    url = reverse("actor-import")
    dry = upload(full_client, url, edited, fmt, language, dry_run=True)
    assert dry.status_code == 200, dry.content
    result = dry.json()
    assert result["created"] == []
    changes = {u["id"]: set(u["changes"]) for u in result["updated"]}
    assert changes == {world.amicale.pk: {"category", "power"}, world.jean.pk: {"given_name"}}
    assert set(result["unchanged"]) == commune_actors(world) - {
        world.amicale.pk,
        world.jean.pk,
        world.nadia.pk,
    }
    world.amicale.refresh_from_db()
    assert world.amicale.category == "association"
    assert upload(full_client, url, edited, fmt, language).status_code == 200
    world.amicale.refresh_from_db()
    world.jean.refresh_from_db()
    assert (world.amicale.category, world.amicale.power) == ("collective", 5)
    assert world.jean.given_name == "Jean-Baptiste"
    assert Actor.objects.filter(pk=world.nadia.pk).exists()


# --- CSV formula guard --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_formula_like_text_round_trips_exactly_in_csv(full_client, world, language):
    # The export writes "'=Collectif" (a spreadsheet runs "=..." as a formula); the import
    # drops that one "'" again, and text already starting with a quote keeps its own.
    from registry.services.actors import actor_update

    actor_update(actor=world.amicale, name="=Collectif des Coteaux", description="'+33 en tête")
    actor_update(actor=world.jean, description="-")
    records = ChangeRecord.objects.count()
    content = export(full_client, actors_url(world.commune), "csv", language)
    _delimiter, rows = read_csv(content)
    cells = {cell for row in rows for cell in row}
    assert {"'=Collectif des Coteaux", "''+33 en tête", "'-"} <= cells
    response = upload(full_client, reverse("actor-import"), content, "csv", language)
    assert response.status_code == 200, response.content
    result = response.json()
    assert result["created"] == result["updated"] == []
    assert ChangeRecord.objects.count() == records
    world.amicale.refresh_from_db()
    assert (world.amicale.name, world.amicale.description) == (
        "=Collectif des Coteaux",
        "'+33 en tête",
    )


def test_only_the_csv_guard_quote_is_dropped():
    from registry.importers.spreadsheet import read_table

    content = b"Name,Description\n'=A,'abc\n''=B,'\n'@C,x\n"
    table = read_table(io.BytesIO(content), format="csv")
    assert [(r.values["name"], r.values["description"]) for r in table.rows] == [
        ("=A", "'abc"),
        ("'=B", "'"),
        ("@C", "x"),
    ]
