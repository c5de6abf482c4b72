import xml.etree.ElementTree as ET

import pytest

from assessments.results.charts import (
    LEVEL_STYLES,
    ROOM_CHARACTER_WIDTH,
    distribution_text,
    level_rows_svg,
    level_swatch_svg,
    segment_edges,
    stacked_bar_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
LEVELS = ["Informing", "Networking", "Collaborating", "Transforming"]


def parse(markup):
    return ET.fromstring(str(markup))  # noqa: S314 — our own markup


def chart(counts, **kwargs):
    return stacked_bar_svg(counts, LEVELS, title="Coalesce the stakeholders", chart_id="ka-1", **kwargs)


def test_an_image_with_a_title_and_the_counts_as_its_text_alternative():
    svg = parse(chart([3, 10, 12, 4], not_sure=2))
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "ka-1-title ka-1-desc"
    assert svg.find(f"{SVG}title").text == "Coalesce the stakeholders"
    assert svg.find(f"{SVG}title").get("id") == "ka-1-title"
    desc = svg.find(f"{SVG}desc")
    assert desc.get("id") == "ka-1-desc"
    assert desc.text == (
        "Informing: 3 of 29 (10%); Networking: 10 of 29 (34%); Collaborating: 12 of 29 (41%); "
        "Transforming: 4 of 29 (14%); Not sure: 2"
    )


def percent(value):
    assert value.endswith("%")
    return float(value[:-1])


def test_the_bar_is_as_wide_as_its_container_each_segment_as_wide_as_its_share():
    svg = parse(chart([1, 1, 1, 0]))
    assert svg.get("width") == "100%" and svg.get("viewBox") is None  # the type keeps its size at every width
    segments = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "segment"]
    widths = [percent(rect.get("width")) for rect in segments]
    assert len(segments) == 3  # nothing drawn for an empty level
    assert sum(widths) == pytest.approx(100)
    assert widths == pytest.approx([100 / 3] * 3, abs=0.02)
    assert [percent(rect.get("x")) for rect in segments] == pytest.approx([0, 33.33, 66.67], abs=0.01)


@pytest.mark.parametrize("counts", [[3, 10, 12, 4], [1, 0, 0, 0], [7, 7, 7, 1], [1, 2]])
def test_edges_run_from_zero_to_the_width_whatever_the_rounding(counts):
    edges = segment_edges(counts, 317)
    assert edges[0] == 0 and edges[-1] == 317
    assert edges == sorted(edges)
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    n = sum(counts)
    assert widths == pytest.approx([317 * c / n for c in counts], abs=0.02)


def test_levels_differ_by_pattern_and_colour_with_no_style_attribute():
    svg = parse(chart([1, 1, 1, 1]))
    patterns = list(svg.iter(f"{SVG}pattern"))
    assert [p.get("id") for p in patterns] == [f"ka-1-level-{i}" for i in range(1, 5)]
    fills = [p.find(f"{SVG}rect").get("fill") for p in patterns]
    marks = [ET.tostring(list(p)[1]) for p in patterns]
    assert len(set(fills)) == 4 and len(set(marks)) == 4
    fills_used = [r.get("fill") for r in svg.iter(f"{SVG}rect") if r.get("class") == "segment"]
    assert fills_used == [f"url(#ka-1-level-{i})" for i in range(1, 5)]
    markup = str(chart([1, 1, 1, 1]))
    assert "style=" not in markup and "<script" not in markup and "var(" not in markup


def test_no_ratings_draws_an_empty_bar_that_says_so():
    markup = chart([0, 0, 0, 0], not_sure=3)
    svg = parse(markup)
    assert svg.find(f"{SVG}text").text == "No ratings yet"
    assert svg.find(f"{SVG}desc").text == "No ratings yet.; Not sure: 3"
    assert not [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "segment"]


def test_text_is_escaped():
    svg = parse(stacked_bar_svg([1, 0], ["<b>A</b>", "B & C"], title='"Quote" <x>', chart_id="c"))
    assert svg.find(f"{SVG}title").text == '"Quote" <x>'
    assert "<b>A</b>: 1 of 1 (100%)" in svg.find(f"{SVG}desc").text


def labels(svg):
    return [
        (t.text, t.get("x"), t.get("y"), t.get("text-anchor")) for t in svg.iter(f"{SVG}text") if t.text != "median"
    ]


def test_each_segment_is_named_with_its_count_on_alternate_rows():
    svg = parse(chart([3, 10, 12, 4]))
    # shares 10%, 34%, 41%, 14%: labels in the first half start with their segment, the others end with it
    assert labels(svg) == [
        ("Informing: 3", "0%", "64", "start"),
        ("Networking: 10", "10.34%", "81", "start"),
        ("Collaborating: 12", "86.21%", "64", "end"),
        ("Transforming: 4", "100%", "81", "end"),
    ]


def test_a_label_with_no_room_on_either_row_at_phone_width_is_left_out():
    # shares 6%, 6%, 6%, 83%: the third label would overlap the first on one row and the second on the other
    svg = parse(chart([2, 2, 2, 30]))
    assert [(label[0], label[2]) for label in labels(svg)] == [
        ("Informing: 2", "64"),
        ("Networking: 2", "81"),
        ("Transforming: 30", "64"),
    ]
    assert "Collaborating: 2 (6%)" in ET.tostring(svg, encoding="unicode")  # still in the segment's tooltip


def test_narrow_segments_get_no_label():
    svg = parse(chart([1, 99, 0, 0]))
    assert [label[0] for label in labels(svg)] == ["Networking: 99"]


@pytest.mark.parametrize("counts", [[3, 10, 12, 4], [1, 3, 3, 1], [0, 0, 5, 0]])
def test_the_median_is_marked_half_way_along_the_bar_where_the_middle_rating_lies(counts):
    svg = parse(chart(counts))
    marks = list(svg.iter(f"{SVG}line"))
    assert marks and all(line.get("x1") == line.get("x2") == "50%" for line in marks)
    assert [t.text for t in svg.iter(f"{SVG}text")].count("median") == 1


def test_no_ratings_mark_no_median():
    svg = parse(chart([0, 0, 0, 0]))
    assert not list(svg.iter(f"{SVG}line"))


@pytest.mark.parametrize("bad", ["1abc", "a b", 'x"y', ""])
def test_chart_id_must_be_a_safe_id(bad):
    with pytest.raises(ValueError):
        stacked_bar_svg([1], ["A"], title="t", chart_id=bad)


def test_counts_and_names_must_match():
    with pytest.raises(ValueError):
        stacked_bar_svg([1, 2], ["A"], title="t", chart_id="c")


def test_every_level_of_the_largest_rubric_has_a_style():
    svg = parse(stacked_bar_svg([1] * 6, list("ABCDEF"), title="t", chart_id="six"))
    assert len(list(svg.iter(f"{SVG}pattern"))) == 6 == len(LEVEL_STYLES)


def test_swatch_is_decorative_and_well_formed():
    svg = parse(level_swatch_svg(2, chart_id="legend"))
    assert svg.get("aria-hidden") == "true"
    assert svg.find(f".//{SVG}pattern").get("id") == "legend-level-2"


def test_distribution_text_without_not_sure():
    assert distribution_text([1, 1], ["A", "B"]) == "A: 1 of 2 (50%); B: 1 of 2 (50%)"


def test_the_chart_draws_in_a_pdf():
    weasyprint = pytest.importorskip("weasyprint")
    html = f"<html><body><p>Chart</p>{chart([3, 10, 12, 4])}</body></html>"
    assert weasyprint.HTML(string=html).write_pdf()[:4] == b"%PDF"


@pytest.mark.parametrize("width", [700, 1000])
def test_the_rooms_chart_leaves_room_for_the_longest_level_name_and_count(width):
    """On a Spanish phone "Establecer redes" was cut off at the chart's left edge."""
    names = ["Informar", "Establecer redes", "Colaborar", "Transformar"]
    svg = parse(level_rows_svg([2, 2, 3, 0], names, title="t", chart_id="room", median=2, width=width))
    view_width = float(svg.get("viewBox").split()[2])
    name_ends = [float(text.get("x")) for text in svg.iter(f"{SVG}text") if text.text in names]
    bars = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("fill", "").startswith("url(#room-level-")]
    assert len(bars) == len(names)
    # Each name, right-aligned at its x, fits between the left edge and the bars.
    assert min(name_ends) >= ROOM_CHARACTER_WIDTH * len("Establecer redes")
    assert all(float(bar.get("x")) > max(name_ends) for bar in bars)
    # The longest bar's count, share and "median" fit before the right edge.
    longest = max(bars, key=lambda bar: float(bar.get("width")))
    after = float(longest.get("x")) + float(longest.get("width"))
    assert view_width - after >= ROOM_CHARACTER_WIDTH * len("3 · 43%")
    assert view_width >= width
