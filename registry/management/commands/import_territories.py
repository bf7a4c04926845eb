"""``manage.py import_territories DIR``: import the COG territories (see registry.importers.cog)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry import params
from registry.exceptions import ImportFailed
from registry.importers.cog import import_cog
from registry.importers.cog.vintage import (
    COMMUNE_POPULATION_LAG,
    FIRST_YEAR,
    GROUP_POPULATION_LAG,
    LAST_YEAR,
)


def _describe(exc: ImportFailed) -> str:
    """The error, then each problem found on its own line."""
    lines = [f"{file}, {m}" for file, msgs in exc.errors.items() for m in msgs]
    if len(lines) <= 1:
        return exc.detail
    return "\n".join([exc.detail, *(f"  - {line}" for line in lines)])


def _year(name: str, value: str | None) -> int | None:
    year = params.option(name, params.parse_int, value)
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise CommandError(f"{name} {value!r}: give a year between {FIRST_YEAR} and {LAST_YEAR}.")
    return year


class Command(BaseCommand):
    help = (
        "Import the French administrative divisions from the JSON files of Etalab's "
        "découpage-administratif (regions, departements, arrondissements, epci, ept, communes). "
        "Idempotent; territories that disappeared are ended, never deleted; an older vintage "
        "than the one imported is refused without --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Folder holding the six JSON files.")
        parser.add_argument(
            "--vintage",
            default=None,
            help="Vintage (millésime) of the files, e.g. 2026 (default: read from the npm "
            "package's package.json beside them; else unknown, and nothing is dated).",
        )
        parser.add_argument(
            "--date",
            type=str,
            default=None,
            help="Day the changes hold from: territories absent from the files end, new ones "
            "start (YYYY-MM-DD; default 1 January of the vintage, today when it is unknown).",
        )
        parser.add_argument(
            "--population-year",
            default=None,
            help="Census year of the populations in communes.json (default: the vintage "
            f"minus {COMMUNE_POPULATION_LAG}, e.g. {2026 - COMMUNE_POPULATION_LAG} for the 2026 "
            "vintage).",
        )
        parser.add_argument(
            "--epci-population-year",
            default=None,
            help="Census year of the populations in epci.json and ept.json (default: the "
            f"vintage minus {GROUP_POPULATION_LAG}, e.g. {2026 - GROUP_POPULATION_LAG} for the "
            "2026 vintage).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import the files even when their vintage is older than (or, unknown, "
            "beside) the one the registry holds.",
        )
        parser.add_argument(
            "--reason", default="", help="Why, recorded in the change ledger with each change."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar."
        )

    def handle(self, *args, directory: str, date: str | None, reason: str, **options) -> None:
        verbosity = options.get("verbosity", 1)
        progress = not options["no_progress"] and verbosity > 0 and sys.stderr.isatty()
        try:
            result = import_cog(
                directory,
                date=params.option("--date", params.parse_date, date),
                vintage=_year("--vintage", options["vintage"]),
                population_year=_year("--population-year", options["population_year"]),
                epci_population_year=_year(
                    "--epci-population-year", options["epci_population_year"]
                ),
                force=options["force"],
                reason=reason,
                progress=progress,
            )
        except ImportFailed as exc:
            raise CommandError(_describe(exc)) from exc
        if verbosity > 0:
            self.stdout.write(result.summary())
        if verbosity > 1:
            for step, seconds in result.timings.items():
                cpu = result.cpu_timings.get(step, 0.0)
                self.stdout.write(f"  {step}: {seconds:.2f} s ({cpu:.2f} s CPU)")
