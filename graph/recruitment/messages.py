"""The sentences of the recruitment pool in English and French (same keys, same fields).

Filled with the number and share formats of the renewal catalogues
(``graph.renewal.messages``): ``{x:pct}`` a share, ``{n}`` a count. A test checks that both
catalogues hold the same keys with the same placeholders.
"""

from __future__ import annotations

from typing import Any

from graph.renewal.messages import fill

# fmt: off
EN: dict[str, str] = {
    "college": "{what}: the college “{college}” has {vacant} vacant seat(s) and is usually filled by {categories}.",
    "vacant_seat": "The college “{college}” has {vacant} vacant seat(s), open to anyone.",
    "vacant_seat.body": "The body has {vacant} vacant seat(s), open to anyone.",
    "community": "From community {value} ({label}), which the body under-represents: {body:pct} of its members, {territory:pct} of the territory's actors.",
    "category": "{label}: a category the body under-represents ({body:pct} of its members, {territory:pct} of the territory's persons).",
    "sub_territory": "From {label}, which the body under-represents ({body:pct} of its members, {territory:pct} of the territory's actors).",
    "age_band": "Aged {label}: an age band the body under-represents ({body:pct} of its members, {territory:pct} of the territory's persons).",
    "gender": "{label}: the body has {body:pct} of them among its women and men, short of parity.",
    "other_seats": "Already sits in {n} other body(ies) of the territory.",
}

FR: dict[str, str] = {
    "college": "{what} : le collège « {college} » compte {vacant} siège(s) vacant(s), d'ordinaire pourvu(s) par : {categories}.",
    "vacant_seat": "Le collège « {college} » compte {vacant} siège(s) vacant(s), ouvert(s) à tous.",
    "vacant_seat.body": "L'instance compte {vacant} siège(s) vacant(s), ouvert(s) à tous.",
    "community": "Issu de la communauté {value} ({label}), que l'instance sous-représente : {body:pct} de ses membres, {territory:pct} des acteurs du territoire.",
    "category": "{label} : une catégorie que l'instance sous-représente ({body:pct} de ses membres, {territory:pct} des personnes du territoire).",
    "sub_territory": "Issu de {label}, que l'instance sous-représente ({body:pct} de ses membres, {territory:pct} des acteurs du territoire).",
    "age_band": "Âge {label} : une tranche d'âge que l'instance sous-représente ({body:pct} de ses membres, {territory:pct} des personnes du territoire).",
    "gender": "{label} : l'instance n'en compte que {body:pct} parmi ses femmes et ses hommes, en deçà de la parité.",
    "other_seats": "Siège déjà dans {n} autre(s) instance(s) du territoire.",
}
# fmt: on

#: Labels of the codes the sentences name: (English, French).
LABELS: dict[str, tuple[str, str]] = {
    "resident": ("Resident", "Habitant"),
    "elected_official": ("Elected official", "Élu"),
    "municipal_agent": ("Municipal agent", "Agent municipal"),
    "association": ("Association", "Association"),
    "collectivity": ("Local authority", "Collectivité"),
    "public_service": ("Public service", "Service public"),
    "company": ("Company", "Entreprise"),
    "social_landlord": ("Social landlord", "Bailleur social"),
    "school": ("School", "Établissement scolaire"),
    "collective": ("Informal collective", "Collectif informel"),
    "other": ("Other", "Autre"),
    "female": ("Women", "Femmes"),
    "male": ("Men", "Hommes"),
}


def label(code: str) -> tuple[str, str]:
    return LABELS.get(code, (code, code))


def say(key: str, **values: Any) -> tuple[str, str]:
    """The English and French sentences of ``key``; a (en, fr) tuple value is per language."""
    return fill((EN, FR), key, values, written=tuple)
