"""What the ``import_members`` and ``import_actors`` commands share: ``--lang``, the
progress bar (tqdm, on stderr, ``--no-progress`` to turn it off), the dry run's listing
and the errors printed as a message naming the file, never a traceback."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator

from django.core.management.base import CommandError, CommandParser
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from registry.exceptions import RegistryError, describe


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Show what would change (per row, each field changed or cleared); write nothing.",
    )
    parser.add_argument(
        "--lang",
        choices=["en", "fr"],
        default="en",
        help="Language of the messages (en or fr; default en).",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="Do not show the progress bar (stderr)."
    )


@contextlib.contextmanager
def progress_bar(command, file: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar of the rows read, on the command's stderr; None when disabled."""
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(
        desc=os.path.basename(file), unit=" rows", file=command.stderr._out, leave=False
    ) as bar:
        yield bar.update


def run_import(command, file: str, options: dict, run: Callable) -> None:
    """``run(progress)`` in the language asked; its result printed, its errors as a
    ``CommandError`` naming the file."""
    label = os.path.basename(file)
    with translation.override(options.get("lang") or "en"):
        try:
            with progress_bar(command, file, not options.get("no_progress")) as progress:
                result = run(progress)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s")
                % {"file": file, "reason": exc.strerror or exc}
            ) from exc
        except RegistryError as exc:
            raise CommandError(f"{label}: {describe(exc)}") from exc
        except DatabaseError as exc:
            raise CommandError(
                _("%(file)s: the database refused the import (%(error)s); nothing was written.")
                % {
                    "file": label,
                    "error": f"{exc.__class__.__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''}",
                }
            ) from exc
        command.stdout.write(result.summary())
        if result.dry_run or options.get("verbosity", 1) > 1:
            for line in result.details():
                command.stdout.write(f"  {line}")
