"""Python's cyclic garbage collector paused while a large graph is built.

Building a registry graph, collapsing it or converting it creates hundreds of
thousands of containers (dicts, tuples), none of them garbage: each collection
while they are made would walk them all again. ``paused`` holds the collector off
for the length of a ``with`` and hands what was made to the oldest generation.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of the ``with``.

    Building a graph creates a million containers (key dicts, adjacency dicts, row
    tuples), none of them garbage: each collection while it runs would walk them all
    again, and the first one after it, a collection of the youngest generation, would walk
    them all once more (half a second at 500,000 edges). So they are handed to
    the oldest generation as they are, without a walk (``gc.freeze()`` then
    ``gc.unfreeze()``); the next full collection, due by the collector's own rule,
    sees them. Skipped when something else froze objects (a pre-forking server's
    ``gc.freeze()``): unfreezing would undo it.
    """
    was_enabled = gc.isenabled()
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if frozen_before == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def pausing(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` run inside ``paused()``."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return function(*args, **kwargs)

    return run
