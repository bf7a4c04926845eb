"""Analysis endpoints: influence maps, ego networks, paths, interlocks, stakeholder grids, renewal.

``queries`` declares the parameters of each view, ``views`` the views, and
``schemas`` the shape of every answer (for the OpenAPI document: the answers
are rendered by ``api.analysis.kinds``).
"""

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
    "BodyRenewalView",
    "InfluenceMapView",
    "InterlocksView",
    "PathsView",
    "RenewalRankingView",
    "StakeholdersView",
]
