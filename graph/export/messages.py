"""The words of the SVG picture (title, legend), one catalogue per language, the same keys.

A module rather than the gettext catalogue for the reason of
``graph.renewal.messages``: ``graph`` may not import Django, so the caller
passes the language in. ``tests/graph/test_svg.py`` checks that both
catalogues hold the same keys with the same placeholders.
"""

from __future__ import annotations

from graph.renewal.messages import LANGUAGES as SENTENCES

LANGUAGES: tuple[str, ...] = ("en", "fr")

# fmt: off
MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "title": "Influence map as of {as_of}",
        "summary_all": "{nodes} nodes, {communities} communities",
        "summary_some": "the {shown} most central of {nodes} nodes, {communities} communities",
        "size.heading": "Size",
        "size.small": "less influential",
        "size.large": "more influential (PageRank)",
        "shape.heading": "Shape",
        "shape.actor": "person or organisation",
        "shape.body": "participation body",
        "colour.heading": "Colour: community",
        "colour.note": "named after its most central member or body",
        "colour.entry": "{name} ({size})",
        "colour.rest": "{count} smaller communities",
        "lines.heading": "Lines",
        "lines.within": "tie within a community (membership, interaction)",
        "lines.between": "ties between two communities (width: how many)",
        "lines.negative": "mostly negative ties (opposition, conflict)",
        "layout.force": "Layout: force-directed within each community (seed {seed})",
        "layout.spiral": "Layout: spiral by PageRank within each community (seed {seed})",
    },
    "fr": {
        "title": "Carte d'influence au {as_of}",
        "summary_all": "{nodes} nœuds, {communities} communautés",
        "summary_some": "les {shown} nœuds les plus centraux sur {nodes}, {communities} communautés",
        "size.heading": "Taille",
        "size.small": "moins influent",
        "size.large": "plus influent (PageRank)",
        "shape.heading": "Forme",
        "shape.actor": "personne ou organisation",
        "shape.body": "instance participative",
        "colour.heading": "Couleur : communauté",
        "colour.note": "nommée d'après son membre ou instance le plus central",
        "colour.entry": "{name} ({size})",
        "colour.rest": "{count} communautés plus petites",
        "lines.heading": "Traits",
        "lines.within": "lien dans une communauté (adhésion, interaction)",
        "lines.between": "liens entre deux communautés (épaisseur : leur nombre)",
        "lines.negative": "liens surtout négatifs (opposition, conflit)",
        "layout.force": "Disposition : par forces dans chaque communauté (graine {seed})",
        "layout.spiral": "Disposition : en spirale par PageRank dans chaque communauté (graine {seed})",
    },
}
# fmt: on


def date_text(language: str, day) -> str:
    """``day`` as ``language`` writes it, with the date format of the renewal sentences
    (``graph.renewal.messages``; English, ISO, for a language without one)."""
    _catalogue, formatter = SENTENCES.get(language, SENTENCES["en"])
    return day.strftime(formatter.date_format)


#: How each language separates the thousands of a count (French: a narrow no-break space,
#: as ``Intl.NumberFormat("fr")`` writes it on the explorer page).
THOUSANDS: dict[str, str] = {"en": ",", "fr": "\u202f"}


def number_text(language: str, count: int) -> str:
    """``count`` as ``language`` writes it: 12,345 in English, 12 345 in French."""
    return f"{count:,}".replace(",", THOUSANDS.get(language, THOUSANDS["en"]))


def text(language: str, key: str, **values) -> str:
    """The sentence ``key`` in ``language`` (English for a language without a catalogue)."""
    catalogue = MESSAGES.get(language, MESSAGES["en"])
    return catalogue[key].format(**values)
