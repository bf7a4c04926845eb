"""The vintage (millésime) of the COG files: how it is known, its populations, its record.

The six JSON files carry no vintage. It is given (``--vintage 2026``) or read from the
``package.json`` of the npm package when the files sit in its ``data/`` folder (or beside
it): since 1.0 the package's major version has followed the vintage (1.x 2021, 2.x 2022,
3.x 2023 per its README, ..., 6.x 2026).

The populations of one vintage are not all of one year. Checked on the 2026 files
(package 6.0.0): communes.json gives the INSEE legal populations of 2023 (in force on 1
January 2026: Paris 2,103,778), while epci.json and ept.json carry the DGCL's figures of
the year before, the 2022 populations (Paris 2,113,705 in its EPCI's member list). The
defaults assume the same lag for every vintage: communes vintage - 3, EPCI/EPT vintage - 4;
``--population-year`` and ``--epci-population-year`` say otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from registry import tracking
from registry.exceptions import ImportFailed
from registry.importers.cog.reader import PopulationYears
from registry.models import CogVintage

PACKAGE_NAME = "@etalab/decoupage-administratif"
#: The years a vintage or a population year may take.
FIRST_YEAR, LAST_YEAR = 1943, 2999  # the COG's history starts in 1943
#: Years between a vintage and the census year of the populations of each source.
COMMUNE_POPULATION_LAG = 3
GROUP_POPULATION_LAG = 4


def vintage_from_package(directory: Path) -> int | None:
    """The vintage the npm package's ``package.json`` gives (in DIR or its parent), or None."""
    for candidate in (directory / "package.json", directory.parent / "package.json"):
        try:
            package = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(package, dict) or package.get("name") != PACKAGE_NAME:
            continue
        major = str(package.get("version", "")).split(".")[0]
        if major.isascii() and major.isdigit() and int(major) >= 1:
            return 2020 + int(major)
    return None


def default_population_years(vintage: int | None) -> PopulationYears:
    if vintage is None:
        return PopulationYears()
    return PopulationYears(vintage - COMMUNE_POPULATION_LAG, vintage - GROUP_POPULATION_LAG)


def check_year(name: str, year: int | None) -> None:
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise ImportFailed(
            f"{name} {year}: give a year between {FIRST_YEAR} and {LAST_YEAR}, nothing was written."
        )


def check_consistent(
    vintage: int | None, years: PopulationYears, *, directory, given: bool, force: bool
) -> None:
    """Refuse a vintage the files contradict, one not published yet, and census years after
    the vintage (a vintage publishes earlier censuses), unless forced for the first."""
    if vintage is None:
        return
    if vintage > dt.date.today().year + 1:
        raise ImportFailed(
            f"--vintage {vintage}: no COG of that year can exist yet (the next is "
            f"{dt.date.today().year + 1} at the latest), nothing was written."
        )
    packaged = vintage_from_package(Path(directory)) if Path(directory).is_dir() else None
    if given and packaged is not None and packaged != vintage and not force:
        raise ImportFailed(
            f"--vintage {vintage} contradicts the files in {directory}, whose package.json "
            f"says the COG {packaged} vintage, nothing was written: give --vintage {packaged} "
            "(or --force to import them as the vintage you gave)."
        )
    for option, year in (
        ("--population-year", years.communes),
        ("--epci-population-year", years.groups),
    ):
        if year is not None and year >= vintage:
            raise ImportFailed(
                f"{option} {year}: the census year of a COG {vintage} vintage's populations "
                f"comes before {vintage}, nothing was written."
            )


def current() -> CogVintage | None:
    """The vintage the registry holds (locked until the end of the transaction)."""
    return CogVintage.objects.select_for_update().filter(pk=CogVintage.SINGLE_ROW).first()


def check_order(held: CogVintage | None, vintage: int | None, *, force: bool, directory) -> None:
    """Refuse files older than (or of an unknown vintage beside) the one held, unless forced."""
    if held is None or force:
        return
    if vintage is None:
        raise ImportFailed(
            f"The registry holds the COG {held.vintage} vintage and the files in {directory} do "
            "not say theirs, nothing was written: give --vintage YEAR (or --force to import "
            "them anyway)."
        )
    if vintage < held.vintage:
        raise ImportFailed(
            f"The files in {directory} are the COG {vintage} vintage, older than the COG "
            f"{held.vintage} vintage the registry holds, nothing was written: importing them "
            "would revive merged communes and end newer ones. Give --force to import them "
            "anyway."
        )


def record(
    held: CogVintage | None,
    vintage: int | None,
    years: PopulationYears,
    *,
    date: dt.date,
    source: str,
) -> bool:
    """Remember what was imported (through the ledger); True when that changed anything."""
    if vintage is None:
        return False
    values = {
        "vintage": vintage,
        "population_year": years.communes,
        "epci_population_year": years.groups,
        "imported_on": date,
        "source": source[:200],
    }
    if held is None:
        tracking.create(CogVintage(pk=CogVintage.SINGLE_ROW, **values))
        return True
    same = (held.vintage, held.population_year, held.epci_population_year)
    if same == (vintage, years.communes, years.groups):
        return False  # the same files again: the first import's date and source stand
    return tracking.update(held, values)
