"""Make the committed extract of the 2026 French administrative divisions.

Reads the six JSON files of npm ``@etalab/decoupage-administratif`` 6.0.0
(default: /work/shared/data/cog-2026) and writes, in the same format, the
subset used by the tests and the demo data:

- région Centre-Val de Loire (24): its départements, arrondissements and all
  its communes (actuelles, déléguées, associées);
- the CC Avallon, Vézelay, Morvan (SIREN 200039758, Yonne) and its communes;
- Paris (75056) and its 20 arrondissements municipaux;
- Goussainville (95280), its EPCI CA Roissy Pays de France (200055655) and
  that EPCI's member communes;
- the délégués/associées of every included commune and the parent commune of
  every included délégué/associée;
- every EPCI and EPT whose members are all included;
- the départements, arrondissements and régions of everything included.

Usage: python registry/data/cog-extract/make_extract.py [SOURCE_DIR] [OUT_DIR]
Source: INSEE / DGCL, via Etalab découpage-administratif 6.0.0 (Licence Ouverte).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REGIONS = {"24"}
EPCIS = {"200039758", "200055655"}  # CC Avallon, Vézelay, Morvan; CA Roissy Pays de France
COMMUNES = {"75056", "95280"}  # Paris, Goussainville

FILES = ("regions", "departements", "arrondissements", "epci", "ept", "communes")
#: The package the data come from: the importer reads the vintage from its version.
PACKAGE = {
    "name": "@etalab/decoupage-administratif",
    "version": "6.0.0",
    "description": "Extract of the package's data (millésime 2026), see README.md",
    "license": "MIT",
}


def load(src: Path) -> dict[str, list[dict]]:
    return {name: json.loads((src / f"{name}.json").read_text(encoding="utf-8")) for name in FILES}


def dump(rows: list[dict], path: Path) -> None:
    """Write like the package: one compact record per line in a JSON array."""
    if not rows:
        path.write_text("[]\n", encoding="utf-8")
        return
    lines = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows)
    path.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


def extract(data: dict[str, list[dict]]) -> dict[str, list[dict]]:
    communes = data["communes"]
    by_key = {(c["type"], c["code"]): c for c in communes}
    keep: set[tuple[str, str]] = set()
    for c in communes:
        if c["region"] in REGIONS:
            keep.add((c["type"], c["code"]))
    for e in data["epci"]:
        if e["code"] in EPCIS:
            keep.update(("commune-actuelle", m["code"]) for m in e["membres"])
    keep.update(("commune-actuelle", code) for code in COMMUNES)

    # Close over sub-communes: children of kept communes, parents of kept children.
    actuelles = {code for t, code in keep if t == "commune-actuelle"}
    changed = True
    while changed:
        changed = False
        for c in communes:
            key = (c["type"], c["code"])
            parent = c.get("chefLieu") if c["type"] != "commune-actuelle" else None
            parent = c.get("commune", parent)
            if parent is None:
                continue
            if key not in keep and parent in actuelles:
                keep.add(key)
                changed = True
            if key in keep and parent not in actuelles:
                keep.add(("commune-actuelle", parent))
                actuelles.add(parent)
                changed = True
    missing = sorted(k for k in keep if k not in by_key)
    if missing:
        raise SystemExit(f"unknown communes: {missing}")

    kept_communes = [c for c in communes if (c["type"], c["code"]) in keep]
    epci = [e for e in data["epci"] if all(m["code"] in actuelles for m in e["membres"])]
    ept = [e for e in data["ept"] if all(m["code"] in actuelles for m in e["membres"])]
    deps = {c["departement"] for c in kept_communes}
    arrs = {c["arrondissement"] for c in kept_communes if c.get("arrondissement")}
    departements = [d for d in data["departements"] if d["code"] in deps or d["region"] in REGIONS]
    regions_kept = {d["region"] for d in departements}
    arrondissements = [
        a
        for a in data["arrondissements"]
        if a["code"] in arrs or a["departement"] in deps and a["region"] in REGIONS
    ]
    regions = [r for r in data["regions"] if r["code"] in regions_kept]
    return {
        "regions": regions,
        "departements": departements,
        "arrondissements": arrondissements,
        "epci": epci,
        "ept": ept,
        "communes": kept_communes,
    }


def main(argv: list[str]) -> None:
    here = Path(__file__).resolve().parent
    src = Path(argv[1]) if len(argv) > 1 else Path("/work/shared/data/cog-2026")
    out = Path(argv[2]) if len(argv) > 2 else here
    result = extract(load(src))
    for name, rows in result.items():
        dump(rows, out / f"{name}.json")
        print(f"{name}.json: {len(rows)}")
    (out / "package.json").write_text(json.dumps(PACKAGE, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv)
