"""The columns and values of the registry's spreadsheets: one declaration, read and written.

The imports (``registry.importers.spreadsheet``) read a header by any of its
aliases (case-, accent- and punctuation-insensitive: ``norm``); the exports
(``api.resources.exports``) write the canonical header of the request's language.
A value (kind, category, role...) is read by its code or any of its words, and
written as its code in English, its first French word in French, so that an
exported file imports back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def norm(text: Any) -> str:
    """Case-, accent- and punctuation-insensitive form of a header or a value."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = text.casefold().replace("(", "").replace(")", "")
    return re.sub(r"[\s_\-'’.°/]+", " ", text).strip()


@dataclass(frozen=True)
class Column:
    """A field of a spreadsheet: the headers it is written with and read by."""

    field: str
    en: str  # written in English files
    fr: str  # written in French files
    aliases: tuple[str, ...] = ()  # also read

    def header(self, language: str) -> str:
        return self.fr if language == "fr" else self.en


#: Every column of the registry's spreadsheets. ``nom`` alone is the display name;
#: beside a given-name or full-name column it is the family name (the importer decides,
#: ``FAMILY_NAME_WORD``).
COLUMNS: tuple[Column, ...] = (
    Column(
        "actor_id",
        "Actor id",
        "Id acteur",
        ("actor_id", "actor", "identifiant acteur", "numero acteur", "n acteur", "no acteur"),
    ),
    Column(
        "scheme",
        "Identifier scheme",
        "Type d'identifiant",
        ("scheme", "schema", "type identifiant"),
    ),
    Column(
        "identifier", "Identifier", "Identifiant", ("identifier value", "valeur de l'identifiant")
    ),
    Column("issuer", "Issuer", "Émetteur"),
    Column(
        "name",
        "Name",
        "Nom complet",
        (
            "full name",
            "nom",
            "nom prenom",
            "nom et prenom",
            "prenom nom",
            "prenom et nom",
            "nom d'usage",
        ),
    ),
    Column("given_name", "Given name", "Prénom", ("given_name", "first name")),
    Column("family_name", "Family name", "Nom de famille", ("family_name", "last name")),
    Column("kind", "Kind", "Type", ("nature",)),
    Column("category", "Category", "Catégorie"),
    Column("college", "College", "Collège"),
    Column("role", "Role", "Rôle", ("fonction",)),
    Column(
        "selection_mode",
        "Selection mode",
        "Mode de désignation",
        ("selection_mode", "mode de selection"),
    ),
    Column("on_behalf_of", "On behalf of", "Au titre de", ("on_behalf_of", "representant de")),
    Column("start_date", "Start date", "Date de début", ("start_date", "debut")),
    Column("external_id", "External id", "Identifiant externe", ("external_id", "id externe")),
    Column("description", "Description", "Description"),
    Column("territory", "Territory", "Territoire"),
    Column("founding_date", "Founding date", "Date de création", ("founding_date",)),
    Column("dissolution_date", "Dissolution date", "Date de dissolution", ("dissolution_date",)),
    Column("power", "Power", "Pouvoir"),
    Column("interest", "Interest", "Intérêt"),
    Column("legitimacy", "Legitimacy", "Légitimité"),
    Column("urgency", "Urgency", "Urgence"),
)
COLUMN_BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}
#: Normalised header -> field.
HEADER_ALIASES: dict[str, str] = {
    norm(header): c.field for c in COLUMNS for header in (c.field, c.en, c.fr, *c.aliases)
}
#: The normalised header that is the family name beside a given-name column.
FAMILY_NAME_WORD = norm("nom")

#: The columns that say who a row is, first in both files.
WHO_FIELDS: tuple[str, ...] = (
    "actor_id",
    "scheme",
    "identifier",
    "issuer",
    "name",
    "given_name",
    "family_name",
    "kind",
    "category",
)
#: Columns of a body's members file, in the order exports write them.
MEMBER_FIELDS: tuple[str, ...] = (
    *WHO_FIELDS,
    "college",
    "role",
    "selection_mode",
    "on_behalf_of",
    "start_date",
    "external_id",
)
#: Columns of an actors file, in the order exports write them.
ACTOR_FIELDS: tuple[str, ...] = (
    *WHO_FIELDS,
    "description",
    "territory",
    "founding_date",
    "dissolution_date",
    "power",
    "interest",
    "legitimacy",
    "urgency",
)
MEMBER_COLUMNS = frozenset(MEMBER_FIELDS)
ACTOR_COLUMNS = frozenset(ACTOR_FIELDS)


# --- values -------------------------------------------------------------------------------

#: code -> words read for it; the first word is the one French files are written with.
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "kind": {
        "person": ("personne", "individu", "personne physique"),
        "organization": ("organisation", "structure", "personne morale"),
    },
    "category": {
        "resident": ("habitant", "resident", "residente", "habitante", "citoyen", "citoyenne"),
        "elected_official": ("élu", "elue", "elu e", "elu local"),
        "municipal_agent": ("agent municipal", "agent", "agente"),
        "association": ("association",),
        "collectivity": ("collectivité", "collectivite territoriale"),
        "public_service": ("service public",),
        "company": ("entreprise", "societe"),
        "social_landlord": ("bailleur social", "bailleur"),
        "school": ("école", "etablissement scolaire"),
        "collective": ("collectif", "collectif informel"),
        "other": ("autre",),
    },
    "role": {
        "member": ("membre",),
        "president": ("président", "presidente"),
        "vice_president": ("vice-président", "vice presidente"),
        "secretary": ("secrétaire",),
        "facilitator": ("animateur", "animatrice", "animateurice"),
        "elected_referent": ("référent élu", "referente elue", "referent elue"),
        "technical_referent": ("référent technique", "referente technique"),
    },
    "selection_mode": {
        "lot": ("tirage au sort", "tire au sort"),
        "election": ("élection", "elu", "elue"),
        "appointment": ("nomination", "nomme", "nommee"),
        "volunteer": ("volontariat", "volontaire", "candidature"),
        "ex_officio": ("de droit", "membre de droit"),
        "designation": ("désignation", "designe", "designee"),
    },
    "scheme": {
        "siren": ("siren",),
        "siret": ("siret",),
        "rna": ("rna",),
        "rne": ("rne",),
        "insee": ("insee", "code insee"),
        "external": ("externe", "interne"),
        "other": ("autre",),
    },
}


def _reading(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Normalised word (the code itself included) -> code."""
    out: dict[str, str] = {}
    for code, words in table.items():
        for word in (code, code.replace("_", " "), *words):
            out.setdefault(norm(word), code)
    return out


#: field -> {normalised word: code}, for reading cells.
VALUES: dict[str, dict[str, str]] = {name: _reading(t) for name, t in _WORDS.items()}
KIND_VALUES = VALUES["kind"]
CATEGORY_VALUES = VALUES["category"]
ROLE_VALUES = VALUES["role"]
SELECTION_MODE_VALUES = VALUES["selection_mode"]
SCHEME_VALUES = VALUES["scheme"]


def value_label(name: str, code: str, language: str) -> str:
    """How a file of ``language`` writes ``code`` of field ``name`` (read back as ``code``)."""
    if not code or name not in _WORDS or language != "fr":
        return code
    return _WORDS[name].get(code, (code,))[0]
