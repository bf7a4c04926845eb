"""Each kind of analysis: load (graph.loaders), compute (pure graph modules), render.

A computer takes a ``runner.Request`` and returns the rendered payload, its
content type and the members from outside the territory whose changes must
also refresh the cached answer. Workers find them here by kind.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import networkx as nx
import orjson

from api.analysis.charters import configs_for
from api.analysis.networks import Network, networks_of
from api.analysis.runner import Reads, Request, config, register
from graph import export, loaders
from graph.export.messages import LANGUAGES
from graph.influence import influence_map
from graph.interlocks import interlocks
from graph.model import BodyFacts, actor_node, body_node
from graph.paths import ego_network, paths_between
from graph.positions import network_positions
from graph.renewal import (
    Assessment,
    RenewalConfig,
    assess_body,
    rank_bodies,
)
from graph.stakeholders import QUADRANTS, SALIENCE_CLASSES, stakeholder_grid

JSON = "application/json"
FORMATS = {
    "json": JSON,
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "svg": "image/svg+xml",
}


def picture_language(code: str | None) -> str:
    """The catalogue of the SVG picture for an activated Django language (``fr-ca`` -> fr)."""
    base = (code or "en").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


class AnalysisInputError(ValueError):
    """A parameter that only the computation can check (e.g. an actor not in the graph)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


#: What ``plain`` returns as it is, and the field names of each dataclass it met (a
#: ranking renders hundreds of assessments of a dozen dataclasses each).
_AS_IS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """Dataclasses, tuples and dates as JSON-ready values (graphs left out)."""
    if isinstance(value, _AS_IS):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    names = _FIELDS.get(type(value))
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[type(value)] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        found = ((name, getattr(value, name)) for name in names)
        return {name: plain(item) for name, item in found if not isinstance(item, nx.Graph)}
    return value


def _json(document: dict) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS)


def _params(request: Request) -> dict:
    return dict(request.params)


def _graph(request: Request) -> nx.MultiGraph:
    # The reader's reach (api.scoping.Reach), as plain data: ties it may read, and the
    # actors out of it reduced to id and name.
    return loaders.registry_graph(
        territory_id=request.territory_id, as_of=request.as_of, reach_territory_id=request.reach
    )


def _restricted(graph: nx.MultiGraph) -> frozenset[str]:
    """The nodes of actors out of the reader's reach (id and name only)."""
    return frozenset(actor_node(pk) for pk in graph.graph.get("restricted_actor_ids", ()))


def _outside(graph: nx.MultiGraph) -> frozenset[int]:
    return graph.graph.get("outside_actor_ids", frozenset())


def _header(request: Request, graph: nx.MultiGraph) -> dict:
    return {
        "territory_id": request.territory_id,
        "as_of": request.as_of.isoformat(),
        "nodes": graph.number_of_nodes(),
        "facts": graph.number_of_edges(),
    }


@register("influence-map")
def influence(request: Request):
    p = _params(request)
    graph = _graph(request)
    result = influence_map(
        graph,
        as_of=request.as_of,
        seed=p["seed"],
        categories=p.get("category") or None,
        interaction_types=p.get("interaction_type") or None,
        min_weight=p.get("min_weight", 1),
        include_memberships=p.get("memberships", True),
        exact_betweenness_max_nodes=config("EXACT_BETWEENNESS_MAX_NODES"),
        betweenness_samples=config("BETWEENNESS_SAMPLES"),
    )
    # The layout is part of the computation, so it is cached with the answer.
    picture = export.picture_of(result)
    if request.fmt == "gexf":
        payload = export.to_gexf(result, picture)
    elif request.fmt == "graphml":
        payload = export.to_graphml(result, picture)
    elif request.fmt == "svg":
        language = p.get("language", "en")
        payload = export.to_svg(result, picture=picture, language=language).encode()
    else:
        document = export.to_node_link(result, picture)
        document["graph"]["territory_id"] = request.territory_id
        payload = _json(document)
    return payload, FORMATS[request.fmt], _outside(graph)


@register("actor-network")
def actor_network(request: Request):
    p = _params(request)
    graph = _graph(request)
    center = actor_node(p["actor"])
    if center not in graph:
        raise AnalysisInputError(
            "actor", "This actor is not in the graph of the territory on that date."
        )
    result = ego_network(graph, center, radius=p["radius"], as_of=request.as_of)
    document = {**_header(request, graph), **plain(result)}
    return _json(document), JSON, _outside(graph)


@register("paths")
def paths(request: Request):
    p = _params(request)
    graph = _graph(request)
    source, target = actor_node(p["from"]), actor_node(p["to"])
    for field, node in (("from", source), ("to", target)):
        if node not in graph:
            raise AnalysisInputError(
                field, "This actor is not in the graph of the territory on that date."
            )
    result = paths_between(graph, source, target, as_of=request.as_of)
    return _json({**_header(request, graph), **plain(result)}), JSON, _outside(graph)


@register("interlocks")
def interlock(request: Request):
    p = _params(request)
    graph = _graph(request)
    result = interlocks(graph, as_of=request.as_of, min_shared=p.get("min_shared", 1))
    return _json({**_header(request, graph), **plain(result)}), JSON, _outside(graph)


@register("stakeholders")
def stakeholders(request: Request):
    p = _params(request)
    graph = _graph(request)
    positions = network_positions(graph, seed=p["seed"])
    result = stakeholder_grid(
        graph, as_of=request.as_of, pagerank=positions.pagerank, threshold=p.get("threshold", 3)
    )
    hidden = _restricted(graph)
    if hidden:
        # A grid entry is a judgement on an actor's declared attributes: an actor out of
        # the reader's reach is shown by id and name only, so it has no entry.
        entries = tuple(e for e in result.entries if e.node not in hidden)
        result = dataclasses.replace(
            result,
            entries=entries,
            quadrant_counts=tuple((q, sum(e.quadrant == q for e in entries)) for q in QUADRANTS),
            salience_counts=tuple(
                (c, sum(e.salience == c for e in entries)) for c in SALIENCE_CLASSES
            ),
        )
    return _json({**_header(request, graph), **plain(result)}), JSON, _outside(graph)


@dataclass(frozen=True)
class Assessed:
    """The assessments of some bodies, and the network territory graphs they were made in."""

    networks: dict[int, Network]  # network territory id -> its graph
    assessments: list[Assessment]
    #: body id -> its network territory (``graph.loaders.network_territories``).
    homes: dict[int, int]
    #: Territories of the other bodies the strengths read (the members' seats elsewhere,
    #: the host's referrals to its bodies): a change there refreshes the answer too.
    strength_territories: frozenset[int] = frozenset()
    #: body id -> the facts and the renewal configuration it was assessed with.
    facts: dict[int, BodyFacts] = dataclasses.field(default_factory=dict)
    configs: dict[int, RenewalConfig] = dataclasses.field(default_factory=dict)

    def header(self, request: Request) -> dict:
        """The header of a renewal answer: nodes and facts of the graphs read (together)."""
        nodes: set[str] = set()
        facts: set[str] = set()
        for network in self.networks.values():
            nodes.update(network.graph.nodes)
            facts.update(key for _u, _v, key in network.graph.edges(keys=True))
        return {
            "territory_id": request.territory_id,
            "as_of": request.as_of.isoformat(),
            "nodes": len(nodes),
            "facts": len(facts),
        }

    def reads(self, request: Request) -> Reads:
        """The members from elsewhere and the network territories beyond the one analysed."""
        outside: frozenset[int] = frozenset()
        for network in self.networks.values():
            outside |= _outside(network.graph)
        beyond = (frozenset(self.networks) | self.strength_territories) - {request.territory_id}
        return Reads(outside_actor_ids=outside, territory_ids=beyond)

    def rendered(self, assessment: Assessment, places: dict[int, dict]) -> dict:
        """The assessment as JSON, its network territory's id with its level, code, name."""
        document = plain(assessment)
        home = assessment.network_territory
        document["network_territory"] = None if home is None else places[home]
        return document

    def places(self) -> dict[int, dict]:
        return loaders.territory_places(set(self.homes.values()))


def assessments(request: Request, body_ids: list[int] | None = None) -> Assessed:
    """The renewal assessments of the territory's bodies (or of ``body_ids`` in it).

    Each body's network indicators come from the graph of its network territory
    (``graph.loaders.network_territories``: the territory its host authority
    governs), whatever the territory asked for, so a body gets the same answer
    alone and in any ranking. Bodies that share a network territory share one
    graph, built once. The same territory gives the age and category profile.
    """
    if body_ids is None:
        body_ids = sorted(
            loaders.bodies_of(request.territory_id, request.as_of).values_list("id", flat=True)
        )
    homes = loaders.network_territories(body_ids=body_ids, reach_territory_id=request.reach)
    configs = configs_for(body_ids, request.as_of)  # each body's charters, then the settings
    results = []
    facts_of = loaders.body_facts(
        body_ids=body_ids, as_of=request.as_of, reach_territory_id=request.reach
    )
    networks = networks_of(request, {homes[facts.id] for facts in facts_of})
    for facts in facts_of:
        home = homes[facts.id]
        network = networks[home]
        results.append(
            assess_body(
                facts,
                as_of=request.as_of,
                network=network.of_body(facts.id),
                profile=network.profile,
                config=configs[facts.id],
                network_territory=home if body_node(facts.id) in network.graph else None,
                peers=network.peers,
            )
        )
    read = {s.body_id for f in facts_of for s in f.seats_elsewhere}
    read |= {r.body_id for f in facts_of for r in f.host_referrals}
    return Assessed(
        networks=networks,
        assessments=results,
        homes=homes,
        strength_territories=loaders.body_territories(read - set(body_ids)),
        facts={f.id: f for f in facts_of},
        configs=configs,
    )


@register("body-renewal")
def body_renewal(request: Request):
    p = _params(request)
    assessed = assessments(request, [p["body"]])
    if not assessed.assessments:
        raise AnalysisInputError("body", "No such body.")
    document = {
        **assessed.header(request),
        **assessed.rendered(assessed.assessments[0], assessed.places()),
    }
    return _json(document), JSON, assessed.reads(request)


@register("renewal")
def renewal_ranking(request: Request):
    assessed = assessments(request)
    ranking = rank_bodies(assessed.assessments)
    places = assessed.places()
    document = {
        **assessed.header(request),
        "bodies": len(ranking),
        "ranking": [assessed.rendered(a, places) for a in ranking],
    }
    return _json(document), JSON, assessed.reads(request)


# Registers the "obligations" kind (a module of its own: no graph involved), and the
# "evolution" and "evolution-snapshot" kinds (graph.evolution).
from api.analysis import evolution as _evolution  # noqa: E402, F401
from api.analysis import obligations as _obligations  # noqa: E402, F401

# Registers the "body-recruitment" kind (graph.recruitment; a module of its own).
from api.analysis import recruitment as _recruitment  # noqa: E402, F401
