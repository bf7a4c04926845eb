"""What an import reports: its counts per level (``ImportResult``) and its progress bar."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field

from registry.importers.cog.reader import PopulationYears
from registry.importers.cog.spec import COVERED_LEVELS
from registry.services.territories import ClosureStats


@dataclass
class LevelStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0


@dataclass
class ImportResult:
    """What an import changed (or would have: nothing is half-written)."""

    directory: str
    date: dt.date
    #: the vintage of the files (None: unknown) and the census years of their populations
    vintage: int | None = None
    population_years: PopulationYears = field(default_factory=PopulationYears)
    #: the vintage the registry held before (None: none recorded)
    previous_vintage: int | None = None
    vintage_recorded: bool = False
    levels: dict[str, LevelStats] = field(
        default_factory=lambda: {level: LevelStats() for level in COVERED_LEVELS}
    )
    relations_added: int = 0
    relations_removed: int = 0
    relations_updated: int = 0
    relations_unchanged: int = 0
    closure: ClosureStats = field(default_factory=ClosureStats)
    #: seconds spent in each step (wall clock, and CPU time of this process)
    timings: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)

    @property
    def territories_written(self) -> int:
        return sum(s.created + s.updated + s.ended for s in self.levels.values())

    @property
    def relations_written(self) -> int:
        return self.relations_added + self.relations_removed + self.relations_updated

    @property
    def changed(self) -> bool:
        c = self.closure
        return bool(
            self.territories_written
            or self.relations_written
            or c.inserted + c.deleted + c.updated
            or self.vintage_recorded
        )

    def _vintage_line(self) -> str:
        if self.vintage is None:
            return (
                "vintage: unknown (give --vintage YEAR to date what it creates and to be "
                "warned of an older one)"
            )
        years = self.population_years
        line = (
            f"vintage: COG {self.vintage} (populations: communes {years.communes or 'unknown'}, "
            f"EPCI and EPT {years.groups or 'unknown'})"
        )
        if self.previous_vintage is not None and self.previous_vintage != self.vintage:
            line += f", over COG {self.previous_vintage}"
        return line

    def summary(self) -> str:
        lines = [f"COG import from {self.directory} (date {self.date.isoformat()})"]
        lines.append(self._vintage_line())
        lines.append(f"{'level':<26}{'created':>9}{'updated':>9}{'unchanged':>11}{'ended':>7}")
        for level, s in self.levels.items():
            lines.append(f"{level:<26}{s.created:>9}{s.updated:>9}{s.unchanged:>11}{s.ended:>7}")
        total = LevelStats(
            *(sum(getattr(s, f) for s in self.levels.values()) for f in LevelStats.__annotations__)
        )
        lines.append(
            f"{'total':<26}{total.created:>9}{total.updated:>9}{total.unchanged:>11}{total.ended:>7}"
        )
        lines.append(
            f"relations: {self.relations_added} added, {self.relations_removed} removed, "
            f"{self.relations_updated} changed kind, {self.relations_unchanged} unchanged"
        )
        c = self.closure
        lines.append(f"closure: {c.inserted} inserted, {c.deleted} deleted, {c.updated} updated")
        if not self.changed:
            lines.append("Nothing changed: the registry already matches these files.")
        return "\n".join(lines)


class Progress:
    """A tqdm bar over the import's steps (a no-op when disabled); times each step."""

    STEPS = 6  # reading, loading, comparing, territories, relations, closure

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.timings: dict[str, float] = {}
        self.cpu_timings: dict[str, float] = {}
        self._current: str | None = None
        self._started = time.perf_counter()
        self._cpu_started = time.process_time()
        if enabled:
            from tqdm import tqdm

            # A terminal that reports no size (some ptys) would get no bar at all.
            size = shutil.get_terminal_size((80, 24))
            self.bar = tqdm(
                total=self.STEPS,
                desc="COG import",
                unit="step",
                leave=False,
                ncols=size.columns or 80,
                nrows=size.lines or 24,
            )

    def step(self, description: str | None) -> None:
        """Finish the current step (if any) and start ``description`` (None: the end)."""
        now, cpu = time.perf_counter(), time.process_time()
        if self._current is not None:
            self.timings[self._current] = now - self._started
            self.cpu_timings[self._current] = cpu - self._cpu_started
            if self.bar is not None:
                self.bar.update(1)
        self._current, self._started, self._cpu_started = description, now, cpu
        if self.bar is not None and description is not None:
            self.bar.set_description(description)

    def close(self) -> None:
        self.step(None)
        if self.bar is not None:
            self.bar.close()
