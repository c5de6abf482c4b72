"""docs/performance.md's rendering of bench/exports.py's figures: the files' table and the targets of
issue 16 on the anonymized ratings CSV."""

from bench.report import _export_targets, _exports


def _figure(seconds: float, added_mb: float) -> dict:
    return {"seconds": seconds, "added_mb": added_mb, "bytes": 1234, "runs": [{"seconds": seconds}] * 3}


def test_the_targets_are_met_only_within_their_limits():
    met = _export_targets({"ratings_csv 20000": _figure(0.9, 4.2), "ratings_csv 100000": _figure(4.8, 4.6)})
    assert [row.rsplit("|", 2)[-2].strip() for row in met] == ["met"] * 4
    missed = _export_targets({"ratings_csv 20000": _figure(1.2, 60), "ratings_csv 100000": _figure(5.5, 300)})
    assert [row.rsplit("|", 2)[-2].strip() for row in missed] == ["**missed**"] * 4


def test_without_a_run_the_report_says_so():
    assert "not run" in _export_targets(None)[0]
    assert _exports(None) == ["Not run."]


def test_each_file_and_size_is_a_row():
    rows = _exports({"ratings_csv 20000": _figure(1.18, 4.2), "results_xlsx 100000": _figure(0.25, 0.4)})
    assert "| anonymized ratings CSV | 20,000 | 1.18 | 4.2 | 1,234 | 1.18, 1.18, 1.18 |" in rows
    assert "| workbook (write-only) | 100,000 | 0.25 | 0.4 | 1,234 | 0.25, 0.25, 0.25 |" in rows
