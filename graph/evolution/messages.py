"""The sentences of the evolution, in English and French (the same keys, the same
placeholders; a test checks it), written with the renewal catalogues' formats
(``graph.renewal.messages``: ``{x:pct}``, ``{x:num0}``, ``{d:date}``...)."""

from __future__ import annotations

from typing import Any

from graph.renewal.messages import fill

# fmt: off
EN: dict[str, str] = {
    "core.moves": "Between {first:date} and {last:date} the main core (core number {k_first} then {k_last}) gained {entered} actor(s){entered_names} and lost {left}{left_names}: involve those who entered in the renewal, they now hold the network together; ask those who left whether they are withdrawing.",
    "core.same": "Between {first:date} and {last:date} the main core kept the same actors (core number {k_first} then {k_last}): the same circle holds the network; a renewal should reach beyond it.",
    "top_pagerank.moves": "Between {first:date} and {last:date} {entered} actor(s) entered the {top} most central (PageRank){entered_names} and {left} left them{left_names}: update the list of people to consult first.",
    "top_pagerank.same": "Between {first:date} and {last:date} the {top} most central actors (PageRank) stayed the same: influence is stable, and concentrated on the same people.",
    "merge": "Communities {sources} of {first:date} merged into community {into} of {last:date} ({shared} members in common): these circles now work as one; check that one voice does not speak for all in the bodies they fill.",
    "split": "Community {source} of {first:date} split into communities {parts} by {last:date} ({shared} members in common): the circle broke up; a body it filled should now seek members from each part.",
    "interlock.grew": "{body} shared members with {linked_first} other bodies on {first:date} and {linked_last} on {last:date} (highest Jaccard {jaccard_first:pct} then {jaccard_last:pct}): the same people sit in more places; open its next renewal to newcomers.",
    "score.moved": "The renewal score of {body} went from {score_first:num0} to {score_last:num0} ({delta:num0} points) between {first:date} and {last:date}{changed}.",
    "score.same": "The renewal score of {body} stayed at {score_last:num0} between {first:date} and {last:date} ({delta:num0} points){changed}.",
    "score.changed": "; indicators that changed status: {codes}",
    "score.unknown": "The renewal score of {body} is not known on both {first:date} and {last:date}{changed}: complete its records to follow it.",
    "names": " ({names})",
    "names_more": " ({names} and {more} others)",
}

FR: dict[str, str] = {
    "core.moves": "Entre le {first:date} et le {last:date}, le noyau principal (indice de cœur {k_first} puis {k_last}) a gagné {entered} acteur(s){entered_names} et en a perdu {left}{left_names} : associez au renouvellement ceux qui y sont entrés, ils tiennent désormais le réseau ; demandez à ceux qui en sont sortis s'ils se retirent.",
    "core.same": "Entre le {first:date} et le {last:date}, le noyau principal a gardé les mêmes acteurs (indice de cœur {k_first} puis {k_last}) : le même cercle tient le réseau ; un renouvellement doit aller au-delà.",
    "top_pagerank.moves": "Entre le {first:date} et le {last:date}, {entered} acteur(s) sont entrés parmi les {top} plus centraux (PageRank){entered_names} et {left} en sont sortis{left_names} : mettez à jour la liste des personnes à consulter en premier.",
    "top_pagerank.same": "Entre le {first:date} et le {last:date}, les {top} acteurs les plus centraux (PageRank) sont restés les mêmes : l'influence est stable, et concentrée sur les mêmes personnes.",
    "merge": "Les communautés {sources} du {first:date} ont fusionné dans la communauté {into} du {last:date} ({shared} membres en commun) : ces cercles fonctionnent désormais comme un seul ; vérifiez qu'une seule voix ne parle pas pour tous dans les instances qu'ils composent.",
    "split": "La communauté {source} du {first:date} s'est scindée en communautés {parts} au {last:date} ({shared} membres en commun) : le cercle s'est défait ; une instance qu'il composait doit désormais chercher des membres dans chaque partie.",
    "interlock.grew": "{body} partageait des membres avec {linked_first} autres instances le {first:date} et {linked_last} le {last:date} (Jaccard le plus haut {jaccard_first:pct} puis {jaccard_last:pct}) : les mêmes personnes siègent en plus d'endroits ; ouvrez son prochain renouvellement à de nouveaux venus.",
    "score.moved": "Le score de renouvellement de {body} est passé de {score_first:num0} à {score_last:num0} ({delta:num0} points) entre le {first:date} et le {last:date}{changed}.",
    "score.same": "Le score de renouvellement de {body} est resté à {score_last:num0} entre le {first:date} et le {last:date} ({delta:num0} points){changed}.",
    "score.changed": " ; indicateurs qui ont changé de statut : {codes}",
    "score.unknown": "Le score de renouvellement de {body} n'est pas connu à la fois le {first:date} et le {last:date}{changed} : complétez ses données pour le suivre.",
    "names": " ({names})",
    "names_more": " ({names} et {more} autres)",
}
# fmt: on

CATALOGUES = {"en": EN, "fr": FR}


def say(key: str, **values: Any) -> tuple[str, str]:
    """The English and French sentences of ``key``; a value given as an (en, fr) pair is
    a fragment already written in each language."""
    return fill(list(CATALOGUES.values()), key, values, written=tuple)
