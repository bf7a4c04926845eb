"""``manage.py renewal_report --territory REF``: which bodies of a territory to renew first.

Prints the renewal ranking of every body of the territory and below (the
``renewal`` analysis of the API, computed in this process, not cached): rank,
body, composite score, the number of indicators in alert and to watch, the
codes of the alerts and the summary sentence in English or French.
``--format csv`` and ``--format markdown`` give the same rows plus one column
per indicator status, to stdout or ``--output FILE``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.analysis.kinds import assessments
from api.analysis.runner import Request
from graph import loaders
from graph.renewal import ALERT, INDICATOR_CODES, WATCH, Assessment, rank_bodies
from registry import params
from registry.importers.spreadsheet.formulas import guard
from registry.models import Territory

FORMATS = ("table", "csv", "markdown")
LANGS = ("en", "fr")

#: Column key -> (English header, French header) of the table and Markdown outputs.
#: The CSV keeps the keys themselves as its header, whatever the language.
COLUMNS = {
    "rank": ("rank", "rang"),
    "body_id": ("id", "id"),
    "body": ("body", "instance"),
    "score": ("score", "score"),
    "alerts": ("alerts", "alertes"),
    "watch": ("watch", "à surveiller"),
    "alert_indicators": ("alert indicators", "indicateurs en alerte"),
    "summary": ("summary", "synthèse"),
}


def resolve_territory(value: str | None) -> Territory:
    """The territory of ``--territory``: an id or ``level:code`` (``registry.params``)."""
    return params.territory_option("--territory", value)


def parse_date(value: str | None) -> dt.date:
    """The day of ``--as-of`` (``registry.params``); today when not given or blank."""
    return params.option("--as-of", params.parse_date, value) or timezone.localdate()


def _score(assessment: Assessment) -> str:
    return "" if assessment.score is None else f"{assessment.score:.1f}"


def report_rows(ranking: tuple[Assessment, ...], lang: str) -> list[dict[str, object]]:
    """One dict per body, most urgent first: the columns, then one status per indicator."""
    rows = []
    for rank, a in enumerate(ranking, start=1):
        counts = dict(a.counts)
        row: dict[str, object] = {
            "rank": rank,
            "body_id": a.body_id,
            "body": a.body_name,
            "score": _score(a),
            "alerts": counts.get(ALERT, 0),
            "watch": counts.get(WATCH, 0),
            "alert_indicators": " ".join(a.alerts),
            "summary": a.summary_fr if lang == "fr" else a.summary_en,
        }
        statuses = {i.code: i.status for i in a.indicators}
        for code in INDICATOR_CODES:
            row[code] = statuses.get(code, "")
        rows.append(row)
    return rows


def _csv_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, quoted to stay text; numbers stay."""
    return guard(value) if isinstance(value, str) else value


def to_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *INDICATOR_CODES], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _csv_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _md_cell(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(rows: list[dict[str, object]], lang: str) -> str:
    index = 1 if lang == "fr" else 0
    keys = [*COLUMNS, *INDICATOR_CODES]
    headers = [COLUMNS[k][index] for k in COLUMNS] + list(INDICATOR_CODES)
    numeric = {"rank", "body_id", "score", "alerts", "watch"}
    lines = [
        "| " + " | ".join(_md_cell(h) for h in headers) + " |",
        "| " + " | ".join("---:" if k in numeric else "---" for k in keys) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row[k]) for k in keys) + " |")
    return "\n".join(lines) + "\n"


def to_table(rows: list[dict[str, object]], lang: str, title: str) -> str:
    """A plain-text table (no indicator columns), under a title line."""
    index = 1 if lang == "fr" else 0
    keys = list(COLUMNS)
    headers = [COLUMNS[k][index] for k in keys]
    cells = [[str(row[k]) if row[k] != "" else "—" for k in keys] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    right = {"rank", "body_id", "score", "alerts", "watch"}

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(widths[i]) if keys[i] in right else v.ljust(widths[i])
            for i, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    out = [title, "", line(headers), line(["-" * w for w in widths])]
    out.extend(line(c) for c in cells)
    return "\n".join(out) + "\n"


def _title(territory: Territory, as_of: dt.date, count: int, lang: str) -> str:
    where = f"{territory.name} ({territory.level}:{territory.code})"
    if lang == "fr":
        return (
            f"Priorités de renouvellement — {where}, au {as_of.strftime('%d/%m/%Y')} : "
            f"{count} instance(s), la plus urgente en premier."
        )
    return (
        f"Renewal priorities — {where}, as of {as_of.isoformat()}: "
        f"{count} body(ies), most urgent first."
    )


def _empty(territory: Territory, as_of: dt.date, lang: str) -> str:
    where = f"{territory.name} ({territory.level}:{territory.code})"
    if lang == "fr":
        return f"Aucune instance sur {where} au {as_of.strftime('%d/%m/%Y')}.\n"
    return f"No body in {where} as of {as_of.isoformat()}.\n"


class Command(BaseCommand):
    help = (
        "Rank the bodies of a territory (and below) by their need of renewal: score, alerts, "
        "indicators to watch and a summary sentence (table, CSV or Markdown)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--territory",
            required=True,
            help="A territory id or level:code (e.g. commune:75056), as in the API.",
        )
        parser.add_argument(
            "--as-of", dest="as_of", help="Date of the assessment, YYYY-MM-DD (default: today)."
        )
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="table")
        parser.add_argument("--output", help="Write to this file instead of stdout.")
        parser.add_argument("--lang", choices=LANGS, default="en", help="Language of the text.")

    def handle(self, *args, territory, as_of, fmt, output, lang, **options):
        day = parse_date(as_of)
        place = resolve_territory(territory)
        request = Request(kind="renewal", territory_id=place.pk, as_of=day, params=(), fmt="json")
        with loaders.snapshot():
            results = assessments(request).assessments
        rows = report_rows(rank_bodies(results), lang)

        if fmt == "csv":
            text = to_csv(rows)
        elif fmt == "markdown":
            text = to_markdown(rows, lang)
        elif rows:
            text = to_table(rows, lang, _title(place, day, len(rows), lang))
        else:
            text = _empty(place, day, lang)

        if output:
            path = Path(output)
            try:
                path.write_text(text, encoding="utf-8", newline="")
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
            noun = "instance(s)" if lang == "fr" else "body(ies)"
            verb = "écrit dans" if lang == "fr" else "written to"
            self.stdout.write(f"{len(rows)} {noun} {verb} {path} ({fmt}).")
        else:
            self.stdout.write(text, ending="")
