"""What the COG files hold: their names, fields, levels and value bounds (declared once)."""

from __future__ import annotations

from django.db.backends.base.operations import BaseDatabaseOperations

from registry.models import Territory, TerritoryKind, TerritoryLevel

L = TerritoryLevel

#: The files of the package, in the order they are read.
FILES = (
    "regions.json",
    "departements.json",
    "arrondissements.json",
    "epci.json",
    "ept.json",
    "communes.json",
)

#: Levels the files cover, in hierarchy order: only these are ever touched.
COVERED_LEVELS: tuple[str, ...] = (
    L.REGION,
    L.DEPARTEMENT,
    L.ARRONDISSEMENT,
    L.EPCI,
    L.EPT,
    L.COMMUNE,
    L.COMMUNE_DELEGUEE,
    L.COMMUNE_ASSOCIEE,
    L.ARRONDISSEMENT_MUNICIPAL,
)

#: ``type`` of an EPCI in epci.json -> Territory.kind.
EPCI_KINDS = {
    "CC": TerritoryKind.CC,
    "CA": TerritoryKind.CA,
    "CU": TerritoryKind.CU,
    "METRO": TerritoryKind.METROPOLE,
    "MET69": TerritoryKind.METROPOLE_LYON,
}

#: ``type`` of a commune in communes.json -> Territory.level.
COMMUNE_LEVELS = {
    "commune-actuelle": L.COMMUNE,
    "commune-deleguee": L.COMMUNE_DELEGUEE,
    "commune-associee": L.COMMUNE_ASSOCIEE,
    "arrondissement-municipal": L.ARRONDISSEMENT_MUNICIPAL,
}

#: Levels whose ended territories may get a successor commune.
COMMUNE_LIKE = (L.COMMUNE, L.COMMUNE_DELEGUEE, L.COMMUNE_ASSOCIEE)

#: SIREN of the Métropole du Grand Paris, which the EPTs are part of.
GRAND_PARIS_SIREN = "200054781"

SOURCE = {
    "url": "https://github.com/etalab/decoupage-administratif",
    "note": "Source: INSEE / DGCL, via Etalab découpage-administratif (Licence Ouverte)",
}

# field -> (type, required); types are checked by ``checks.TYPE_CHECKS``.
_GROUP = {
    "code": ("str", True),
    "nom": ("str", True),
    "type": ("str", True),
    "membres": ("list", True),
    "modeFinancement": ("str", False),
    "populationTotale": ("population", False),
    "populationMunicipale": ("population", False),
}
SPECS: dict[str, dict[str, tuple[str, bool]]] = {
    "regions.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "chefLieu": ("str", False),
        "zone": ("str", False),
        "typeLiaison": ("int", False),
    },
    "departements.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "region": ("str", True),
        "chefLieu": ("str", False),
        "zone": ("str", False),
        "typeLiaison": ("int", False),
    },
    "arrondissements.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "departement": ("str", True),
        "region": ("str", False),
        "chefLieu": ("str", False),
        "typeLiaison": ("int", False),
    },
    "epci.json": _GROUP,
    "ept.json": _GROUP,
    "communes.json": {
        "code": ("str", True),
        "nom": ("str", True),
        "type": ("str", True),
        "departement": ("str", True),
        "region": ("str", False),
        "arrondissement": ("str", False),
        "chefLieu": ("str", False),
        "commune": ("str", False),
        "siren": ("str", False),
        "zone": ("str", False),
        "population": ("population", False),
        "typeLiaison": ("int", False),
        "rangChefLieu": ("int", False),
        "codesPostaux": ("strs", False),
        "anciensCodes": ("strs", False),
    },
}

#: Published attributes kept in ``Territory.extra`` (file field -> extra key). The
#: populations have columns of their own and are never copied here.
PLACE_EXTRA = {"chefLieu": "chef_lieu", "zone": "zone"}
COMMUNE_EXTRA = {
    "codesPostaux": "postcodes",
    "zone": "zone",
    "chefLieu": "chef_lieu",
    "anciensCodes": "former_codes",
}
GROUP_EXTRA = {"modeFinancement": "financing"}

CODE_MAX = Territory._meta.get_field("code").max_length
NAME_MAX = Territory._meta.get_field("name").max_length
SIREN_MAX = Territory._meta.get_field("siren").max_length
#: Bounds of the population columns (PositiveIntegerField): Django's portable range, the
#: same whatever the database (SQLite itself would store any 64-bit value).
POPULATION_MIN, POPULATION_MAX = BaseDatabaseOperations.integer_field_ranges["PositiveIntegerField"]
