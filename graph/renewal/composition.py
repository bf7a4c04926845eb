"""Renewal indicators of composition: parity, age and category gaps to the territory."""

from __future__ import annotations

from collections import Counter

from graph.renewal.base import (
    AGE_BANDS,
    ALERT,
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
from graph.renewal.maths import (
    age_band,
    dissimilarity,
)

#: What the parity thresholds apply to: the seat gap (rule max_gap_1) or the minority share.
PARITY_THRESHOLD_ON: tuple[str, ...] = ("gap", "minority_share")


def parity(ctx: Context) -> Indicator:
    facts, current, config = ctx.facts, ctx.current, ctx.config
    code = "parity"
    genders = [m.gender for m in current.values()]
    known = [g for g in genders if g in ("female", "male", "other")]
    if not current or 2 * len(known) < len(current):
        return unknown_result(
            code,
            config,
            f"The gender is known for {len(known)} of {len(current)} current members (fewer than half): parity cannot be assessed; complete the members' records.",
            f"Le genre est connu pour {len(known)} des {len(current)} membres en cours (moins de la moitié) : la parité ne peut être évaluée ; compléter les fiches des membres.",
            known=len(known),
            members=len(current),
        )
    women, men = known.count("female"), known.count("male")
    gap = abs(women - men)
    minority = min(women, men) / (women + men) if women + men else 0.0
    watch, alert = config.limits(code)
    detail = {
        "women": women,
        "men": men,
        "known": len(known),
        "members": len(current),
        "minority_share": minority,
        "rule": facts.parity_rule,
    }
    counts_en = f"{women} women and {men} men (gap {gap})"
    counts_fr = f"{women} femmes et {men} hommes (écart {gap})"
    if facts.parity_rule == "max_gap_1":
        status = ALERT if gap > 1 else OK
        threshold: tuple[float | None, float | None] = (None, 2)
        detail["threshold_on"] = PARITY_THRESHOLD_ON[0]
        messages = {
            ALERT: (
                f"{counts_en}: the legal parity rule (at most one seat of difference) is breached; rebalance at the next appointments.",
                f"{counts_fr} : la règle légale de parité (au plus un siège d'écart) n'est pas respectée ; rééquilibrer lors des prochaines désignations.",
            ),
            OK: (
                f"{counts_en}: the parity rule (at most one seat of difference) is met.",
                f"{counts_fr} : la règle de parité (au plus un siège d'écart) est respectée.",
            ),
        }
    else:
        status = OK
        if minority < watch:
            status = WATCH
        if facts.parity_rule == "balanced" and minority < alert:
            status = ALERT
        threshold = (watch, alert if facts.parity_rule == "balanced" else None)
        detail["threshold_on"] = PARITY_THRESHOLD_ON[1]
        messages = {
            ALERT: (
                f"{counts_en}, the minority gender holds {pct_en(minority)} of the seats: the balance sought is far off; target the under-represented gender in the next call for candidates.",
                f"{counts_fr}, le genre minoritaire occupe {pct_fr(minority)} des sièges : l'équilibre recherché est loin ; cibler le genre sous-représenté lors du prochain appel à candidatures.",
            ),
            WATCH: (
                f"{counts_en}, the minority gender holds {pct_en(minority)} of the seats: seek more balance at the next renewal.",
                f"{counts_fr}, le genre minoritaire occupe {pct_fr(minority)} des sièges : rechercher davantage d'équilibre au prochain renouvellement.",
            ),
            OK: (
                f"{counts_en}: the body is balanced.",
                f"{counts_fr} : l'instance est équilibrée.",
            ),
        }
    return graded(code, float(gap), config, detail, messages, status=status, threshold=threshold)


def age_gap(ctx: Context) -> Indicator:
    facts, current, as_of, profile, config = (
        ctx.facts,
        ctx.current,
        ctx.as_of,
        ctx.profile,
        ctx.config,
    )
    code = "age_gap"
    if profile is None or not profile.age_bands:
        return unknown_result(
            code,
            config,
            "The ages of the territory's population are not known: the age gap cannot be measured.",
            "Les âges de la population du territoire ne sont pas connus : l'écart d'âge ne peut être mesuré.",
        )
    years = [m.birth_year for m in current.values() if m.birth_year is not None]
    if not current or 2 * len(years) < len(current):
        return unknown_result(
            code,
            config,
            f"The birth year is known for {len(years)} of {len(current)} current members (fewer than half): complete the members' records to measure the age gap.",
            f"L'année de naissance est connue pour {len(years)} des {len(current)} membres en cours (moins de la moitié) : compléter les fiches pour mesurer l'écart d'âge.",
        )
    # a youth or elders' council is compared with the ages it may admit
    low, high = facts.min_age or 0, facts.max_age or 200
    bounds = {label: (lo, hi) for label, lo, hi in AGE_BANDS}
    reference = {
        band: n
        for band, n in profile.age_bands.items()
        if band in bounds and bounds[band][0] <= high and bounds[band][1] >= low
    }
    observed = Counter(age_band(y, as_of) for y in years)
    index = dissimilarity(observed, reference)
    if index is None:
        return unknown_result(
            code,
            config,
            "The territory's population has no age band the body may admit: the age gap cannot be measured.",
            "La population du territoire n'a aucune tranche d'âge admissible dans l'instance : l'écart d'âge ne peut être mesuré.",
        )
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(reference.items())),
        "known": len(years),
    }
    messages = {
        ALERT: (
            f"{pct_en(index)} of the members would have to change to mirror the ages of the territory (dissimilarity {index:.2f}): draw lots or target the missing age groups.",
            f"{pct_fr(index)} des membres devraient changer pour refléter les âges du territoire (dissimilarité {num_fr(index, 2)}) : tirer au sort ou cibler les tranches d'âge absentes.",
        ),
        WATCH: (
            f"The ages of the members differ from the territory's (dissimilarity {index:.2f}): reach the under-represented age groups at the next renewal.",
            f"Les âges des membres s'écartent de ceux du territoire (dissimilarité {num_fr(index, 2)}) : aller chercher les tranches d'âge sous-représentées au prochain renouvellement.",
        ),
        OK: (
            f"The ages of the members mirror the territory's (dissimilarity {index:.2f}).",
            f"Les âges des membres reflètent ceux du territoire (dissimilarité {num_fr(index, 2)}).",
        ),
    }
    return graded(code, index, config, detail, messages)


def category_gap(ctx: Context) -> Indicator:
    current, profile, config = ctx.current, ctx.profile, ctx.config
    code = "category_gap"
    if profile is None or not profile.categories:
        return unknown_result(
            code,
            config,
            "The make-up of the territory's actors is not known: the category gap cannot be measured.",
            "La composition des acteurs du territoire n'est pas connue : l'écart de catégories ne peut être mesuré.",
        )
    categories = [m.category for m in current.values() if m.category]
    if not current or 2 * len(categories) < len(current):
        return unknown_result(
            code,
            config,
            f"The category is known for {len(categories)} of {len(current)} current members (fewer than half): complete the records to measure the category gap.",
            f"La catégorie est connue pour {len(categories)} des {len(current)} membres en cours (moins de la moitié) : compléter les fiches pour mesurer l'écart de catégories.",
        )
    observed = Counter(categories)
    index = dissimilarity(observed, profile.categories)
    if index is None:
        return unknown_result(
            code,
            config,
            "The territory profile has no actor counted: the category gap cannot be measured.",
            "Le profil du territoire ne compte aucun acteur : l'écart de catégories ne peut être mesuré.",
        )
    detail = {
        "members": dict(sorted(observed.items())),
        "territory": dict(sorted(profile.categories.items())),
    }
    messages = {
        ALERT: (
            f"{pct_en(index)} of the members would have to change to mirror the territory's actors (dissimilarity {index:.2f}): open seats to the missing categories.",
            f"{pct_fr(index)} des membres devraient changer pour refléter les acteurs du territoire (dissimilarité {num_fr(index, 2)}) : ouvrir des sièges aux catégories absentes.",
        ),
        WATCH: (
            f"The members' categories differ from the territory's (dissimilarity {index:.2f}): invite the under-represented categories at the next renewal.",
            f"Les catégories des membres s'écartent de celles du territoire (dissimilarité {num_fr(index, 2)}) : inviter les catégories sous-représentées au prochain renouvellement.",
        ),
        OK: (
            f"The members' categories mirror the territory's (dissimilarity {index:.2f}).",
            f"Les catégories des membres reflètent celles du territoire (dissimilarité {num_fr(index, 2)}).",
        ),
    }
    return graded(code, index, config, detail, messages)
