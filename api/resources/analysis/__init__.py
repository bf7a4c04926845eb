"""Analysis endpoints: influence maps, ego networks, paths, interlocks, stakeholder grids, renewal, legal obligations, change over time.

``queries`` declares the parameters of each view; ``base`` what every view
shares (scope, territory access, cache, jobs, file formats: its docstring
says the rules); ``views`` the views, one per route; ``schemas`` the shape of
every answer, for the OpenAPI document (the answers themselves are rendered by
``api.analysis.kinds`` from the dataclasses of ``graph``).
"""

from api.resources.analysis.evolution import EvolutionView
from api.resources.analysis.obligations import ObligationsView
from api.resources.analysis.recruitment import BodyRecruitmentView
from api.resources.analysis.views import (
    ActorNetworkView,
    AnalysisJobView,
    BodyRenewalView,
    InfluenceMapView,
    InterlocksView,
    PathsView,
    RenewalRankingView,
    StakeholdersView,
)

__all__ = [
    "ActorNetworkView",
    "AnalysisJobView",
    "BodyRecruitmentView",
    "BodyRenewalView",
    "EvolutionView",
    "InfluenceMapView",
    "InterlocksView",
    "ObligationsView",
    "PathsView",
    "RenewalRankingView",
    "StakeholdersView",
]
