"""The rules of the recruitment pool, each declared once: the gap rule, the lawful bases that
allow a contact, the reasons (code, weight) a candidate is ranked by, the college name hints.

Docs (README, the API description) and the ranking read these tables; nothing else
repeats them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The gap rule. A value of a dimension (a community, a category, an age band, a gender,
#: a sub-territory) is under-represented in a body when its share among the body's current
#: members (those whose value is known) falls short of its share in the reference (the
#: territory; for gender, parity: half women, half men) by at least this much. A body with
#: no member whose value is known has a share of 0 everywhere.
GAP_MIN_SHORTFALL = 0.10

#: The dimensions, in the order of the answer. Those marked personal read gender or birth
#: year: they are used only for a reader holding the ``personal_data`` scope (otherwise
#: the ranking itself would tell a candidate's gender or age).
DIMENSIONS: tuple[tuple[str, bool], ...] = (
    ("community", False),
    ("category", False),
    ("sub_territory", False),
    ("age_band", True),
    ("gender", True),
)
PERSONAL_DIMENSIONS = frozenset(d for d, personal in DIMENSIONS if personal)

#: GDPR art. 6 lawful bases under which a person may be contacted for a body's renewal.
#:
#: - ``consent``: the person agreed to be contacted (art. 6(1)(a)).
#: - ``public_task``: running the collectivity's participation bodies is a task carried
#:   out in the public interest (art. 6(1)(e)): calling on residents to sit in them is part
#:   of it.
#: - ``legitimate_interests``: NOT allowed. The last subparagraph of art. 6(1) says that
#:   point (f) "shall not apply to processing carried out by public authorities in the
#:   performance of their tasks"; the bodies are run by public authorities, so a contact
#:   for their renewal cannot rest on it.
#: - ``contract``, ``legal_obligation``, ``vital_interests``: data held for another purpose
#:   (a contract, a legal duty, someone's vital interests) may not be reused to recruit.
CONTACT_BASES = frozenset({"consent", "public_task"})

#: Why a candidate is left out of the pool, in the order of the answer's ``excluded``
#: (``host_authority``: the authority that runs the body does not sit in it).
#: Persons with no personal-data row are NOT left out: the registry holds no contact
#: detail and no lawful basis for them, so they are proposed with ``contact`` =
#: ``not_recorded`` (to be approached through an organization or a public call, never
#: contacted directly).
EXCLUSIONS: tuple[str, ...] = (
    "host_authority",
    "already_member",
    "multi_membership",
    "lawful_basis",
    "retention_passed",
    "erased",
)


@dataclass(frozen=True)
class ReasonSpec:
    """One reason to propose a candidate: its code and its weight in the score."""

    code: str
    weight: float
    about: str


#: The reasons, one declaration each; a candidate's score is the sum of its reasons' weights.
REASONS: tuple[ReasonSpec, ...] = (
    ReasonSpec("college", 3.0, "fits a college with vacant seats, by who usually fills it"),
    ReasonSpec("vacant_seat", 1.0, "a college open to anyone (or the body) has vacant seats"),
    ReasonSpec("community", 2.0, "from a community the body under-represents"),
    ReasonSpec("category", 1.0, "of a category the body under-represents"),
    ReasonSpec("sub_territory", 1.0, "from a sub-territory the body under-represents"),
    ReasonSpec("age_band", 1.0, "of an age band the body under-represents (personal data)"),
    ReasonSpec("gender", 1.0, "of the gender the body under-represents (personal data)"),
    ReasonSpec("other_seats", -0.5, "per other body the candidate already sits in (1 or 2)"),
)
REASON_WEIGHTS = {r.code: r.weight for r in REASONS}

#: Most candidates seated by the simulation (``top``) and listed (``limit``).
MAX_TOP = 50
MAX_LIMIT = 200
DEFAULT_LIMIT = 20

#: How a college with no member ever recorded is read from its name: category -> words
#: (lower case, accents kept and dropped) that name it in French or English.
COLLEGE_NAME_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("association", ("associat",)),
    ("resident", ("habitant", "résident", "resident", "citoyen", "citizen")),
    ("elected_official", ("élu", "elus", "elected")),
    ("company", ("entreprise", "économique", "economique", "company", "business")),
    ("school", ("école", "ecole", "scolaire", "school")),
    ("social_landlord", ("bailleur", "landlord")),
    ("public_service", ("service public", "services publics", "public service")),
    ("collectivity", ("collectivit", "local authorit")),
    ("municipal_agent", ("agent",)),
    ("collective", ("collectif", "collective")),
)


def reasons_table() -> str:
    """The reasons as a Markdown table (README, API description)."""
    rows = ["| reason | weight | when |", "|---|---|---|"]
    rows += [f"| `{r.code}` | {r.weight:+g} | {r.about} |" for r in REASONS]
    return "\n".join(rows)
