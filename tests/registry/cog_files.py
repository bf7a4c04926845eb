"""Hand-made COG files and helpers shared by the importer's tests.

``vintage_n`` and ``vintage_n1`` are two successive invented vintages of a tiny country
(three communes of Seine-Saint-Denis in the Métropole du Grand Paris); tests derive
broken or newer vintages from them.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from registry.models import ChangeRecord, Territory, TerritoryClosure, TerritoryRelation


def get(level: str, code: str) -> Territory:
    return Territory.objects.get(level=level, code=code)


def run(directory: Path | str, *args: str) -> str:
    out = StringIO()
    call_command("import_territories", str(directory), "--no-progress", *args, stdout=out)
    return out.getvalue()


def row(level: str, created: int, updated: int, unchanged: int, ended: int) -> str:
    """A line of the summary table."""
    return f"{level:<26}{created:>9}{updated:>9}{unchanged:>11}{ended:>7}"


def counts() -> dict[str, int]:
    return {
        "territories": Territory.objects.count(),
        "relations": TerritoryRelation.objects.count(),
        "closure": TerritoryClosure.objects.count(),
        "ledger": ChangeRecord.objects.count(),
    }


# --- hand-made vintages ---------------------------------------------------------------

MGP = "200054781"


def vintage_n() -> dict[str, list[dict]]:
    """Year N: three communes in two EPTs of the Métropole du Grand Paris."""
    return {
        "regions": [{"code": "11", "chefLieu": "75056", "nom": "Île-de-France", "zone": "metro"}],
        "departements": [
            {"code": "93", "region": "11", "chefLieu": "93008", "nom": "Seine-Saint-Denis"}
        ],
        "arrondissements": [
            {"code": "931", "departement": "93", "region": "11", "chefLieu": "93008", "nom": "Bob"}
        ],
        "communes": [
            _commune("93001", "Amont", population=1000),
            _commune("93002", "Aval", population=500),
            _commune("93003", "Centre", population=700),
        ],
        "epci": [
            {
                "code": MGP,
                "nom": "Métropole du Grand Paris",
                "type": "METRO",
                "modeFinancement": "FPU",
                "populationTotale": 2300,
                "populationMunicipale": 2200,
                "membres": [{"code": c} for c in ("93001", "93002", "93003")],
            }
        ],
        "ept": [
            {
                "code": "200057001",
                "nom": "EPT Un",
                "type": "EPT",
                "membres": [_m("93001"), _m("93002")],
            },
            {"code": "200057002", "nom": "EPT Deux", "type": "EPT", "membres": [_m("93003")]},
        ],
    }


def vintage_n1() -> dict[str, list[dict]]:
    """Year N+1: Amont absorbs Aval (renamed, Aval a commune déléguée); Centre changes EPT;
    EPT Deux is gone."""
    data = vintage_n()
    data["communes"] = [
        _commune("93001", "Amont-et-Aval", population=1500, anciensCodes=["93002"]),
        _commune("93002", "Aval", type="commune-deleguee", chefLieu="93001"),
        _commune("93003", "Centre", population=700),
    ]
    data["epci"][0]["membres"] = [_m("93001"), _m("93003")]
    data["ept"] = [
        {"code": "200057001", "nom": "EPT Un", "type": "EPT", "membres": [_m("93001"), _m("93003")]}
    ]
    return data


def _m(code: str) -> dict:
    return {"code": code}


def _commune(code: str, name: str, **fields) -> dict:
    record = {
        "code": code,
        "nom": name,
        "zone": "metro",
        "arrondissement": "931",
        "departement": "93",
        "region": "11",
        "type": "commune-actuelle",
        "codesPostaux": ["93100"],
    }
    if fields.get("type", "commune-actuelle") == "commune-actuelle":
        record["siren"] = f"2193{code}"[:9].ljust(9, "0")
    record.update(fields)
    return record


def write(directory: Path, data: dict[str, list[dict]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        (directory / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    return directory
