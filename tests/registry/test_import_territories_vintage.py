"""The COG importer across vintages: populations and their year, the vintage remembered,
older vintages refused, what a newer vintage creates dated, ended délégués' successors.

Hand-made vintages (``tests.registry.cog_files``): year N imported as 2025, N+1 as 2026.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.management import CommandError

from registry import tracking
from registry.importers.cog import import_cog
from registry.models import ChangeRecord, CogVintage, Territory
from tests.api.conftest import client_for, make_key
from tests.conftest import EXTRACT_DIR
from tests.registry.cog_files import (
    MGP,
    _commune,
    counts,
    get,
    row,
    run,
    vintage_n,
    vintage_n1,
    write,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def n_2025(tmp_path):
    directory = write(tmp_path / "n", vintage_n())
    run(directory, "--vintage", "2025")
    return directory


@pytest.fixture
def n1_2026(n_2025, tmp_path):
    directory = write(tmp_path / "n1", vintage_n1())
    run(directory, "--vintage", "2026")
    return directory


# --- populations -------------------------------------------------------------------------


def test_populations_and_their_years_are_stored_in_columns(n_2025):
    amont = get("commune", "93001")
    # communes.json gives the population municipale only; 2025 - 3 = 2022 by default.
    assert (amont.population, amont.population_total, amont.population_year) == (1000, None, 2022)
    mgp = get("epci", MGP)
    # epci.json gives both measures, of the year before (2025 - 4).
    assert (mgp.population, mgp.population_total, mgp.population_year) == (2200, 2300, 2021)
    assert mgp.extra == {"financing": "FPU"}  # no copy of the figures
    # No figure, no year: régions, départements, EPTs without populations.
    region = get("region", "11")
    assert (region.population, region.population_total, region.population_year) == (
        None,
        None,
        None,
    )
    assert get("ept", "200057001").population_year is None


def test_population_year_options_override_the_defaults(tmp_path):
    data = vintage_n()
    data["ept"][0].update(populationTotale=1600, populationMunicipale=1500)
    directory = write(tmp_path / "n", data)
    output = run(
        directory,
        "--vintage",
        "2025",
        "--population-year",
        "2020",
        "--epci-population-year",
        "2019",
    )
    assert get("commune", "93002").population_year == 2020
    ept = get("ept", "200057001")
    assert (ept.population, ept.population_total, ept.population_year) == (1500, 1600, 2019)
    assert "vintage: COG 2025 (populations: communes 2020, EPCI and EPT 2019)" in output
    held = CogVintage.objects.get()
    assert (held.vintage, held.population_year, held.epci_population_year) == (2025, 2020, 2019)


def test_a_new_population_year_updates_the_territories(n_2025):
    run(n_2025, "--vintage", "2025", "--population-year", "2021")
    assert get("commune", "93001").population_year == 2021
    assert get("epci", MGP).population_year == 2021  # its default, unchanged (2025 - 4)
    assert CogVintage.objects.get().population_year == 2021


@pytest.mark.parametrize(
    ("option", "value"),
    [("--vintage", "26"), ("--vintage", "x2026"), ("--population-year", "3000")],
)
def test_bad_year_options_are_refused_naming_the_option(tmp_path, option, value):
    directory = write(tmp_path / "n", vintage_n())
    with pytest.raises(CommandError) as excinfo:
        run(directory, option, value)
    assert str(excinfo.value).startswith(f"{option} {value!r}: ")
    assert not Territory.objects.exists()


# --- the vintage, remembered; older ones refused ----------------------------------------


def test_the_vintage_is_remembered_through_the_ledger(n1_2026):
    held = CogVintage.objects.get()
    assert (held.vintage, held.imported_on) == (2026, dt.date(2026, 1, 1))
    records = ChangeRecord.objects.filter(model="registry.cogvintage").order_by("id")
    assert [(r.action, r.via) for r in records] == [("create", "import"), ("update", "import")]
    assert (records[1].before["vintage"], records[1].after["vintage"]) == (2025, 2026)


def test_the_same_vintage_again_changes_nothing(n1_2026):
    before = counts()
    output = run(n1_2026, "--vintage", "2026")
    assert "Nothing changed" in output
    assert counts() == before


def test_an_older_vintage_is_refused_naming_both_and_nothing_is_written(n1_2026, n_2025):
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        run(n_2025, "--vintage", "2025")
    message = str(excinfo.value)
    assert "COG 2025 vintage, older than the COG 2026 vintage the registry holds" in message
    assert "--force" in message and "nothing was written" in message
    assert counts() == before
    assert get("commune", "93002").valid_until == dt.date(2026, 1, 1)  # not revived


def test_force_imports_an_older_vintage(n1_2026, n_2025):
    output = run(n_2025, "--vintage", "2025", "--force", "--date", "2026-03-01")
    aval = get("commune", "93002")
    assert aval.valid_until is None and aval.successor_id is None  # revived, as asked
    assert get("commune_deleguee", "93002").valid_until == dt.date(2026, 3, 1)
    assert CogVintage.objects.get().vintage == 2025
    assert "vintage: COG 2025" in output and "over COG 2026" in output


def test_files_of_unknown_vintage_are_refused_over_a_known_one(n_2025, tmp_path):
    before = counts()
    with pytest.raises(CommandError, match=r"holds the COG 2025 vintage .* give --vintage YEAR"):
        run(write(tmp_path / "n1", vintage_n1()))
    assert counts() == before


def test_the_vintage_is_read_from_the_npm_package(tmp_path):
    package = tmp_path / "decoupage-administratif"
    write(package / "data", vintage_n())
    (package / "package.json").write_text(
        json.dumps({"name": "@etalab/decoupage-administratif", "version": "5.2.0"}), "utf-8"
    )
    result = import_cog(package / "data")
    assert result.vintage == 2025
    assert CogVintage.objects.get().vintage == 2025
    assert get("commune", "93001").population_year == 2022


def test_another_package_json_says_nothing(tmp_path):
    directory = write(tmp_path / "n", vintage_n())
    (directory / "package.json").write_text(json.dumps({"name": "x", "version": "6.0.0"}))
    assert import_cog(directory).vintage is None
    assert not CogVintage.objects.exists()
    assert get("commune", "93001").population_year is None


# --- a newer vintage dates what it creates ----------------------------------------------


def test_a_newer_vintage_dates_what_it_creates_and_ends(n1_2026):
    # The first import created the country as it was: no start known.
    assert get("commune", "93001").valid_from is None
    deleguee = get("commune_deleguee", "93002")
    assert deleguee.valid_from == dt.date(2026, 1, 1)  # first appears in 2026
    aval = get("commune", "93002")
    assert aval.valid_until == dt.date(2026, 1, 1)
    assert aval.successor_id == get("commune", "93001").pk
    on = Territory.objects.filter(code="93002")
    assert list(on.valid_on(dt.date(2025, 12, 31)).values_list("level", flat=True)) == ["commune"]
    assert list(on.valid_on(dt.date(2026, 1, 1)).values_list("level", flat=True)) == [
        "commune_deleguee"
    ]


def test_within_and_as_of_never_list_a_commune_and_its_successor_together(n1_2026):
    _key, secret = make_key()
    client = client_for(secret)

    def codes(as_of: str) -> list[tuple[str, str]]:
        response = client.get(
            "/api/territories/",
            {"within": "departement:93", "as_of": as_of, "level": ["commune", "commune_deleguee"]},
        )
        assert response.status_code == 200, response.content
        return sorted((t["level"], t["code"]) for t in response.json()["results"])

    assert codes("2025-06-01") == [("commune", "93001"), ("commune", "93002"), ("commune", "93003")]
    assert codes("2026-06-01") == [
        ("commune", "93001"),
        ("commune", "93003"),
        ("commune_deleguee", "93002"),
    ]


def test_the_date_option_dates_both_ends(n_2025, tmp_path):
    run(write(tmp_path / "n1", vintage_n1()), "--vintage", "2026", "--date", "2026-03-01")
    assert get("commune_deleguee", "93002").valid_from == dt.date(2026, 3, 1)
    assert get("commune", "93002").valid_until == dt.date(2026, 3, 1)
    assert CogVintage.objects.get().imported_on == dt.date(2026, 3, 1)


# --- ended communes déléguées and associées get their chef-lieu -------------------------


def _with_associee() -> dict[str, list[dict]]:
    """N+1, plus an associée of Centre."""
    data = vintage_n1()
    data["communes"].append(_commune("93004", "Annexe", type="commune-associee", chefLieu="93003"))
    return data


def test_an_ended_deleguee_gets_its_chef_lieu_as_successor(n_2025, tmp_path):
    run(write(tmp_path / "n1", _with_associee()), "--vintage", "2026")
    # 2027: the déléguée is dissolved and no anciensCodes names it any more.
    data = _with_associee()
    data["communes"] = [c for c in data["communes"] if c["code"] != "93002"]
    data["communes"][0].pop("anciensCodes")
    run(write(tmp_path / "n2", data), "--vintage", "2027")
    deleguee = get("commune_deleguee", "93002")
    assert deleguee.valid_until == dt.date(2027, 1, 1)
    assert deleguee.successor_id == get("commune", "93001").pk


def test_an_ended_associee_whose_chef_lieu_ended_too_gets_no_successor(n_2025, tmp_path):
    run(write(tmp_path / "n1", _with_associee()), "--vintage", "2026")
    data = _with_associee()
    data["communes"] = [c for c in data["communes"] if c["code"] not in ("93003", "93004")]
    data["epci"][0]["membres"] = [{"code": "93001"}]
    data["ept"][0]["membres"] = [{"code": "93001"}]
    run(write(tmp_path / "n2", data), "--vintage", "2027")
    associee = get("commune_associee", "93004")
    assert associee.valid_until == dt.date(2027, 1, 1)
    assert associee.successor_id is None
    assert get("commune", "93003").successor_id is None


def test_a_deleguee_ended_earlier_without_successor_gets_one_on_the_next_run(n_2025, tmp_path):
    """A registry filled by the former importer: its ended délégués had no successor."""
    run(write(tmp_path / "n1", _with_associee()), "--vintage", "2026")
    data = _with_associee()
    data["communes"] = [c for c in data["communes"] if c["code"] != "93002"]
    data["communes"][0].pop("anciensCodes")
    n2 = write(tmp_path / "n2", data)
    run(n2, "--vintage", "2027")
    with tracking.change_context(via="test"):
        tracking.update(get("commune_deleguee", "93002"), {"successor": None})
    output = run(n2, "--vintage", "2027")
    assert get("commune_deleguee", "93002").successor_id == get("commune", "93001").pk
    assert row("commune_deleguee", 0, 1, 0, 0) in output
    assert "Nothing changed" in run(n2, "--vintage", "2027")


def test_a_deleguee_restored_as_a_commune_has_that_commune_as_successor(n1_2026, n_2025):
    run(n_2025, "--vintage", "2025", "--force", "--date", "2026-03-01")
    deleguee = get("commune_deleguee", "93002")
    assert deleguee.valid_until == dt.date(2026, 3, 1)
    assert deleguee.successor_id == get("commune", "93002").pk


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"vintage": 2024}, "contradicts"),  # the extract's package.json says 2026
        ({"vintage": 2026, "population_year": 2999}, "--population-year 2999"),
        ({"vintage": 2026, "epci_population_year": 2026}, "--epci-population-year 2026"),
        ({"vintage": 2926}, "--vintage 2926"),
    ],
)
def test_a_vintage_or_census_year_the_files_or_the_calendar_contradict_is_refused(options, says):
    from registry.exceptions import ImportFailed

    with pytest.raises(ImportFailed, match=re.escape(says)):
        import_cog(EXTRACT_DIR, **options)
    assert not Territory.objects.exists()
