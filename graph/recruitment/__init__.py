"""Who could take part in a body's renewal: the recruitment pool, pure (no clock, no database).

Given a body's facts (``graph.model.BodyFacts``), the graph of its network territory
with its communities and PageRank, the territory's profile and the actors who might
join (``CandidateFacts``, read by ``graph.loaders.candidates``), ``recruitment_pool``
returns:

- the body's **gaps**: the communities, categories, sub-territories and, for a reader
  with the ``personal_data`` scope, age bands and genders it under-represents (the one
  gap rule, ``rules.GAP_MIN_SHORTFALL``);
- per **college**, its vacant seats and who usually fills it (its members' categories,
  current and past; else its name; else anyone);
- the **candidates**, ranked by the sum of their reasons' weights (table below), ties
  broken by actor id, each reason with a sentence in English and French;
- how many actors were **left out** and why (``rules.EXCLUSIONS``: already a member,
  already in 3+ bodies, a lawful basis that does not allow a contact, retention passed,
  erased), and how many had no reason to be proposed;
- the **simulation**: the body's indicators and score before and after the top
  candidates take the vacant seats (``assess_body`` re-run with them as members from
  ``as_of``).

{reasons_table}
"""

from graph.recruitment.model import (
    Candidate,
    CandidateFacts,
    CollegeNeed,
    Gap,
    IndicatorChange,
    Pool,
    Reason,
    Seating,
    Simulation,
)
from graph.recruitment.pool import body_gaps, recruitment_pool
from graph.recruitment.rules import (
    CONTACT_BASES,
    DEFAULT_LIMIT,
    EXCLUSIONS,
    GAP_MIN_SHORTFALL,
    MAX_LIMIT,
    MAX_TOP,
    REASONS,
    reasons_table,
)
from graph.recruitment.simulate import with_members

__doc__ = __doc__.replace("{reasons_table}", reasons_table())

__all__ = [
    "CONTACT_BASES",
    "DEFAULT_LIMIT",
    "EXCLUSIONS",
    "GAP_MIN_SHORTFALL",
    "MAX_LIMIT",
    "MAX_TOP",
    "REASONS",
    "Candidate",
    "CandidateFacts",
    "CollegeNeed",
    "Gap",
    "IndicatorChange",
    "Pool",
    "Reason",
    "Seating",
    "Simulation",
    "body_gaps",
    "reasons_table",
    "recruitment_pool",
    "with_members",
]
