"""``manage.py seed_demo [--scale N] [--seed S]``: write the invented demo data set once."""

import contextlib

from django.core.management.base import BaseCommand, CommandError

from registry import params
from registry.demo import DemoError, seed_demo
from registry.demo.scenario import PLANTED, REFERENCE_DATE

#: Stages the generator reports through ``log`` (planned, actors, bodies, interactions).
_STAGES = 4


class Command(BaseCommand):
    help = (
        "Write an invented, deterministic demo data set (persons, organizations, bodies, "
        "memberships, meetings, opinions, interactions) on the imported territories. "
        f"Dates are relative to {REFERENCE_DATE.isoformat()}. Same seed and scale, same data; "
        "a second run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", default=1, help="Size: about 1,000 actors and 10,000 ties each."
        )
        parser.add_argument("--seed", default=0, help="Random seed (default 0).")
        parser.add_argument(
            "--chunk-size", default=20_000, help="Rows per bulk write (default 20,000)."
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show the progress bar (stderr)."
        )

    def handle(self, *args, scale, seed, chunk_size, verbosity, **options):
        # Whole numbers as registry.params reads them (argparse's int() takes "٣").
        scale = params.option("--scale", params.parse_int, scale, required=True)
        seed = params.option("--seed", params.parse_int, seed, required=True)
        chunk_size = params.option("--chunk-size", params.parse_int, chunk_size, required=True)
        with self._progress(verbosity, enabled=not options.get("no_progress")) as log:
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

    @contextlib.contextmanager
    def _progress(self, verbosity: int, *, enabled: bool):
        """The generator's ``log``: a tqdm bar of its stages on stderr (``--no-progress``:
        none), and each stage's line on stdout at ``--verbosity 2``."""
        write = self.stdout.write if verbosity >= 2 else None
        if not enabled:
            yield write
            return
        from tqdm import tqdm

        with tqdm(
            total=_STAGES, desc="seed_demo", unit=" stages", file=self.stderr._out, leave=False
        ) as bar:

            def log(message: str) -> None:
                bar.update(1)
                bar.set_postfix_str(message.split(" (")[0][:40])
                if write is not None:
                    write(message)

            yield log
