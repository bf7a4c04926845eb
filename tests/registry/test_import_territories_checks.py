"""The COG importer refuses inconsistent files and unstorable values, naming file and record,
the same way on every database, and writes nothing then.

Run on SQLite and on PostgreSQL (``DATABASE_URL``): the messages asserted here are the
importer's own, made before the database sees a value, so they are the same on both.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.exceptions import ImportFailed
from registry.importers.cog import read_cog
from registry.importers.cog.spec import POPULATION_MAX
from registry.models import Territory
from tests.conftest import FULL_COG_DIR as FULL_COUNTRY
from tests.registry.cog_files import (
    MGP,
    _commune,
    counts,
    get,
    run,
    vintage_n,
    vintage_n1,
    write,
)

pytestmark = pytest.mark.django_db


def _two_departements() -> dict[str, list[dict]]:
    """Year N plus the Hauts-de-Seine and its arrondissement 921 (no commune of its own)."""
    data = vintage_n()
    data["departements"].append(
        {"code": "92", "region": "11", "chefLieu": "92050", "nom": "Hauts-de-Seine"}
    )
    data["arrondissements"].append(
        {"code": "921", "departement": "92", "region": "11", "chefLieu": "92004", "nom": "Anto"}
    )
    return data


def _second_epci(data: dict) -> None:
    data["epci"].append(
        {"code": "200000001", "nom": "CC Deux", "type": "CC", "membres": [{"code": "93003"}]}
    )


INCONSISTENT = {
    "département contradicts arrondissement": (
        lambda d: d["communes"][2].update(arrondissement="921"),
        "communes.json, record at index 2 (code '93003'): département '93' contradicts "
        "arrondissement '921' of département '92'",
    ),
    "région contradicts département": (
        lambda d: d["communes"][1].update(region="84"),
        "communes.json, record at index 1 (code '93002'): région '84' contradicts "
        "département '93' of région '11'",
    ),
    "arrondissement in another région": (
        lambda d: d["arrondissements"][0].update(region="84"),
        "arrondissements.json, record at index 0 (code '931'): région '84' contradicts "
        "département '93' of région '11'",
    ),
    "délégué in another département than its commune": (
        lambda d: d["communes"].append(
            _commune(
                "92001",
                "Ailleurs",
                type="commune-deleguee",
                chefLieu="93001",
                departement="92",
                arrondissement="921",
            )
        ),
        "communes.json, record at index 3 (code '92001'): département '92' contradicts its "
        "commune '93001' (field 'chefLieu') of département '93'",
    ),
    "commune in two EPCI à fiscalité propre": (
        _second_epci,
        "epci.json, record at index 1 (code '200000001'): member commune '93003' is already a "
        f"member of EPCI à fiscalité propre '{MGP}' (record at index 0): a commune belongs to "
        "one EPCI à fiscalité propre",
    ),
    "member listed twice": (
        lambda d: d["ept"][0]["membres"].append({"code": "93001"}),
        "ept.json, record at index 0 (code '200057001'): member commune '93001' is listed twice",
    ),
    "commune in two EPTs": (
        lambda d: d["ept"][1]["membres"].append({"code": "93001"}),
        "ept.json, record at index 1 (code '200057002'): member commune '93001' is already a "
        "member of EPT '200057001' (record at index 0)",
    ),
    "EPT member outside the Métropole du Grand Paris": (
        lambda d: d["epci"][0].update(membres=[{"code": "93001"}, {"code": "93002"}]),
        "ept.json, record at index 1 (code '200057002'): member commune '93003' is not a member "
        f"of the Métropole du Grand Paris ({MGP})",
    ),
    "duplicate code across types": (
        lambda d: d["communes"].append(copy.deepcopy(d["communes"][0])),
        "communes.json, record at index 3 (code '93001'): duplicate code: the commune '93001' "
        "is already at index 0",
    ),
}


@pytest.mark.parametrize("case", list(INCONSISTENT))
def test_inconsistent_files_are_refused_naming_file_and_record(case, tmp_path):
    breaker, expected = INCONSISTENT[case]
    run(write(tmp_path / "ok", _two_departements()), "--vintage", "2025")
    before = counts()
    data = _two_departements()
    data["communes"][0]["nom"] = "Amont renamed"  # a valid change that must not land either
    breaker(data)
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path / "broken", data), "--vintage", "2026")
    message = str(excinfo.value)
    assert expected in message, message
    assert "nothing was written" in message
    assert counts() == before
    assert get("commune", "93001").name == "Amont"


# --- values: the same verdict whatever the database -------------------------------------

#: Where a string of communes.json is stored (column or extra), as (field, setter).
STRING_FIELDS = {
    "nom": lambda r, v: r.update(nom=v),
    "code": lambda r, v: r.update(code=v),
    "siren": lambda r, v: r.update(siren=v),
    "zone": lambda r, v: r.update(zone=v),
    "codesPostaux[0]": lambda r, v: r.update(codesPostaux=[v]),
}


def _refusal(data: dict) -> str:
    with tempfile.TemporaryDirectory() as tmp, pytest.raises(ImportFailed) as excinfo:
        read_cog(write(Path(tmp), data))
    return str(excinfo.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(sorted(STRING_FIELDS)),
    before=st.text(max_size=8),
    after=st.text(max_size=8),
)
def test_a_nul_anywhere_in_a_string_is_refused_naming_the_field(field, before, after):
    data = vintage_n()
    STRING_FIELDS[field](data["communes"][1], f"{before}\x00{after}")
    message = _refusal(data)
    assert "communes.json, record at index 1 (code " in message
    assert f"field '{field}' contains a NUL character" in message


def test_a_lone_surrogate_is_refused_naming_the_field(tmp_path):
    data = vintage_n()
    data["epci"][0]["membres"][0]["nom"] = "Amont\ud800"
    directory = write(tmp_path / "n", {k: v for k, v in data.items() if k != "epci"})
    # Valid JSON (the escape "\ud800"), which no database can store as text.
    (directory / "epci.json").write_text(json.dumps(data["epci"]), "utf-8")
    with pytest.raises(ImportFailed) as excinfo:
        read_cog(directory)
    message = str(excinfo.value)
    assert f"epci.json, record at index 0 (code '{MGP}'): field 'membres[0].nom' is not" in message


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.integers(max_value=-1),
        st.integers(min_value=POPULATION_MAX + 1),
    )
)
def test_an_out_of_range_population_is_refused_naming_file_record_and_field(value):
    data = vintage_n()
    data["epci"][0]["populationTotale"] = value
    message = _refusal(data)
    assert f"epci.json, record at index 0 (code '{MGP}'): field 'populationTotale' must " in message


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (-1, "must not be negative"),
        (POPULATION_MAX + 1, "must be at most 2,147,483,647"),
        (2**70, "must be at most 2,147,483,647"),
        (12.5, "must be an integer, not float"),
        (700.0, "must be an integer, not float"),
        ("700", "must be an integer, not str"),
        (True, "must be an integer, not bool"),
    ],
)
def test_bad_populations_are_refused_before_the_database(value, why, tmp_path):
    data = vintage_n()
    data["communes"][2]["population"] = value
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path / "n", data), "--vintage", "2025")
    assert f"communes.json, record at index 2 (code '93003'): field 'population' {why}" in str(
        excinfo.value
    )
    assert not Territory.objects.exists()


def test_the_largest_population_is_stored_on_every_database(tmp_path):
    data = vintage_n()
    data["communes"][2]["population"] = POPULATION_MAX
    data["communes"][1]["population"] = 0
    run(write(tmp_path / "n", data), "--vintage", "2025")
    assert get("commune", "93003").population == POPULATION_MAX
    assert get("commune", "93002").population == 0


# --- the real country passes every check --------------------------------------------------


@pytest.mark.skipif(not FULL_COUNTRY.is_dir(), reason="needs ../shared/data/cog-2026")
def test_the_2026_files_pass_every_check_with_their_populations():
    from registry.importers.cog import PopulationYears

    wanted = read_cog(FULL_COUNTRY, years=PopulationYears(2023, 2022))
    communes = json.loads((FULL_COUNTRY / "communes.json").read_text("utf-8"))
    big = {
        c["code"]
        for c in communes
        if c["type"] == "commune-actuelle" and c.get("population", 0) >= 80_000
    }
    assert len(big) == 62
    assert {
        code
        for (level, code), v in wanted.territories.items()
        if level == "commune" and (v["population"] or 0) >= 80_000
    } == big
    epci = [v for (level, _c), v in wanted.territories.items() if level == "epci"]
    assert sum(1 for v in epci if v["population"] > 50_000) == 285
    assert {v["population_year"] for v in epci} == {2022}
    paris = wanted.territories[("commune", "75056")]
    assert (paris["population"], paris["population_total"], paris["population_year"]) == (
        2_103_778,
        None,
        2023,
    )


def test_a_nul_in_a_field_name_is_refused_too():
    data = vintage_n()
    data["regions"][0]["zo\x00ne"] = "metro"
    message = _refusal(data)
    assert (
        "regions.json, record at index 0 (code '11'): field 'zo\\x00ne' contains a NUL" in message
    )


def test_a_nul_is_refused_by_the_command_and_nothing_is_written(tmp_path):
    run(write(tmp_path / "ok", vintage_n()), "--vintage", "2025")
    before = counts()
    data = vintage_n1()
    data["communes"][0]["codesPostaux"] = ["93\x00100"]
    with pytest.raises(CommandError) as excinfo:
        run(write(tmp_path / "nul", data), "--vintage", "2026")
    assert (
        "communes.json, record at index 0 (code '93001'): field 'codesPostaux[0]' contains a "
        "NUL character" in str(excinfo.value)
    )
    assert counts() == before
    assert get("commune", "93001").name == "Amont"
