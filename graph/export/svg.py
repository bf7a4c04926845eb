"""A self-contained SVG picture of the map, for reports and the web page.

Drawn from the shared ``Picture`` (``graph.export.style``): each community in
its own faint disc with its name, nodes sized by PageRank, coloured by
community, circles for actors and squares for bodies. So that a map of
hundreds of nodes stays legible, ties within a community are thin lines of its
colour, the ties between two communities are one grey line between their
discs (wider for more ties), and mostly-negative ties are drawn one by one,
red and dashed, on top. Labels go on the most central nodes only, each placed
where it overlaps no other label (``graph.export.labels``). The legend
explains size, colour, shape and lines in the language asked for.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from graph.export.common import edges_of
from graph.export.labels import Box, Placer, around, shorten, text_box, text_width
from graph.export.messages import date_text, number_text, text
from graph.export.style import (
    NEGATIVE_COLOUR,
    OTHER_COLOUR,
    PALETTE,
    POSITIVE_COLOUR,
    Picture,
    picture_of,
)
from graph.influence import InfluenceMap
from graph.model import node_order

LEGEND_WIDTH = 360.0
#: The least share of its declared size a node is drawn at.
NODE_SCALE_MIN = 0.25
MARGIN = 24.0
NAME_FONT = 13.0
LABEL_FONT = 11.0
LEGEND_FONT = 12.0
NAME_LIMIT = 46
#: How many lines out from its disc a community name may go to keep clear of the others.
NAME_TRIES = 3
LABEL_LINE = 1.3
LABEL_LIMIT = 30
LEGEND_NAME_LIMIT = 40


def _centrality(m) -> tuple[float, tuple[str, int]]:
    """Sort key of the map's nodes: highest PageRank first, then ``node_order``."""
    return (-m.pagerank, node_order(m.node))


def shown_nodes(im: InfluenceMap, max_nodes: int) -> set[str]:
    """The nodes a picture shows: the ``max_nodes`` highest PageRank."""
    ranked = sorted(im.nodes, key=_centrality)
    return {m.node for m in ranked[:max_nodes]}


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


class _Frame:
    """From layout units (y up) to the pixels of the plot (y down), aspect kept."""

    def __init__(self, picture: Picture, plot: Box):
        discs = picture.layout.discs or ()
        xs0 = [d.x - d.radius for d in discs] or [0.0]
        xs1 = [d.x + d.radius for d in discs] or [1.0]
        ys0 = [d.y - d.radius for d in discs] or [0.0]
        ys1 = [d.y + d.radius for d in discs] or [1.0]
        self.x0, self.y1 = min(xs0), max(ys1)
        span_x, span_y = max(max(xs1) - self.x0, 1e-9), max(self.y1 - min(ys0), 1e-9)
        self.scale = min((plot.x1 - plot.x0) / span_x, (plot.y1 - plot.y0) / span_y)
        self.left = plot.x0 + ((plot.x1 - plot.x0) - span_x * self.scale) / 2
        self.top = plot.y0 + ((plot.y1 - plot.y0) - span_y * self.scale) / 2
        # Node sizes shrink with the discs on a picture of thousands of nodes (at Paris's
        # scale, about one pixel per layout unit, they are drawn as they are declared).
        self.node_scale = min(1.0, max(NODE_SCALE_MIN, 1.2 * self.scale))

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return self.left + (x - self.x0) * self.scale, self.top + (self.y1 - y) * self.scale


def _node_shape(x: float, y: float, r: float, shape: str, fill: str, extra: str) -> str:
    if shape == "square":
        side = r * 1.8  # a square of about the circle's area
        return (
            f'<rect x="{x - side / 2:.2f}" y="{y - side / 2:.2f}" width="{side:.2f}" '
            f'height="{side:.2f}" fill="{fill}"{extra}'
        )
    return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" fill="{fill}"{extra}'


def _ties(im: InfluenceMap, picture: Picture, xy, disc_xy, community_of) -> list[str]:
    within, negative = [], []
    between: dict[tuple[bool, int, int], int] = {}  # (negative?, a, b) -> ties
    for u, v, data in edges_of(im):
        if u == v or u not in xy or v not in xy:
            continue
        bad = data["negative"] > data["positive"]
        if community_of[u] != community_of[v]:
            a, b = sorted((community_of[u], community_of[v]))
            between[bad, a, b] = between.get((bad, a, b), 0) + 1
            continue
        (x1, y1), (x2, y2) = xy[u], xy[v]
        line = f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}"'
        if bad:
            negative.append(f'{line} stroke="{NEGATIVE_COLOUR}"/>')
        else:
            within.append(f'{line} stroke="{picture.nodes[u].color}"/>')
    out = ['<g class="ties-within" stroke-width="0.6" stroke-opacity="0.35">', *within, "</g>"]
    out.append('<g class="ties-between" stroke-opacity="0.4">')
    for (bad, a, b), count in sorted(between.items()):
        (x1, y1, r1), (x2, y2, r2) = disc_xy[a], disc_xy[b]
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        dx, dy = (x2 - x1) / length, (y2 - y1) / length
        # The negative line beside the positive one (offset across), not on top of it.
        ox, oy = (-dy * 4, dx * 4) if bad else (0.0, 0.0)
        style = (
            f'stroke="{NEGATIVE_COLOUR}" stroke-dasharray="6 4"'
            if bad
            else f'stroke="{POSITIVE_COLOUR}"'
        )
        out.append(
            f'<line x1="{x1 + dx * r1 + ox:.2f}" y1="{y1 + dy * r1 + oy:.2f}" '
            f'x2="{x2 - dx * r2 + ox:.2f}" y2="{y2 - dy * r2 + oy:.2f}" {style} '
            f'stroke-width="{min(0.8 + math.log2(count), 8):.2f}" data-ties="{count}"/>'
        )
    out.append("</g>")
    out += [
        '<g class="ties-negative" stroke-width="1.2" stroke-dasharray="6 4" stroke-opacity="0.8">',
        *negative,
        "</g>",
    ]
    return out


def _text(p, cls: str, weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text class="{cls}" x="{p.x:.2f}" y="{p.y:.2f}" text-anchor="{p.anchor}" '
        f'font-size="{p.font_size:g}"{bold}>{escape(p.text)}</text>'
    )


def _legend(im, picture, language, x, y, shown, legend_max) -> tuple[list[str], list[Box]]:
    """The legend's elements and the boxes of its texts (for the overlap test)."""
    out, boxes = ['<g class="legend" fill="#222222">'], []
    line = LEGEND_FONT * 1.6

    def write(tx, ty, words, size=LEGEND_FONT, bold=False):
        boxes.append(text_box(tx, ty, words, size))
        b = ' font-weight="bold"' if bold else ""
        out.append(
            f'<text x="{tx:.2f}" y="{ty:.2f}" font-size="{size:g}"{b}>{escape(words)}</text>'
        )

    write(x, y, text(language, "title", as_of=date_text(language, im.as_of)), 15, True)
    y += line
    key = "summary_all" if shown == len(im.nodes) else "summary_some"
    write(
        x,
        y,
        text(
            language,
            key,
            shown=number_text(language, shown),
            nodes=number_text(language, len(im.nodes)),
            communities=number_text(language, len(im.communities)),
        ),
    )
    y += line * 1.5
    write(x, y, text(language, "size.heading"), bold=True)
    y += line
    for r, key in ((3.0, "size.small"), (9.0, "size.large")):
        out.append(f'<circle cx="{x + 10:.2f}" cy="{y - 4:.2f}" r="{r:g}" fill="#777777"/>')
        write(x + 28, y, text(language, key))
        y += line
    y += line * 0.5
    write(x, y, text(language, "shape.heading"), bold=True)
    y += line
    out.append(_node_shape(x + 10, y - 4, 6, "circle", "#777777", "/>"))
    write(x + 28, y, text(language, "shape.actor"))
    y += line
    out.append(_node_shape(x + 10, y - 4, 6, "square", "#777777", "/>"))
    write(x + 28, y, text(language, "shape.body"))
    y += line * 1.5
    write(x, y, text(language, "colour.heading"), bold=True)
    y += line
    write(x, y, text(language, "colour.note"), 11)
    y += line
    for style, community in list(zip(picture.communities, im.communities, strict=True))[
        :legend_max
    ]:
        out.append(
            f'<rect x="{x + 4:.2f}" y="{y - 11:.2f}" width="12" height="12" fill="{style.color}"/>'
        )
        name = shorten(style.name or str(style.id), LEGEND_NAME_LIMIT)
        write(
            x + 28,
            y,
            text(language, "colour.entry", name=name, size=number_text(language, community.size)),
        )
        y += line
    rest = len(im.communities) - legend_max
    if rest > 0:
        out.append(
            f'<rect x="{x + 4:.2f}" y="{y - 11:.2f}" width="12" height="12" fill="{OTHER_COLOUR}"/>'
        )
        write(x + 28, y, text(language, "colour.rest", count=number_text(language, rest)))
        y += line
    y += line * 0.5
    write(x, y, text(language, "lines.heading"), bold=True)
    y += line
    for key, stroke in (
        ("lines.within", f'stroke="{PALETTE[0]}" stroke-width="1"'),
        ("lines.between", f'stroke="{POSITIVE_COLOUR}" stroke-width="5"'),
        ("lines.negative", f'stroke="{NEGATIVE_COLOUR}" stroke-width="1.4" stroke-dasharray="6 4"'),
    ):
        out.append(
            f'<line x1="{x:.2f}" y1="{y - 4:.2f}" x2="{x + 20:.2f}" y2="{y - 4:.2f}" {stroke}/>'
        )
        write(x + 28, y, text(language, key), 11)
        y += line
    y += line * 0.5
    write(x, y, text(language, f"layout.{picture.method}", seed=im.seed), 10)
    out.append("</g>")
    return out, boxes


def to_svg(
    im: InfluenceMap,
    *,
    picture: Picture | None = None,
    language: str = "en",
    width: int = 1400,
    height: int = 1000,
    labels: int = 20,
    max_nodes: int = 600,
) -> str:
    """The SVG picture (see the module docstring) in ``language`` (``messages.LANGUAGES``).

    ``max_nodes`` highest-PageRank nodes are drawn (at their place in the full
    layout), names on the ``labels`` highest that find a free place. Coordinates
    have two decimals so the text is stable.
    """
    picture = picture or picture_of(im)
    plot = Box(MARGIN, MARGIN + NAME_FONT * 2, width - LEGEND_WIDTH - MARGIN, height - MARGIN)
    frame = _Frame(picture, plot)
    shown = shown_nodes(im, max_nodes)
    xy = {u: frame(s.x, s.y) for u, s in picture.nodes.items() if u in shown}
    community_of = {m.node: m.community for m in im.nodes}
    disc_xy = {
        d.community: (*frame(d.x, d.y), d.radius * frame.scale) for d in picture.layout.discs
    }
    legend_max = len(PALETTE)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f"<title>{escape(text(language, 'title', as_of=date_text(language, im.as_of)))}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        '<g class="discs" fill-opacity="0.07" stroke-opacity="0.35" stroke-width="1">',
    ]
    visible = {community_of[u] for u in shown}
    for d in picture.layout.discs:
        if d.community in visible:
            x, y, r = disc_xy[d.community]
            colour = picture.communities[d.community].color
            out.append(
                f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" fill="{colour}" stroke="{colour}"/>'
            )
    out.append("</g>")
    out += _ties(im, picture, xy, disc_xy, community_of)

    out.append('<g class="nodes" stroke="#ffffff" stroke-width="1">')
    for m in im.nodes:
        if m.node in xy:
            s = picture.nodes[m.node]
            extra = f' data-node="{_attr(m.node)}"><title>{escape(m.label or m.node)}</title>'
            tag = "rect" if s.shape == "square" else "circle"
            r = s.size * frame.node_scale
            out.append(_node_shape(*xy[m.node], r, s.shape, s.color, extra) + f"</{tag}>")
    out.append("</g>")

    legend, legend_boxes = _legend(
        im, picture, language, width - LEGEND_WIDTH + 8, MARGIN + 16, len(xy), legend_max
    )
    placer = Placer(Box(0, 0, width - LEGEND_WIDTH, height))
    names = []
    # Community names first (biggest community first): above their disc, else below it,
    # clear of the other discs where possible.
    for d, style in zip(picture.layout.discs, picture.communities, strict=True):
        if d.community not in visible or d.community >= legend_max:
            continue
        x, y, r = disc_xy[d.community]
        words = shorten(style.name, NAME_LIMIT)
        others = [disc_xy[c] for c in visible if c != d.community]
        # Centred over the disc, but slid inwards when the disc is near an edge of the plot
        # (a centred name would stick out of it and be left out).
        half = text_width(words, NAME_FONT) / 2
        x = min(max(x, placer.frame.x0 + half), placer.frame.x1 - half)
        # Above, else below, then a line or two further out (clear of a neighbour's disc).
        step = NAME_FONT * LABEL_LINE
        places = [
            place
            for k in range(NAME_TRIES)
            for place in (
                (x, y - r - 6 - k * step, "middle"),
                (x, y + r + NAME_FONT + 2 + k * step, "middle"),
            )
        ]
        placed = placer.place(words, NAME_FONT, places, avoid=others)
        if placed:
            names.append(_text(placed, "community-name", "bold"))
    node_labels = []
    ranked = sorted((m for m in im.nodes if m.node in xy), key=_centrality)
    named = {s.named_after for s in picture.communities[:legend_max]}
    for m in ranked[: max(labels, 0)]:
        if m.node in named:
            continue  # its name already stands over its community
        x, y = xy[m.node]
        words = shorten(m.label or m.node, LABEL_LIMIT)
        placed = placer.place(
            words,
            LABEL_FONT,
            around(x, y, picture.nodes[m.node].size * frame.node_scale + 3, LABEL_FONT),
        )
        if placed:
            node_labels.append(_text(placed, "label"))
    out.append(
        '<g class="community-names" fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
    )
    out += names
    out.append("</g>")
    out.append(
        '<g class="labels" fill="#111111" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
    )
    out += node_labels
    out.append("</g>")
    out += legend
    out.append("</svg>")
    return "\n".join(out) + "\n"
