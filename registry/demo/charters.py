"""The demo's charters: real, published participation charters of the extract's territories.

Unlike the rest of the demo, a charter is not invented: it is the text a collectivity
adopted, recorded with the deliberation that adopted it and where it is published,
and it sets a rule value only where the text states one in figures. A value that
could not be checked against the text is left out (the rule then comes from the
installation settings or the defaults, and the assessment says so), never guessed.

- Paris: the Charte parisienne de la participation citoyenne, adopted by the
  Conseil de Paris in December 2017 (deliberation 2017 DDCT 183; session debate
  published by the Ville de Paris). It governs every participation body of Paris and
  its arrondissements. The conseils de quartier themselves are run by one charter per
  arrondissement. No figure of the 2017 text (meetings a year, answer delay, terms,
  ages) could be checked against a published copy when this was written, so the
  record carries the source and no rule value yet: enter them (``PARIS_2017.rules``)
  from the text, and the Paris bodies are judged by them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from registry.demo.scenario import PARIS
from registry.models import Charter, Territory
from registry.services.charters import charter_create


@dataclass(frozen=True)
class CharterSpec:
    territory: tuple[str, str]
    name: str
    adopted_by: str
    source_url: str
    valid_from: dt.date
    body_type: str = ""
    #: Rule name -> value, each stated in figures by the text (see the module docstring).
    rules: dict[str, object] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)


PARIS_2017 = CharterSpec(
    territory=PARIS,
    name="Charte parisienne de la participation citoyenne",
    adopted_by="Conseil de Paris, délibération 2017 DDCT 183, séance du 12 décembre 2017",
    source_url=(
        "http://a06.apps.paris.fr/a06/jsp/site/Portal.jsp?page=ods-solr.display_document"
        "&id_document=140582"
    ),
    valid_from=dt.date(2017, 12, 12),
)

CHARTERS: tuple[CharterSpec, ...] = (PARIS_2017,)


def write_charters() -> list[Charter]:
    """Write the demo's charters through the charter service (validated, recorded)."""
    made = []
    for spec in CHARTERS:
        level, code = spec.territory
        made.append(
            charter_create(
                territory=Territory.objects.get(level=level, code=code),
                name=spec.name,
                body_type=spec.body_type,
                adopted_by=spec.adopted_by,
                source_url=spec.source_url,
                valid_from=spec.valid_from,
                thresholds=spec.thresholds,
                weights=spec.weights,
                sources=[{"url": spec.source_url, "note": spec.adopted_by}],
                **spec.rules,
            )
        )
    return made
