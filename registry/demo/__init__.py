"""Invented, deterministic demo data on the real territories (``manage.py seed_demo``).

- ``registry.demo.scenario``: the hand-written core (hosts, bodies, planted
  persons and organizations) and ``PLANTED``, the list of planted cases by name,
  for the analysis tests;
- ``registry.demo.generator``: ``seed_demo(seed=, scale=)``, which writes it
  through the change ledger, plus ``scale`` times more generated data;
- ``registry.demo.names``: the word lists the invented names come from.

"Today" inside the data is ``REFERENCE_DATE`` (2026-11-01), never the clock.
"""

from registry.demo.generator import DemoError, MissingTerritories, SeedReport, seed_demo
from registry.demo.scenario import PLANTED, REFERENCE_DATE

__all__ = [
    "PLANTED",
    "REFERENCE_DATE",
    "DemoError",
    "MissingTerritories",
    "SeedReport",
    "seed_demo",
]
