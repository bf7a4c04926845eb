"""``manage.py import_actors FILE``: create or update actors from a CSV/XLSX file.

In ``api`` because a row is validated by the API's bulk item serializer (the one input
layer), which the registry may not import.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.resources.bulk import parse_actor_items
from registry.exceptions import RegistryError, describe
from registry.importers.spreadsheet import import_actors


class Command(BaseCommand):
    help = (
        "Create or update actors from a CSV or XLSX file, each found by its identifier "
        "(scheme + value); headers in English or French (see registry.importers.spreadsheet). "
        "One bad row: nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX file, one actor per row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would change; write nothing."
        )

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        try:
            result = import_actors(file, dry_run=dry_run, parse_items=parse_actor_items)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except RegistryError as exc:
            raise CommandError(describe(exc)) from exc
        self.stdout.write(result.summary())
        if options.get("verbosity", 1) > 1:
            for line in result.details():
                self.stdout.write(f"  {line}")
