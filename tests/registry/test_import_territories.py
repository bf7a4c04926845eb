"""``manage.py import_territories``: the COG importer (registry.importers.cog).

The committed extract is imported once for the module (inside a transaction
rolled back at the end); vintage changes and malformed inputs use small
hand-made folders written in ``tmp_path``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError
from django.db import DatabaseError, transaction

from registry import tracking
from registry.exceptions import ImportFailed
from registry.importers import cog
from registry.importers.cog import import_cog
from registry.models import (
    ChangeRecord,
    Territory,
    TerritoryClosure,
    TerritoryRelation,
)
from registry.services.territories import closure_rebuild, territory_create
from tests.conftest import EXTRACT_DIR, check_deferred_constraints
from tests.registry.cog_files import (
    MGP,
    counts,
    get,
    row,
    run,
    vintage_n,
    vintage_n1,
    write,
)

pytestmark = pytest.mark.django_db

LEVEL_OF_TYPE = {
    "commune-actuelle": "commune",
    "commune-deleguee": "commune_deleguee",
    "commune-associee": "commune_associee",
    "arrondissement-municipal": "arrondissement_municipal",
}


# --- the committed extract ----------------------------------------------------------


@pytest.fixture(scope="class")
def extract(django_db_setup, django_db_blocker):
    """The extract imported once for the class; each test runs in a savepoint within."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = run(EXTRACT_DIR, "--date", "2026-01-01")
        check_deferred_constraints()
        yield output
        transaction.set_rollback(True)


def _extract_file(name: str) -> list[dict]:
    return json.loads((EXTRACT_DIR / f"{name}.json").read_text(encoding="utf-8"))


class TestExtract:
    """The committed extract (registry/data/cog-extract), imported once."""

    def test_extract_counts_per_level(self, extract):
        expected = Counter(
            {
                "region": len(_extract_file("regions")),
                "departement": len(_extract_file("departements")),
                "arrondissement": len(_extract_file("arrondissements")),
                "epci": len(_extract_file("epci")),
                "ept": len(_extract_file("ept")),
            }
        )
        expected.update(LEVEL_OF_TYPE[c["type"]] for c in _extract_file("communes"))
        got = Counter(Territory.objects.values_list("level", flat=True))
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
        assert expected["commune"] == 1845
        assert got["commune_deleguee"] > 0 and got["commune_associee"] > 0
        # The summary reports what was created.
        assert row("commune", 1845, 0, 0, 0) in extract

    def test_paris_has_its_20_arrondissements_within(self, extract):
        paris = get("commune", "75056")
        within = Territory.objects.within(paris, include_self=False)
        assert within.filter(level="arrondissement_municipal").count() == 20
        assert within.count() == 20
        assert Territory.objects.within(get("departement", "75")).filter(code="75101").exists()
        assert Territory.objects.within(get("region", "11")).filter(code="75120").exists()
        assert paris.population == 2103778
        assert paris.siren == "217500016"
        assert "75116" in paris.extra["postcodes"]

    def test_ccavm_has_its_48_communes_within(self, extract):
        ccavm = get("epci", "200039758")
        assert ccavm.kind == "cc"
        assert ccavm.name == "CC Avallon, Vézelay, Morvan"
        assert ccavm.siren == "200039758"
        assert Territory.objects.within(ccavm).filter(level="commune").count() == 48
        avallon = get("commune", "89025")
        assert Territory.objects.within(get("departement", "89")).filter(pk=avallon.pk).exists()
        assert Territory.objects.within(get("region", "27")).filter(pk=avallon.pk).exists()

    def test_goussainville_within_its_departement_region_and_epci(self, extract):
        goussainville = get("commune", "95280")
        for level, code in [
            ("arrondissement", "952"),
            ("departement", "95"),
            ("region", "11"),
            ("epci", "200055655"),
        ]:
            assert Territory.objects.within(get(level, code)).filter(pk=goussainville.pk).exists()
        roissy = get("epci", "200055655")
        assert roissy.kind == "ca"
        assert Territory.objects.within(roissy).filter(level="commune").count() == 42
        # Its members in Seine-et-Marne came along, with their département.
        assert Territory.objects.within(roissy).filter(code__startswith="77").count() == 17

    def test_sub_communes_within_their_commune_and_departement(self, extract):
        baugy_deleguee = get("commune_deleguee", "18023")  # same code as its commune nouvelle
        baugy = get("commune", "18023")
        assert baugy_deleguee.pk != baugy.pk
        for parent in (baugy, get("departement", "18"), get("region", "24")):
            assert Territory.objects.within(parent).filter(pk=baugy_deleguee.pk).exists()
        relation = TerritoryRelation.objects.get(child=baugy_deleguee)
        assert (relation.parent_id, relation.kind) == (baugy.pk, "municipal")
        associee = get("commune_associee", "28011")
        assert Territory.objects.within(get("commune", "28023")).filter(pk=associee.pk).exists()
        assert Territory.objects.within(get("departement", "28")).filter(pk=associee.pk).exists()

    def test_relation_kinds_and_closure(self, extract):
        kinds = set(TerritoryRelation.objects.values_list("kind", flat=True))
        assert kinds == {"administrative", "intercommunal", "municipal"}
        # The closure is exactly what a full rebuild computes.
        stats = closure_rebuild()
        assert (stats.inserted, stats.deleted, stats.updated) == (0, 0, 0)
        # Every territory is within itself.
        assert TerritoryClosure.objects.filter(depth=0).count() == Territory.objects.count()

    def test_ledger_records_the_import(self, extract):
        records = ChangeRecord.objects.filter(via="import")
        assert records.filter(model="registry.territory", action="create").count() == (
            Territory.objects.count()
        )
        assert records.filter(model="registry.territoryrelation", action="create").count() == (
            TerritoryRelation.objects.count()
        )
        # Nothing else but the import (and the legal rules the migrations ship).
        assert not ChangeRecord.objects.exclude(via="import").exclude(via="migration").exists()
        record = records.filter(
            model="registry.territory", object_id=get("commune", "75056").pk
        ).get()
        assert record.after["name"] == "Paris"
        assert "2026-01-01" in record.reason

    def test_second_run_changes_nothing(self, extract):
        before = counts()
        stamps = dict(Territory.objects.values_list("pk", "updated_at"))
        output = run(EXTRACT_DIR, "--date", "2026-06-01")
        assert counts() == before
        assert dict(Territory.objects.values_list("pk", "updated_at")) == stamps
        assert "Nothing changed" in output
        assert row("commune", 0, 0, 1845, 0) in output
        assert "relations: 0 added, 0 removed, 0 changed kind" in output


# --- hand-made vintages ---------------------------------------------------------------


@pytest.fixture
def year_n(tmp_path) -> Path:
    directory = write(tmp_path / "n", vintage_n())
    run(directory, "--date", "2025-01-01")
    return directory


def test_vintage_n_structure(year_n):
    mgp = get("epci", MGP)
    assert mgp.kind == "metropole"
    assert mgp.population == 2200
    assert (mgp.population_total, mgp.population_year) == (2300, None)
    assert mgp.extra == {"financing": "FPU"}
    ept = get("ept", "200057001")
    assert TerritoryRelation.objects.get(child=ept).parent_id == mgp.pk
    # A commune is within the metropolis directly and through its EPT.
    amont = get("commune", "93001")
    assert Territory.objects.within(ept).filter(pk=amont.pk).exists()
    assert TerritoryClosure.objects.get(ancestor=mgp, descendant=amont).depth == 1
    assert Territory.objects.within(get("region", "11")).filter(pk=amont.pk).exists()


def test_newer_vintage_ends_merges_and_renames(year_n, tmp_path):
    territories_before = Territory.objects.count()
    quartier = territory_create(
        level="quartier",
        code="93001-Q1",
        name="Le Haut",
        parents=[(get("commune", "93001"), "municipal")],
    )
    output = run(write(tmp_path / "n1", vintage_n1()), "--date", "2026-01-01")

    amont = get("commune", "93001")
    assert amont.name == "Amont-et-Aval"
    assert amont.population == 1500
    assert amont.extra["former_codes"] == ["93002"]
    assert amont.valid_until is None

    aval = get("commune", "93002")  # not deleted: ended, with its successor
    assert aval.valid_until == dt.date(2026, 1, 1)
    assert aval.successor_id == amont.pk
    assert Territory.objects.valid_on(dt.date(2026, 6, 1)).filter(pk=aval.pk).count() == 0
    assert Territory.objects.valid_on(dt.date(2025, 6, 1)).filter(pk=aval.pk).count() == 1

    deleguee = get("commune_deleguee", "93002")
    assert Territory.objects.within(amont).filter(pk=deleguee.pk).exists()
    assert Territory.objects.within(get("departement", "93")).filter(pk=deleguee.pk).exists()

    # Centre moved from EPT Deux (gone, ended) to EPT Un; the old link is removed.
    centre = get("commune", "93003")
    ept_un, ept_deux = get("ept", "200057001"), get("ept", "200057002")
    assert ept_deux.valid_until == dt.date(2026, 1, 1)
    assert Territory.objects.within(ept_un).filter(pk=centre.pk).exists()
    assert not Territory.objects.within(ept_deux).filter(pk=centre.pk).exists()
    removal = ChangeRecord.objects.get(model="registry.territoryrelation", action="delete")
    assert removal.via == "import"
    assert (removal.before["parent_id"], removal.before["child_id"]) == (ept_deux.pk, centre.pk)

    # Quartiers are not the importer's business: untouched, still linked.
    quartier.refresh_from_db()
    assert quartier.valid_until is None
    assert Territory.objects.within(amont).filter(pk=quartier.pk).exists()

    assert Territory.objects.count() == territories_before + 2  # the déléguée, the quartier
    assert row("commune", 0, 1, 1, 1) in output
    assert row("commune_deleguee", 1, 0, 0, 0) in output
    assert row("ept", 0, 0, 1, 1) in output
    assert "relations: 2 added, 1 removed" in output

    # Running the new vintage again changes nothing.
    ledger = ChangeRecord.objects.count()
    again = run(tmp_path / "n1", "--date", "2026-02-01")
    assert "Nothing changed" in again
    assert ChangeRecord.objects.count() == ledger
    assert get("commune", "93002").valid_until == dt.date(2026, 1, 1)


def test_a_territory_back_in_the_files_is_current_again(year_n, tmp_path):
    run(write(tmp_path / "n1", vintage_n1()), "--date", "2026-01-01")
    run(year_n, "--date", "2027-01-01")  # Aval restored (rétablissement)
    aval = get("commune", "93002")
    assert aval.valid_until is None and aval.successor_id is None
    assert get("commune", "93001").name == "Amont"


def test_import_function_returns_the_summary(year_n):
    result = import_cog(year_n, date=dt.date(2025, 1, 1))
    assert not result.changed
    assert result.levels["commune"].unchanged == 3
    assert result.relations_unchanged == TerritoryRelation.objects.count()


# --- malformed input: a clear error, nothing written ------------------------------------


BROKEN = {
    "invalid JSON": (
        "communes",
        None,
        ["communes.json", "invalid JSON", "line"],
    ),
    "missing field": (
        "communes",
        lambda rows: rows[1].pop("nom"),
        ["communes.json", "index 1", "'93002'", "missing field 'nom'"],
    ),
    "ill-typed field": (
        "communes",
        lambda rows: rows[2].update(population="700"),
        ["communes.json", "index 2", "'93003'", "'population' must be an integer"],
    ),
    "unknown parent": (
        "communes",
        lambda rows: rows[2].update(departement="99"),
        ["communes.json", "index 2", "'93003'", "unknown département '99'"],
    ),
    "unknown parent commune": (
        "communes",
        lambda rows: rows[1].update(chefLieu="93999"),
        ["communes.json", "index 1", "'93002'", "unknown commune '93999'"],
    ),
    "unknown member": (
        "ept",
        lambda rows: rows[0]["membres"].append({"code": "93999"}),
        ["ept.json", "index 0", "'200057001'", "unknown member commune '93999'"],
    ),
    "duplicate": (
        "communes",
        lambda rows: rows.append(copy.deepcopy(rows[2])),
        ["communes.json", "index 3", "'93003'", "duplicate", "index 2"],
    ),
    "unknown EPCI type": (
        "epci",
        lambda rows: rows[0].update(type="SIVOM"),
        ["epci.json", "index 0", MGP, "unknown type 'SIVOM'"],
    ),
    "not a list": (
        "regions",
        lambda rows: None,
        ["regions.json", "JSON array"],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_malformed_input_is_refused_and_nothing_written(case, year_n, tmp_path):
    name, breaker, expected = BROKEN[case]
    data = vintage_n1()  # valid changes alongside the broken record must not land either
    directory = write(tmp_path / "broken", data)
    if case == "invalid JSON":
        (directory / "communes.json").write_text('[{"code": "93001", "nom": ', "utf-8")
    elif case == "not a list":
        (directory / "regions.json").write_text('{"code": "11"}', "utf-8")
    else:
        breaker(data[name])
        write(directory, data)
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        run(directory, "--date", "2026-01-01")
    message = str(excinfo.value)
    for fragment in expected:
        assert fragment in message, message
    assert "nothing was written" in message
    assert counts() == before
    assert get("commune", "93001").name == "Amont"
    assert get("commune", "93002").valid_until is None


def test_missing_file_is_refused(tmp_path):
    directory = write(tmp_path / "n", vintage_n())
    (directory / "ept.json").unlink()
    with pytest.raises(CommandError, match=r"ept\.json, file not found"):
        run(directory)
    assert not Territory.objects.exists()


def test_a_database_failure_midway_rolls_everything_back(year_n, tmp_path, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(cog.writer, "closure_rebuild", broken)
    before = counts()
    with pytest.raises(ImportFailed, match="disk full"):
        import_cog(write(tmp_path / "n1", vintage_n1()), date=dt.date(2026, 1, 1))
    assert counts() == before
    assert get("commune", "93001").name == "Amont"


def test_bad_date_option(year_n):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(year_n, "--date", "01/01/2026")


def test_writes_go_through_the_ledger_only(year_n, tmp_path):
    """The importer never writes behind the ledger's back (the guard would refuse it)."""
    assert not tracking._writing.get()
    run(write(tmp_path / "n1", vintage_n1()), "--date", "2026-01-01")
    updates = ChangeRecord.objects.filter(model="registry.territory", action="update")
    assert set(updates.values_list("via", flat=True)) == {"import"}
    renamed = updates.get(object_id=get("commune", "93001").pk)
    assert renamed.before["name"] == "Amont" and renamed.after["name"] == "Amont-et-Aval"
