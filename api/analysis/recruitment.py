"""The recruitment pool of a body as an analysis kind (``body-recruitment``).

Loaded here (the body's assessment and network territory graph from
``api.analysis.kinds.assessments``, its facts, its charter configuration and the
territory's candidates), ranked by ``graph.recruitment.recruitment_pool`` and rendered as
JSON. Whether the reader holds the ``personal_data`` scope is a parameter (``personal``),
so the two answers are cached apart.
"""

from __future__ import annotations

import dataclasses

import orjson

from api.analysis.kinds import AnalysisInputError, assessments, plain
from api.analysis.runner import Request, register
from graph import loaders
from graph.model import MemberFacts, body_node
from graph.recruitment import Pool, recruitment_pool, with_members
from graph.renewal import assess_body, body_network, decision_distances
from registry.params import parse_date

JSON = "application/json"


def _render(pool: Pool) -> dict:
    document = plain(pool)
    document["excluded"] = dict(pool.excluded)
    for candidate in document["candidates"]:
        candidate["channels"] = [{"channel": c, "value": v} for c, v in candidate["channels"]]
    return document


@register("body-recruitment")
def body_recruitment(request: Request):
    p = dict(request.params)
    body_id = p["body"]
    assessed = assessments(request, [body_id])
    if not assessed.assessments:
        raise AnalysisInputError("body", "No such body.")
    home = assessed.homes[body_id]
    network = assessed.networks[home]
    facts = assessed.facts[body_id]
    config = assessed.configs[body_id]
    in_graph = body_node(body_id) in network.graph

    def assess(added: tuple[MemberFacts, ...]):
        if not added:
            return assessed.assessments[0]
        graph = with_members(network.graph, body_id, [m.actor_id for m in added])
        body_net = body_network(
            graph,
            body_id,
            communities=network.communities,
            pagerank=network.pagerank,
            decider_distance=decision_distances(graph),
            communities_total=len(set(network.communities.values())),
        )
        return assess_body(
            dataclasses.replace(facts, members=facts.members + added),
            as_of=request.as_of,
            network=body_net if in_graph else None,
            profile=network.profile,
            config=config,
            network_territory=home if in_graph else None,
        )

    pool = recruitment_pool(
        facts,
        as_of=request.as_of,
        candidates=loaders.candidate_facts(
            territory_id=home,
            as_of=request.as_of,
            personal=p["personal"],
            reach_territory_id=request.reach,
        ),
        graph=network.graph,
        communities=network.communities,
        pagerank=network.pagerank,
        profile=network.profile,
        personal=p["personal"],
        assess=assess,
        top=p.get("top"),
        college_categories=loaders.college_categories(
            body_id=body_id, as_of=request.as_of, reach_territory_id=request.reach
        ),
        limit=p["limit"],
        host_id=facts.host_id,
        place_names=loaders.place_names(territory_id=home),
        # The strengths' rule: the territory just below the network territory.
        sub_territory_of=loaders.sub_territory_keys(territory_id=home),
        # Retention is judged today (or on a later `as_of`): an older `as_of` never
        # brings back data whose retention has passed. `today` is a parameter, so the
        # cached answer changes with the day.
        retention_on=max(request.as_of, parse_date(p.get("today") or request.as_of)),
    )
    places = assessed.places()
    document = {
        **assessed.header(request),
        "network_territory": places[home] if in_graph else None,
        **_render(pool),
    }
    return orjson.dumps(document), JSON, assessed.reads(request)
