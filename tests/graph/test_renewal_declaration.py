"""The one declaration of the renewal indicators, and what must agree with it.

The README's indicator table, the package docstring, the defaults, the
settings validation and the two message catalogues derive from (or are checked
against) ``graph.renewal.indicators.INDICATORS`` and ``graph.renewal.rules.RULES``.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import graph.renewal as renewal
from graph.renewal import (
    DEFAULT_THRESHOLDS,
    DEFAULT_WEIGHTS,
    INDICATOR_CODES,
    INDICATORS,
    RULES,
    validate_values,
)
from graph.renewal.indicators import readme_table
from graph.renewal.maths import CONSECUTIVE_BREAK_DAYS
from graph.renewal.messages import en, fr
from graph.renewal.network_indicators import UNREACHABLE_ALERT, UNREACHABLE_WATCH
from graph.renewal.strengths import STRENGTH_CODES

README = Path(__file__).resolve().parents[2] / "README.md"
PACKAGE = Path(renewal.__file__).resolve().parent


def _readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"### {title}")
    ends = [i for i in (text.find("\n### ", start + 1), text.find("\n## ", start + 1)) if i != -1]
    return text[start : min(ends) if ends else None]


def test_readme_indicator_table_is_the_declaration():
    section = _readme_section("Renewal indicators")
    assert readme_table() in section, (
        "The README's renewal indicator table differs from graph.renewal.indicators.INDICATORS: "
        "paste the output of `python -c 'from graph.renewal.indicators import readme_table; "
        "print(readme_table())'` into README.md (Consultant, Renewal indicators)."
    )


def test_readme_table_rows_parse_to_the_declared_values():
    # belt and braces: the codes, units, thresholds and weights read back from the README
    rows = [
        line.split("|")[1:-1]
        for line in _readme_section("Renewal indicators").splitlines()
        if line.startswith("| `")
    ]

    def number(cell: str) -> float:
        return float(cell.strip().replace("−", "-"))

    parsed = {
        cells[0].strip().strip("`"): (
            cells[2].strip(),
            cells[3].strip(),
            number(cells[4]),
            number(cells[5]),
            number(cells[6]),
        )
        for cells in rows
        if len(cells) == 7
    }
    assert list(parsed) == list(INDICATOR_CODES)
    for s in INDICATORS:
        assert parsed[s.code] == (s.unit, s.arrow, s.watch, s.alert, s.weight), s.code


def test_readme_names_every_rule_and_its_constants():
    section = _readme_section("Renewal indicators")
    for name, rule in RULES.items():
        assert f"`{name}`" in section, f"README (Renewal indicators) must document rule {name}"
        if rule.minimum is not None:
            assert f"| {rule.minimum}-{rule.maximum} |" in section, name
    assert f"breaks under {CONSECUTIVE_BREAK_DAYS} days" in section
    assert f"watch from {UNREACHABLE_WATCH:.2f} and alert from {UNREACHABLE_ALERT:.2f}" in section


def test_docstring_table_is_generated():
    assert renewal.__doc__ is not None and "{indicator_table}" not in renewal.__doc__
    for spec in INDICATORS:
        assert f"``{spec.code}``" in renewal.__doc__


def test_defaults_and_validation_follow_the_declaration():
    assert list(DEFAULT_THRESHOLDS) == list(DEFAULT_WEIGHTS) == list(INDICATOR_CODES)
    for spec in INDICATORS:
        assert DEFAULT_THRESHOLDS[spec.code] == {"watch": spec.watch, "alert": spec.alert}
        assert DEFAULT_WEIGHTS[spec.code] == spec.weight
        # the defaults are valid, and the direction is the declared one
        assert validate_values({spec.code: {"watch": spec.watch}}, None, None) == {}
        assert (spec.watch <= spec.alert) == spec.higher_is_worse or spec.watch == spec.alert


def _placeholders(template: str) -> set[tuple[str, str]]:
    return {
        (name, spec or "")
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    }


def test_catalogues_have_the_same_keys_and_placeholders():
    assert list(en.MESSAGES) == list(fr.MESSAGES), set(en.MESSAGES) ^ set(fr.MESSAGES)
    for key, english in en.MESSAGES.items():
        assert _placeholders(english) == _placeholders(fr.MESSAGES[key]), key
        assert english != fr.MESSAGES[key], f"{key}: not translated"


def test_every_catalogue_key_is_used_and_every_used_key_exists():
    source = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py"))
    strengths = "\n".join(
        p.read_text(encoding="utf-8") for p in (PACKAGE / "strengths").glob("*.py")
    )
    # keys given whole ("vacancy.no_seats"), or as a prefix completed by the status
    literal = set(re.findall(r'"([a-z_]+\.[a-z_.0-9]+)"', source))
    for key in en.MESSAGES:
        if key.startswith("strength."):
            # "strength.<code>.<status>", or "strength.<code>.<case>" named in the package
            _, code, case = key.split(".")
            assert code in STRENGTH_CODES, f"message {key!r}: no strength {code!r}"
            assert case in ("strength", "none") or f'"{case}"' in strengths, key
            continue
        prefix = key.rsplit(".", 1)[0]
        status = key.rsplit(".", 1)[1]
        used = key in literal or (
            status in ("ok", "watch", "alert")
            and (prefix in INDICATOR_CODES or prefix in literal or f'"{prefix}"' in source)
        )
        assert used, f"message {key!r} is not used by graph.renewal"
    for key in literal:
        if key.split(".")[0] in {*INDICATOR_CODES, "network", "summary"} and not key.endswith(
            ".py"
        ):
            assert key in en.MESSAGES or any(m.startswith(key + ".") for m in en.MESSAGES), key


def test_no_inline_sentences_left_in_the_indicator_modules():
    for path in [*PACKAGE.glob("*.py"), *PACKAGE.glob("strengths/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'\bfr\s*=\s*f?"[A-Z]', text), f"{path.name}: an inline sentence"
        assert "message_fr=" not in text.replace("message_fr: str", ""), path.name


def test_no_module_past_400_lines():
    for path in [*PACKAGE.glob("*.py"), *PACKAGE.glob("*/*.py")]:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 400, f"{path.name} has {lines} lines: split it"
