"""The committed OpenAPI schema (``openapi/schema.yaml``), parsed once per test process.

The file is ~850 kB of YAML: PyYAML's pure-Python ``safe_load`` takes 2-4 s of CPU to read
it, and a dozen test modules and fixtures each read it (five of them while pytest
collects, in every xdist worker of both passes). Here it is parsed once, with libyaml's
``CSafeLoader`` when PyYAML was built with it (the same safe constructors, ~4 times
faster; the pure-Python loader otherwise), and each caller gets its own deep copy (~0.07 s)
so that no test can change what another one reads.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = ROOT / "openapi" / "schema.yaml"
#: libyaml's loader when available: same result as ``yaml.safe_load``, faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str | bytes) -> Any:
    """``yaml.safe_load``, with libyaml when available."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader


@functools.cache
def _parsed() -> dict:
    return load_yaml(SCHEMA_PATH.read_text(encoding="utf-8"))


def committed_schema() -> dict:
    """The committed schema as a mapping: a fresh copy at each call, parsed once."""
    return copy.deepcopy(_parsed())
