"""The registry's models, one module per family; import them from here."""

from registry.models.activity import (
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingKind,
    Opinion,
    Referral,
    ResponseOutcome,
)
from registry.models.actor import (
    Actor,
    ActorCategory,
    ActorIdentifier,
    ActorKind,
    ActorOtherName,
    Gender,
    IdentifierScheme,
    LawfulBasis,
    PersonalData,
)
from registry.models.body import Body, BodyStatus, BodyType, College, ParityRule, SelectionMode
from registry.models.charter import Charter
from registry.models.cog import CogVintage
from registry.models.history import ChangeAction, ChangeRecord
from registry.models.interaction import Direction, Interaction, InteractionType, Sign
from registry.models.membership import EndReason, Membership, Role
from registry.models.merge import ActorMerge
from registry.models.obligation import (
    Comparator,
    LegalObligation,
    ObligationCondition,
    PopulationMeasure,
)
from registry.models.staff import StaffTerritory
from registry.models.territory import (
    RelationKind,
    Territory,
    TerritoryClosure,
    TerritoryKind,
    TerritoryLevel,
    TerritoryRelation,
)

__all__ = [
    "Actor",
    "ActorCategory",
    "ActorIdentifier",
    "ActorKind",
    "ActorMerge",
    "ActorOtherName",
    "Attendance",
    "AttendanceStatus",
    "Body",
    "BodyStatus",
    "BodyType",
    "ChangeAction",
    "ChangeRecord",
    "Charter",
    "CogVintage",
    "College",
    "Comparator",
    "Direction",
    "EndReason",
    "Gender",
    "IdentifierScheme",
    "Interaction",
    "InteractionType",
    "LawfulBasis",
    "LegalObligation",
    "Meeting",
    "MeetingKind",
    "Membership",
    "ObligationCondition",
    "Opinion",
    "ParityRule",
    "PersonalData",
    "PopulationMeasure",
    "Referral",
    "RelationKind",
    "ResponseOutcome",
    "Role",
    "SelectionMode",
    "Sign",
    "StaffTerritory",
    "Territory",
    "TerritoryClosure",
    "TerritoryKind",
    "TerritoryLevel",
    "TerritoryRelation",
]
