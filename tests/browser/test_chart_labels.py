"""The results bar's labels as a phone draws them: two labels on one row
never overlap, whatever the shares (the layout is decided on the server, in
percentages, for a bar as narrow as a 320 px screen leaves it)."""

import pytest

from assessments.results.charts import stacked_bar_svg

LEVELS = ["Informing", "Networking", "Collaborating", "Transforming"]
SPANISH = ["Informando", "Conectando", "Colaborando", "Transformando"]


def _label_boxes(page, svg: str, width: int) -> list[dict]:
    page.set_content(f'<div style="width:{width}px;font-family:sans-serif">{svg}</div>')
    return page.evaluate(
        """() => [...document.querySelectorAll('svg text')]
            .filter(t => t.getAttribute('y') > 50)
            .map(t => { const b = t.getBBox(); return {y: t.getAttribute('y'), x0: b.x, x1: b.x + b.width,
                                                       text: t.textContent}; })"""
    )


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of labels on one row closer than 2 px."""
    return [
        (a["text"], b["text"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["y"] == b["y"] and a["x0"] < b["x1"] + 2 and b["x0"] < a["x1"] + 2
    ]


@pytest.mark.parametrize(
    "counts",
    [[6, 1, 6, 8], [20, 2, 2, 20], [1, 1, 1, 30], [10, 10, 10, 10], [3, 30, 2, 2], [12, 1, 1, 12]],
)
@pytest.mark.parametrize("names", [LEVELS, SPANISH])
def test_labels_on_one_row_never_overlap_at_phone_width(page, counts, names):
    svg = stacked_bar_svg(counts, names, title="t", chart_id="c")
    for width in (288, 1000):
        boxes = _label_boxes(page, svg, width)
        assert _overlaps(boxes) == [], (width, boxes)
        assert all(box["x0"] >= 0 and box["x1"] <= width for box in boxes)
