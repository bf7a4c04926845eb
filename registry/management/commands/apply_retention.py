"""``manage.py apply_retention [--date YYYY-MM-DD] [--dry-run]``: erase persons past retention."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from registry import params
from registry.services.gdpr import retention_apply, retention_due
from registry.tracking import change_context


class Command(BaseCommand):
    help = (
        "Erase (pseudonymise, history included) every person whose personal data's "
        "retention date has passed: retention_until before today (or --date). Memberships, "
        "attendances and interactions are kept as anonymous structure. Prints the ids erased "
        "(never a name) and their count."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Apply retention as of this day (YYYY-MM-DD) instead of today: persons whose "
            "retention date is before it are erased.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the persons that would be erased, erase none.",
        )

    def handle(self, *args, date, dry_run, **options):
        today = params.option("--date", params.parse_date, date) or timezone.localdate()
        if dry_run:
            ids = list(retention_due(today=today).values_list("pk", flat=True))
            for pk in ids:
                self.stdout.write(f"would erase actor {pk}")
            self.stdout.write(
                f"Dry run: {len(ids)} person(s) past their retention date before "
                f"{today.isoformat()}; nothing erased."
            )
            return
        with change_context(via="command"):
            results = retention_apply(today=today)
        for result in results:
            self.stdout.write(f"erased actor {result.actor_id} -> {result.pseudonym}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(results)} person(s) erased (retention date before {today.isoformat()})."
            )
        )
