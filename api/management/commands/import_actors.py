"""``manage.py import_actors FILE``: create or update actors from a CSV/XLSX file.

In ``api`` because a row is validated by the API's bulk item serializer (the one input
layer), which the registry may not import.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from api.management.commands._spreadsheet import add_common_arguments, run_import
from api.resources.bulk import parse_actor_items
from registry.importers.spreadsheet import import_actors


class Command(BaseCommand):
    help = (
        "Create or update actors from a CSV or XLSX file, each found by its actor id or its "
        "identifier (scheme + value); headers in English or French (see "
        "registry.importers.spreadsheet). One bad row: nothing is written, and every "
        "problem of the file is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or XLSX file, one actor per row.")
        add_common_arguments(parser)

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        run_import(
            self,
            file,
            options,
            lambda progress: import_actors(
                file, dry_run=dry_run, parse_items=parse_actor_items, progress=progress
            ),
        )
