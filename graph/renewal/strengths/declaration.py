"""The one declaration of the strengths: one ``StrengthSpec`` row per strength.

Everything else derives from ``STRENGTHS``: the order in the assessment, the
units, the README table (checked by ``tests/graph/test_renewal_strengths.py``)
and the API's list of codes. Thresholds are fixed defaults for now (no charter or
setting overrides them); ``referral_share`` has none of its own: it is measured
against the even share of the host's bodies.
"""

from __future__ import annotations

from graph.renewal.strengths import diversity, network, newcomers, opinions
from graph.renewal.strengths.base import StrengthSpec

S = StrengthSpec

STRENGTHS: tuple[StrengthSpec, ...] = (
    S("opinions_taken_up", "opinions taken up", "avis suivis d'effet", "opinions", 2,
      "opinions of the last 24 months the authority adopted or partly adopted (answer recorded by the date); detail by referral kind: referred by the authority, self-referral, mandatory",
      "quote them when arguing for the body: it changes decisions; ask the authority to say so publicly",
      opinions.opinions_taken_up),
    S("initiative", "initiative", "initiative", "opinions", 1,
      "self-referral opinions of the last 24 months adopted or partly adopted",
      "the body takes up subjects itself and is heard: keep a self-referral right in the renewed charter",
      opinions.initiative),
    S("referral_share", "share of the authority's referrals", "part des saisines de l'autorité", "share", None,
      "share of the opinions the host authority referred to all its bodies in 24 months that this body received; a strength from the even share (1 / the host's bodies); unknown without a host or a referral, or when the host runs this body alone",
      "the authority turns to this body: keep its remit when renewing, and check the others are not bypassed",
      opinions.referral_share),
    S("newcomers", "newcomers", "nouveaux participants", "share", 0.5,
      f"share of the entrants (first seat here in the last {newcomers.ENTRY_YEARS} years) who had no earlier seat in any body of the registry",
      "the body opens participation to new people: keep its recruitment channel (lot, open call) at the renewal",
      newcomers.newcomers),
    S("newcomers_onward", "newcomers who went on", "nouveaux venus ayant poursuivi", "members", 1,
      "of those newcomers, how many later took a seat in another body",
      "the body trains future participants: tell the other bodies and the authority where they came from",
      newcomers.newcomers_onward),
    S("diversity_categories", "categories added", "catégories apportées", "members", 2,
      "current members of the actor categories under-represented in the territory's other bodies (share below the territory's persons)",
      "these members bring voices the other bodies lack: keep their seats, and reserve seats for those categories",
      diversity.diversity("categories")),
    S("diversity_ages", "age bands added", "tranches d'âge apportées", "members", 2,
      "current members of the age bands under-represented in the other bodies (against the territory's persons, by birth year)",
      "the body reaches ages the others miss: keep the way it recruits them (lot, youth or elders' channel)",
      diversity.diversity("ages")),
    S("diversity_genders", "gender balance added", "équilibre femmes-hommes apporté", "members", 2,
      "current members of the gender (women or men) under-represented in the other bodies against parity",
      "the body corrects the territory's gender imbalance: keep its parity rule at the renewal",
      diversity.diversity("genders")),
    S("diversity_places", "sub-territories added", "sous-territoires apportés", "members", 2,
      "current members living in the sub-territories (just below the network territory) under-represented in the other bodies against the territory's persons",
      "the body brings in areas the others do not reach: keep it, or use its channel for the other bodies",
      diversity.diversity("places")),
    S("community_reach", "communities reached alone", "communautés atteintes seule", "communities", 1,
      "communities of the territory's graph that the members and their ties touch and that no other body of the territory touches",
      "the territory would lose touch with these circles without the body: renew it rather than merge it",
      network.community_reach),
)  # fmt: skip

del S

#: Strength code -> its declaration.
STRENGTH_BY_CODE: dict[str, StrengthSpec] = {spec.code: spec for spec in STRENGTHS}
STRENGTH_CODES: tuple[str, ...] = tuple(STRENGTH_BY_CODE)
STRENGTH_UNITS: dict[str, str] = {spec.code: spec.unit for spec in STRENGTHS}


def _number(x: float | None) -> str:
    return "—" if x is None else f"{x:g}"


def readme_table() -> str:
    """The Markdown table of the README (Consultant, Strengths), as it must read."""
    lines = [
        "| code | meaning | unit | strength from | what to do with it |",
        "|---|---|---|---|---|",
    ]
    for s in STRENGTHS:
        lines.append(
            f"| `{s.code}` | {s.meaning} | {s.unit} | {_number(s.threshold)} | {s.action} |"
        )
    return "\n".join(lines)
