"""Legal obligations on the whole 2026 COG: counts of territories over each threshold, as the
obligations loader reports them, against counts made here straight from the JSON files.

The files (``../shared/data/cog-2026/`` beside the project, not committed; the test is skipped without them)
are imported once for the module, inside a transaction rolled back at the end. The import
takes about 25 s on SQLite (40 s on PostgreSQL) on this project's machine, so the test is
marked ``one_database``: the test command runs it on its SQLite pass only.

Hand-checked facts of the files: 62 communes of 80,000 inhabitants or more (population
municipale), 3 of them (Paris, Marseille, Lyon) divided into 45 arrondissements municipaux
and one (Nouméa) in an overseas collectivity, which the CGCT rules do not govern; 285 EPCI
over 50,000 by population municipale, 289 by population totale. The 6 communes without a
population (TAAF, Clipperton) are overseas collectivities too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from registry.obligations.read import obligations_of
from registry.services.obligations import legal_obligations_load_shipped
from tests.conftest import FULL_COG_DIR

#: Where ``tests.conftest`` found the whole country (``COG_2026_DIR`` names another place).
COG_DIR = FULL_COG_DIR

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.one_database,
    pytest.mark.skipif(not (COG_DIR / "communes.json").exists(), reason=f"no COG in {COG_DIR}"),
]

AS_OF = dt.date(2026, 11, 1)


def _load(name: str) -> list[dict]:
    return json.loads((COG_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def files() -> dict[str, list[dict]]:
    return {
        name: _load(f"{name}.json")
        for name in ("regions", "departements", "communes", "epci", "ept")
    }


@pytest.fixture(scope="module")
def entries(django_db_setup, django_db_blocker):
    """Every obligation of every territory of the imported COG, as of AS_OF."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("import_territories", str(COG_DIR), "--no-progress", stdout=StringIO())
            legal_obligations_load_shipped()
            yield obligations_of(territory_id=None, as_of=AS_OF)[1]
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _counts(entries, code: str) -> Counter:
    return Counter(e.requirement for e in entries if e.rule.code == code)


def test_the_files_hold_the_figures_the_issue_quotes(files):
    communes = [c for c in files["communes"] if c["type"] == "commune-actuelle"]
    assert sum((c.get("population") or 0) >= 80_000 for c in communes) == 62
    assert sum(c["type"] == "arrondissement-municipal" for c in files["communes"]) == 45
    assert sum(e["populationMunicipale"] > 50_000 for e in files["epci"]) == 285
    assert sum(e["populationTotale"] > 50_000 for e in files["epci"]) == 289


def test_commune_thresholds_match_the_files(entries, files):
    communes = [
        c for c in files["communes"] if c["type"] == "commune-actuelle" and c["zone"] != "com"
    ]
    divided = {c["commune"] for c in files["communes"] if c["type"] == "arrondissement-municipal"}
    known = [c for c in communes if c.get("population") is not None]
    missing_population = len(communes) - len(known)
    whole = [c for c in known if c["code"] not in divided]
    pop = lambda c: c["population"]  # noqa: E731 (municipale: all the files give communes)

    quartier = _counts(entries, "conseil-quartier-commune")
    # 62 communes of 80,000 or more: Paris, Marseille, Lyon carry it per arrondissement, and
    # Nouméa is in an overseas collectivity (its own statute).
    assert quartier["mandatory"] == sum(pop(c) >= 80_000 for c in whole) == 58
    assert quartier["optional"] == sum(20_000 <= pop(c) < 80_000 for c in whole)
    assert quartier["unknown"] == missing_population
    assert _counts(entries, "conseil-quartier-arrondissement") == Counter(mandatory=45)
    assert _counts(entries, "ccspl-commune") == Counter(
        mandatory=sum(pop(c) > 10_000 for c in known), unknown=missing_population
    )
    assert _counts(entries, "accessibilite-commune") == Counter(
        mandatory=sum(pop(c) >= 5_000 for c in known), unknown=missing_population
    )
    # No QPV in the COG: the CLSPD follows the population alone.
    assert _counts(entries, "clspd-commune") == Counter(
        mandatory=sum(pop(c) > 5_000 for c in known), unknown=missing_population
    )


def test_epci_thresholds_match_the_files_by_the_measure_used(entries, files):
    by_code = {e["code"]: e for e in files["epci"]}
    cd = [e for e in entries if e.rule.code == "conseil-developpement-epci"]
    assert len(cd) == len(by_code)  # every EPCI: mandatory over 50,000, optional below
    measures = {e.measure_used for e in cd}
    assert len(measures) == 1, measures
    # The law counts the population totale; the importer may give EPCIs only the municipale
    # (the answer says which): count the files by the same measure.
    field = {"total": "populationTotale", "municipal": "populationMunicipale"}[measures.pop()]
    over = {code for code, e in by_code.items() if e[field] > 50_000}
    assert {e.territory.code for e in cd if e.requirement == "mandatory"} == over
    assert len(over) == (289 if field == "populationTotale" else 285)
    for e in cd:
        assert e.population == by_code[e.territory.code][field]

    ccspl = _counts(entries, "ccspl-epci")
    assert ccspl["mandatory"] == len(over)
    assert ccspl["optional"] == sum(20_000 <= e[field] <= 50_000 for e in by_code.values())
    kinds = Counter(e.territory.kind for e in entries if e.rule.code == "accessibilite-epci")
    access = _counts(entries, "accessibilite-epci")
    # A CC's competences are not in the data (unknown); CA, CU and métropoles hold them.
    assert (
        access["unknown"]
        == kinds["cc"]
        == sum(e["type"] == "CC" and e[field] >= 5_000 for e in by_code.values())
    )
    assert access["mandatory"] == sum(
        e["type"] != "CC" and e[field] >= 5_000 for e in by_code.values()
    )
    assert _counts(entries, "ccspl-ept")["mandatory"] == sum(
        e["populationMunicipale"] > 50_000 for e in files["ept"]
    )


def test_every_region_and_departement_needs_its_ccspl_and_ceser(entries, files):
    # The files list the overseas collectivities (zone "com") as régions and départements:
    # their own statutes govern them, not the CGCT articles of the shipped rules.
    regions = [r for r in files["regions"] if r["zone"] != "com"]
    departements = [d for d in files["departements"] if d["zone"] != "com"]
    assert (len(regions), len(departements)) == (18, 101)
    assert _counts(entries, "ccspl-region") == Counter(mandatory=len(regions))
    assert _counts(entries, "ceser-region") == Counter(mandatory=len(regions))
    assert _counts(entries, "ccspl-departement") == Counter(mandatory=len(departements))
    statuses = Counter(e.status for e in entries)
    # An imported COG has no bodies: nothing is met.
    assert statuses["met"] == 0
