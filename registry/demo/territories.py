"""A minimal set of real territories that ``seed_demo`` can run on, for fast tests.

The real thing is ``manage.py import_territories registry/data/cog-extract``
(about 2,000 territories); tests that only need the demo data can call
``minimal_territories()`` instead: the territories the scenario names, a few
more communes, and the links between them, with their COG 2026 codes, names
and populations (Source: INSEE / DGCL, via Etalab découpage-administratif
6.0.0, Licence Ouverte). Idempotent: existing territories are reused.
"""

from __future__ import annotations

from registry.models import Territory
from registry.services.territories import territory_create

# level, code, name, kind, population, siren, parents [(level, code, relation kind)]
_TERRITORIES = (
    ("region", "11", "Île-de-France", "", None, "", ()),
    ("region", "24", "Centre-Val de Loire", "", None, "", ()),
    ("region", "27", "Bourgogne-Franche-Comté", "", None, "", ()),
    ("departement", "37", "Indre-et-Loire", "", None, "", (("region", "24", "administrative"),)),
    ("departement", "41", "Loir-et-Cher", "", None, "", (("region", "24", "administrative"),)),
    ("departement", "45", "Loiret", "", None, "", (("region", "24", "administrative"),)),
    ("departement", "75", "Paris", "", None, "", (("region", "11", "administrative"),)),
    ("departement", "89", "Yonne", "", None, "", (("region", "27", "administrative"),)),
    ("departement", "95", "Val-d'Oise", "", None, "", (("region", "11", "administrative"),)),
    ("epci", "200039758", "CC Avallon, Vézelay, Morvan", "cc", 18488, "200039758", ()),
    ("epci", "200055655", "CA Roissy Pays de France", "ca", 362933, "200055655", ()),
    (
        "commune",
        "37261",
        "Tours",
        "",
        139259,
        "213702616",
        (("departement", "37", "administrative"),),
    ),
    (
        "commune",
        "41018",
        "Blois",
        "",
        47219,
        "214100182",
        (("departement", "41", "administrative"),),
    ),
    (
        "commune",
        "41269",
        "Vendôme",
        "",
        15758,
        "214102691",
        (("departement", "41", "administrative"),),
    ),
    (
        "commune",
        "45234",
        "Orléans",
        "",
        116357,
        "214502346",
        (("departement", "45", "administrative"),),
    ),
    (
        "commune",
        "45147",
        "Fleury-les-Aubrais",
        "",
        21804,
        "214501470",
        (("departement", "45", "administrative"),),
    ),
    (
        "commune",
        "75056",
        "Paris",
        "",
        2103778,
        "217500016",
        (("departement", "75", "administrative"),),
    ),
    (
        "arrondissement_municipal",
        "75111",
        "Paris 11e Arrondissement",
        "",
        138170,
        "",
        (("commune", "75056", "municipal"),),
    ),
    (
        "arrondissement_municipal",
        "75118",
        "Paris 18e Arrondissement",
        "",
        183127,
        "",
        (("commune", "75056", "municipal"),),
    ),
    (
        "arrondissement_municipal",
        "75120",
        "Paris 20e Arrondissement",
        "",
        185140,
        "",
        (("commune", "75056", "municipal"),),
    ),
    (
        "commune",
        "89025",
        "Avallon",
        "",
        6305,
        "218900256",
        (("departement", "89", "administrative"), ("epci", "200039758", "intercommunal")),
    ),
    (
        "commune",
        "89446",
        "Vézelay",
        "",
        476,
        "218904464",
        (("departement", "89", "administrative"), ("epci", "200039758", "intercommunal")),
    ),
    (
        "commune",
        "95280",
        "Goussainville",
        "",
        31301,
        "219502804",
        (("departement", "95", "administrative"), ("epci", "200055655", "intercommunal")),
    ),
)


def minimal_territories() -> dict[tuple[str, str], Territory]:
    """Create (or find) the territories above; returns them by (level, code)."""
    out: dict[tuple[str, str], Territory] = {}
    for level, code, name, kind, population, siren, parents in _TERRITORIES:
        existing = Territory.objects.filter(level=level, code=code).first()
        if existing is None:
            existing = territory_create(
                level=level,
                code=code,
                name=name,
                kind=kind,
                population=population,
                siren=siren,
                parents=[(out[(pl, pc)], rel) for pl, pc, rel in parents],
            )
        out[(level, code)] = existing
    return out
