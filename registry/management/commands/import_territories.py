"""``manage.py import_territories DIR``: import the COG territories (see registry.importers.cog)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry import params
from registry.exceptions import ImportFailed
from registry.importers.cog import import_cog


def _describe(exc: ImportFailed) -> str:
    """The error, then each problem found on its own line."""
    lines = [f"{file}, {m}" for file, msgs in exc.errors.items() for m in msgs]
    if len(lines) <= 1:
        return exc.detail
    return "\n".join([exc.detail, *(f"  - {line}" for line in lines)])


class Command(BaseCommand):
    help = (
        "Import the French administrative divisions from the JSON files of Etalab's "
        "découpage-administratif (regions, departements, arrondissements, epci, ept, communes). "
        "Idempotent; territories that disappeared are ended, never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="Folder holding the six JSON files.")
        parser.add_argument(
            "--date",
            type=str,
            default=None,
            help="Day the territories absent from the files stop existing (YYYY-MM-DD; "
            "default today).",
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
