"""The shapes of the analysis answers, for the OpenAPI document (see ``fields``)."""

from api.resources.analysis.schemas.evolution import EvolutionSerializer
from api.resources.analysis.schemas.influence import InfluenceMapSerializer
from api.resources.analysis.schemas.jobs import AnalysisJobSerializer
from api.resources.analysis.schemas.network import (
    ActorNetworkSerializer,
    InterlocksSerializer,
    PathsSerializer,
    StakeholdersSerializer,
)
from api.resources.analysis.schemas.recruitment import BodyRecruitmentSerializer
from api.resources.analysis.schemas.renewal import (
    BodyRenewalSerializer,
    RenewalRankingSerializer,
)

__all__ = [
    "ActorNetworkSerializer",
    "AnalysisJobSerializer",
    "BodyRecruitmentSerializer",
    "BodyRenewalSerializer",
    "EvolutionSerializer",
    "InfluenceMapSerializer",
    "InterlocksSerializer",
    "PathsSerializer",
    "RenewalRankingSerializer",
    "StakeholdersSerializer",
]
