"""Renewal indicators of the network: multi-membership, interlock, reach, concentration,
distance to decision-makers, measured in the graph ``ctx.network`` was computed in.

Rules that change a count, each shown in the indicator's ``detail``:

- a member counts as a multi-member from ``MULTI_MEMBERSHIP_MIN`` other bodies;
- ``concentration`` counts a member missing from the PageRank as 0;
- ``decision_distance``: the value is the mean distance of the members who can
  reach a decision-maker; the members who cannot are counted, not ignored: the
  share of them (``unreachable_share``) makes the status at least ``watch`` from
  ``UNREACHABLE_WATCH`` and ``alert`` from ``UNREACHABLE_ALERT``; with no
  decision-maker in the graph the indicator is ``unknown``.
"""

from __future__ import annotations

from graph.renewal.base import (
    ALERT,
    MULTI_MEMBERSHIP_MIN,
    OK,
    STATUS_POINTS,
    WATCH,
    Context,
    Indicator,
    graded,
    unknown_result,
)

#: Share of members with no path to a decision-maker from which the body is ``watch``.
UNREACHABLE_WATCH = 0.25
#: Share of members with no path to a decision-maker from which the body is ``alert``.
UNREACHABLE_ALERT = 0.50


def _missing_network(code: str, ctx: Context) -> Indicator | None:
    """``unknown`` when the graph was not given or holds no current member, else None."""
    if ctx.network is None:
        return unknown_result(code, ctx.config, "network.not_given")
    if not ctx.network.members:
        return unknown_result(code, ctx.config, "network.no_members")
    return None


def multi_membership(ctx: Context) -> Indicator:
    if missing := _missing_network("multi_membership", ctx):
        return missing
    n = len(ctx.network.members)
    many = sum(1 for _, k in ctx.network.other_bodies if k >= MULTI_MEMBERSHIP_MIN)
    share = many / n
    detail = {"members": n, "multi_members": many, "min_other_bodies": MULTI_MEMBERSHIP_MIN}
    return graded(
        "multi_membership", share, ctx.config, detail,
        many=many, members=n, share=share, min_other=MULTI_MEMBERSHIP_MIN,
    )  # fmt: skip


def interlock(ctx: Context) -> Indicator:
    if missing := _missing_network("interlock", ctx):
        return missing
    network = ctx.network
    j = network.max_jaccard
    detail = {
        "most_interlocked": network.most_interlocked,
        "bodies_sharing": network.bodies_sharing,
    }
    return graded(
        "interlock", j, ctx.config, detail,
        other=network.most_interlocked_label or network.most_interlocked or "",
        jaccard=j, sharing=network.bodies_sharing,
    )  # fmt: skip


def reach(ctx: Context) -> Indicator:
    if missing := _missing_network("reach", ctx):
        return missing
    network = ctx.network
    if network.reach is None:
        return unknown_result("reach", ctx.config, "reach.no_communities")
    r, t, total = network.reach, network.communities_touched, network.communities_total
    return graded(
        "reach", r, ctx.config, {"touched": t, "total": total}, touched=t, total=total, share=r
    )


def concentration(ctx: Context) -> Indicator:
    if missing := _missing_network("concentration", ctx):
        return missing
    network = ctx.network
    g = network.concentration if network.concentration is not None else 0.0
    return graded("concentration", g, ctx.config, {"members": len(network.members)}, gini=g)


def _unreachable_status(share: float) -> str:
    if share >= UNREACHABLE_ALERT:
        return ALERT
    return WATCH if share >= UNREACHABLE_WATCH else OK


def decision_distance(ctx: Context) -> Indicator:
    code = "decision_distance"
    if missing := _missing_network(code, ctx):
        return missing
    network, config = ctx.network, ctx.config
    n = len(network.members)
    reachable = sum(1 for _, d in network.distances if d is not None)
    unreachable = n - reachable
    share = unreachable / n
    detail = {
        "members": n,
        "reachable": reachable,
        "unreachable": unreachable,
        "unreachable_share": share,
        "unreachable_watch": UNREACHABLE_WATCH,
        "unreachable_alert": UNREACHABLE_ALERT,
        "decision_makers": network.decision_makers,
        "mean_distance": network.decision_distance,
    }
    if network.decision_makers == 0:
        return unknown_result(code, config, "decision_distance.no_decision_maker", detail)
    d = network.decision_distance
    if d is None:  # no member reaches one: every member is unreachable
        return graded(
            code, None, config, detail, key="decision_distance.none_connected", status=ALERT
        )
    by_distance, by_share = config.grade(code, d), _unreachable_status(share)
    status = max(by_distance, by_share, key=STATUS_POINTS.__getitem__)
    key = "decision_distance.unreachable" if by_share != OK else code
    return graded(
        code, d, config, detail, key=key, status=status,
        distance=d, reachable=reachable, members=n, unreachable=unreachable, share=share,
    )  # fmt: skip
