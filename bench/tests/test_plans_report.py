"""docs/performance.md's rendering of bench/plans.py's summary: the table of
scans under stock and tuned settings, and its target's verdict."""

from bench.report import _stock_and_tuned, _targets

INDEX = {"node": "Index Scan", "relation": "assessments_rating", "index": "assessments_rating_response_id_6cfc623d"}
SEQ = {"node": "Parallel Seq Scan", "relation": "assessments_response", "index": None}


def _query(stock: list[dict], tuned: list[dict]) -> dict:
    def setting(scans: list[dict], ms: float) -> dict:
        no_seq = not any(scan["node"].endswith("Seq Scan") for scan in scans)
        return {"ms": ms, "runs_ms": [ms] * 3, "scans": scans, "no_seq_scan": no_seq}

    return {"stock": setting(stock, 12.5), "tuned": setting(tuned, 10.25), "reading": "floor"}


def _plans(stock_floor: list[dict]) -> dict:
    return {
        "settings": {
            "stock": {"random_page_cost": "4", "effective_cache_size": "4GB", "work_mem": "4MB"},
            "tuned": {"random_page_cost": "1.1", "effective_cache_size": "18078MB", "work_mem": "64MB"},
        },
        "rounds": {
            "2000": {
                "round_id": 7,
                "ratings": 18000,
                "ratings_share": 0.037,
                "queries": {"floor": _query(stock_floor, [INDEX]), "json-1-select-response": _query([], [])},
            }
        },
        "met": all(not scan["node"].endswith("Seq Scan") for scan in stock_floor),
    }


def _target(plans: dict) -> str:
    ratios = dict.fromkeys(("json_ratio", "json_computed_ratio", "page_ratio", "page_computed_ratio"), 1)
    state = {"figures": {f"results {size}": ratios for size in (2000, 20000)}}
    rows = _targets(state, None, {}, None, None, plans)
    return next(row for row in rows if row.startswith("| one round's figures by index scan"))


def test_table_names_each_scan_and_bolds_sequential_ones():
    lines = _stock_and_tuned(_plans([SEQ, INDEX]))
    assert "random_page_cost = 4, effective_cache_size = 4GB, work_mem = 4MB" in lines[0]
    assert "random_page_cost = 1.1" in lines[0]
    assert lines[4] == (
        "| 2,000 respondents (4% of the ratings) | floor | **Parallel Seq Scan** on response; "
        "Index Scan on rating (assessments_rating_response_id_6cfc623d) | 12.5 | "
        "Index Scan on rating (assessments_rating_response_id_6cfc623d) | 10.25 |"
    )
    assert lines[5] == "| 2,000 respondents (4% of the ratings) | json-1-select-response | — | 12.5 | — | 10.25 |"


def test_target_is_met_without_a_sequential_scan_under_stock_settings():
    assert _target(_plans([INDEX])) == (
        "| one round's figures by index scan, stock settings "
        "| sequential scan of ratings or responses in 0 of 2 statements | met |"
    )


def test_target_is_missed_and_names_the_statements_that_scan_sequentially():
    assert _target(_plans([SEQ, INDEX])) == (
        "| one round's figures by index scan, stock settings "
        "| sequential scan of ratings or responses in 1 of 2 statements (2,000 floor) | **missed** |"
    )


def test_not_run_without_a_summary():
    assert _stock_and_tuned(None) == ["Not run."]
