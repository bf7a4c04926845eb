"""Text boxes on a picture without collisions: estimate each label's box, try a few
places around its anchor, keep the first that overlaps nothing placed before.

The width of a text is estimated (no font metrics in a pure module) from an
average glyph width of sans-serif fonts, on the generous side, so that boxes
estimated apart are apart when drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Average advance of a sans-serif glyph, as a share of the font size (generous).
GLYPH_WIDTH = 0.6
LINE_HEIGHT = 1.25


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )

    def meets_circle(self, x: float, y: float, r: float) -> bool:
        nearest_x = min(max(x, self.x0), self.x1)
        nearest_y = min(max(y, self.y0), self.y1)
        return (nearest_x - x) ** 2 + (nearest_y - y) ** 2 < r * r

    def inside(self, frame: Box) -> bool:
        return (
            self.x0 >= frame.x0
            and self.y0 >= frame.y0
            and self.x1 <= frame.x1
            and self.y1 <= frame.y1
        )


def text_width(text: str, font_size: float) -> float:
    return GLYPH_WIDTH * font_size * len(text)


def text_box(x: float, baseline: float, text: str, font_size: float, anchor: str = "start") -> Box:
    """The box of ``text`` drawn at ``x`` (start, middle or end) on ``baseline``."""
    width = text_width(text, font_size)
    x0 = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    top = baseline - font_size
    return Box(x0, top, x0 + width, top + LINE_HEIGHT * font_size)


#: How many characters ``shorten`` gives up to cut between two words rather than in one.
WORD_SLACK = 12


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, the middle elided (between words where that costs
    little, the room saved going to the end): bodies' names often share their beginning
    ("Commission consultative des services publics locaux de ...") and differ at their
    end."""
    if len(text) <= limit:
        return text
    head = text[: (limit - 3) // 2].rstrip()
    cut = head.rfind(" ")
    if cut > 0 and len(head) - cut <= WORD_SLACK:
        head = head[:cut].rstrip(" ,")
    tail = text[len(text) - (limit - 3 - len(head)) :]
    cut = tail.find(" ")
    if 0 <= cut < WORD_SLACK and tail[0] != " ":
        tail = tail[cut + 1 :]
    return f"{head} … {tail.strip()}"


@dataclass(frozen=True)
class Placed:
    x: float
    y: float  # baseline
    anchor: str
    text: str
    font_size: float
    box: Box


class Placer:
    """Places labels one by one, never over a label already placed nor out of ``frame``."""

    def __init__(self, frame: Box, *, obstacles: tuple[Box, ...] = ()):
        self.frame = frame
        self.boxes: list[Box] = list(obstacles)

    def place(self, text: str, font_size: float, candidates, *, avoid=()) -> Placed | None:
        """The first of ``candidates`` ((x, baseline, anchor), in order of preference)
        where the label fits, or None (the label is left out). A place that also keeps
        clear of the circles ``avoid`` ((x, y, r)) is preferred to one that does not."""
        candidates = tuple(candidates)
        for clear in (avoid, ()) if avoid else ((),):
            for x, y, anchor in candidates:
                box = text_box(x, y, text, font_size, anchor)
                if (
                    box.inside(self.frame)
                    and not any(box.overlaps(b) for b in self.boxes)
                    and not any(box.meets_circle(*c) for c in clear)
                ):
                    self.boxes.append(box)
                    return Placed(x, y, anchor, text, font_size, box)
        return None


def around(x: float, y: float, gap: float, font_size: float):
    """Places beside a point, in order of preference: right, left, above, below."""
    return (
        (x + gap, y + font_size / 3, "start"),
        (x - gap, y + font_size / 3, "end"),
        (x, y - gap - font_size * 0.3, "middle"),
        (x, y + gap + font_size, "middle"),
    )
