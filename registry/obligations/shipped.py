"""The legal obligations the registry ships: one declaration, read by migration 0012 and by
``registry.services.obligations.legal_obligations_load_shipped`` (the demo, the tests).

Checked against the texts (Légifrance, as consolidated; see each row's ``legal_basis``):

- CGCT L2143-1: conseils de quartier in communes of 80,000 inhabitants and more
  ("80 000 habitants et plus"); communes of 20,000 to 79,999 may create them. In Paris,
  Lyon and Marseille, L2511-10-1 makes the arrondissement councils create one per quartier:
  the obligation is carried by each arrondissement municipal.
- CGCT L5211-10-1: conseil de développement in the EPCI à fiscalité propre "de plus de
  50 000 habitants" since the loi 2019-1461 (art. 80), in force on 29 December 2019; below,
  it may be created. From the loi NOTRe (2015-991, art. 88, in force 9 August 2015) until
  then: "de plus de 20 000 habitants", without the optional band.
- CGCT L1413-1: CCSPL in every région and département, communes "de plus de 10 000
  habitants", EPCI "de plus de 50 000 habitants"; EPCI between 20,000 and 50,000 may create
  one. The article says EPCI, not EPCI à fiscalité propre: the EPT of the Grand Paris (EPCI
  under L5219-2) are included.
- CGCT L2143-3: commission pour l'accessibilité in communes "de 5 000 habitants et plus",
  and in the EPCI "compétents en matière de transports ou d'aménagement de l'espace" that
  group 5,000 inhabitants or more.
- CGCT L4134-1: a CESER in every région.
- Code de la sécurité intérieure L132-4: CLSPD in communes "de plus de 5 000 habitants" and
  in communes with a quartier prioritaire (QPV); 10,000 before the loi 2021-646 (version in
  force on 27 May 2021).
- Loi 2014-173, art. 7: a conseil citoyen in each quartier prioritaire de la politique de la
  ville.

None of them applies in the overseas collectivities (zone ``com`` of the COG, which lists
them as régions and départements: Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin,
Wallis-et-Futuna, Polynésie française, Nouvelle-Calédonie, TAAF, Clipperton): their own
statutes govern them (``overseas_collectivities`` is off).
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_noop as _noop

CGCT = "https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006070633/"
L2143_1 = (
    "https://www.legifrance.gouv.fr/codes/section_lc/LEGITEXT000006070633/LEGISCTA000006164885/"
)
L2143_3 = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006390133"
L5211_10_1 = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000031018766"
L4134 = "https://www.legifrance.gouv.fr/codes/section_lc/LEGITEXT000006070633/LEGISCTA000006165075/"
CSI_L132_4 = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000025505008"
LOI_2014_173_ART_7 = "https://www.legifrance.gouv.fr/loda/article_lc/LEGIARTI000028638827"

#: Loi 2002-276 (démocratie de proximité), in force on 28 February 2002: conseils de
#: quartier, and the CCSPL thresholds as they stand.
_PROXIMITE = dt.date(2002, 2, 28)
_NOTRE = dt.date(2015, 8, 9)
_ENGAGEMENT = dt.date(2019, 12, 29)
_QPV = dt.date(2015, 1, 1)
_SECURITE_GLOBALE = dt.date(2021, 5, 27)

_QUARTIER_NOTE = _noop(
    "In a commune under the obligation the mayor may have the conseil citoyen take the place "
    "of the conseil de quartier (L2143-1, last paragraph)."
)
_CD_NOTE = _noop(
    "Contiguous EPCI may share one conseil de développement, and EPCI of a PETR may have it "
    "set up by the PETR: a shared council is not seen here."
)
_ACCESS_NOTE = _noop(
    "Where an intercommunal commission exists, it carries out the communal commissions' "
    "missions for the member communes (L2143-3)."
)
_CLSPD_NOTE = _noop(
    "Where an intercommunal council (CISPD, L132-13) exists, the communal one is optional. "
    "QPVs are the quartier territories of kind qpv recorded in the registry."
)

#: Every shipped rule. ``code`` + ``valid_from`` is the natural key.
SHIPPED: tuple[dict, ...] = (
    {
        "code": "conseil-quartier-commune",
        "body_type": "conseil_quartier",
        "legal_basis": "CGCT art. L2143-1",
        "legal_url": L2143_1,
        "level": "commune",
        "skip_municipal_arrondissements": True,
        "comparator": "at_least",
        "mandatory_from": 80_000,
        "optional_from": 20_000,
        "valid_from": _PROXIMITE,
        "note": _QUARTIER_NOTE,
    },
    {
        "code": "conseil-quartier-arrondissement",
        "body_type": "conseil_quartier",
        "legal_basis": "CGCT art. L2511-10-1 (L2143-1 in Paris, Lyon, Marseille)",
        "legal_url": CGCT,
        "level": "arrondissement_municipal",
        "valid_from": _PROXIMITE,
        "note": _noop(
            "Each arrondissement council creates a conseil de quartier for each quartier "
            "(Paris 1er to 4e form one sector since 2020)."
        ),
    },
    {
        "code": "conseil-developpement-epci",
        "body_type": "conseil_developpement",
        "legal_basis": "CGCT art. L5211-10-1 (loi 2015-991 art. 88)",
        "legal_url": L5211_10_1,
        "level": "epci",
        "comparator": "more_than",
        "mandatory_from": 20_000,
        "valid_from": _NOTRE,
        "valid_until": _ENGAGEMENT,
        "note": _CD_NOTE,
    },
    {
        "code": "conseil-developpement-epci",
        "body_type": "conseil_developpement",
        "legal_basis": "CGCT art. L5211-10-1 (loi 2019-1461 art. 80)",
        "legal_url": L5211_10_1,
        "level": "epci",
        "comparator": "more_than",
        "mandatory_from": 50_000,
        "optional_from": 0,
        "valid_from": _ENGAGEMENT,
        "note": _CD_NOTE,
    },
    {
        "code": "ccspl-region",
        "body_type": "ccspl",
        "legal_basis": "CGCT art. L1413-1",
        "legal_url": CGCT,
        "level": "region",
        "valid_from": _PROXIMITE,
    },
    {
        "code": "ccspl-departement",
        "body_type": "ccspl",
        "legal_basis": "CGCT art. L1413-1",
        "legal_url": CGCT,
        "level": "departement",
        "valid_from": _PROXIMITE,
    },
    {
        "code": "ccspl-commune",
        "body_type": "ccspl",
        "legal_basis": "CGCT art. L1413-1",
        "legal_url": CGCT,
        "level": "commune",
        "comparator": "more_than",
        "mandatory_from": 10_000,
        "valid_from": _PROXIMITE,
    },
    {
        "code": "ccspl-epci",
        "body_type": "ccspl",
        "legal_basis": "CGCT art. L1413-1",
        "legal_url": CGCT,
        "level": "epci",
        "comparator": "more_than",
        "mandatory_from": 50_000,
        "optional_from": 20_000,
        "valid_from": _PROXIMITE,
    },
    {
        "code": "ccspl-ept",
        "body_type": "ccspl",
        "legal_basis": "CGCT art. L1413-1 (EPT: EPCI under L5219-2)",
        "legal_url": CGCT,
        "level": "ept",
        "comparator": "more_than",
        "mandatory_from": 50_000,
        "optional_from": 20_000,
        "valid_from": dt.date(2016, 1, 1),
    },
    {
        "code": "accessibilite-commune",
        "body_type": "commission_accessibilite",
        "legal_basis": "CGCT art. L2143-3",
        "legal_url": L2143_3,
        "level": "commune",
        "comparator": "at_least",
        "mandatory_from": 5_000,
        "valid_from": dt.date(2005, 2, 12),
        "note": _ACCESS_NOTE,
    },
    {
        "code": "accessibilite-epci",
        "body_type": "commission_accessibilite",
        "legal_basis": "CGCT art. L2143-3",
        "legal_url": L2143_3,
        "level": "epci",
        "comparator": "at_least",
        "mandatory_from": 5_000,
        "condition": "transport_or_planning",
        "valid_from": dt.date(2005, 2, 12),
        "note": _ACCESS_NOTE,
    },
    {
        "code": "ceser-region",
        "body_type": "ceser",
        "legal_basis": "CGCT art. L4134-1",
        "legal_url": L4134,
        "level": "region",
        # Loi 72-619 of 5 July 1972 gave each région its economic and social committee.
        "valid_from": dt.date(1972, 7, 5),
        "note": _noop(
            "In Corsica, Guyane and Martinique the council has another name and article "
            "(CESEC, CESECE): record it as a CESER."
        ),
    },
    {
        "code": "clspd-commune",
        "body_type": "clspd",
        "legal_basis": "Code de la sécurité intérieure art. L132-4",
        "legal_url": CSI_L132_4,
        "level": "commune",
        "comparator": "more_than",
        "mandatory_from": 10_000,
        "condition": "or_has_qpv",
        "valid_from": _QPV,
        "valid_until": _SECURITE_GLOBALE,
        "note": _CLSPD_NOTE,
    },
    {
        "code": "clspd-commune",
        "body_type": "clspd",
        "legal_basis": "Code de la sécurité intérieure art. L132-4 (loi 2021-646)",
        "legal_url": CSI_L132_4,
        "level": "commune",
        "comparator": "more_than",
        "mandatory_from": 5_000,
        "condition": "or_has_qpv",
        "valid_from": _SECURITE_GLOBALE,
        "note": _CLSPD_NOTE,
    },
    {
        "code": "conseil-citoyen-qpv",
        "body_type": "conseil_citoyen",
        "legal_basis": "Loi 2014-173 art. 7",
        "legal_url": LOI_2014_173_ART_7,
        "level": "quartier",
        "kind": "qpv",
        "valid_from": dt.date(2014, 2, 23),
    },
)

#: Sources recorded on every shipped row.
SOURCES = [
    {
        "url": "https://www.legifrance.gouv.fr/",
        "note": "Shipped with the registry (registry.obligations.shipped); check the text in force.",
    }
]
