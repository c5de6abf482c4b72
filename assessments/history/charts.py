"""Server-rendered SVG of a key action over time (the team's history page):
rounds along, levels up; the median as dots joined by a line, the consensus
as hollow diamonds, so the two differ by shape and never by colour alone;
where both are the same level, the diamond is drawn larger, around the dot.

Same rules as `results.charts`: pure, every interpolated text escaped, presentation
attributes only (no CSS, no `style=`), an image with a title and a text
alternative giving every figure; the page shows the figures' table beside it.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from assessments.results.charts import FONT, LABEL_COLOUR, OUTLINE, check_chart_id, svg_number

from .selectors import HistoryPoint, KeyActionHistory, TeamHistory

LEFT = 118  # room for the level names
RIGHT = 16
TOP = 30  # room for the legend
BOTTOM = 34  # room for the round names
LEVEL_SPACING = 30
LABEL_CHARS = 16
ROUND_LABEL_WIDTH = 84  # at most 14 characters at font-size 10
MEDIAN_COLOUR = "#08519c"
GRID_COLOUR = "#ced4da"
DOT_RADIUS = 5
DIAMOND_RADIUS = 7
# Where median and consensus are the same level, the diamond is drawn around the dot: its sides
# (radius/√2 from the centre) then clear the dot and its white halo, so both marks stay visible.
DIAMOND_AROUND_RADIUS = 12
HALO_COLOUR = "#ffffff"


def levelsvg_number(value: float) -> str:
    """2.5 or 3 (never 3.0), in the reader's number format."""
    return number_format(value, decimal_pos=0 if float(value).is_integer() else 1)


def _point_text(point: HistoryPoint) -> str:
    name = point.round.name
    if not point.rated:
        return _("%(round)s: not rated") % {"round": name}
    if not point.released:
        median = _("figures not shown")
    elif point.median is None:
        median = _("no ratings")
    else:
        median = _("median %(level)s") % {"level": levelsvg_number(point.median)}
    if point.consensus is None:
        consensus = _("no consensus")
    else:
        consensus = _("consensus %(level)s (%(name)s)") % {"level": point.consensus, "name": point.consensus_name}
    return _("%(round)s: %(median)s, %(consensus)s") % {"round": name, "median": median, "consensus": consensus}


def history_chart_svg(history: KeyActionHistory, *, title: str, chart_id: str, width: int = 480) -> SafeString:
    """One key action across the team's closed rounds, oldest on the left.
    A round that did not rate it leaves a gap in the median's line."""
    check_chart_id(chart_id)
    points = history.points
    top_level = max(
        len(history.levels),
        *(point.consensus or 0 for point in points),
        *(point.median or 0 for point in points),
        2,
    )
    top_level = int(top_level)
    plot_width = width - LEFT - RIGHT
    height = TOP + LEVEL_SPACING * (top_level - 1) + BOTTOM
    bottom_y = TOP + LEVEL_SPACING * (top_level - 1)

    def x_of(index: int) -> float:
        return LEFT + plot_width / 2 if len(points) == 1 else LEFT + plot_width * index / (len(points) - 1)

    def y_of(level: float) -> float:
        return bottom_y - LEVEL_SPACING * (level - 1)

    description = "; ".join(_point_text(point) for point in points) or _("No closed rounds yet.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="history-chart img-fluid" focusable="false" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{escape(FONT)}" font-size="11">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    # Legend: the two shapes and their names.
    parts += [
        f'<circle cx="{LEFT + 6}" cy="10" r="{DOT_RADIUS}" fill="{MEDIAN_COLOUR}"/>',
        f'<text x="{LEFT + 16}" y="14" fill="{LABEL_COLOUR}">{escape(_("Median"))}</text>',
        f'<path d="{_diamond(LEFT + 110, 10)}" fill="#ffffff" stroke="{OUTLINE}" stroke-width="2"/>',
        f'<text x="{LEFT + 122}" y="14" fill="{LABEL_COLOUR}">{escape(_("Consensus"))}</text>',
    ]
    # Levels: a grid line and the level's name (truncated; the table has it whole).
    for level in range(1, top_level + 1):
        y = svg_number(y_of(level))
        name = history.levels[level - 1] if level <= len(history.levels) else str(level)
        label = Truncator(f"{level} {name}").chars(LABEL_CHARS)
        parts += [
            f'<line x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" y2="{y}" stroke="{GRID_COLOUR}" stroke-width="1"/>',
            f'<text x="{LEFT - 8}" y="{svg_number(y_of(level) + 4)}" text-anchor="end" fill="{LABEL_COLOUR}">'
            f"{escape(label)}</text>",
        ]
    # Rounds: names under the axis, thinned out so that none overlap.
    spacing = plot_width / max(len(points) - 1, 1)
    step = max(1, -(-ROUND_LABEL_WIDTH // int(max(spacing, 1))))
    last = len(points) - 1
    for index, point in enumerate(points):
        if index % step and index != last:
            continue
        # The end labels lean inwards, so that they are not cut at the chart's edges.
        anchor = "middle"
        if last and index in (0, last):
            anchor = "start" if index == 0 else "end"
        parts.append(
            f'<text x="{svg_number(x_of(index))}" y="{bottom_y + 22}" text-anchor="{anchor}" font-size="10" '
            f'fill="{LABEL_COLOUR}">{escape(Truncator(point.round.name).chars(14))}</text>'
        )
    # The median's line, broken where a round has no median.
    segment: list[str] = []
    for index, drawn in enumerate([*points, None]):
        if drawn is not None and drawn.median is not None:
            segment.append(f"{svg_number(x_of(index))},{svg_number(y_of(drawn.median))}")
            continue
        if len(segment) > 1:
            parts.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{MEDIAN_COLOUR}" stroke-width="2"/>'
            )
        segment = []
    for index, point in enumerate(points):
        text = escape(_point_text(point))
        if point.median is not None:
            parts.append(
                f'<circle class="median-mark" cx="{svg_number(x_of(index))}" cy="{svg_number(y_of(point.median))}" '
                f'r="{DOT_RADIUS}" fill="{MEDIAN_COLOUR}"><title>{text}</title></circle>'
            )
        if point.consensus is not None:
            radius = DIAMOND_AROUND_RADIUS if point.median == point.consensus else DIAMOND_RADIUS
            diamond = _diamond(x_of(index), y_of(point.consensus), radius)
            parts += [
                f'<path d="{diamond}" fill="none" stroke="{HALO_COLOUR}" stroke-width="5"/>',
                f'<path class="consensus-mark" d="{diamond}" fill="none" stroke="{OUTLINE}" stroke-width="2">'
                f"<title>{text}</title></path>",
            ]
    parts.append("</svg>")
    # Safe: every text interpolated above is escaped; the rest is numbers and constants.
    return mark_safe("".join(parts))  # noqa: S308


def _diamond(x: float, y: float, radius: float = DIAMOND_RADIUS) -> str:
    corners = ((x, y - radius), (x + radius, y), (x, y + radius), (x - radius, y))
    return "M" + "L".join(f"{svg_number(cx)} {svg_number(cy)}" for cx, cy in corners) + "Z"


def team_history_charts(history: TeamHistory) -> list[tuple[str, str, list[tuple[KeyActionHistory, SafeString]]]]:
    """(rubric slug, rubric title, [(key action, its chart)]) for the history page."""
    return [
        (
            rubric.slug,
            rubric.title,
            [
                (
                    key_action,
                    history_chart_svg(
                        key_action,
                        title=_("%(key_action)s: median and consensus by round") % {"key_action": key_action.title},
                        chart_id=f"history-{rubric.slug}-{key_action.position}",
                    ),
                )
                for key_action in rubric.key_actions
            ],
        )
        for rubric in history.rubrics
    ]
