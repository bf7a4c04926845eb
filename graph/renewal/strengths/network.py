"""Strength of the network: the communities of the territory a body reaches, and those
that no other body of the territory reaches.

The communities are those of the network territory's graph (Leiden, seeded:
``graph.positions``); a body *touches* a community when one of its members or of
their neighbours is in it, the rule of the ``reach`` indicator. The value is the
number of communities only this body touches: the circles the territory's
participation would lose with it.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from graph.model import node_order, node_pk
from graph.renewal.strengths.base import Strength, StrengthContext, StrengthSpec, result, unknown


def communities_by_body(
    graph: nx.MultiGraph, communities: Mapping[str, int], memberships: Mapping[str, set[str]]
) -> dict[int, frozenset[int]]:
    """Body id -> the communities its members and their neighbours are in (every body)."""
    touched: dict[int, frozenset[int]] = {}
    bodies = [node for node, kind in graph.nodes(data="kind") if kind == "body"]
    for node in sorted(bodies, key=node_order):  # the bodies only: a few in a thousand
        around = set(memberships.get(node, ()))
        for member in list(around):
            around.update(graph.neighbors(member))
        touched[node_pk(node)] = frozenset(communities[n] for n in around if n in communities)
    return touched


def community_reach(ctx: StrengthContext, spec: StrengthSpec) -> Strength:
    network, peers = ctx.network, ctx.peers
    if network is None or peers is None or ctx.facts.id not in peers.communities:
        return unknown(spec, "not_given")
    if not network.members:
        return unknown(spec, "no_members")
    if not network.communities_total:
        return unknown(spec, "no_communities")
    mine = peers.communities[ctx.facts.id]
    others: set[int] = set()
    for body_id, theirs in peers.communities.items():
        if body_id != ctx.facts.id:
            others |= theirs
    only = sorted(mine - others)
    detail = {
        "touched": sorted(mine),
        "only_this_body": only,
        "total": network.communities_total,
        "other_bodies": len(peers.communities) - 1,
    }
    return result(
        spec, float(len(only)), detail,
        only=len(only), touched=len(mine), total=network.communities_total,
    )  # fmt: skip
