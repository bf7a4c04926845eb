"""Progress bars (tqdm, on stderr) of import_members, import_actors and seed_demo, and
``--no-progress``."""

from __future__ import annotations

import contextlib
import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import BodyFactory

pytestmark = pytest.mark.django_db


def _csv(tmp_path, rows: int):
    path = tmp_path / "membres.csv"
    lines = ["Nom;Type;Catégorie"] + [f"Personne {n};personne;habitant" for n in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["import_members", "import_actors"])
def test_imports_show_progress_on_stderr_unless_told_not_to(tmp_path, command):
    path = _csv(tmp_path, 1200)
    args = [str(BodyFactory().pk), str(path)] if command == "import_members" else [str(path)]
    for flags, shown in (([], True), (["--no-progress"], False)):
        out, err = io.StringIO(), io.StringIO()
        # The actors file has no identifiers: refused, after its rows were read.
        with contextlib.suppress(CommandError):
            call_command(command, *args, "--dry-run", *flags, stdout=out, stderr=err)
        assert ("membres.csv" in err.getvalue() and "rows" in err.getvalue()) is shown, (
            err.getvalue()
        )
        assert "Traceback" not in err.getvalue()


def test_seed_demo_shows_its_stages_unless_told_not_to():
    for flags, shown in (([], True), (["--no-progress"], False)):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("seed_demo", "--scale", "0", *flags, stdout=io.StringIO(), stderr=err)
        assert ("seed_demo" in err.getvalue()) is shown, err.getvalue()
