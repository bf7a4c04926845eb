"""Change over time: the network and the renewal scores of a territory at a series of dates,
and what changed between the first and the last.

A consultant who decides a renewal compares the last mandate with the one before. This
package takes one **snapshot** per date (``snapshot``: each body's score, status counts
and indicators, the network's size, its Leiden communities, its main core, its
top-PageRank actors, each body's interlocks) and **compares** the first with the last
(``diff``): actors who entered or left the core and the top-PageRank set, communities
that merged or split, bodies whose interlocks grew, bodies whose score moved most, each
with a sentence in English and French (``messages``). ``dates`` declares the steps
(year, quarter, month) and the bound on the number of dates.

Pure: no clock, no database. The graphs and assessments come from the caller
(``api.analysis.evolution``), the dates and the seed are explicit.
"""

from graph.evolution.dates import MAX_SNAPSHOTS, STEPS, TooManyDates, snapshot_dates
from graph.evolution.diff import (
    OVERLAP,
    Changes,
    CommunityMerge,
    CommunitySplit,
    InterlockGrowth,
    Moves,
    ScoreMove,
    StatusChange,
    compare,
)
from graph.evolution.snapshot import (
    MIN_MATCHED,
    TOP_PAGERANK,
    BodyScore,
    BodyState,
    Community,
    IndicatorState,
    Snapshot,
    snapshot_from_plain,
    take_snapshot,
)

__all__ = [
    "MAX_SNAPSHOTS",
    "MIN_MATCHED",
    "OVERLAP",
    "STEPS",
    "TOP_PAGERANK",
    "BodyScore",
    "BodyState",
    "Changes",
    "Community",
    "CommunityMerge",
    "CommunitySplit",
    "IndicatorState",
    "InterlockGrowth",
    "Moves",
    "ScoreMove",
    "Snapshot",
    "StatusChange",
    "TooManyDates",
    "compare",
    "snapshot_dates",
    "snapshot_from_plain",
    "take_snapshot",
]
