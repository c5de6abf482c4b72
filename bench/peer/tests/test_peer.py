"""bench/peer's combining and report, on made-up turns: importable without
the peer installed."""

from bench.peer.combine import combine
from bench.peer.report import TITLE, peer_section


def side(floor: float, aggregation: float, save_ms: float, statements: int, json_ms: float | None) -> dict:
    size = {"floor_ms": floor, "aggregation_ms": aggregation, "aggregation_statements": 11}
    if json_ms is not None:
        size["results_json_ms"] = json_ms
    return {"sizes": {"2000": size, "20000": dict(size)}, "save": {"ms": save_ms, "statements": statements}}


TURNS = [
    {"first": "ours", "ours": side(10, 100, 3, 1, 120), "peer": side(20, 500, 30, 33, None)},
    {"first": "peer", "ours": side(12, 110, 2, 1, 130), "peer": side(22, 600, 28, 33, None)},
    {"first": "ours", "ours": side(11, 90, 4, 1, 110), "peer": side(21, 550, 29, 33, None)},
]
VERSIONS = {
    "peer": {"package": "django-survey-and-report", "version": "1.5.0", "django": "5.2.19"},
    "ours_django": "5.2.19",
}


def test_combine_takes_the_median_of_the_turns_and_the_ratio_of_the_medians():
    data = combine(TURNS, VERSIONS)
    aggregation = data["sizes"]["2000"]["aggregation_ms"]
    assert (aggregation["ours"], aggregation["peer"], aggregation["ratio"]) == (100, 550, 5.5)
    assert aggregation["turns"] == {"ours": [100, 110, 90], "peer": [500, 600, 550]}
    assert data["save"]["statements"]["ratio"] == 33
    assert data["first"] == ["ours", "peer", "ours"]
    # A figure the peer has no counterpart for has no peer column and no ratio.
    assert data["sizes"]["20000"]["results_json_ms"] == {"ours": 120, "turns": {"ours": [120, 130, 110]}}


def test_peer_section_renders_a_row_per_measurement_and_size():
    lines = peer_section(combine(TURNS, VERSIONS))
    assert lines[0] == TITLE
    assert "| aggregation, in-process (ms) | 2,000 | 100 | 550 | 5.5× |" in lines
    assert "| results.json, the reading that makes the release (ms) | 20,000 | 120 | — | — |" in lines
    assert "| saving one rating (statements) | — | 1 | 33 | 33× |" in lines
    assert any("3 alternating turns" in line and "1.5.0" in line for line in lines)
    assert lines[-2].startswith("Aggregation turn by turn") and "100 vs 500" in lines[-2]
