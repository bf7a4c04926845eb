"""Import the French administrative divisions (COG) from Etalab's découpage-administratif.

Reads the six JSON files of the npm package ``@etalab/decoupage-administratif``
(``regions.json``, ``departements.json``, ``arrondissements.json``,
``epci.json``, ``ept.json``, ``communes.json``) and brings the registry's
territories, their direct links and the closure table in line with them.

How it works, and why it is fast and safe:

1. every file is read and checked in memory first (``reader``, ``checks``): types,
   values (a NUL character, a population out of range: refused the same way on every
   database), required fields, duplicates, unknown parents and contradictions between
   records; any problem raises ``ImportFailed`` naming the file and the record, before
   anything is written;
2. the vintage (millésime) of the files (``vintage``) is compared with the one the
   registry holds (``CogVintage``): an older one is refused unless forced;
3. the existing territories of the levels the files cover are loaded once, and the
   wanted state is diffed against them in memory (``writer``);
4. only the differences are written, in bulk, through ``registry.tracking`` (so every
   change lands in the change ledger, ``via="import"``), in one transaction; the
   closure table is then rebuilt for what moved.

A second run over the same files writes nothing. A run over a newer vintage updates
what changed, dates what it creates (``valid_from``: 1 January of the vintage, or
``--date``), ends (``valid_until``, the same day; ``successor`` where known: the commune
whose ``anciensCodes`` list it, or a délégué's chef-lieu commune) the territories that
disappeared — never deletes them — and removes the links that disappeared. Territories
of levels the files do not cover (quartiers, other) and their links are never touched.

Links of a territory that disappeared are kept as they were: an ended commune stays
within its former département and EPCI, which is what a query "as of" a past date needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DatabaseError, transaction

from registry import tracking
from registry.exceptions import ImportFailed
from registry.importers.cog import vintage as vintages
from registry.importers.cog.reader import PopulationYears, Wanted, read_cog
from registry.importers.cog.result import ImportResult, LevelStats, Progress
from registry.importers.cog.spec import COVERED_LEVELS, FILES, SOURCE
from registry.importers.cog.writer import apply
from registry.models import CogVintage, Territory, TerritoryRelation
from registry.services import statistics

__all__ = [
    "COVERED_LEVELS",
    "FILES",
    "SOURCE",
    "ImportResult",
    "LevelStats",
    "PopulationYears",
    "Wanted",
    "import_cog",
    "read_cog",
]


@contextmanager
def _database_errors(directory: Path) -> Iterator[None]:
    try:
        yield
    except DatabaseError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(
            f"The import of {directory} was refused by the database, nothing was written: {message}"
        ) from exc


def _years(vintage: int | None, population_year, epci_population_year) -> PopulationYears:
    defaults = vintages.default_population_years(vintage)
    years = PopulationYears(
        population_year if population_year is not None else defaults.communes,
        epci_population_year if epci_population_year is not None else defaults.groups,
    )
    vintages.check_year("--population-year", years.communes)
    vintages.check_year("--epci-population-year", years.groups)
    return years


def import_cog(
    directory: Path | str,
    *,
    date: dt.date | None = None,
    vintage: int | None = None,
    population_year: int | None = None,
    epci_population_year: int | None = None,
    force: bool = False,
    reason: str = "",
    progress: bool = False,
) -> ImportResult:
    """Bring the territories in line with the COG files in ``directory``.

    ``vintage``: the files' millésime (default: read from the npm package's
    ``package.json`` beside them; else unknown). ``date``: the day the changes hold
    from, when territories that disappeared end and (over territories already there)
    new ones start; default 1 January of the vintage (today for an unknown or a forced
    older vintage). ``population_year`` / ``epci_population_year``: census year of the
    populations of communes.json / of epci.json and ept.json (defaults: see
    ``registry.importers.cog.vintage``). ``force``: import an older vintage (or one of
    unknown vintage) over the one the registry holds.

    Raises ``ImportFailed`` on malformed or inconsistent input, on an older vintage
    without ``force``, or when the database refuses the change; nothing is written then.
    """
    directory = Path(directory)
    vintages.check_year("--vintage", vintage)
    given = vintage is not None
    if vintage is None and directory.is_dir():
        vintage = vintages.vintage_from_package(directory)
    years = _years(vintage, population_year, epci_population_year)
    vintages.check_consistent(vintage, years, directory=directory, given=given, force=force)
    bar = Progress(progress)
    try:
        bar.step("reading files")
        wanted = read_cog(directory, years=years)
        with (
            _database_errors(directory),
            transaction.atomic(),
        ):
            held = vintages.current()
            vintages.check_order(held, vintage, force=force, directory=directory)
            newer = vintage is not None and (held is None or vintage >= held.vintage)
            date = date or (dt.date(vintage, 1, 1) if newer else dt.date.today())
            result = ImportResult(
                directory=str(directory),
                date=date,
                vintage=vintage,
                population_years=years,
                previous_vintage=held.vintage if held else None,
            )
            label = f"COG {vintage}" if vintage else "COG"
            reason = reason or f"{label} import from {directory.name or directory} ({date})"
            with tracking.change_context(via="import", reason=reason[:200]):
                apply(wanted, result, date, bar, date_new=vintage is not None)
                result.vintage_recorded = vintages.record(
                    held, vintage, years, date=date, source=str(directory)
                )
        # Planner statistics of the tables written (registry.services.statistics).
        statistics.analyze([Territory, TerritoryRelation, CogVintage])
    finally:
        bar.close()
    result.timings, result.cpu_timings = bar.timings, bar.cpu_timings
    return result
