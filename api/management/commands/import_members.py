"""``manage.py import_members BODY_ID FILE``: sync a body's members from a CSV/XLSX file.

In ``api`` because a row is validated by the API's sync-entry serializers (the one input
layer), which the registry may not import.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from api.management.commands._spreadsheet import add_common_arguments, run_import
from api.resources.members import parse_member_entries
from registry import params
from registry.importers.spreadsheet import import_members
from registry.models import Body, EndReason


class Command(BaseCommand):
    help = (
        "Make a body's current members exactly the rows of a CSV or XLSX file (headers in "
        "English or French; see registry.importers.spreadsheet). Members absent from the "
        "file end on --date; a column absent from the file keeps the stored values. One bad "
        "row: nothing is written, and every problem of the file is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("body_id", help="Id of the body.")
        parser.add_argument("file", help="CSV or XLSX file, one member per row.")
        parser.add_argument(
            "--date",
            default=None,
            help="Effective date (YYYY-MM-DD; default today).",
        )
        parser.add_argument(
            "--end-reason",
            default=EndReason.TERM_ENDED,
            choices=[r.value for r in EndReason],
            help="Why members absent from the file end (default term_ended).",
        )
        add_common_arguments(parser)

    def handle(self, *args, body_id, file: str, date, end_reason, dry_run, **options):
        with translation.override(options.get("lang") or "en"):
            effective = params.option("--date", params.parse_date, date)
            body_id = params.option("body_id", params.parse_id, body_id, required=True)
            body = Body.objects.filter(pk=body_id).first()
            if body is None:
                raise CommandError(_("No body with id %(id)d.") % {"id": body_id})
        run_import(
            self,
            file,
            options,
            lambda progress: import_members(
                file,
                body=body,
                effective_date=effective,
                end_reason=end_reason,
                dry_run=dry_run,
                parse_entries=parse_member_entries,
                progress=progress,
            ),
        )
