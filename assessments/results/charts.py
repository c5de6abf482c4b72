"""Server-rendered SVG charts of rating distributions, for the results page
and the PDF report alike.

Every function is pure (numbers and strings in, SVG markup out) and returns a
string marked safe: every piece of text it interpolates is escaped here. The
markup uses only SVG presentation attributes (`fill=`, `stroke=`) and
`<pattern>` fills: no CSS, no `style=` attribute (the CSP forbids it), no
script, and nothing WeasyPrint cannot draw. Levels differ by pattern *and*
colour, so the chart reads in grey print and without colour vision.

A chart is an image (`role="img"`) whose `<title>` names it and whose `<desc>`
gives every count, so a screen reader hears the same figures as a sighted
reader sees; pages still show the table of the figures beside it.

    stacked_bar_svg(counts, level_names, title=..., chart_id=...)  # one key action
    level_swatch_svg(position, chart_id=...)                       # a legend key
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

BAR_TOP = 18  # room above the bar for the median's mark
BAR_HEIGHT = 32
LABEL_ROW_HEIGHT = 17
LABEL_ROWS = 2  # labels go under the bar on two rows, each on the first row where it overlaps no other
# A segment narrower than this share of the bar gets no label under it (the table beside has its count).
MIN_LABELLED_SHARE = 0.04
# The labels are laid out for the narrowest bar, on a 320 px screen, with a width per character above what
# the usual fonts take at 12 px (6.0-6.7 px measured in Chromium): a label that would overlap on both rows
# there gets none, at every width (the segment's tooltip, the chart's description and the table have it).
NARROWEST_BAR_PX = 288
LABEL_CHARACTER_PX = 7.0
LABEL_GAP = 1.0  # percent of the bar between two labels on one row
MEDIAN_COLOUR = "#000000"
OUTLINE = "#212529"
LABEL_COLOUR = "#212529"
EMPTY_FILL = "#f8f9fa"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
PATTERN_SIZE = 6

_CHART_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class LevelStyle:
    fill: str  # the background colour
    ink: str  # the pattern's colour, in contrast with the fill
    pattern: str  # SVG drawn in a PATTERN_SIZE square; "{ink}" is replaced


# Light to dark (the levels are ordered), one distinct pattern each, for up to
# the six levels a rubric may have. The patterns' ink contrasts with its fill.
LEVEL_STYLES: tuple[LevelStyle, ...] = (
    LevelStyle("#deebf7", "#08306b", '<circle cx="3" cy="3" r="1.1" fill="{ink}"/>'),
    LevelStyle("#9ecae1", "#08306b", '<path d="M0 3H6" stroke="{ink}" stroke-width="1"/>'),
    LevelStyle("#4292c6", "#ffffff", '<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="{ink}" stroke-width="1"/>'),
    LevelStyle("#08519c", "#ffffff", '<path d="M0 6L6 0M0 0L6 6" stroke="{ink}" stroke-width="0.9"/>'),
    LevelStyle("#08306b", "#ffffff", '<path d="M3 0V6" stroke="{ink}" stroke-width="1"/>'),
    LevelStyle("#041a3a", "#ffffff", '<path d="M0 3H6M3 0V6" stroke="{ink}" stroke-width="0.8"/>'),
)


def check_chart_id(chart_id: str) -> None:
    # The id prefixes the patterns' ids; an unsafe one would break the markup
    # or collide with another chart's patterns on the same page.
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a letter followed by letters, digits, '-' or '_': {chart_id!r}")


def _style(position: int) -> LevelStyle:
    if not 1 <= position <= len(LEVEL_STYLES):
        raise ValueError(f"level position out of range: {position}")
    return LEVEL_STYLES[position - 1]


def svg_number(value: float) -> str:
    """A coordinate without float noise: 12.5, 40 (not 40.0), 33.33."""
    return f"{round(value, 2):g}"


def _pattern(chart_id: str, position: int) -> str:
    style = _style(position)
    return (
        f'<pattern id="{chart_id}-level-{position}" patternUnits="userSpaceOnUse" '
        f'width="{PATTERN_SIZE}" height="{PATTERN_SIZE}">'
        f'<rect width="{PATTERN_SIZE}" height="{PATTERN_SIZE}" fill="{style.fill}"/>'
        f"{style.pattern.format(ink=style.ink)}</pattern>"
    )


def segment_edges(counts: Sequence[int], width: float) -> list[float]:
    """Where each level's segment starts, and the bar's end: len(counts) + 1
    positions from 0 to `width`. Cumulative rounding keeps the widths summing
    exactly to the bar's width, whatever the rounding of each one."""
    n = sum(counts)
    if n == 0:
        return [0.0] * len(counts) + [float(width)]
    edges, seen = [0.0], 0
    for count in counts:
        seen += count
        edges.append(round(width * seen / n, 2))
    edges[-1] = float(width)
    return edges


def distribution_text(counts: Sequence[int], level_names: Sequence[str], *, not_sure: int = 0) -> str:
    """The chart's text alternative: every level's count and share, then "Not sure"."""
    n = sum(counts)
    if n == 0:
        parts = [_("No ratings yet.")]
    else:
        parts = [
            _("%(level)s: %(count)d of %(n)d (%(percent)d%%)")
            % {"level": name, "count": count, "n": n, "percent": round(100 * count / n)}
            for name, count in zip(level_names, counts, strict=True)
        ]
    if not_sure:
        parts.append(_("Not sure: %(count)d") % {"count": not_sure})
    return "; ".join(parts)


def _percent(value: float) -> str:
    return f"{svg_number(value)}%"


def _segment_label(x: float, segment: float, text: str, rows: list[list[tuple[float, float]]]) -> str:
    """A segment's "name: count" under the bar, in percentages of its width:
    starting where the segment starts in the bar's first half, ending where
    it ends in the second, so that no label runs past the bar's ends at any
    width; on the first of `rows` (the spans already taken on each) where it
    overlaps no other label at the narrowest bar, or nowhere ("")."""
    width = 100 * len(text) * LABEL_CHARACTER_PX / NARROWEST_BAR_PX
    if x + segment / 2 < 50:
        anchor, at, span = "start", x, (x, x + width)
    else:
        anchor, at, span = "end", x + segment, (x + segment - width, x + segment)
    for row, taken in enumerate(rows):
        if all(span[1] + LABEL_GAP <= start or end + LABEL_GAP <= span[0] for start, end in taken):
            taken.append(span)
            y = BAR_TOP + BAR_HEIGHT + LABEL_ROW_HEIGHT * (row + 1) - 3
            where = f'x="{_percent(at)}" y="{y}" text-anchor="{anchor}"'
            return f'<text {where} fill="{LABEL_COLOUR}">{escape(text)}</text>'
    return ""


def stacked_bar_svg(
    counts: Sequence[int],
    level_names: Sequence[str],
    *,
    title: str,
    chart_id: str,
    not_sure: int = 0,
) -> SafeString:
    """One horizontal bar as wide as its container, split by level, each
    segment as wide as its share of the ratings and named with its count
    under it (neighbours on alternate rows); the median is marked where it
    always falls, half-way along the bar (the middle rating). Drawn in
    percentages of the width, so the type keeps its size at every width.
    `counts[i]` is the number of ratings at level i + 1 and `level_names[i]`
    its name; `chart_id` must be unique on the page (it prefixes the ids of
    the title and of the patterns). With no ratings the bar is empty and
    says so."""
    check_chart_id(chart_id)
    if len(counts) != len(level_names):
        raise ValueError("counts and level_names differ in length")
    height = BAR_TOP + BAR_HEIGHT + LABEL_ROW_HEIGHT * LABEL_ROWS + 4
    n = sum(counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="results-chart" focusable="false" '
        f'width="100%" height="{height}" overflow="visible" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{escape(FONT)}" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(distribution_text(counts, level_names, not_sure=not_sure))}</desc>',
    ]
    outline = (
        f'<rect x="0.5" y="{BAR_TOP + 0.5}" width="99.8%" height="{BAR_HEIGHT - 1}" fill="{{fill}}" '
        f'stroke="{OUTLINE}"{{dash}}/>'
    )
    if n == 0:
        parts += [
            outline.format(fill=EMPTY_FILL, dash=' stroke-dasharray="4 3"'),
            f'<text x="50%" y="{BAR_TOP + BAR_HEIGHT / 2 + 4:g}" text-anchor="middle" fill="{LABEL_COLOUR}">'
            f"{escape(_('No ratings yet'))}</text>",
        ]
    else:
        parts.append("<defs>" + "".join(_pattern(chart_id, p) for p in range(1, len(counts) + 1)) + "</defs>")
        edges = segment_edges(counts, 100)
        rows: list[list[tuple[float, float]]] = [[] for _row in range(LABEL_ROWS)]
        for position, (name, count) in enumerate(zip(level_names, counts, strict=True), start=1):
            x, segment = edges[position - 1], edges[position] - edges[position - 1]
            if not count:
                continue
            percent = round(100 * count / n)
            parts.append(
                f'<rect class="segment" x="{_percent(x)}" y="{BAR_TOP}" width="{_percent(segment)}" '
                f'height="{BAR_HEIGHT}" fill="url(#{chart_id}-level-{position})" stroke="#ffffff" stroke-width="1">'
                f"<title>{escape(name)}: {count} ({percent}%)</title></rect>"
            )
            if count / n >= MIN_LABELLED_SHARE:
                label = _("%(level)s: %(count)d") % {"level": name, "count": count}
                parts.append(_segment_label(x, segment, label, rows))
        parts += [
            outline.format(fill="none", dash=""),
            # The median's mark: a white line under a black one, seen on every pattern.
            f'<line class="median-mark" x1="50%" x2="50%" y1="{BAR_TOP - 4}" y2="{BAR_TOP + BAR_HEIGHT + 2}" '
            f'stroke="#ffffff" stroke-width="5"/>',
            f'<line x1="50%" x2="50%" y1="{BAR_TOP - 4}" y2="{BAR_TOP + BAR_HEIGHT + 2}" '
            f'stroke="{MEDIAN_COLOUR}" stroke-width="2"/>',
            f'<text x="50%" y="{BAR_TOP - 6}" text-anchor="middle" font-weight="bold" fill="{LABEL_COLOUR}">'
            f"{escape(_('median'))}</text>",
        ]
    parts.append("</svg>")
    # Safe: every text interpolated above is escaped; the rest is numbers and constants.
    return mark_safe("".join(parts))  # noqa: S308


def level_swatch_svg(position: int, *, chart_id: str, size: int = 16) -> SafeString:
    """A small square in a level's pattern and colour: the legend key beside
    the level's name (in a table header, say). Decorative: the name is the
    text, so the swatch is hidden from screen readers."""
    check_chart_id(chart_id)
    return mark_safe(  # noqa: S308 — numbers and constants only
        f'<svg xmlns="http://www.w3.org/2000/svg" class="level-swatch" aria-hidden="true" focusable="false" '
        f'width="{size}" height="{size}" viewBox="0 0 {size} {size}">'
        f"<defs>{_pattern(chart_id, position)}</defs>"
        f'<rect x="0.5" y="0.5" width="{size - 1}" height="{size - 1}" fill="url(#{chart_id}-level-{position})" '
        f'stroke="{OUTLINE}"/></svg>'
    )


ROOM_ROW_HEIGHT = 64
ROOM_LABEL_WIDTH = 330
ROOM_WIDTH = 1000
ROOM_CHARACTER_WIDTH = 18  # a bold character of the room's 30-unit type, on average, with room to spare
ROOM_LEAST_BAR = 160


def level_rows_svg(
    counts: Sequence[int],
    level_names: Sequence[str],
    *,
    title: str,
    chart_id: str,
    median: float | None,
    width: int = ROOM_WIDTH,
) -> SafeString:
    """One bar per level, for a room: read from the back of it, so large type,
    the level's name before its bar and its count and share after it; a
    median that falls on a level marks it "median" (one between two levels is
    told in words beside the chart). Scales to its container: a narrower
    `width` (a phone's) makes the same type larger on the same screen."""
    check_chart_id(chart_id)
    if len(counts) != len(level_names):
        raise ValueError("counts and level_names differ in length")
    n, most = sum(counts), max(counts, default=0)
    height = ROOM_ROW_HEIGHT * len(counts)
    # Wide enough for the longest name ("Establecer redes") and for "20 · 100% · mediana" after the
    # longest bar; a chart that needs more than `width` draws wider, its type a little smaller.
    longest_name = max((len(name) for name in level_names), default=0)
    label_width = max(round(width * ROOM_LABEL_WIDTH / ROOM_WIDTH), ROOM_CHARACTER_WIDTH * longest_name + 32)
    after_bar = ROOM_CHARACTER_WIDTH * len(f"{n} · 100% · {_('median')}") + 24
    width = max(width, label_width + ROOM_LEAST_BAR + after_bar)
    room = width - label_width - after_bar  # the longest bar
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="room-chart" focusable="false" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{escape(FONT)}" font-size="30">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(distribution_text(counts, level_names))}</desc>',
        "<defs>" + "".join(_pattern(chart_id, p) for p in range(1, len(counts) + 1)) + "</defs>",
    ]
    for position, (name, count) in enumerate(zip(level_names, counts, strict=True), start=1):
        top = ROOM_ROW_HEIGHT * (position - 1)
        middle = top + ROOM_ROW_HEIGHT / 2 + 10
        bar = room * count / most if most else 0
        percent = round(100 * count / n) if n else 0
        marked = median is not None and median == position
        label = f"{count} · {percent}%" + (f" · {_('median')}" if marked else "")
        weight = ' font-weight="bold"' if marked else ""
        parts += [
            f'<text x="{label_width - 16}" y="{svg_number(middle)}" text-anchor="end" fill="currentColor"'
            f"{weight}>{escape(name)}</text>",
            f'<rect x="{label_width}" y="{top + 8}" width="{svg_number(max(bar, 2))}" '
            f'height="{ROOM_ROW_HEIGHT - 16}" fill="url(#{chart_id}-level-{position})" stroke="currentColor"/>',
            f'<text x="{svg_number(label_width + max(bar, 2) + 14)}" y="{svg_number(middle)}" '
            f'fill="currentColor"{weight}>{escape(label)}</text>',
        ]
    parts.append("</svg>")
    # Safe: every text interpolated above is escaped; the rest is numbers and constants.
    return mark_safe("".join(parts))  # noqa: S308
