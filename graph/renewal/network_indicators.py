"""Renewal indicators of the network: multi-membership, interlock, reach, concentration,
distance to decision-makers (computed in the graph of ``ctx.network``)."""

from __future__ import annotations

from graph.renewal.base import (
    ALERT,
    MULTI_MEMBERSHIP_MIN,
    OK,
    WATCH,
    Context,
    Indicator,
    graded,
    num_fr,
    pct_en,
    pct_fr,
    unknown_result,
)

_NO_NETWORK = (
    "The registry graph was not given: this network indicator cannot be computed.",
    "Le graphe du registre n'a pas été fourni : cet indicateur de réseau ne peut être calculé.",
)
_NO_MEMBERS = (
    "The body has no current member in the registry graph: this network indicator cannot be computed.",
    "L'instance n'a aucun membre en cours dans le graphe du registre : cet indicateur de réseau ne peut être calculé.",
)


def _missing_network(code: str, ctx: Context) -> Indicator | None:
    """``unknown`` when the graph was not given or holds no current member, else None."""
    if ctx.network is None:
        return unknown_result(code, ctx.config, *_NO_NETWORK)
    if not ctx.network.members:
        return unknown_result(code, ctx.config, *_NO_MEMBERS)
    return None


def multi_membership(ctx: Context) -> Indicator:
    if missing := _missing_network("multi_membership", ctx):
        return missing
    network, config = ctx.network, ctx.config
    n = len(network.members)
    many = sum(1 for _, k in network.other_bodies if k >= MULTI_MEMBERSHIP_MIN)
    share = many / n
    return graded(
        "multi_membership",
        share,
        config,
        {"members": n, "multi_members": many, "min_other_bodies": MULTI_MEMBERSHIP_MIN},
        {
            ALERT: (
                f"{many} of {n} members ({pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies: the same people are everywhere; recruit members who sit nowhere else (drawing of lots).",
                f"{many} membre(s) sur {n} ({pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus : ce sont toujours les mêmes ; recruter des membres qui ne siègent nulle part ailleurs (tirage au sort).",
            ),
            WATCH: (
                f"{many} of {n} members ({pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies: favour newcomers at the next renewal.",
                f"{many} membre(s) sur {n} ({pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus : privilégier de nouveaux venus au prochain renouvellement.",
            ),
            OK: (
                f"{many} of {n} members ({pct_en(share)}) sit in {MULTI_MEMBERSHIP_MIN} or more other bodies.",
                f"{many} membre(s) sur {n} ({pct_fr(share)}) siègent dans {MULTI_MEMBERSHIP_MIN} autres instances ou plus.",
            ),
        },
    )


def interlock(ctx: Context) -> Indicator:
    if missing := _missing_network("interlock", ctx):
        return missing
    network, config = ctx.network, ctx.config
    j = network.max_jaccard
    other = network.most_interlocked_label or network.most_interlocked or ""
    return graded(
        "interlock",
        j,
        config,
        {
            "most_interlocked": network.most_interlocked,
            "bodies_sharing": network.bodies_sharing,
        },
        {
            ALERT: (
                f"The body and {other} have {pct_en(j)} of their combined members in common (Jaccard {j:.2f}): the two bodies duplicate each other; renew one, or merge them.",
                f"L'instance et {other} ont {pct_fr(j)} de leurs membres cumulés en commun (Jaccard {num_fr(j, 2)}) : les deux instances font doublon ; renouveler l'une ou les fusionner.",
            ),
            WATCH: (
                f"The body and {other} have {pct_en(j)} of their combined members in common (Jaccard {j:.2f}): limit overlapping seats at the next renewal.",
                f"L'instance et {other} ont {pct_fr(j)} de leurs membres cumulés en commun (Jaccard {num_fr(j, 2)}) : limiter les cumuls au prochain renouvellement.",
            ),
            OK: (
                f"The largest overlap with another body is a Jaccard of {j:.2f} ({network.bodies_sharing} bodies share members).",
                f"Le plus fort recouvrement avec une autre instance est un Jaccard de {num_fr(j, 2)} ({network.bodies_sharing} instances partagent des membres).",
            ),
        },
    )


def reach(ctx: Context) -> Indicator:
    if missing := _missing_network("reach", ctx):
        return missing
    network, config = ctx.network, ctx.config
    if network.reach is None:
        return unknown_result(
            "reach",
            config,
            "No community partition of the territory was given: the network reach cannot be computed.",
            "Aucune partition en communautés du territoire n'a été fournie : la portée du réseau ne peut être calculée.",
        )
    else:
        r, t, total = network.reach, network.communities_touched, network.communities_total
        return graded(
            "reach",
            r,
            config,
            {"touched": t, "total": total},
            {
                ALERT: (
                    f"The members and their contacts reach {t} of the territory's {total} communities ({pct_en(r)}): the body speaks for one circle; recruit beyond it.",
                    f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({pct_fr(r)}) : l'instance parle pour un seul cercle ; recruter au-delà.",
                ),
                WATCH: (
                    f"The members and their contacts reach {t} of the territory's {total} communities ({pct_en(r)}): widen the recruitment.",
                    f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({pct_fr(r)}) : élargir le recrutement.",
                ),
                OK: (
                    f"The members and their contacts reach {t} of the territory's {total} communities ({pct_en(r)}).",
                    f"Les membres et leurs contacts touchent {t} des {total} communautés du territoire ({pct_fr(r)}).",
                ),
            },
        )


def concentration(ctx: Context) -> Indicator:
    if missing := _missing_network("concentration", ctx):
        return missing
    network, config = ctx.network, ctx.config
    n = len(network.members)
    g = network.concentration if network.concentration is not None else 0.0
    return graded(
        "concentration",
        g,
        config,
        {"members": n},
        {
            ALERT: (
                f"Influence within the body is concentrated on a few members (Gini {g:.2f}): rotate the chair and the speaking roles, and renew the most central members.",
                f"L'influence dans l'instance est concentrée sur quelques membres (Gini {num_fr(g, 2)}) : faire tourner la présidence et les prises de parole, renouveler les membres les plus centraux.",
            ),
            WATCH: (
                f"Influence within the body is unevenly spread (Gini {g:.2f}): share the roles more widely.",
                f"L'influence dans l'instance est inégalement répartie (Gini {num_fr(g, 2)}) : mieux partager les rôles.",
            ),
            OK: (
                f"Influence within the body is evenly spread (Gini {g:.2f}).",
                f"L'influence dans l'instance est bien répartie (Gini {num_fr(g, 2)}).",
            ),
        },
    )


def decision_distance(ctx: Context) -> Indicator:
    if missing := _missing_network("decision_distance", ctx):
        return missing
    network, config = ctx.network, ctx.config
    n = len(network.members)
    reachable = sum(1 for _, d in network.distances if d is not None)
    detail = {"members": n, "reachable": reachable, "decision_makers": network.decision_makers}
    if network.decision_makers == 0:
        return unknown_result(
            "decision_distance",
            config,
            "No decision-maker (elected official, local authority, or power 4+) is recorded in the graph: the distance cannot be measured.",
            "Aucun décideur (élu, collectivité, ou pouvoir de 4 ou plus) n'est enregistré dans le graphe : la distance ne peut être mesurée.",
            **detail,
        )
    elif network.decision_distance is None:
        en = "None of the members is connected to a decision-maker outside the body: involve an elected referent and link the body to the services that decide."
        fr = "Aucun membre n'est relié à un décideur en dehors de l'instance : associer un élu référent et relier l'instance aux services qui décident."
        return Indicator(
            "decision_distance",
            None,
            "hops",
            config.limits("decision_distance"),
            ALERT,
            detail,
            en,
            fr,
        )
    else:
        d = network.decision_distance
        return graded(
            "decision_distance",
            d,
            config,
            detail,
            {
                ALERT: (
                    f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected): involve an elected referent and organise regular exchanges with the decision-makers.",
                    f"Les membres sont en moyenne à {num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés) : associer un élu référent et organiser des échanges réguliers avec les décideurs.",
                ),
                WATCH: (
                    f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected): bring the decision-makers to the meetings.",
                    f"Les membres sont en moyenne à {num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés) : faire venir les décideurs aux réunions.",
                ),
                OK: (
                    f"The members are {d:.1f} steps away from a decision-maker on average ({reachable} of {n} connected).",
                    f"Les membres sont en moyenne à {num_fr(d)} pas d'un décideur ({reachable} sur {n} reliés).",
                ),
            },
        )
