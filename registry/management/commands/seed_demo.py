"""``manage.py seed_demo [--scale N] [--seed S]``: write the invented demo data set once."""

from django.core.management.base import BaseCommand, CommandError

from registry.demo import DemoError, seed_demo
from registry.demo.scenario import PLANTED, REFERENCE_DATE


class Command(BaseCommand):
    help = (
        "Write an invented, deterministic demo data set (persons, organizations, bodies, "
        "memberships, meetings, opinions, interactions) on the imported territories. "
        f"Dates are relative to {REFERENCE_DATE.isoformat()}. Same seed and scale, same data; "
        "a second run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1, help="Size: about 1,000 actors and 10,000 ties each."
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--chunk-size", type=int, default=20_000, help="Rows per bulk write (default 20,000)."
        )

    def handle(self, *args, scale, seed, chunk_size, verbosity, **options):
        log = self.stdout.write if verbosity >= 2 else None
        try:
            report = seed_demo(seed=seed, scale=scale, chunk_size=chunk_size, log=log)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if report.already_present:
            self.stdout.write(
                f"Demo data (seed={seed}, scale={scale}) is already in the database: nothing written."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data written (seed={seed}, scale={scale}) in {report.seconds:.1f}s: "
                f"{report.total:,} rows, {report.change_records:,} change records."
            )
        )
        for model, count in sorted(report.created.items()):
            self.stdout.write(f"  {model:<20} {count:>10,}")
        if verbosity >= 2:
            self.stdout.write("Planted cases:")
            for key, value in PLANTED.items():
                if key not in ("multi_members", "conflicts"):
                    self.stdout.write(f"  {key}: {value}")
